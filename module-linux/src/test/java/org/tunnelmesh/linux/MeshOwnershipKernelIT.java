package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.Lab.*;
import static org.tunnelmesh.linux.LabKernel.*;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshListener;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;

/**
 * The mesh keeps to what it owns: one mesh per namespace and route protocol; routes and nexthops
 * that are ours by protocol and device; a tunl0 that others use is left alone.
 */
class MeshOwnershipKernelIT {
    @RegisterExtension
    final LabMeshes meshes = new LabMeshes();

    private static void unchangedAfter(
            int node, Class<? extends RuntimeException> type, String[] mustName, Runnable bad) {
        Object before = snapshot(node);
        RuntimeException e = assertThrows(type, bad::run);
        for (String name : mustName) {
            assertTrue(e.getMessage().contains(name), "message names '" + name + "': " + e.getMessage());
        }
        assertEquals(before, snapshot(node), "kernel unchanged after: " + e.getMessage());
    }

    @Test
    void aSecondMeshOnTheSameNamespaceAndProtocolIsRefusedNamingTheHolder() {
        for (MeshMode mode : MeshMode.values()) {
            LinuxTunnelMesh first = meshes.open(1, mode, 2);
            String holder = "mesh 'node1' (pid " + ProcessHandle.current().pid() + ")";
            // same namespace by name and by path, any mode: refused before anything changes
            for (MeshConfig second : List.of(
                    config(1, MeshMode.SHARED).toBuilder().name("second").build(),
                    config(1, MeshMode.POINT_TO_POINT).toBuilder()
                            .name("second")
                            .netns("/run/netns/node1")
                            .build())) {
                unchangedAfter(
                        1,
                        ConflictException.class,
                        new String[] {holder, "route protocol 87", "node1"},
                        () -> LinuxTunnelMesh.open(second, List.of(peer(3))));
            }
            // once the first is closed the namespace is free again
            meshes.closeLeavingState(first);
            meshes.purgeAndClose(
                    meshes.open(config(1, mode).toBuilder().name("second").build(), 2));
        }
    }

    @Test
    void aSecondProcessIsRefusedToo() throws Exception {
        meshes.open(1, MeshMode.SHARED, 2);
        Object before = snapshot(1);
        Process other = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        OpenMeshMain.class.getName(),
                        "intruder")
                .redirectErrorStream(true)
                .start();
        String output = new String(other.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(other.waitFor(60, TimeUnit.SECONDS));
        assertEquals(3, other.exitValue(), output);
        assertTrue(
                output.contains("CONFLICT")
                        && output.contains(
                                "mesh 'node1' (pid " + ProcessHandle.current().pid() + ")"),
                output);
        assertEquals(before, snapshot(1), "the second process changed nothing");
    }

    @Test
    void anotherProtocolIsAnotherMeshAndNeitherTakesTheOthersRoutes() {
        LinuxTunnelMesh first = meshes.open(1, MeshMode.SHARED, 2);
        // the IPIP filter is one per device (two would drop each other's peers): off for the second mesh
        LinuxTunnelMesh other = meshes.open(config(1, MeshMode.SHARED).toBuilder()
                .name("other")
                .routeProtocol(88)
                .ipipFilter(false)
                .tunnelAddress("192.168.141.0")
                .build());
        other.addPeer(Peer.of("node3", underlay(3), "192.168.143.0/24"));
        assertEquals(0, first.reconcile());
        assertEquals(0, other.reconcile());
        assertTrue(hasRoute(1, "192.168.42.0/24", "87"));
        assertTrue(hasRoute(1, "192.168.143.0/24", "88"));
        meshes.purgeAndClose(first);
        assertTrue(hasRoute(1, "192.168.143.0/24", "88"), "the other mesh's route survives a purge");
        assertTrue(link(1, "tunl0").up(), "tunl0 stays up for the other mesh");
        assertFalse(
                ipv4Addresses(1, "tunl0").stream().anyMatch(a -> a.startsWith("192.168.41.0/")),
                "the first mesh's address went");
        meshes.purgeAndClose(other);
        assertFalse(link(1, "tunl0").up(), "the last one out takes tunl0 down");
        assertEquals(List.of(), ipv4Addresses(1, "tunl0"), "and no address is left on it");
    }

