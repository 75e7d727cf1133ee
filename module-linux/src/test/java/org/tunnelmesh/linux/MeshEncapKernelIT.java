package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.Lab.ip;
import static org.tunnelmesh.linux.Lab.ns;
import static org.tunnelmesh.linux.Lab.ping;
import static org.tunnelmesh.linux.Lab.tunnelAddress;
import static org.tunnelmesh.linux.LabKernel.ipv4Addresses;
import static org.tunnelmesh.linux.LabKernel.link;
import static org.tunnelmesh.linux.LabKernel.linkNames;
import static org.tunnelmesh.linux.LabKernel.routes;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.Encapsulation;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.PeerCounters;
import org.tunnelmesh.TrafficCounters;
import org.tunnelmesh.TunnelDevice;

/**
 * The mesh with FOU and GUE (issue 26): three nodes ping each other inside UDP in both modes, the underlay carries no
 * IP protocol 4, the receive port is a kernel object the mesh owns (made, adopted on restart without a lost packet,
 * repaired within a second, purged), and a running mesh switches between plain IPIP and FOU by a reopen. Needs the
 * lab's own kernel (CONFIG_NET_FOU_IP_TUNNELS).
 */
class MeshEncapKernelIT {
    private static final int PORT = 5555;

    @RegisterExtension
    final LabMeshes meshes = new LabMeshes();

    @AfterEach
    void noPortLeft() {
        meshes.purgeAll();
        for (int node = 1; node <= 3; node++) {
            Lab.ipIgnoringFailure(node, "fou", "del", "port", String.valueOf(PORT));
        }
    }

    private static MeshConfig config(int node, MeshMode mode, Encapsulation encapsulation) {
        return Lab.config(node, mode).toBuilder().encapsulation(encapsulation).build();
    }

    private static Encapsulation encapsulation(String kind) {
        return Encapsulation.parse(kind + ":" + PORT);
    }

    private static String fouPorts(int node) {
        return ip(node, "fou", "show");
    }

    @ParameterizedTest
    @CsvSource({"SHARED, fou", "SHARED, gue", "POINT_TO_POINT, fou", "POINT_TO_POINT, gue"})
    void threeNodesPingInsideUdpAndPurgeLeavesNothing(MeshMode mode, String kind) throws Exception {
        Encapsulation encap = encapsulation(kind);
        LinuxTunnelMesh node1 = meshes.open(config(1, mode, encap), 2, 3);
        meshes.open(config(2, mode, encap), 1, 3);
        meshes.open(config(3, mode, encap), 1, 2);
        int mtu = kind.equals("fou") ? 1472 : 1468;
        assertEquals(mtu, node1.mtu(), "1500 - 20 (IPIP) - " + (mtu == 1472 ? "8 (UDP)" : "12 (UDP and GUE)"));

        String device = mode == MeshMode.SHARED ? "tm0" : "tm-node2";
        assertEquals(device, node1.deviceOf("node2"));
        String details = ip(1, "-d", "link", "show", device);
        assertTrue(details.contains("encap " + kind + " encap-sport auto encap-dport " + PORT), details);
        assertEquals(mtu, link(1, device).mtu());
        assertTrue(ipv4Addresses(1, device).contains("192.168.41.0/32"));
        String port = kind.equals("fou") ? "port " + PORT + " ipproto 4" : "port " + PORT + " gue";
        assertTrue(fouPorts(1).contains(port), fouPorts(1));
        if (mode == MeshMode.SHARED) {
            assertEquals("10.245.1.2", link(1, "tm0").local());
            assertEquals("any", link(1, "tm0").remote());
            assertTrue(LabKernel.hasRouteVia(1, "192.168.42.0/24", "tm0") || viaNexthopOn(1, "tm0"));
            assertFalse(link(1, "tunl0").up(), "tunl0 is left as the kernel made it");
        }
        assertTrue(
                node1.diagnose()
                        .contains("OK encapsulation: " + encap + " (IPIP inside UDP to port " + PORT + "; overhead "
                                + encap.overhead() + " bytes); every peer must use the same"),
                String.join("\n", node1.diagnose()));
        assertTrue(node1.diagnose().contains("OK fou port: " + port + " present"));

        TunnelDevice before = deviceOf(node1, device);
        TrafficCounters filterBefore = node1.trafficCounters();
        LabCapture capture = LabCapture.start(2);
        try {
            for (int from = 1; from <= 3; from++) {
                for (int to = 1; to <= 3; to++) {
                    if (from != to) {
                        assertEquals(3, ping(from, tunnelAddress(to), 3), "node" + from + " -> node" + to);
                    }
                }
            }
            capture.awaitPackets("udp dst port " + PORT, 12);
        } finally {
            capture.stop();
        }
        TunnelDevice after = deviceOf(node1, device);
        // the IPIP filter judges UDP to the port as IPIP: node2's and node3's packets count against each, per peer
        TrafficCounters filterAfter = node1.trafficCounters();
        assertTrue(filterAfter.filtered(), "the lab's meshes run the IPIP filter");
        for (String peer : List.of("node2", "node3")) {
            PeerCounters was = filterBefore.peer(peer);
            PeerCounters is = filterAfter.peer(peer);
            assertTrue(is.rxPackets() - was.rxPackets() >= 6, peer + ": " + was + " -> " + is);
            assertTrue(is.txPackets() - was.txPackets() >= 6, peer + ": " + was + " -> " + is);
        }
        assertEquals(filterBefore.rejectedPackets(), filterAfter.rejectedPackets(), "no peer's packet rejected");
        assertTrue(after.counters().txPackets() - before.counters().txPackets() >= 6, before + " -> " + after);
        assertTrue(after.counters().rxPackets() - before.counters().rxPackets() >= 6, before + " -> " + after);
        List<String> udp = capture.read("udp dst port " + PORT);
        List<String> ipip = capture.read("ip proto 4");
        capture.delete();
        assertTrue(udp.size() >= 12, "node2's pings and replies inside UDP to port " + PORT + ": " + udp);
        assertEquals(List.of(), ipip, "no bare IPIP on the underlay");

        meshes.purgeAndClose(node1);
        assertFalse(linkNames(1).contains("tm0"), linkNames(1).toString());
        assertFalse(
                linkNames(1).stream().anyMatch(n -> n.startsWith("tm-")),
                linkNames(1).toString());
        assertEquals("", fouPorts(1).strip(), "no fou port left");
        assertEquals(List.of(), routes(1, "proto", "87"));
    }

