package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.Lab.*;
import static org.tunnelmesh.linux.LabKernel.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TunnelMeshException;

/** Drift is repaired within a second, restarts lose no packet, concurrent changes leave a consistent kernel. */
class SelfHealingKernelIT {
    @RegisterExtension
    final LabMeshes meshes = new LabMeshes();

    private final Repairs repairs = new Repairs();

    private LinuxTunnelMesh open(int node, MeshMode mode, int... peers) {
        LinuxTunnelMesh mesh = meshes.open(watchingConfig(node, mode), peers);
        mesh.addListener(repairs);
        return mesh;
    }

    /**
     * The watcher waits in poll(2) with no timeout but the 30 s resync: close() returns only once
     * it woke the thread and the thread ended (closing its own socket). Nothing here is timed.
     */
    @Test
    void closeStopsTheWatcherBeforeItReturns() {
        LinuxTunnelMesh mesh = open(1, MeshMode.SHARED, 2);
        // an event the watcher acts on, so it has been round its loop and is waiting again
        repairs.repairedWithinOneSecond(
                "a deleted route",
                () -> ip(1, "route", "del", "192.168.42.0/24"),
                () -> hasRoute(1, "192.168.42.0/24", "87"));
        String name = "tunnelmesh-watch-" + mesh.config().name();
        assertTrue(watcherThreads(name) == 1, "one watcher thread runs: " + name);
        mesh.purge();
        meshes.closeLeavingState(mesh);
        assertEquals(0, watcherThreads(name), "the watcher thread is gone once close() returned");
    }

    private static long watcherThreads(String name) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals(name) && t.isAlive())
                .count();
    }

    @Test
    void sharedDriftIsRepairedAtOnceAndForeignRoutesAreLeftAlone() {
        LinuxTunnelMesh mesh = open(1, MeshMode.SHARED, 2, 3);
        ip(1, "route", "add", "192.168.49.0/24", "via", "10.245.1.9", "dev", "tunl0", "onlink", "proto", "static");

        repairs.repairedWithinOneSecond(
                "a deleted route",
                () -> ip(1, "route", "del", "192.168.42.0/24"),
                () -> hasRoute(1, "192.168.42.0/24", "87"));
        assertTrue(
                repairs.seen().stream().anyMatch(r -> r.contains("192.168.42.0/24")),
                "the repair was announced: " + repairs.seen());
        assertTrue(hasRoute(1, "192.168.49.0/24", "static"), "a route of another protocol stays");

        repairs.repairedWithinOneSecond(
                "a deleted tunnel address",
                () -> ip(1, "addr", "del", "192.168.41.0/32", "dev", "tunl0"),
                () -> ipv4Addresses(1, "tunl0").contains("192.168.41.0/32"));

        // taking tunl0 down makes the kernel flush every route through it, ours and the foreign one
        repairs.repairedWithinOneSecond(
                "tunl0 taken down",
                () -> ip(1, "link", "set", "tunl0", "down"),
                () -> link(1, "tunl0").up() && hasRoute(1, "192.168.43.0/24", "87"));
        assertEquals(0, mesh.reconcile(), "the repair was complete");
    }

    @Test
    void pointToPointDriftIsRepairedAtOnce() {
        open(1, MeshMode.POINT_TO_POINT, 2);
        open(2, MeshMode.POINT_TO_POINT, 1);

        repairs.repairedWithinOneSecond(
                "a deleted device",
                () -> ip(1, "link", "del", "tm-node2"),
                () -> hasRouteVia(1, "192.168.42.0/24", "tm-node2"));

        repairs.repairedWithinOneSecond(
                "tunl0 brought up in POINT_TO_POINT",
                () -> ip(1, "link", "set", "tunl0", "up"),
                () -> !link(1, "tunl0").up());

        assertEquals(2, ping(1, tunnelAddress(2), 2));
    }

    @Test
    void aPurgedMeshStaysPurgedUntilAPeerIsAdded() {
        LinuxTunnelMesh mesh = open(1, MeshMode.SHARED, 2);
        open(2, MeshMode.SHARED, 1);
        mesh.purge();
        sleep(700); // the watcher saw every deletion the purge made
        assertFalse(link(1, "tunl0").up(), "the watcher did not undo the purge");
        assertFalse(ipv4Addresses(1, "tunl0").stream().anyMatch(a -> a.startsWith("192.168.41.0/")));
        assertEquals(0, mesh.reconcile());

        mesh.addPeer(peer(2));
        assertEquals(2, ping(1, tunnelAddress(2), 2));
    }

    @Test
    void restartWhilePingingLosesNothing() throws Exception {
        for (MeshMode mode : MeshMode.values()) {
            LinuxTunnelMesh node1 = open(1, mode, 2);
            open(2, mode, 1);
            LabPing ping = LabPing.start(1, 2, "0.05", 40);
            sleep(500);
            meshes.closeLeavingState(node1);
            open(1, mode, 2);
            LabPing.Summary summary = ping.awaitEnd();
            assertTrue(summary.noneLost(), mode + ": " + summary.text());
            meshes.purgeAll();
        }
    }

    @Test
    void concurrentAddsAndRemovesLeaveTheKernelMatchingTheMesh() throws Exception {
        LinuxTunnelMesh mesh = open(1, MeshMode.SHARED);
        // 1,000 peers with private addresses that exist only in the lab's namespace (CONTRACT.md): underlays
        // 10.245.2-5.x (gateways that never carry traffic), one /30 each in 172.16.0-15.x
        List<Peer> pool = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            pool.add(Peer.of(
                    "p" + i,
                    "10.245." + (2 + i / 250) + "." + (1 + i % 250),
                    "172.16." + (i / 64) + "." + (i % 64 * 4) + "/30"));
        }
        ExecutorService threads = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Random random = new Random(t);
            done.add(threads.submit(() -> {
                for (int i = 0; i < 500; i++) {
                    Peer peer = pool.get(random.nextInt(pool.size()));
                    try {
                        if (random.nextBoolean()) {
                            mesh.addPeer(peer);
                        } else {
                            mesh.removePeer(peer.name());
                        }
                    } catch (TunnelMeshException expected) {
                        // already there / already gone: the loser of a race is told so
                    }
                }
            }));
        }
        for (Future<?> f : done) {
            f.get(5, TimeUnit.MINUTES);
        }
        threads.shutdown();

        Set<String> expected = new TreeSet<>();
        for (Peer peer : mesh.peers()) {
            for (Ipv4Prefix subnet : peer.subnets()) {
                expected.add(subnet.toString());
            }
        }
        Set<String> kernel = new TreeSet<>(routeDestinations(1, "proto", "87"));
        assertFalse(expected.isEmpty());
        assertEquals(expected, kernel, "the kernel's routes are exactly the mesh's");
        assertEquals(0, mesh.reconcile(), "nothing left to repair");
    }
}
