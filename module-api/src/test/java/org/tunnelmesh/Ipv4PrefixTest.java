package org.tunnelmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Ipv4PrefixTest {

    @Test
    void parsesCidr() {
        Ipv4Prefix p = Ipv4Prefix.parse("192.168.42.0/24");
        assertEquals(Ipv4Address.parse("192.168.42.0"), p.network());
        assertEquals(24, p.length());
        assertEquals("192.168.42.0/24", p.toString());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"0.0.0.0/0", "10.0.0.0/8", "192.168.42.0/24", "192.168.42.128/25", "10.245.1.3/32", "128.0.0.0/1"
            })
    void printsWhatItParsed(String text) {
        assertEquals(text, Ipv4Prefix.parse(text).toString());
    }

    @Test
    void bareAddressIsAHostRoute() {
        Ipv4Prefix p = Ipv4Prefix.parse("10.245.1.3");
        assertEquals(32, p.length());
        assertEquals("10.245.1.3/32", p.toString());
    }

    @Test
    void surroundingBlanksAreStripped() {
        assertEquals(Ipv4Prefix.parse("192.168.42.0/24"), Ipv4Prefix.parse("  192.168.42.0/24 "));
    }

    @Test
    void hostBitsSetIsRejectedWithTheNetworkSuggested() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Ipv4Prefix.parse("192.168.42.1/24"));
        assertTrue(e.getMessage().contains("192.168.42.1/24"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 192.168.42.0/24"), e.getMessage());

        e = assertThrows(InvalidInputException.class, () -> Ipv4Prefix.parse("10.1.2.3/8"));
        assertTrue(e.getMessage().contains("did you mean 10.0.0.0/8"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "10.0.0.0/33",
                "10.0.0.0/99",
                "10.0.0.0/-1",
                "10.0.0.0/",
                "10.0.0.0/x",
                "10.0.0.0/024",
                "10.0.0.0/ 24",
                "10.0.0.0/2 4",
                "/33",
                "/-1",
                "/",
                "1.2.3.0/",
                "x/24",
                "/24",
                "1.2.3/24",
                "256.0.0.0/8",
                "10.0.0.0/24/8",
                "10.0.0.0//24"
            })
    void rejectsNamingTheText(String text) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Ipv4Prefix.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void rejectsBlank(String text) {
        assertThrows(InvalidInputException.class, () -> Ipv4Prefix.parse(text));
        assertThrows(InvalidInputException.class, () -> Ipv4Prefix.parse(null));
    }

    @Test
    void lengthOutOfRangeSaysTheRange() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Ipv4Prefix.parse("10.0.0.0/33"));
        assertTrue(e.getMessage().contains("0..32"), e.getMessage());
    }

    @Test
    void constructorChecksToo() {
        assertThrows(InvalidInputException.class, () -> new Ipv4Prefix(null, 8));
        assertThrows(InvalidInputException.class, () -> new Ipv4Prefix(Ipv4Address.ANY, -1));
        assertThrows(InvalidInputException.class, () -> new Ipv4Prefix(Ipv4Address.ANY, 33));
        assertThrows(InvalidInputException.class, () -> new Ipv4Prefix(Ipv4Address.parse("10.0.0.1"), 31));
    }

    @Test
    void containsAddressesOfItsRangeOnly() {
        Ipv4Prefix p = Ipv4Prefix.parse("192.168.42.0/24");
        assertTrue(p.contains(Ipv4Address.parse("192.168.42.0")));
        assertTrue(p.contains(Ipv4Address.parse("192.168.42.255")));
        assertFalse(p.contains(Ipv4Address.parse("192.168.43.0")));
        assertFalse(p.contains(Ipv4Address.parse("192.168.41.255")));

        assertTrue(Ipv4Prefix.parse("0.0.0.0/0").contains(Ipv4Address.parse("255.255.255.255")));
        assertTrue(Ipv4Prefix.parse("10.0.0.1/32").contains(Ipv4Address.parse("10.0.0.1")));
        assertFalse(Ipv4Prefix.parse("10.0.0.1/32").contains(Ipv4Address.parse("10.0.0.2")));
        assertTrue(Ipv4Prefix.parse("128.0.0.0/1").contains(Ipv4Address.parse("200.1.1.1")));
        assertFalse(Ipv4Prefix.parse("128.0.0.0/1").contains(Ipv4Address.parse("127.1.1.1")));
    }

    @Test
    void overlapsIsSymmetricAndCoversContainment() {
        Ipv4Prefix big = Ipv4Prefix.parse("10.1.0.0/16");
        Ipv4Prefix inside = Ipv4Prefix.parse("10.1.2.0/24");
        Ipv4Prefix beside = Ipv4Prefix.parse("10.2.0.0/16");
        assertTrue(big.overlaps(inside));
        assertTrue(inside.overlaps(big));
        assertTrue(big.overlaps(big));
        assertFalse(big.overlaps(beside));
        assertFalse(beside.overlaps(big));
        assertFalse(Ipv4Prefix.parse("192.168.42.0/25").overlaps(Ipv4Prefix.parse("192.168.42.128/25")));
        assertTrue(Ipv4Prefix.parse("0.0.0.0/0").overlaps(beside));
        assertTrue(Ipv4Prefix.parse("10.1.2.3/32").overlaps(inside));
        assertFalse(Ipv4Prefix.parse("10.1.3.0/32").overlaps(inside));
    }

    @Test
    void ordersByNetworkThenLength() {
        assertTrue(Ipv4Prefix.parse("10.0.0.0/8").compareTo(Ipv4Prefix.parse("10.0.0.0/16")) < 0);
        assertTrue(Ipv4Prefix.parse("200.0.0.0/8").compareTo(Ipv4Prefix.parse("10.0.0.0/8")) > 0);
    }

    @Test
    void maskOfLength() {
        assertEquals(0, Ipv4Prefix.mask(0));
        assertEquals(0xff000000, Ipv4Prefix.mask(8));
        assertEquals(0xffffff00, Ipv4Prefix.mask(24));
        assertEquals(0xffffffff, Ipv4Prefix.mask(32));
    }

    @Test
    void parseListAllowsBlanksAroundCommas() {
        assertEquals(
                List.of(
                        Ipv4Prefix.parse("192.168.42.0/24"),
                        Ipv4Prefix.parse("10.9.0.0/16"),
                        Ipv4Prefix.parse("10.8.0.1/32")),
                Ipv4Prefix.parseList(" 192.168.42.0/24 ,10.9.0.0/16,  10.8.0.1 "));
        assertEquals(List.of(Ipv4Prefix.parse("192.168.42.0/24")), Ipv4Prefix.parseList("192.168.42.0/24"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"10.0.0.0/24,,10.1.0.0/24", "10.0.0.0/24,", ",10.0.0.0/24", "10.0.0.0/24, ,10.1.0.0/24", ",", ""
            })
    void parseListRejectsEmptyElements(String text) {
        assertThrows(InvalidInputException.class, () -> Ipv4Prefix.parseList(text));
    }

    @Test
    void parseListNamesTheBadElement() {
        InvalidInputException e =
                assertThrows(InvalidInputException.class, () -> Ipv4Prefix.parseList("10.0.0.0/24, 10.1.0.1/24"));
        assertTrue(e.getMessage().contains("10.1.0.1/24"), e.getMessage());
        assertTrue(e.getMessage().contains("10.1.0.0/24"), e.getMessage());
    }
}
