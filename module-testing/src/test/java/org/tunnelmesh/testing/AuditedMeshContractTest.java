package org.tunnelmesh.testing;

import java.util.List;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TunnelMesh;

/** The README's example of holding an embedder's own decorator to the contract: it must pass as it is printed. */
// spotless:off - the README's snippet as it is printed there
// snippet: testing-contract
class AuditedMeshContractTest extends TunnelMeshContract {
    @Override
    protected TunnelMesh open(MeshConfig config, List<Peer> peers) {
        return new AuditedMesh(InMemoryTunnelMesh.open(config, peers));
    }
}
// end snippet
// spotless:on
