package org.tunnelmesh.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;
import org.tunnelmesh.internal.PeerTable;

class SeedPeersTest {

    @Test
    void peersCountUpFromTheSeedsAddresses() {
        List<Peer> peers = SeedPeers.of(3, 2);

        assertEquals(
                List.of(
                        Peer.of("p0", "10.245.1.10", "192.168.42.0/32,192.168.42.1/32"),
                        Peer.of("p1", "10.245.1.11", "192.168.42.2/32,192.168.42.3/32"),
                        Peer.of("p2", "10.245.1.12", "192.168.42.4/32,192.168.42.5/32")),
                peers);
    }

    @Test
    void theWholePlanIsAValidPeerSetBesideNode1() {
        List<Peer> peers = SeedPeers.of(SeedPeers.MAX, SeedPeers.MAX_SUBNETS / SeedPeers.MAX);
        MeshConfig node1 = MeshConfig.builder()
                .name("node1")
                .underlay("10.245.1.2")
                .tunnelAddress("192.168.41.0")
                .build();

        new PeerTable(node1).checkAdd(peers); // throws on a clash

        assertEquals("10.245.1.249", peers.get(SeedPeers.MAX - 1).underlay().toString());
        Set<Ipv4Prefix> subnets =
                peers.stream().flatMap(p -> p.subnets().stream()).collect(Collectors.toSet());
        assertEquals(SeedPeers.MAX * (SeedPeers.MAX_SUBNETS / SeedPeers.MAX), subnets.size());
    }

    @Test
    void morePeersOrSubnetsThanThePlanHoldsAreRefused() {
        IllegalArgumentException peers =
                assertThrows(IllegalArgumentException.class, () -> SeedPeers.of(SeedPeers.MAX + 1, 1));
        IllegalArgumentException subnets =
                assertThrows(IllegalArgumentException.class, () -> SeedPeers.of(2, SeedPeers.MAX_SUBNETS));

        assertTrue(peers.getMessage().contains("241 peers"), peers.getMessage());
        assertTrue(subnets.getMessage().contains("2048 subnets each"), subnets.getMessage());
    }
}
