package org.tunnelmesh.jmx;

import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;

/** The in-memory mesh the MBean tests export: mesh "lab", named as node1's in the kernel lab, and its two peers. */
final class TestMeshes {
    static final Peer NODE2 = Peer.of("node2", "10.245.1.3", "192.168.42.0/24");
    static final Peer NODE3 = Peer.of("node3", "10.245.1.4", "192.168.43.0/24");

    private TestMeshes() {}

    /** Mesh "lab" on underlay 10.245.1.2 with tunnel address 192.168.41.0; a test sets what else it needs. */
    static MeshConfig.Builder lab() {
        return MeshConfig.builder().name("lab").underlay("10.245.1.2").tunnelAddress("192.168.41.0");
    }
}
