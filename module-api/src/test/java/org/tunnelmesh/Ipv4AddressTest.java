package org.tunnelmesh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Ipv4AddressTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "0.0.0.0",
                "1.2.3.4",
                "10.245.1.3",
                "192.168.42.0",
                "255.255.255.255",
                "100.64.0.1",
                "9.99.199.249"
            })
    void parsesDottedQuadAndPrintsItBack(String text) {
        assertEquals(text, Ipv4Address.parse(text).toString());
    }

    @Test
    void parsesToNetworkOrderBits() {
        Ipv4Address a = Ipv4Address.parse("10.245.1.3");
        assertEquals(0x0af50103, a.bits());
        assertArrayEquals(new byte[] {10, (byte) 245, 1, 3}, a.toBytes());
        assertEquals(a, Ipv4Address.fromBytes(new byte[] {10, (byte) 245, 1, 3}));
    }

    @Test
    void highAddressesKeepTheirSignBitInBytes() {
        Ipv4Address a = Ipv4Address.parse("255.254.253.252");
        assertArrayEquals(new byte[] {(byte) 255, (byte) 254, (byte) 253, (byte) 252}, a.toBytes());
        assertEquals(a, Ipv4Address.fromBytes(a.toBytes()));
        assertEquals("255.254.253.252", Ipv4Address.fromBytes(a.toBytes()).toString());
    }

    @Test
    void fromBytesNeedsFourBytes() {
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.fromBytes(new byte[3]));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.fromBytes(new byte[16]));
    }

    @Test
    void surroundingBlanksAreStripped() {
        // parse() strips on purpose: operators paste addresses with stray blanks
        assertEquals(Ipv4Address.parse("1.2.3.4"), Ipv4Address.parse(" 1.2.3.4 "));
        assertEquals(Ipv4Address.parse("1.2.3.4"), Ipv4Address.parse("\t1.2.3.4\n"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                " ",
                "1.2.3",
                "1.2.3.4.5",
                "256.1.1.1",
                "1.2.3.256",
                "1000.1.1.1",
                "01.2.3.4",
                "1.2.3.04",
                "a.b.c.d",
                "1..2.3",
                "-1.2.3.4",
                "1.2.3.4.",
                ".1.2.3.4",
                "1.2.3.",
                "1.2. 3.4",
                "1.2.3.4/32",
                "0x1.2.3.4",
                "1.2.3.+4",
                "localhost",
                "1 .2.3.4",
                "\u0661.2.3.4",
                "\uff11.2.3.4",
                "1,2,3,4"
            })
    void rejectsWhatIsNotADottedQuadNamingTheText(String text) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Ipv4Address.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("not an IPv4 address"), e.getMessage());
    }

    @Test
    void rejectsNull() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Ipv4Address.parse(null));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void zeroIsAllowedAsAnOctetButNotAsALeadingDigit() {
        assertEquals("10.0.0.1", Ipv4Address.parse("10.0.0.1").toString());
        assertThrows(InvalidInputException.class, () -> Ipv4Address.parse("10.00.0.1"));
    }

    @Test
    void classifiesAddresses() {
        assertTrue(Ipv4Address.parse("127.0.0.1").isLoopback());
        assertTrue(Ipv4Address.parse("127.255.255.254").isLoopback());
        assertFalse(Ipv4Address.parse("128.0.0.1").isLoopback());
        assertFalse(Ipv4Address.parse("126.255.255.255").isLoopback());

        assertTrue(Ipv4Address.parse("224.0.0.1").isMulticast());
        assertTrue(Ipv4Address.parse("239.255.255.255").isMulticast());
        assertFalse(Ipv4Address.parse("223.255.255.255").isMulticast());
        assertFalse(Ipv4Address.parse("240.0.0.0").isMulticast());

        assertTrue(Ipv4Address.parse("240.0.0.1").isReserved());
        assertTrue(Ipv4Address.parse("255.255.255.255").isReserved());
        assertTrue(Ipv4Address.parse("255.255.255.255").isBroadcast());
        assertFalse(Ipv4Address.parse("255.255.255.254").isBroadcast());

        assertTrue(Ipv4Address.parse("0.0.0.0").isAny());
        assertTrue(Ipv4Address.ANY.isAny());
        assertFalse(Ipv4Address.parse("10.245.1.3").isAny());
        assertFalse(Ipv4Address.parse("10.245.1.3").isLoopback());
        assertFalse(Ipv4Address.parse("10.245.1.3").isMulticast());
        assertFalse(Ipv4Address.parse("10.245.1.3").isReserved());
    }

    @Test
    void ordersAsUnsignedNumbers() {
        assertTrue(Ipv4Address.parse("128.0.0.0").compareTo(Ipv4Address.parse("127.255.255.255")) > 0);
        assertTrue(Ipv4Address.parse("10.0.0.1").compareTo(Ipv4Address.parse("10.0.0.2")) < 0);
        assertEquals(0, Ipv4Address.parse("10.0.0.1").compareTo(Ipv4Address.parse("10.0.0.1")));
    }

    @Test
    void anyPrintsAsZeros() {
        assertEquals("0.0.0.0", Ipv4Address.ANY.toString());
    }
}
