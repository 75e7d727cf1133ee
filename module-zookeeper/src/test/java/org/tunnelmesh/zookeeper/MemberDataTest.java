package org.tunnelmesh.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tunnelmesh.Encapsulation;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.Peer;

class MemberDataTest {

    @Test
    void encodesTheContractsJson() {
        assertEquals(
                "{\"underlay\":\"10.245.1.3\",\"subnets\":[\"192.168.42.0/24\",\"10.42.0.0/16\"]}",
                new String(
                        MemberData.encode(
                                Ipv4Address.parse("10.245.1.3"),
                                List.of(Ipv4Prefix.parse("192.168.42.0/24"), Ipv4Prefix.parse("10.42.0.0/16"))),
                        StandardCharsets.UTF_8));
    }

    /** Issue 27: a member announces that it encrypts, never with what; one that does not writes what it always did. */
    @Test
    void aMemberAnnouncesEncryptionOnlyAndAMismatchIsRefused() {
        Ipv4Address underlay = Ipv4Address.parse("10.245.1.3");
        List<Ipv4Prefix> subnets = List.of(Ipv4Prefix.parse("192.168.42.0/24"));
        byte[] encrypting = MemberData.encode(underlay, subnets, null, Encapsulation.NONE, true);
        assertEquals(
                "{\"underlay\":\"10.245.1.3\",\"subnets\":[\"192.168.42.0/24\"],\"encrypted\":true}",
                new String(encrypting, StandardCharsets.UTF_8));
        byte[] plain = MemberData.encode(underlay, subnets, null, Encapsulation.NONE, false);
        assertEquals(
                new String(MemberData.encode(underlay, subnets), StandardCharsets.UTF_8),
                new String(plain, StandardCharsets.UTF_8));
        Peer peer = Peer.of("node2", "10.245.1.3", "192.168.42.0/24");
        assertEquals(peer, MemberData.parse("node2", encrypting, null, true));
        assertEquals(peer, MemberData.parse("node2", plain, null, false));
        assertEquals(
                "member 'node2' encrypts and this node does not: give every node of the cluster the same"
                        + " --encryption-key-file, or none",
                assertThrows(InvalidInputException.class, () -> MemberData.parse("node2", encrypting, null, false))
                        .getMessage());
        assertEquals(
                "member 'node2' does not encrypt and this node does: give every node of the cluster the same"
                        + " --encryption-key-file, or none",
                assertThrows(InvalidInputException.class, () -> MemberData.parse("node2", plain, null, true))
                        .getMessage());
        assertTrue(assertThrows(
                        InvalidInputException.class,
                        () -> MemberData.parse(
                                "node2",
                                bytes("{\"underlay\":\"10.245.1.3\",\"subnets\":[],\"encrypted\":\"yes\"}"),
                                null,
                                true))
                .getMessage()
                .contains("\"encrypted\" is not true or false"));
    }

    @Test
    void announcesAnEncapsulationOnlyWhenThereIsOne() {
        Ipv4Address underlay = Ipv4Address.parse("10.245.1.3");
        List<Ipv4Prefix> subnets = List.of(Ipv4Prefix.parse("192.168.42.0/24"));
        assertEquals(
                "{\"underlay\":\"10.245.1.3\",\"subnets\":[\"192.168.42.0/24\"]}",
                new String(
                        MemberData.encode(underlay, subnets, null, Encapsulation.NONE, false), StandardCharsets.UTF_8),
                "a plain node writes the bytes it wrote before");
        byte[] fou = MemberData.encode(underlay, subnets, null, Encapsulation.fou(5555), false);
        assertEquals(
                "{\"underlay\":\"10.245.1.3\",\"subnets\":[\"192.168.42.0/24\"],\"encapsulation\":\"FOU:5555\"}",
                new String(fou, StandardCharsets.UTF_8));
        assertEquals(
                Peer.of("n", "10.245.1.3", "192.168.42.0/24"), MemberData.parse("n", fou, Encapsulation.fou(5555)));
    }