    @Test
    void reservedProtocolsAndSubnetsAreRefusedThroughTheApi() {
        InvalidInputException e = assertThrows(
                InvalidInputException.class,
                () -> config(1, MeshMode.SHARED).toBuilder().routeProtocol(16).build());
        assertTrue(e.getMessage().contains("16") && e.getMessage().contains("dhcp"), e.getMessage());
        e = assertThrows(
                InvalidInputException.class,
                () -> config(1, MeshMode.SHARED).toBuilder().routeProtocol(186).build());
        assertTrue(e.getMessage().contains("bgp"), e.getMessage());
        for (MeshMode mode : MeshMode.values()) {
            LinuxTunnelMesh mesh = meshes.open(1, mode, 2);
            for (String subnet : List.of(
                    "127.0.0.0/8",
                    "169.254.1.0/24",
                    "224.1.0.0/16",
                    "240.0.0.0/4",
                    "0.0.0.0/8",
                    "0.0.0.0/0",
                    "128.0.0.0/1")) {
                unchangedAfter(
                        1,
                        InvalidInputException.class,
                        new String[] {subnet},
                        () -> mesh.addPeer(Peer.of("node9", "10.245.1.9", subnet)));
            }
            unchangedAfter(
                    1,
                    InvalidInputException.class,
                    new String[] {"192.168.41.0", "tunnel address"},
                    () -> mesh.addPeer(Peer.of("node9", tunnelAddress(1), "192.168.49.0/24")));
            meshes.purgeAndClose(mesh);
        }
    }

    /** The real use of a wide subnet: node1's default route goes through node2. */
    @Test
    void aDefaultRouteThroughAGatewayPeerWhenOptedIn() {
        LinuxTunnelMesh node1 = meshes.open(
                config(1, MeshMode.SHARED).toBuilder().allowWideSubnets(true).build());
        node1.addPeer(Peer.of("node2", underlay(2), "0.0.0.0/0"));
        meshes.open(2, MeshMode.SHARED, 1);
        assertTrue(hasRoute(1, "default", "87"), routes(1).toString());
        assertEquals(2, ping(1, tunnelAddress(2), 2), "node2 reached through the default route");
        assertEquals(0, node1.reconcile());
    }

    @Test
    void pointToPointLeavesATunl0ThatCarriesForeignRoutesUp() {
        ip(1, "link", "set", "tunl0", "up");
        ip(1, "route", "add", "172.16.9.0/24", "dev", "tunl0", "proto", "static");
        try {
            LinuxTunnelMesh p2p = meshes.open(1, MeshMode.POINT_TO_POINT, 2);
            meshes.open(2, MeshMode.POINT_TO_POINT, 1);
            assertForeignTunl0RouteIntact();
            assertEquals(0, p2p.reconcile());
            assertForeignTunl0RouteIntact();
            assertTrue(
                    p2p.diagnose().stream()
                            .anyMatch(l -> l.startsWith("WARN POINT_TO_POINT mode but tunl0 is up")
                                    && l.contains("172.16.9.0/24")),
                    p2p.diagnose().toString());
            assertEquals(2, ping(1, tunnelAddress(2), 2), "the mesh works beside it");
            meshes.purgeAndClose(p2p);
            assertForeignTunl0RouteIntact();
        } finally {
            ipIgnoringFailure(1, "route", "del", "172.16.9.0/24");
            ipIgnoringFailure(1, "link", "set", "tunl0", "down");
        }
        // the control: with nobody else on it, tunl0 goes down
        ip(1, "link", "set", "tunl0", "up");
        LinuxTunnelMesh p2p = meshes.open(1, MeshMode.POINT_TO_POINT, 2);
        assertFalse(link(1, "tunl0").up());
        assertTrue(p2p.diagnose().stream().anyMatch(l -> l.startsWith("OK POINT_TO_POINT mode: tunl0 is down")));
    }

    private static void assertForeignTunl0RouteIntact() {
        assertTrue(link(1, "tunl0").up(), "tunl0 left up");
        assertTrue(
                routes(1, "172.16.9.0/24").stream()
                        .anyMatch(r -> "tunl0".equals(r.dev()) && "static".equals(r.protocol())),
                routes(1).toString());
    }

    @Test
    void reconcileAndPurgeTouchOnlyRoutesOfOurProtocolOnOurDevices() {
        for (MeshMode mode : MeshMode.values()) {
            LinuxTunnelMesh mesh = meshes.open(1, mode, 2);
            // ours by device, not by protocol: another protocol on tunl0; ours by protocol, not by device: proto 87 on
            // eth0
            ip(1, "link", "set", "tunl0", "up");
            ip(1, "route", "add", "192.168.49.0/24", "via", "10.245.1.9", "dev", "tunl0", "onlink", "proto", "static");
            ip(1, "route", "add", "172.16.8.0/24", "dev", "eth0", "proto", "87");
            try {
                mesh.reconcile();
                assertEquals(0, mesh.reconcile());
                assertTrue(hasRoute(1, "192.168.49.0/24", "static"), mode + ": foreign route on tunl0");
                assertTrue(ourRouteOnEth0(), mode + ": our protocol on eth0");
                mesh.purge();
                assertTrue(hasRoute(1, "192.168.49.0/24", "static"), mode + ": after purge");
                assertTrue(ourRouteOnEth0(), mode + ": after purge");
                List<Route> ours = routes(1, "proto", "87");
                assertEquals(1, ours.size(), "nothing else of proto 87: " + ours);
                assertEquals(
                        List.of("172.16.8.0/24", "eth0", "link"),
                        List.of(
                                ours.get(0).dst(),
                                ours.get(0).dev(),
                                ours.get(0).scope()));
            } finally {
                ipIgnoringFailure(1, "route", "del", "192.168.49.0/24");
                ipIgnoringFailure(1, "route", "del", "172.16.8.0/24");
            }
            meshes.purgeAndClose(mesh);
            ipIgnoringFailure(1, "link", "set", "tunl0", "down");
        }
    }

