package org.tunnelmesh.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Peer;

class ZooKeeperServersTest {
    @Test
    void everyServerOfTheConnectStringCountsAndTheChrootIsNotAHost() {
        Map<Ipv4Address, String> servers =
                new ZooKeeperServers("10.245.1.1:2181,10.0.9.7:2182,[fd00::1]:2181/tunnelmesh").resolve();
        assertEquals(
                Map.of(
                        Ipv4Address.parse("10.245.1.1"),
                        "10.245.1.1:2181",
                        Ipv4Address.parse("10.0.9.7"),
                        "10.0.9.7:2182"),
                servers);
    }

    @Test
    void aMemberWhoseSubnetHoldsAServerIsRefusedWithTheServerNamed() {
        Map<Ipv4Address, String> servers = new ZooKeeperServers("10.245.1.1:2181,10.0.9.7:2182").resolve();
        assertEquals(
                "member 'evil': subnet 10.0.0.0/16 holds ZooKeeper server 10.0.9.7 (10.0.9.7:2182); "
                        + "a member cannot route the cluster's control plane into the mesh",
                ZooKeeperServers.refusal(Peer.of("evil", "10.245.1.9", "192.168.50.0/24,10.0.0.0/16"), servers));
        assertEquals(
                "member 'zk': subnet 10.245.1.1/32 holds ZooKeeper server 10.245.1.1 (10.245.1.1:2181); "
                        + "a member cannot route the cluster's control plane into the mesh",
                ZooKeeperServers.refusal(Peer.of("zk", "10.245.1.9", "10.245.1.1/32"), servers));
        assertNull(ZooKeeperServers.refusal(Peer.of("node2", "10.245.1.3", "192.168.42.0/24,10.0.10.0/24"), servers));
    }
}
