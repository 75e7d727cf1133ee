package org.tunnelmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PeerTest {
    private static final Ipv4Address UNDERLAY = Ipv4Address.parse("10.245.1.3");
    private static final List<Ipv4Prefix> SUBNETS = List.of(Ipv4Prefix.parse("192.168.42.0/24"));

    @Test
    void ofBuildsAPeerFromTypedStrings() {
        Peer p = Peer.of("node2", "10.245.1.3", "192.168.42.0/24, 10.9.0.0/16");
        assertEquals("node2", p.name());
        assertEquals(UNDERLAY, p.underlay());
        assertEquals(List.of(Ipv4Prefix.parse("192.168.42.0/24"), Ipv4Prefix.parse("10.9.0.0/16")), p.subnets());
    }

    @Test
    void subnetsAreCopiedAndImmutable() {
        List<Ipv4Prefix> subnets = new ArrayList<>(SUBNETS);
        Peer p = new Peer("node2", UNDERLAY, subnets);
        subnets.add(Ipv4Prefix.parse("10.9.0.0/16"));
        assertEquals(SUBNETS, p.subnets());
        assertThrows(UnsupportedOperationException.class, () -> p.subnets().add(Ipv4Prefix.parse("10.9.0.0/16")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"n", "node2", "Node_2.east-1", "0", "9lives", "a-"})
    void acceptsNames(String name) {
        assertEquals(name, new Peer(name, UNDERLAY, SUBNETS).name());
    }

    @Test
    void acceptsNameOfExactlyMaxLength() {
        String name = "a".repeat(Peer.MAX_NAME_LENGTH);
        assertEquals(name, Peer.of(name, "10.245.1.3", "192.168.42.0/24").name());
    }

    @Test
    void rejectsNameLongerThanMax() {
        String name = "a".repeat(Peer.MAX_NAME_LENGTH + 1);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> new Peer(name, UNDERLAY, SUBNETS));
        assertTrue(e.getMessage().contains(name), e.getMessage());
        assertTrue(e.getMessage().contains("64"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "a,b", "a=b", "a:b", "a*", "-a", "_a", ".a", "a/b", "a@b", "nöde", " a", "a\n"})
    void rejectsNamesWithBadCharactersNamingThem(String name) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> new Peer(name, UNDERLAY, SUBNETS));
        assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage());
        InvalidInputException viaOf =
                assertThrows(InvalidInputException.class, () -> Peer.of(name, "10.245.1.3", "192.168.42.0/24"));
        assertTrue(viaOf.getMessage().contains("'" + name + "'"), viaOf.getMessage());
    }

    @Test
    void rejectsMissingName() {
        assertThrows(InvalidInputException.class, () -> new Peer("", UNDERLAY, SUBNETS));
        assertThrows(InvalidInputException.class, () -> new Peer(null, UNDERLAY, SUBNETS));
        assertThrows(InvalidInputException.class, () -> Peer.of("", "10.245.1.3", "192.168.42.0/24"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"0.0.0.0", "127.0.0.1", "127.1.2.3", "224.0.0.1", "239.1.1.1", "240.0.0.1", "255.255.255.255"})
    void underlayMustBeUnicast(String underlay) {
        InvalidInputException e = assertThrows(
                InvalidInputException.class, () -> new Peer("node2", Ipv4Address.parse(underlay), SUBNETS));
        assertTrue(e.getMessage().contains("node2"), e.getMessage());
        assertTrue(e.getMessage().contains(underlay), e.getMessage());
        assertThrows(InvalidInputException.class, () -> Peer.of("node2", underlay, "192.168.42.0/24"));
    }

    /** Issue 24: "127.0.0.1 is not a unicast address" was wrong (it is one); the message says what is wrong with it. */
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "127.0.0.1|is a loopback address (127.0.0.0/8), which never leaves this host",
                "0.0.0.0|is the unspecified address (0.0.0.0), which names no host",
                "239.1.1.1|is a multicast address (224.0.0.0/4), which names a group, not a host",
                "255.255.255.255|is the limited broadcast address, which names every host on a link",
                "240.0.0.1|is in 240.0.0.0/4, reserved and not routable"
            })
    void aNonUnicastUnderlaySaysWhatIsWrongWithIt(String underlay, String what) {
        InvalidInputException e =
                assertThrows(InvalidInputException.class, () -> Peer.of("node2", underlay, "192.168.42.0/24"));

        assertEquals(
                "peer 'node2': underlay " + underlay + " " + what
                        + "; give the peer's own unicast address, the one its tunnel packets come from",
                e.getMessage());
    }

    @Test
    void rejectsMissingUnderlay() {
        assertThrows(InvalidInputException.class, () -> new Peer("node2", null, SUBNETS));
    }

    @Test
    void badUnderlayTextNamesPeerAndText() {
        InvalidInputException e =
                assertThrows(InvalidInputException.class, () -> Peer.of("node2", "10.245.1", "192.168.42.0/24"));
        assertTrue(e.getMessage().contains("peer 'node2'"), e.getMessage());
        assertTrue(e.getMessage().contains("'10.245.1'"), e.getMessage());
    }

    @Test
    void badSubnetTextNamesPeerAndText() {
        InvalidInputException e =
                assertThrows(InvalidInputException.class, () -> Peer.of("node2", "10.245.1.3", "192.168.42.0/33"));
        assertTrue(e.getMessage().contains("peer 'node2'"), e.getMessage());
        assertTrue(e.getMessage().contains("192.168.42.0/33"), e.getMessage());
    }

    @Test
    void needsAtLeastOneSubnet() {
        InvalidInputException e =
                assertThrows(InvalidInputException.class, () -> new Peer("node2", UNDERLAY, List.of()));
        assertTrue(e.getMessage().contains("node2"), e.getMessage());
        assertThrows(InvalidInputException.class, () -> new Peer("node2", UNDERLAY, null));
        assertThrows(InvalidInputException.class, () -> Peer.of("node2", "10.245.1.3", ""));
        assertThrows(InvalidInputException.class, () -> Peer.of("node2", "10.245.1.3", "  "));
    }

    @Test
    void rejectsOverlappingSubnetsOfOnePeerNamingBoth() {
        InvalidInputException e = assertThrows(
                InvalidInputException.class,
                () -> Peer.of("node2", "10.245.1.3", "192.168.0.0/16,10.9.0.0/16,192.168.42.0/24"));
        assertTrue(e.getMessage().contains("192.168.0.0/16"), e.getMessage());
        assertTrue(e.getMessage().contains("192.168.42.0/24"), e.getMessage());
        assertTrue(e.getMessage().contains("node2"), e.getMessage());

        assertThrows(
                InvalidInputException.class, () -> Peer.of("node2", "10.245.1.3", "192.168.42.0/24,192.168.42.0/24"));
        assertThrows(
                InvalidInputException.class, () -> Peer.of("node2", "10.245.1.3", "192.168.42.7/32,192.168.42.0/24"));
    }

    @Test
    void adjacentSubnetsDoNotOverlap() {
        Peer p = Peer.of("node2", "10.245.1.3", "192.168.42.0/25,192.168.42.128/25");
        assertEquals(2, p.subnets().size());
    }

    @Test
    void capsSubnetsPerPeer() {
        List<Ipv4Prefix> many = new ArrayList<>();
        for (int i = 0; i <= Peer.MAX_SUBNETS; i++) {
            many.add(Ipv4Prefix.parse("10.9." + (i / 256) + "." + (i % 256) + "/32"));
        }
        InvalidInputException e = assertThrows(
                InvalidInputException.class, () -> new Peer("node2", Ipv4Address.parse("10.245.1.3"), many));
        assertTrue(
                e.getMessage().contains("'node2'") && e.getMessage().contains(String.valueOf(Peer.MAX_SUBNETS + 1)),
                e.getMessage());
        assertEquals(
                Peer.MAX_SUBNETS,
                new Peer("node2", Ipv4Address.parse("10.245.1.3"), many.subList(0, Peer.MAX_SUBNETS))
                        .subnets()
                        .size());
    }

    @Test
    void aNameIsSafeExactlyWhenTheRuleSaysSo() {
        java.util.regex.Pattern rule = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
        for (char c = 0; c < 0x300; c++) {
            for (String name : List.of(String.valueOf(c), "a" + c, "a" + c + "b", c + "a")) {
                assertEquals(rule.matcher(name).matches(), Peer.isSafeName(name), "name with U+" + (int) c);
            }
        }
    }
}
