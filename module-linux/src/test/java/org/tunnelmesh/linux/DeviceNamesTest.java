package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeviceNamesTest {

    @Test
    void shortNamesArePlain() {
        assertEquals("tm-node2", DeviceNames.forPeer("node2"));
        assertEquals("tm-a", DeviceNames.forPeer("a"));
    }

    @Test
    void twelveCharactersStillFitPlain() {
        assertEquals("tm-abcdefghijkl", DeviceNames.forPeer("abcdefghijkl")); // 15 = IFNAMSIZ - 1
    }

    @Test
    void longerNamesAreAPrefixAndAHash() {
        // fixed values: a device name must not change between releases, or a restart would orphan devices
        assertEquals("tm-abcdef-46ea2", DeviceNames.forPeer("abcdefghijklm"));
        assertEquals("tm-verylo-f8e13", DeviceNames.forPeer("verylongpeername"));
    }

    @Test
    void everyNameFitsTheKernelsLimit() {
        for (int length = 1; length <= 64; length++) {
            String name = DeviceNames.forPeer("p".repeat(length));
            assertTrue(name.length() <= 15, name);
            assertTrue(name.matches("[A-Za-z0-9_.-]+"), name);
            assertTrue(DeviceNames.looksOwned(name), name);
        }
    }

    @Test
    void stableForAPeer() {
        String name = "datacenter-east-1.example";
        assertEquals(DeviceNames.forPeer(name), DeviceNames.forPeer(new String(name.toCharArray())));
    }

    @Test
    void longNamesWithTheSamePrefixDiffer() {
        String east1 = DeviceNames.forPeer("datacenter-east-1");
        String east2 = DeviceNames.forPeer("datacenter-east-2");
        assertEquals("tm-datace-726cb", east1);
        assertEquals("tm-datace-e7771", east2);
        assertNotEquals(east1, east2);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            names.add(DeviceNames.forPeer("datacenter-rack-" + i));
        }
        assertEquals(1000, names.size());
    }

    @Test
    void ownedNamesStartWithThePrefix() {
        assertTrue(DeviceNames.looksOwned("tm-node2"));
        assertFalse(DeviceNames.looksOwned("tunl0"));
        assertFalse(DeviceNames.looksOwned("eth0"));
    }
}
