package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.Lab.*;
import static org.tunnelmesh.linux.LabKernel.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.TunnelDevice;

/** The seed's scenario in SHARED mode, built through the Java API, proven with real pings. */
class SharedMeshKernelIT {
    @RegisterExtension
    final LabMeshes meshes = new LabMeshes();

    private static TunnelDevice tunl0(LinuxTunnelMesh mesh) {
        List<TunnelDevice> devices = mesh.devices();
        assertEquals(1, devices.size());
        assertEquals("tunl0", devices.get(0).name());
        return devices.get(0);
    }

    @Test
    void seedScenarioTwoNodesThenAThird() {
        LinuxTunnelMesh node1 = meshes.open(1, MeshMode.SHARED, 2);
        LinuxTunnelMesh node2 = meshes.open(2, MeshMode.SHARED, 1);

        // what the seed's commands would have made
        Link link = link(1, "tunl0");
        assertTrue(link.mtu() == 1480 && link.up(), link.toString());
        assertTrue(ipv4Addresses(1, "tunl0").contains("192.168.41.0/32"));
        List<Route> routes = routes(1, "192.168.42.0/24");
        assertTrue(hasRoute(1, "192.168.42.0/24", "87"), routes.toString());
        assertTrue(
                routes.stream()
                        .anyMatch(r -> r.viaNexthop()
                                || ("10.245.1.3".equals(r.gateway())
                                        && r.flags().contains("onlink"))),
                routes.toString());

        TunnelDevice before = tunl0(node1);
        assertEquals(5, ping(1, tunnelAddress(2), 5), "node1 -> node2 through tunl0");
        TunnelDevice after = tunl0(node1);
        assertTrue(after.counters().txPackets() - before.counters().txPackets() >= 5, before + " -> " + after);
        assertTrue(after.counters().rxPackets() - before.counters().rxPackets() >= 5, before + " -> " + after);
        assertTrue(after.counters().txBytes() > before.counters().txBytes());

        // node3 joins: one route on every other node
        LinuxTunnelMesh node3 = meshes.open(3, MeshMode.SHARED, 1, 2);
        node1.addPeer(peer(3));
        node2.addPeer(peer(3));
        for (int from = 1; from <= 3; from++) {
            for (int to = 1; to <= 3; to++) {
                if (from != to) {
                    assertEquals(3, ping(from, tunnelAddress(to), 3), "node" + from + " -> node" + to);
                }
            }
        }
        assertEquals(
                List.of("node1", "node2"),
                node3.peers().stream().map(org.tunnelmesh.Peer::name).toList());
        assertTrue(tunl0(node3).counters().txPackets() >= 6);
    }

    @Test
    void removingAPeerRemovesItsRoutesAndStopsThePing() {
        LinuxTunnelMesh node1 = meshes.open(1, MeshMode.SHARED, 2);
        meshes.open(2, MeshMode.SHARED, 1);
        assertEquals(2, ping(1, tunnelAddress(2), 2));

        node1.removePeer("node2");

        assertEquals(List.of(), routes(1, "proto", "87"));
        assertEquals(0, ping(1, tunnelAddress(2), 2));
        assertTrue(node1.peers().isEmpty());
    }

    @Test
    void purgeLeavesNothingOwnedAndKeepsForeignRoutes() {
        LinuxTunnelMesh node1 = meshes.open(1, MeshMode.SHARED, 2, 3);
        // a route of another protocol on the same device: not ours, must survive
        ip(1, "route", "add", "192.168.49.0/24", "via", "10.245.1.9", "dev", "tunl0", "onlink", "proto", "static");
        try {
            node1.purge();
            assertEquals(List.of(), routes(1, "proto", "87"));
            assertEquals(List.of(), nexthops(1, "protocol", "87"));
            assertTrue(hasRoute(1, "192.168.49.0/24", "static"));
            assertTrue(link(1, "tunl0").up(), "left up: a foreign route uses it");
            ip(1, "route", "del", "192.168.49.0/24");
            node1.purge();
            assertFalse(ipv4Addresses(1, "tunl0").stream().anyMatch(a -> a.startsWith("192.168.41.0/")));
            assertFalse(link(1, "tunl0").up(), "tunl0 back down once nobody uses it");
            assertTrue(node1.peers().isEmpty());
        } finally {
            ipIgnoringFailure(1, "route", "del", "192.168.49.0/24");
        }
    }

    @Test
    void restartAdoptsKernelStateWithoutChangingIt() {
        LinuxTunnelMesh node1 = meshes.open(1, MeshMode.SHARED, 2, 3);
        Object before = snapshot(1);
        meshes.closeLeavingState(node1);

        LinuxTunnelMesh again = meshes.open(1, MeshMode.SHARED, 2, 3);

        assertEquals(before, snapshot(1), "a restart with the same peers changes nothing in the kernel");
        assertEquals(0, again.reconcile());
    }

    @Test
    void reconcileRepairsDriftAndRemovesLeftovers() {
        LinuxTunnelMesh node1 = meshes.open(1, MeshMode.SHARED, 2, 3);
        ip(1, "route", "del", "192.168.42.0/24");
        ip(1, "link", "set", "tunl0", "down");
        ip(1, "addr", "del", "192.168.41.0/32", "dev", "tunl0");

        // tunl0 down also flushes every route through it: all of that comes back
        assertTrue(node1.reconcile() >= 3);
        assertTrue(hasRoute(1, "192.168.42.0/24", "87"));
        assertTrue(link(1, "tunl0").up());
        assertTrue(ipv4Addresses(1, "tunl0").contains("192.168.41.0/32"));
        assertEquals(0, node1.reconcile());
        meshes.open(2, MeshMode.SHARED, 1);
        assertEquals(2, ping(1, tunnelAddress(2), 2));

        // a restart with one peer fewer removes that peer's routes only
        meshes.closeLeavingState(node1);
        meshes.open(1, MeshMode.SHARED, 2);
        assertEquals(List.of(), routes(1, "192.168.43.0/24"));
        assertTrue(hasRoute(1, "192.168.42.0/24", "87"));
    }

    @Test
    void closedMeshRefusesChanges() {
        LinuxTunnelMesh node1 = meshes.open(1, MeshMode.SHARED);
        meshes.closeLeavingState(node1);
        assertThrows(org.tunnelmesh.MeshClosedException.class, () -> node1.addPeer(peer(2)));
    }
}
