package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;
import org.tunnelmesh.jmx.MeshMBeans;
import org.tunnelmesh.testing.InMemoryTunnelMesh;

/**
 * Code of one's own tested without a kernel, with tunnelmesh-testing's double: the snippet proposed for the README's
 * "Testing your own code without a kernel" (marker {@code testing-java}; ReadmeJavaSnippetsTest checks it once there).
 */
class InMemoryMeshExampleTest {

    @Test
    void anInMemoryMeshBehavesAsTheKernelBackedOne() throws Exception {
        var server = MBeanServerFactory.newMBeanServer();
        // spotless:off - the snippet as it would be printed in the README
        // snippet: testing-java
        MeshConfig config = MeshConfig.builder().name("edge").underlay("10.245.1.2").tunnelAddress("192.168.41.0").build();
        try (InMemoryTunnelMesh mesh = InMemoryTunnelMesh.open(config, List.of(Peer.of("node2", "10.245.1.3", "192.168.42.0/24")));
             MeshMBeans mbeans = MeshMBeans.export(mesh, server)) {
            mbeans.mesh().addPeer(Peer.of("node3", "10.245.1.4", "192.168.43.0/24"));
            assertEquals(List.of("node2", "node3"), mesh.peers().stream().map(Peer::name).toList());
            mesh.drift("ip route add 192.168.42.0/24 via 10.245.1.3 dev tunl0 onlink");
            assertEquals(1, mesh.reconcile());   // what the kernel-backed mesh returns after one repair
        }
        // end snippet
        // spotless:on
        assertEquals(
                0, server.queryNames(new ObjectName("org.tunnelmesh:*"), null).size(), "close() unregisters");
    }
}