    @Test
    void aMemberOfAnotherEncapsulationIsRefusedAndOneWithoutReadsAsNone() {
        byte[] plain = bytes("{\"underlay\":\"10.245.1.3\",\"subnets\":[\"192.168.42.0/24\"]}");
        assertEquals(Peer.of("n", "10.245.1.3", "192.168.42.0/24"), MemberData.parse("n", plain, Encapsulation.NONE));
        assertEquals(
                "member 'n' uses encapsulation NONE, this node FOU:5555: neither would understand the other's packets;"
                        + " give every node the same --encap",
                assertThrows(InvalidInputException.class, () -> MemberData.parse("n", plain, Encapsulation.fou(5555)))
                        .getMessage());
        byte[] gue6000 =
                bytes("{\"underlay\":\"10.245.1.3\",\"subnets\":[\"192.168.42.0/24\"],\"encapsulation\":\"GUE:6000\"}");
        assertThrows(InvalidInputException.class, () -> MemberData.parse("n", gue6000, Encapsulation.gue(5555)));
        assertThrows(InvalidInputException.class, () -> MemberData.parse("n", gue6000, Encapsulation.NONE));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "7|member 'm': \"encapsulation\" is not a string",
                "\"vxlan\"|member 'm': encapsulation 'vxlan' is not none, fou[:PORT] or gue[:PORT] (e.g. fou:5555)",
                "\"FOU:0\"|member 'm': encapsulation 'FOU:0': the port 0 is out of range 1..65535",
                "\"FOU:99999999999999999999\"|member 'm': encapsulation 'FOU:99999999999999999999': the port '99999999999999999999' is not a number in 1..65535",
                "null|member 'm': \"encapsulation\" is not a string",
            })
    void aBadEncapsulationIsMalformed(String value, String message) {
        byte[] data = bytes(
                "{\"underlay\":\"10.245.1.3\",\"subnets\":[\"192.168.42.0/24\"],\"encapsulation\":" + value + "}");
        assertEquals(
                message,
                assertThrows(InvalidInputException.class, () -> MemberData.parse("m", data, Encapsulation.NONE))
                        .getMessage());
    }

    @Test
    void parsesAMemberAndIgnoresKeysOfLaterVersions() {
        assertEquals(
                Peer.of("node2", "10.245.1.3", "192.168.42.0/24"),
                MemberData.parse(
                        "node2",
                        bytes(" {\"subnets\" : [\"192.168.42.0/24\"], \"underlay\":\"10.245.1.3\", \"weight\": 3}\n")));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "''|member 'm' has no data",
                "{\"underlay\":\"10.245.1.3\"|member 'm': not valid JSON: unexpected end of the document at line 1, column 25",
                "[]|member 'm': expected a JSON object, found an array",
                "{\"subnets\":[\"10.1.0.0/16\"]}|member 'm': \"underlay\" is missing or not a string",
                "{\"underlay\":\"10.245.1.3\",\"subnets\":\"10.1.0.0/16\"}|member 'm': \"subnets\" is missing or not an array",
                "{\"underlay\":\"10.245.1.3\",\"subnets\":[7]}|member 'm': a subnet is a number, not a string",
                "{\"underlay\":\"10.245.1.3\",\"subnets\":[]}|peer 'm': needs at least one subnet",
                "{\"underlay\":\"127.0.0.1\",\"subnets\":[\"10.1.0.0/16\"]}|peer 'm': underlay 127.0.0.1 is a loopback address (127.0.0.0/8), which never leaves this host; give the peer's own unicast address, the one its tunnel packets come from",
            })
    void refusesWhatIsNotExactlyAMember(String data, String message) {
        assertEquals(
                message,
                assertThrows(InvalidInputException.class, () -> MemberData.parse("m", bytes(data)))
                        .getMessage());
    }

    @Test
    void refusesBadCidrsNotUtf8AndHugeData() {
        assertTrue(assertThrows(
                        InvalidInputException.class,
                        () -> MemberData.parse(
                                "m", bytes("{\"underlay\":\"10.245.1.3\",\"subnets\":[\"10.1.0.1/16\"]}")))
                .getMessage()
                .startsWith("member 'm': "));
        assertTrue(assertThrows(
                        InvalidInputException.class,
                        () -> MemberData.parse(
                                "m", bytes("{\"underlay\":\"10.245.1.300\",\"subnets\":[\"10.1.0.0/16\"]}")))
                .getMessage()
                .startsWith("member 'm': "));
        assertEquals(
                "member 'm': data is not UTF-8",
                assertThrows(
                                InvalidInputException.class,
                                () -> MemberData.parse("m", new byte[] {'{', (byte) 0xc3, '}'}))
                        .getMessage());
        assertEquals(
                "member 'm': data of 70000 bytes is over the limit of 1024 bytes",
                assertThrows(InvalidInputException.class, () -> MemberData.parse("m", new byte[70_000]))
                        .getMessage());
        assertEquals(
                "member 'm': data of 1025 bytes is over the limit of 1024 bytes",
                assertThrows(InvalidInputException.class, () -> MemberData.parse("m", new byte[1025]))
                        .getMessage());
    }

    @Test
    void thisNodesOwnDataMustFitTheLimit() {
        List<Ipv4Prefix> many = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            many.add(Ipv4Prefix.parse("10." + i + ".0.0/16"));
        }
        assertEquals(
                "this node's member data (80 subnets) is 1227 bytes, over the limit of 1024: announce fewer, wider subnets",
                assertThrows(
                                InvalidInputException.class,
                                () -> MemberData.encode(Ipv4Address.parse("10.245.1.2"), many))
                        .getMessage());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
