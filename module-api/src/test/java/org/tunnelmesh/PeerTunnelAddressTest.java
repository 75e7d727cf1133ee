package org.tunnelmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.internal.StateFile;

/** Where a peer's health probes go (issue 25), in every form a peer takes: Peer, --peer, the state file. */
class PeerTunnelAddressTest {

    @Test
    void theDefaultIsTheFirstAddressOfTheFirstSubnet() {
        Peer peer = Peer.of("node2", "10.245.1.3", "192.168.42.0/24,10.9.0.0/16");
        assertNull(peer.tunnelAddress());
        assertEquals(Ipv4Address.parse("192.168.42.0"), peer.probeAddress());
    }

    @Test
    void aTunnelAddressOfItsOwnMustLieInTheSubnets() {
        Peer peer =
                Peer.of("node2", "10.245.1.3", "192.168.42.0/24").withTunnelAddress(Ipv4Address.parse("192.168.42.1"));
        assertEquals(Ipv4Address.parse("192.168.42.1"), peer.probeAddress());
        InvalidInputException e = assertThrows(
                InvalidInputException.class,
                () -> Peer.of("node2", "10.245.1.3", "192.168.42.0/24")
                        .withTunnelAddress(Ipv4Address.parse("10.245.1.3")));
        assertEquals(
                "peer 'node2': tunnel address 10.245.1.3 is not inside its subnets [192.168.42.0/24]; the health probe"
                        + " must take the mesh's route to it (give an address of the peer's subnets)",
                e.getMessage());
    }

    @Test
    void thePeerSpecTakesItAfterTheSubnetsAndWritesItBack() {
        Peer peer = PeerSpec.parse("node2@10.245.1.3=192.168.42.0/24,10.9.0.0/16,tunnel=10.9.0.1");
        assertEquals(List.of(Ipv4Prefix.parse("192.168.42.0/24"), Ipv4Prefix.parse("10.9.0.0/16")), peer.subnets());
        assertEquals(Ipv4Address.parse("10.9.0.1"), peer.tunnelAddress());
        assertEquals("node2@10.245.1.3=192.168.42.0/24,10.9.0.0/16,tunnel=10.9.0.1", PeerSpec.format(peer));
        assertEquals(peer, PeerSpec.parse(PeerSpec.format(peer)));
        assertEquals(
                List.of(peer, Peer.of("node3", "10.245.1.4", "192.168.43.0/24")),
                PeerSpec.parseList("node2@10.245.1.3=192.168.42.0/24, 10.9.0.0/16, tunnel=10.9.0.1;"
                        + " node3@10.245.1.4=192.168.43.0/24"));
    }

    @Test
    void aBadTunnelAddressInASpecIsNamed() {
        InvalidInputException e = assertThrows(
                InvalidInputException.class,
                () -> PeerSpec.parse("node2@10.245.1.3=192.168.42.0/24,tunnel=192.168.42"));
        assertTrue(e.getMessage().startsWith("peer 'node2': tunnel "), e.getMessage());
        assertTrue(e.getMessage().contains("192.168.42"), e.getMessage());
        assertThrows(
                InvalidInputException.class, () -> PeerSpec.parse("node2@10.245.1.3=192.168.42.0/24,tunnel=10.0.0.1"));
        assertThrows(InvalidInputException.class, () -> PeerSpec.parse("node2@10.245.1.3=tunnel=192.168.42.1"));
    }

    @Test
    void theStateFileKeepsItAndReadsFilesWithoutIt() {
        Peer own =
                Peer.of("node2", "10.245.1.3", "192.168.42.0/24").withTunnelAddress(Ipv4Address.parse("192.168.42.7"));
        Peer plain = Peer.of("node3", "10.245.1.4", "192.168.43.0/24");
        byte[] bytes = StateFile.encode("node1", List.of(own, plain));
        assertEquals("""
                {"format":"tunnelmesh-state","version":1,"mesh":"node1","peers":[
                {"name":"node2","underlay":"10.245.1.3","subnets":["192.168.42.0/24"],"tunnelAddress":"192.168.42.7"},
                {"name":"node3","underlay":"10.245.1.4","subnets":["192.168.43.0/24"]}
                ]}
                """, new String(bytes, StandardCharsets.UTF_8));
        assertEquals(List.of(own, plain), StateFile.decode(bytes, "node1"));
        InvalidInputException e = assertThrows(
                InvalidInputException.class,
                () -> StateFile.decode(
                        ("{\"format\":\"tunnelmesh-state\",\"version\":1,\"mesh\":\"node1\",\"peers\":["
                                        + "{\"name\":\"node2\",\"underlay\":\"10.245.1.3\",\"subnets\":[\"192.168.42.0/24\"],"
                                        + "\"tunnelAddress\":7}]}")
                                .getBytes(StandardCharsets.UTF_8),
                        "node1"));
        assertTrue(e.getMessage().contains("\"tunnelAddress\" is a number, not a string"), e.getMessage());
    }

    @Test
    void probeSettingsAreCheckedAndDefaultToOneSecondThreeMissesAHundredPerSecond() {
        MeshConfig.Builder b = MeshConfig.builder().underlay("10.245.1.2").tunnelAddress("192.168.41.0");
        MeshConfig config = b.build();
        assertEquals(Duration.ofSeconds(1), config.probeInterval());
        assertEquals(3, config.probeMisses());
        assertEquals(100, config.probeRate());
        assertEquals(Duration.ZERO, b.probeInterval(Duration.ZERO).build().probeInterval());
        assertEquals(
                "probe interval PT0.005S must be zero (no active probes) or between 10 ms and 1 hour",
                assertThrows(
                                InvalidInputException.class,
                                () -> MeshConfig.builder()
                                        .underlay("10.245.1.2")
                                        .tunnelAddress("192.168.41.0")
                                        .probeInterval(Duration.ofMillis(5))
                                        .build())
                        .getMessage());
        assertThrows(
                InvalidInputException.class,
                () -> b.probeInterval(Duration.ofMillis(-1)).build());
        assertThrows(
                InvalidInputException.class,
                () -> b.probeInterval(Duration.ZERO).probeMisses(0).build());
        assertThrows(
                InvalidInputException.class, () -> b.probeMisses(3).probeRate(0).build());
        assertEquals(config.toString(), config.toBuilder().build().toString());
    }
}