    private static boolean viaNexthopOn(int node, String device) {
        return LabKernel.nexthops(node, "dev", device).size() >= 2;
    }

    private static TunnelDevice deviceOf(LinuxTunnelMesh mesh, String name) {
        return mesh.devices().stream()
                .filter(d -> d.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void aFouPortDeletedByHandIsBackWithinASecond() {
        LinuxTunnelMesh node1 = meshes.open(
                Lab.watchingConfig(1, MeshMode.SHARED).toBuilder()
                        .encapsulation(encapsulation("fou"))
                        .build(),
                2);
        meshes.open(config(2, MeshMode.SHARED, encapsulation("fou")), 1);
        Repairs repairs = new Repairs();
        node1.addListener(repairs);
        repairs.repairedWithinOneSecond(
                "fou port deleted by hand",
                () -> ip(1, "fou", "del", "port", String.valueOf(PORT)),
                () -> fouPorts(1).contains("port " + PORT + " ipproto 4"));
        assertEquals(List.of("ip fou add port " + PORT + " ipproto 4"), repairs.seen());
        assertEquals(3, ping(2, tunnelAddress(1), 3), "node2 -> node1 decapsulated again");
    }

    @ParameterizedTest
    @CsvSource({"SHARED", "POINT_TO_POINT"})
    void aRestartAdoptsThePortAndTheDevicesAndLosesNoPacket(MeshMode mode) throws Exception {
        MeshConfig config1 = config(1, mode, encapsulation("gue"));
        LinuxTunnelMesh node1 = meshes.open(config1, 2);
        meshes.open(config(2, mode, encapsulation("gue")), 1);
        String device = node1.deviceOf("node2");
        Object ifindex = link(1, device).json().get("ifindex");

        LabPing ping = LabPing.start(1, 2, "0.1", 0);
        Lab.sleep(1000);
        meshes.closeLeavingState(node1);
        Repairs repairs = new Repairs();
        node1 = meshes.open(config1, 2);
        node1.addListener(repairs);
        assertEquals(0, node1.reconcile(), "nothing to repair after the restart's adoption");
        Lab.sleep(1000);
        LabPing.Summary summary = ping.stop();
        assertTrue(summary.noneLost(), "no packet lost across the restart: " + summary.text());
        assertEquals(ifindex, link(1, device).json().get("ifindex"), "the device was adopted, not made again");
        assertEquals(List.of(), repairs.seen());
    }

    @Test
    void switchingARunningMeshFromPlainToFouAndBackIsAReconcile() {
        for (MeshMode mode : MeshMode.values()) {
            LinuxTunnelMesh node1 = meshes.open(config(1, mode, Encapsulation.NONE), 2);
            LinuxTunnelMesh node2 = meshes.open(config(2, mode, Encapsulation.NONE), 1);
            assertEquals(3, ping(1, tunnelAddress(2), 3));
            Object p2pIfindex =
                    mode == MeshMode.POINT_TO_POINT ? link(1, "tm-node2").json().get("ifindex") : null;

            // NONE -> FOU: one node after the other, as an operator rolls it out
            meshes.closeLeavingState(node1);
            node1 = meshes.open(config(1, mode, encapsulation("fou")), 2);
            meshes.closeLeavingState(node2);
            node2 = meshes.open(config(2, mode, encapsulation("fou")), 1);
            assertEquals(3, ping(1, tunnelAddress(2), 3), mode + ": node1 -> node2 inside UDP");
            assertTrue(fouPorts(1).contains("port " + PORT + " ipproto 4"));
            if (mode == MeshMode.SHARED) {
                assertTrue(linkNames(1).contains("tm0"));
                assertFalse(link(1, "tunl0").up(), "tunl0 back down");
                assertFalse(ipv4Addresses(1, "tunl0").contains("192.168.41.0/32"), "our address off tunl0");
                assertEquals(List.of(), routes(1, "dev", "tunl0", "proto", "87"));
            } else {
                assertEquals(p2pIfindex, link(1, "tm-node2").json().get("ifindex"), "changed in place");
                assertEquals(1472, link(1, "tm-node2").mtu());
            }

            // and back: tm0 and the port go
            meshes.closeLeavingState(node1);
            node1 = meshes.open(config(1, mode, Encapsulation.NONE), 2);
            meshes.closeLeavingState(node2);
            node2 = meshes.open(config(2, mode, Encapsulation.NONE), 1);
            assertEquals(3, ping(1, tunnelAddress(2), 3), mode + ": node1 -> node2 plain again");
            assertFalse(linkNames(1).contains("tm0"));
            assertEquals("", fouPorts(1).strip());
            if (mode == MeshMode.POINT_TO_POINT) {
                assertEquals(1480, link(1, "tm-node2").mtu());
            }
            assertTrue(
                    node1.diagnose().contains("OK encapsulation: NONE (plain IPIP, IP protocol 4; overhead 20 bytes)"));
            assertEquals(0, node2.reconcile(), "the reopen left nothing to repair");
            meshes.purgeAll();
        }
    }

    @Test
    void aPortHeldBySomeoneElseIsRefusedBeforeTheKernelIsChanged() throws Exception {
        ip(1, "fou", "add", "port", String.valueOf(PORT), "gue");
        ConflictException e = assertThrows(
                ConflictException.class, () -> meshes.open(config(1, MeshMode.SHARED, encapsulation("fou")), 2));
        assertTrue(e.getMessage().contains("already a fou port (port 5555 gue)"), e.getMessage());
        assertFalse(linkNames(1).contains("tm0"));
        assertEquals(List.of(), routes(1, "proto", "87"));
        ip(1, "fou", "del", "port", String.valueOf(PORT));

        try (java.net.DatagramSocket other = org.tunnelmesh.linux.syscall.NetworkNamespace.call(
                ns(1), () -> new java.net.DatagramSocket(new java.net.InetSocketAddress(PORT)))) {
            ConflictException held = assertThrows(
                    ConflictException.class,
                    () -> meshes.open(config(1, MeshMode.POINT_TO_POINT, encapsulation("fou")), 2));
            assertTrue(held.getMessage().contains("UDP port 5555 is in use by another socket"), held.getMessage());
            assertFalse(linkNames(1).contains("tm-node2"));
            assertEquals("", fouPorts(1).strip());
        }
    }
}
