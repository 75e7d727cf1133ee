package org.tunnelmesh.testing;

import java.util.List;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TunnelMesh;

/** The test double keeps the contract of the kernel-backed mesh (LinuxTunnelMeshContractKernelIT runs the same). */
class InMemoryTunnelMeshContractTest extends TunnelMeshContract {
    @Override
    protected TunnelMesh open(MeshConfig config, List<Peer> peers) {
        return InMemoryTunnelMesh.open(config, peers);
    }
}
