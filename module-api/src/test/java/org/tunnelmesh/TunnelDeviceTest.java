package org.tunnelmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TunnelDeviceTest {

    @Test
    void shortNamesArePlain() {
        assertEquals("tm-node2", TunnelDevice.pointToPointName("node2"));
        assertEquals("tm-a", TunnelDevice.pointToPointName("a"));
    }

    @Test
    void twelveCharactersStillFitPlain() {
        assertEquals("tm-abcdefghijkl", TunnelDevice.pointToPointName("abcdefghijkl")); // 15 = IFNAMSIZ - 1
    }

    @Test
    void longerNamesAreAPrefixAndAHash() {
        // fixed values: a device name must not change between releases, or a restart would orphan devices
        assertEquals("tm-abcdef-46ea2", TunnelDevice.pointToPointName("abcdefghijklm"));
        assertEquals("tm-verylo-f8e13", TunnelDevice.pointToPointName("verylongpeername"));
    }

    @Test
    void everyNameFitsTheKernelsLimit() {
        for (int length = 1; length <= 64; length++) {
            String name = TunnelDevice.pointToPointName("p".repeat(length));
            assertTrue(name.length() <= 15, name);
            assertTrue(name.matches("[A-Za-z0-9_.-]+"), name);
            assertTrue(TunnelDevice.isPointToPointName(name), name);
        }
    }

    @Test
    void stableForAPeer() {
        String name = "datacenter-east-1.example";
        assertEquals(
                TunnelDevice.pointToPointName(name), TunnelDevice.pointToPointName(new String(name.toCharArray())));
    }

    @Test
    void longNamesWithTheSamePrefixDiffer() {
        String east1 = TunnelDevice.pointToPointName("datacenter-east-1");
        String east2 = TunnelDevice.pointToPointName("datacenter-east-2");
        assertEquals("tm-datace-726cb", east1);
        assertEquals("tm-datace-e7771", east2);
        assertNotEquals(east1, east2);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            names.add(TunnelDevice.pointToPointName("datacenter-rack-" + i));
        }
        assertEquals(1000, names.size());
    }

    @Test
    void aSharedMeshCarriesEveryPeerOnTunl0() {
        assertEquals("tunl0", TunnelDevice.nameFor(MeshMode.SHARED, "node2"));
        assertEquals("tunl0", TunnelDevice.nameFor(MeshMode.SHARED, "verylongpeername"));
    }

    @Test
    void aPointToPointMeshCarriesEachPeerOnItsOwnDevice() {
        assertEquals("tm-node2", TunnelDevice.nameFor(MeshMode.POINT_TO_POINT, "node2"));
        assertEquals("tm-verylo-f8e13", TunnelDevice.nameFor(MeshMode.POINT_TO_POINT, "verylongpeername"));
    }

    @Test
    void ownedNamesStartWithThePrefix() {
        assertTrue(TunnelDevice.isPointToPointName("tm-node2"));
        assertFalse(TunnelDevice.isPointToPointName("tunl0"));
        assertFalse(TunnelDevice.isPointToPointName("eth0"));
    }
}
