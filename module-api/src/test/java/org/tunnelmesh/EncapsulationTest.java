package org.tunnelmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EncapsulationTest {

    @Test
    void parsesEveryFormWithTheDefaultPort() {
        assertEquals(Encapsulation.NONE, Encapsulation.parse("none"));
        assertEquals(Encapsulation.fou(5555), Encapsulation.parse("fou"));
        assertEquals(Encapsulation.gue(5555), Encapsulation.parse("gue"));
        assertEquals(Encapsulation.fou(6000), Encapsulation.parse("fou:6000"));
        assertEquals(Encapsulation.gue(1), Encapsulation.parse("gue:1"));
        assertEquals(Encapsulation.fou(65535), Encapsulation.parse("FOU:65535"));
        assertEquals(Encapsulation.NONE, Encapsulation.parse("NONE"));
    }

    @Test
    void printsAsTheMeshMBeanShowsItAndReadsThatBack() {
        assertEquals("NONE", Encapsulation.NONE.toString());
        assertEquals("FOU:5555", Encapsulation.fou(5555).toString());
        assertEquals("GUE:7000", Encapsulation.gue(7000).toString());
        for (Encapsulation e : new Encapsulation[] {Encapsulation.NONE, Encapsulation.fou(1), Encapsulation.gue(9)}) {
            assertEquals(e, Encapsulation.parse(e.toString()));
        }
    }

    @Test
    void overheadIsIpipPlusTheUdpHeaders() {
        assertEquals(20, Encapsulation.NONE.overhead());
        assertEquals(28, Encapsulation.fou(5555).overhead());
        assertEquals(32, Encapsulation.gue(5555).overhead());
        assertFalse(Encapsulation.NONE.encapsulates());
        assertTrue(Encapsulation.fou(5555).encapsulates());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "vxlan",
                "fou:",
                "fou:0",
                "fou:65536",
                "fou:-1",
                "fou:+5",
                "fou:abc",
                "fou:5555:1",
                "gue:99999999999",
                " fou",
                "fou :5555",
                "none:5555",
                "ipip",
                "fou:５５５５"
            })
    void refusesBadTextNamingIt(String text) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Encapsulation.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }

    @Test
    void refusesAMissingTextAndBadPorts() {
        assertThrows(InvalidInputException.class, () -> Encapsulation.parse(null));
        assertTrue(assertThrows(InvalidInputException.class, () -> Encapsulation.fou(0))
                .getMessage()
                .contains("port 0 is out of range 1..65535"));
        assertThrows(InvalidInputException.class, () -> Encapsulation.gue(65536));
        assertThrows(InvalidInputException.class, () -> new Encapsulation(Encapsulation.Type.NONE, 5555));
    }

    @Test
    void meshConfigDefaultsToNoneAndKeepsItsEncapsulation() {
        MeshConfig.Builder valid = MeshConfig.builder().underlay("10.245.1.2").tunnelAddress("192.168.41.0");
        assertEquals(Encapsulation.NONE, valid.build().encapsulation());
        MeshConfig fou = valid.encapsulation("fou:6000").build();
        assertEquals(Encapsulation.fou(6000), fou.encapsulation());
        assertEquals(Encapsulation.fou(6000), fou.toBuilder().build().encapsulation());
        assertTrue(fou.toString().contains("encapsulation=FOU:6000"), fou.toString());
        assertThrows(
                InvalidInputException.class,
                () -> valid.encapsulation((Encapsulation) null).build());
    }

    @Test
    void theBiggestMtuLeavesRoomForTheEncapsulation() {
        MeshConfig.Builder gue = MeshConfig.builder()
                .underlay("10.245.1.2")
                .tunnelAddress("192.168.41.0")
                .encapsulation(Encapsulation.gue(5555));
        assertEquals(65503, gue.mtu(65503).build().mtu());
        InvalidInputException e =
                assertThrows(InvalidInputException.class, () -> gue.mtu(65504).build());
        assertTrue(e.getMessage().contains("MTU 65504 is out of range 68..65503 (with GUE:5555)"), e.getMessage());
    }

    @Test
    void theSharedDeviceIsTm0WithEncapsulation() {
        MeshConfig.Builder b = MeshConfig.builder().underlay("10.245.1.2").tunnelAddress("192.168.41.0");
        assertEquals("tunl0", TunnelDevice.nameFor(b.build(), "node2"));
        assertEquals("tm0", TunnelDevice.nameFor(b.encapsulation("fou").build(), "node2"));
        assertEquals(
                "tm-node2", TunnelDevice.nameFor(b.mode(MeshMode.POINT_TO_POINT).build(), "node2"));
        assertFalse(TunnelDevice.isPointToPointName(TunnelDevice.ENCAPSULATED_SHARED_NAME));
    }
}
