package org.tunnelmesh.samples;

import java.lang.management.ManagementFactory;
import java.util.List;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TunnelMesh;
import org.tunnelmesh.jmx.MeshMBeans;
import org.tunnelmesh.linux.LinuxTunnelMesh;

/**
 * The smallest host application: open a mesh, publish it over JMX, add a peer, print the counters, close. Its body is
 * the README's "Embed it" snippet line for line (ReadmeJavaSnippetsTest checks that).
 */
public final class EmbedExample {
    private EmbedExample() {}

    /**
     * Runs the example: needs CAP_NET_ADMIN and 10.245.1.2 on a device (the lab's node1).
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        // spotless:off - the README's snippet as it is printed there
        // snippet: embed-java
        MeshConfig config = MeshConfig.builder()
                .name("edge").mode(MeshMode.SHARED)
                .underlay("10.245.1.2").tunnelAddress("192.168.41.0")
                .build();
        try (TunnelMesh mesh = LinuxTunnelMesh.open(config, List.of(Peer.of("node2", "10.245.1.3", "192.168.42.0/24")))) {
            MeshMBeans.export(mesh, ManagementFactory.getPlatformMBeanServer());
            mesh.addPeer(Peer.of("node3", "10.245.1.4", "192.168.43.0/24"));   // timed in MeshStats' AddPeer.*
            mesh.devices().forEach(d -> System.out.println(d.name() + " tx=" + d.counters().txPackets()));
        }   // closing the mesh unregisters its MBeans; close() leaves the kernel state in place, mesh.purge() removes it
        // end snippet
        // spotless:on
    }
}
