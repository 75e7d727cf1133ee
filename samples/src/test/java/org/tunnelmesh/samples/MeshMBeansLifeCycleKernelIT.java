package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.MeshClosedException;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.jmx.MeshMBeans;
import org.tunnelmesh.linux.LinuxTunnelMesh;

/**
 * Issue 24: the kernel-backed mesh owns its MBeans - once it is closed, by whichever handle, none of them is
 * registered; the latency of a change made on the bare mesh is counted.
 */
class MeshMBeansLifeCycleKernelIT {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    private static MeshConfig config(MeshMode mode) {
        return MeshConfig.builder()
                .name("lifecycle")
                .mode(mode)
                .underlay("10.245.1.2")
                .tunnelAddress("192.168.41.0")
                .netns("node1")
                .watchKernel(false)
                .build();
    }

    @BeforeEach
    void inTheLab() {
        assertTrue(Files.exists(Path.of("/run/netns/node1")), "kernel tests run in the lab (lab/kernel-lab)");
    }

    @AfterEach
    void purge() {
        try (LinuxTunnelMesh leftover = LinuxTunnelMesh.open(config(MeshMode.POINT_TO_POINT))) {
            leftover.purge();
        }
    }

    @Test
    void closingTheMeshLeavesNoMBeanOfItRegistered() throws Exception {
        for (MeshMode mode : MeshMode.values()) {
            for (boolean throughTheMBeansHandle : List.of(false, true)) {
                LinuxTunnelMesh mesh =
                        LinuxTunnelMesh.open(config(mode), List.of(Peer.of("node2", "10.245.1.3", "192.168.42.0/24")));
                MeshMBeans mbeans = MeshMBeans.export(mesh, server);
                mesh.addPeer(Peer.of("node3", "10.245.1.4", "192.168.43.0/24"));
                ObjectName stats = new ObjectName("org.tunnelmesh:type=MeshStats,name=lifecycle");
                assertEquals(1L, server.getAttribute(stats, "AddPeer.Count"), "the bare mesh's addPeer is timed");
                assertTrue(server.queryNames(new ObjectName("org.tunnelmesh:type=TunnelDevice,mesh=lifecycle,*"), null)
                                .size()
                        >= 1);
                assertEquals(
                        2,
                        server.queryNames(new ObjectName("org.tunnelmesh:type=Peer,mesh=lifecycle,*"), null)
                                .size());

                (throughTheMBeansHandle ? mbeans.mesh() : mesh).close();

                assertEquals(
                        Set.of(),
                        server.queryNames(new ObjectName("org.tunnelmesh:mesh=lifecycle,*"), null),
                        mode + ": no Peer or TunnelDevice MBean after close");
                assertEquals(
                        Set.of(),
                        server.queryNames(new ObjectName("org.tunnelmesh:name=lifecycle,*"), null),
                        mode + ": no Mesh, MeshStats or MeshEvents MBean after close");
                assertThrows(MeshClosedException.class, mesh::peers);
                mbeans.close(); // after the mesh: nothing left to do, nothing thrown
                mesh.close(); // twice: nothing
            }
        }
    }
}
