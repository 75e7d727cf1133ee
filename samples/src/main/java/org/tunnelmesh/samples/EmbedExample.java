package org.tunnelmesh.samples;

import java.lang.management.ManagementFactory;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TunnelMesh;
import org.tunnelmesh.jmx.MeshMBeans;
import org.tunnelmesh.linux.LinuxTunnelMesh;

/** The smallest host application: open a mesh, add a peer, publish it over JMX, close. */
public final class EmbedExample {
    /**
     * Runs the example: needs CAP_NET_ADMIN and 10.245.1.2 on a device (the lab's node1).
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        MeshConfig config = MeshConfig.builder()
                .name("node1")
                .underlay("10.245.1.2")
                .tunnelAddress("192.168.41.0")
                .build();
        try (TunnelMesh mesh = LinuxTunnelMesh.open(config)) {
            MeshMBeans.export(mesh, ManagementFactory.getPlatformMBeanServer());
            mesh.addPeer(Peer.of("node2", "10.245.1.3", "192.168.42.0/24")); // timed in MeshStats' AddPeer.*
            System.out.println(mesh.peers() + " via " + mesh.deviceOf("node2"));
        }
        // closing the mesh unregisters its MBeans and leaves the routes in the kernel: traffic keeps flowing until
        // purge()
    }
}
