package org.tunnelmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PeerSpecTest {

    @Test
    void parsesOnePeerWithManySubnets() {
        Peer peer = PeerSpec.parse("node2@10.245.1.3=192.168.42.0/24,10.9.0.0/16");

        assertEquals("node2", peer.name());
        assertEquals("10.245.1.3", peer.underlay().toString());
        assertEquals(List.of(Ipv4Prefix.parse("192.168.42.0/24"), Ipv4Prefix.parse("10.9.0.0/16")), peer.subnets());
    }

    @Test
    void parsesListsSeparatedBySemicolonsOrBlanks() {
        List<Peer> peers = PeerSpec.parseList(
                " a@10.0.0.2=10.1.0.0/24, 10.2.0.0/24;b@10.0.0.3=10.3.0.0/24\n c@10.0.0.4=10.4.0.0/24 ");

        assertEquals(List.of("a", "b", "c"), peers.stream().map(Peer::name).toList());
        assertEquals(2, peers.get(0).subnets().size());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "node2                              | 'node2'",
                "node2@10.245.1.3                   | 'node2@10.245.1.3'",
                "@10.245.1.3=192.168.42.0/24        | '@10.245.1.3=192.168.42.0/24'",
                "node2@10.245.1.300=192.168.42.0/24 | '10.245.1.300'",
                "node2@10.245.1.3=192.168.42.1/24   | '192.168.42.1/24'",
                "node2@10.245.1.3=192.168.42.0/33   | '192.168.42.0/33'",
                "node2@10.245.1.3=                  | subnet list is empty",
                "no de@10.245.1.3=192.168.42.0/24   | 'no de'",
                "node2@127.0.0.1=192.168.42.0/24    | 127.0.0.1",
            })
    void namesTheBadPartOfAPeer(String spec, String named) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> PeerSpec.parse(spec));

        assertTrue(e.getMessage().contains(named), e.getMessage());
    }

    @Test
    void anEmptyListIsAnError() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> PeerSpec.parseList(" ; "));

        assertTrue(e.getMessage().contains(PeerSpec.FORMAT), e.getMessage());
    }

    @Test
    void aListNamesItsFirstBadEntry() {
        InvalidInputException e = assertThrows(
                InvalidInputException.class, () -> PeerSpec.parseList("a@10.0.0.2=10.1.0.0/24;b@10.0.0.3"));

        assertTrue(e.getMessage().contains("'b@10.0.0.3'"), e.getMessage());
    }
}
