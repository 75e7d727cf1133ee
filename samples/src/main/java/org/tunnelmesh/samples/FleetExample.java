package org.tunnelmesh.samples;

import java.util.concurrent.CountDownLatch;
import javax.management.MBeanServer;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.TunnelMesh;
import org.tunnelmesh.jmx.MeshMBeans;
import org.tunnelmesh.linux.LinuxTunnelMesh;
import org.tunnelmesh.zookeeper.MembershipConfig;
import org.tunnelmesh.zookeeper.ZooKeeperMembership;

/** A mesh whose peers come from a cluster in ZooKeeper: the README's "A fleet" snippet. */
public final class FleetExample {
    private FleetExample() {}

    /**
     * Joins the cluster {@code edge} at zk1:2181 and runs until {@code stop} counts down.
     *
     * @param config the mesh's configuration
     * @param server where its MBeans go
     * @param stop counted down to leave the cluster and close the mesh
     * @throws InterruptedException when interrupted while running
     */
    public static void run(MeshConfig config, MBeanServer server, CountDownLatch stop) throws InterruptedException {
        // spotless:off - the README's snippet as it is printed there; its "..." is the body below
        // snippet: zookeeper-java
        try (TunnelMesh mesh = LinuxTunnelMesh.open(config);
             MeshMBeans mbeans = MeshMBeans.export(mesh, server);
             ZooKeeperMembership membership = ZooKeeperMembership.join(mesh,
                     MembershipConfig.builder().connect("zk1:2181").cluster("edge").subnets("192.168.41.0/24").build())) {
            stop.await();
        }
        // end snippet
        // spotless:on
    }
}
