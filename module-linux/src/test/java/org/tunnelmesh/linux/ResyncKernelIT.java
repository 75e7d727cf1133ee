package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.tunnelmesh.linux.Lab.*;
import static org.tunnelmesh.linux.LabKernel.*;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;

/**
 * A resync (the watcher's after drift, every 30 s, or reconcile() called) reads the kernel before it takes the mesh's
 * lock: at 20,000 peers that is 40,000 routes and nexthops, which a change must not wait for. The read is held up here
 * by holding the socket it reads on, or the lock it then waits for.
 */
class ResyncKernelIT {
    @RegisterExtension
    final LabMeshes meshes = new LabMeshes();

    private final Executor ownThread = task -> new Thread(task).start();

    @Test
    void aChangeDoesNotWaitForTheWatchersResyncReadingTheKernel() throws Exception {
        LinuxTunnelMesh mesh = meshes.open(watchingConfig(1, MeshMode.SHARED), 2);
        AtomicReference<Thread> watcher = new AtomicReference<>(watcherThread("tunnelmesh-watch-" + ns(1)));
        synchronized (mesh.snapshotReader()) {
            ip(1, "route", "del", subnet(2)); // drift: the watcher sees it and resyncs
            ThreadWaits.awaitBlockedOn(
                    mesh.snapshotReader(), watcher, "the watcher's resync reading the kernel on its own socket");
            // from another thread, as a JMX client's: held up only if the resync held the mesh's lock while reading
            CompletableFuture<Void> adding = CompletableFuture.runAsync(() -> mesh.addPeer(peer(3)), ownThread);
            ThreadWaits.awaitDone(adding, "addPeer waited for a resync that was reading the kernel");
            assertTrue(hasRoute(1, subnet(3), "87"), "the added peer's route is in");
            assertFalse(hasRoute(1, subnet(2), "87"), "the drift is not repaired while the resync cannot read");
        }
        // released, the resync reads, leaves node3 alone (added after its read began) and repairs the route
        awaitRoute(subnet(2));
        assertEquals(0, mesh.reconcile(), "the kernel matches the mesh: " + ip(1, "route"));
    }

    /**
     * The resync has read the kernel and waits for the lock; this thread, holding it, adds a peer: what the resync read
     * lacks that peer's nexthop and route. It must leave them alone rather than "repair" them (the kernel would refuse
     * the route: it exists).
     */
    @Test
    void aPeerAddedAfterTheResyncsReadIsLeftAlone() throws Exception {
        LinuxTunnelMesh mesh = meshes.open(1, MeshMode.SHARED, 2);
        int repairs = betweenReadAndRepair(mesh, () -> mesh.addPeer(peer(3)));
        assertEquals(0, repairs, "nothing to repair: the mesh's own change is no drift");
        assertTrue(hasRoute(1, subnet(3), "87"), "the added peer's route stays");
        assertEquals(0, mesh.reconcile(), "the kernel matches the mesh: " + ip(1, "route"));
    }

    /** The same in POINT_TO_POINT, for a removal: the resync read a device and route that are gone when it repairs. */
    @Test
    void aPeerRemovedAfterTheResyncsReadIsLeftAlone() throws Exception {
        LinuxTunnelMesh mesh = meshes.open(1, MeshMode.POINT_TO_POINT, 2, 3);
        int repairs = betweenReadAndRepair(mesh, () -> mesh.removePeer(ns(3)));
        assertEquals(0, repairs, "nothing to repair: the mesh's own change is no drift");
        assertTrue(link(1, "tm-node2").up(), "the other peer's device stays");
        assertEquals(0, mesh.reconcile(), "the kernel matches the mesh: " + ip(1, "link"));
    }

    /**
     * A change between the read and the repair that was not of peers - here another reconcile that repaired drift the
     * read saw - makes the resync read again: with its own read it would make the repaired route a second time, which
     * the kernel refuses.
     */
    @Test
    void anyOtherChangeAfterTheResyncsReadMakesItReadAgain() throws Exception {
        LinuxTunnelMesh mesh = meshes.open(1, MeshMode.SHARED, 2);
        ip(1, "route", "del", subnet(2));
        int repairs = betweenReadAndRepair(mesh, () -> assertEquals(1, mesh.reconcile(), "the drift repaired"));
        assertEquals(0, repairs, "repaired already");
        assertTrue(hasRoute(1, subnet(2), "87"), "the route is back");
    }

    /**
     * The mesh remembers the latest 1,024 changes of peers. After more than that since the read, the oldest are
     * forgotten - here the add of node3, which the read lacks - and the resync reads again rather than take node3's
     * route for missing.
     */
    @Test
    void moreChangesAfterTheResyncsReadThanAreRememberedMakeItReadAgain() throws Exception {
        LinuxTunnelMesh mesh = meshes.open(1, MeshMode.SHARED, 2);
        Peer extra = Peer.of("extra", "10.245.1.9", "192.168.49.0/24");
        int repairs = betweenReadAndRepair(mesh, () -> {
            mesh.addPeer(peer(3));
            // more changes of another peer than are remembered
            for (int i = 0; i <= RecentPeerChanges.REMEMBERED / 2; i++) {
                mesh.addPeer(extra);
                mesh.removePeer(extra.name());
            }
        });
        assertEquals(0, repairs, "nothing to repair: the mesh's own changes are no drift");
        assertTrue(hasRoute(1, subnet(3), "87"), "the added peer's route stays");
        assertEquals(0, mesh.reconcile(), "the kernel matches the mesh: " + ip(1, "route"));
    }

    /**
     * Runs reconcile() on another thread and, once it has read the kernel and waits for the mesh's lock, {@code change}
     * on this thread, which holds the lock meanwhile.
     *
     * @return the reconcile's repairs
     */
    private int betweenReadAndRepair(LinuxTunnelMesh mesh, Runnable change) throws Exception {
        AtomicReference<Thread> resyncing = new AtomicReference<>();
        CompletableFuture<Integer> resync;
        synchronized (mesh.changeLock()) {
            resync = CompletableFuture.supplyAsync(
                    () -> {
                        resyncing.set(Thread.currentThread());
                        return mesh.reconcile();
                    },
                    ownThread);
            ThreadWaits.awaitBlockedOn(mesh.changeLock(), resyncing, "reconcile() waiting for the lock after its read");
            change.run(); // this thread holds the lock (re-entered by the change): it goes in between
        }
        return resync.get(60, TimeUnit.SECONDS);
    }

    private static Thread watcherThread(String name) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals(name) && t.isAlive())
                .findFirst()
                .orElseThrow(() -> new AssertionError("no watcher thread " + name));
    }

    private static void awaitRoute(String prefix) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!hasRoute(1, prefix, "87")) {
            if (System.nanoTime() > deadline) {
                fail("route " + prefix + " not repaired within 60 s: " + ip(1, "route"));
            }
            sleep(20);
        }
    }
}
