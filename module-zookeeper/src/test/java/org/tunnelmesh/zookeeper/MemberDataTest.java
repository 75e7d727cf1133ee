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