    private static boolean ourRouteOnEth0() {
        return routes(1, "172.16.8.0/24").stream().anyMatch(r -> "eth0".equals(r.dev()) && "87".equals(r.protocol()));
    }

    @Test
    void sharedDoesNotChangeTheMtuOfATunl0OthersUse() {
        ip(1, "link", "set", "tunl0", "mtu", "1400", "up");
        ip(1, "route", "add", "172.16.9.0/24", "dev", "tunl0", "proto", "static");
        try {
            unchangedAfter(
                    1,
                    ConflictException.class,
                    new String[] {"tunl0", "1400", "1480", "172.16.9.0/24"},
                    () -> LinuxTunnelMesh.open(config(1, MeshMode.SHARED), List.of(peer(2))));
            LinuxTunnelMesh mesh =
                    meshes.open(config(1, MeshMode.SHARED).toBuilder().mtu(1400).build(), 2);
            assertEquals(1400, link(1, "tunl0").mtu());
            // someone changes the MTU while their route uses tunl0: the mesh does not fight them
            ip(1, "link", "set", "tunl0", "mtu", "1300");
            assertEquals(0, mesh.reconcile());
            assertEquals(1300, link(1, "tunl0").mtu());
            assertTrue(
                    mesh.diagnose().stream()
                            .anyMatch(l -> l.startsWith("WARN tunl0 is shared with")
                                    && l.contains("172.16.9.0/24")
                                    && l.contains("1300")),
                    mesh.diagnose().toString());
            assertTrue(hasRoute(1, "172.16.9.0/24", "static"));
        } finally {
            ipIgnoringFailure(1, "route", "del", "172.16.9.0/24");
        }
    }

    /** A listener that needs the mesh from another thread would deadlock if it ran under the mesh's lock. */
    @Test
    void listenersRunOffTheMeshLock() {
        LinuxTunnelMesh mesh = meshes.open(1, MeshMode.SHARED);
        List<Integer> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        mesh.addListener(new MeshListener() {
            @Override
            public void peerAdded(Peer peer) {
                seen.add(CompletableFuture.supplyAsync(() -> mesh.peers().size())
                        .orTimeout(5, TimeUnit.SECONDS)
                        .join());
            }
        });
        mesh.addPeer(peer(2));
        assertEquals(List.of(1), seen, "delivered before addPeer returned, and the other thread got the lock");
    }

    /** Lines for {@code ip -batch}, written to a file in the test's own temporary space. */
    private static String batchFile(List<String> lines) throws java.io.IOException {
        Path file = java.nio.file.Files.createTempFile("tm-batch", ".txt");
        java.nio.file.Files.write(file, lines);
        return file.toString();
    }

    @Test
    void theWatcherIgnoresOthersChangesAndCoalescesAStorm() throws Exception {
        LinuxTunnelMesh mesh = meshes.open(
                watchingConfig(1, MeshMode.SHARED).toBuilder()
                        .resyncInterval(java.time.Duration.ZERO)
                        .build(),
                2);
        Thread.sleep(300);
        long before = mesh.watcherRepairs();

        // someone else's churn: routes of another protocol on eth0, a device of its own that comes and goes
        List<String> churn = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            churn.add("route add 172.16.7." + i + "/32 dev eth0 proto static");
        }
        churn.add("link add tx-a type veth peer name tx-b");
        churn.add("link set tx-a up");
        for (int i = 0; i < 100; i++) {
            churn.add("route del 172.16.7." + i + "/32 dev eth0");
        }
        churn.add("link del tx-a");
        ip(1, "-batch", batchFile(churn));
        Thread.sleep(700);
        assertEquals(before, mesh.watcherRepairs(), "no repair for changes that are not the mesh's");

        // a storm that concerns it: tunl0 flapped 20 times (each down flushes the mesh's routes)
        List<String> storm = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            storm.add("link set tunl0 down");
            storm.add("link set tunl0 up");
        }
        ip(1, "-batch", batchFile(storm));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!hasRoute(1, "192.168.42.0/24", "87") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(700);
        long runs = mesh.watcherRepairs() - before;
        assertTrue(runs >= 1 && runs < 20, "40 relevant events, repaired in " + runs + " run(s)");
        assertTrue(hasRoute(1, "192.168.42.0/24", "87"));
        assertTrue(link(1, "tunl0").up());
        assertEquals(0, mesh.reconcile());
    }
}
