package org.tunnelmesh.testing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.MeshClosedException;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshListener;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TrafficCounters;
import org.tunnelmesh.TunnelDevice;
import org.tunnelmesh.TunnelMesh;
import org.tunnelmesh.TunnelMeshException;

/**
 * The {@link TunnelMesh} contract as JUnit 5 tests: validation, all-or-nothing batches, listeners (order, told
 * after the mesh's lock is released, durations, the close), the closed state, a second open of the same mesh, and
 * counters. It runs against {@link InMemoryTunnelMesh} in this module's tests and against {@code LinuxTunnelMesh} in
 * the kernel lab; extend it to hold an implementation or a decorator of your own to the same rules:
 *
 * <pre>{@code
 * class AuditedMeshContractTest extends TunnelMeshContract {
 *     @Override
 *     protected TunnelMesh open(MeshConfig config, List<Peer> peers) {
 *         return new AuditedMesh(InMemoryTunnelMesh.open(config, peers));
 *     }
 * }
 * }</pre>
 *
 * <p>Each test opens its meshes through {@link #open} and closes them; {@link #config()} and {@link #peer(int)}
 * give what they open with, and may be overridden where the defaults (underlay 10.245.1.2, peers from 10.245.1.10
 * with subnets from 192.168.100.0/24, as in the kernel lab) do not fit. No test sleeps: where a deadlock is what
 * would fail it, it waits {@link #DEADLOCK_TIMEOUT_SECONDS} for the answer.
 */
public abstract class TunnelMeshContract {

    /** How long a test waits for work that only a deadlock would keep from finishing. */
    protected static final long DEADLOCK_TIMEOUT_SECONDS = 30;

    private final List<TunnelMesh> opened = new ArrayList<>();

    /**
     * Opens the mesh under test with {@code config} and {@code peers}, as {@code LinuxTunnelMesh.open} does: it
     * refuses a second open of a mesh that is open already with a {@link ConflictException}.
     *
     * @param config the configuration, {@link #config()}
     * @param peers the peers to open with
     * @return the open mesh under test
     */
    protected abstract TunnelMesh open(MeshConfig config, List<Peer> peers);

    /**
     * The configuration every test opens with; override to fit your environment (name, addresses, namespace).
     *
     * @return the configuration
     */
    protected MeshConfig config() {
        return MeshConfig.builder()
                .name("contract")
                .underlay("10.245.1.2")
                .tunnelAddress("192.168.41.0")
                .build();
    }

    /**
     * Peer {@code i} (1, 2, 3...): name {@code peer<i>}, underlay 10.245.1.(9+i), subnet 192.168.(99+i).0/24.
     *
     * @param i the peer's number, from 1
     * @return the peer
     */
    protected Peer peer(int i) {
        return Peer.of("peer" + i, "10.245.1." + (9 + i), "192.168." + (99 + i) + ".0/24");
    }

    /** Closes what a test left open; override to also remove what a mesh left behind (a kernel mesh: purge). */
    @AfterEach
    protected void closeMeshes() {
        for (TunnelMesh mesh : opened) {
            mesh.close();
        }
        opened.clear();
    }

    private TunnelMesh openTracked(List<Peer> peers) {
        TunnelMesh mesh = open(config(), peers);
        opened.add(mesh);
        return mesh;
    }

    /** Peers come back from {@code peers()} in the order they were added, and {@code peer(name)} finds them. */
    @Test
    public void peersComeBackInTheOrderTheyWereAdded() {
        TunnelMesh mesh = openTracked(List.of(peer(1)));
        mesh.addPeers(List.of(peer(3), peer(2)));

        assertEquals(List.of(peer(1), peer(3), peer(2)), mesh.peers());
        assertEquals(Optional.of(peer(2)), mesh.peer("peer2"));
        assertEquals(Optional.empty(), mesh.peer("peer9"));
        assertEquals(config().name(), mesh.config().name());
    }

    /** A bad or conflicting peer is refused with an {@link InvalidInputException} or {@link ConflictException}, and changes nothing: no peer, no event. */
    @Test
    public void aBadOrConflictingPeerIsRefusedAndChangesNothing() {
        TunnelMesh mesh = openTracked(List.of(peer(1)));
        List<Object> events = record(mesh);
        Peer sameName = Peer.of("peer1", "10.245.1.99", "192.168.199.0/24");
        Peer sameUnderlay = Peer.of("other", peer(1).underlay().toString(), "192.168.199.0/24");
        Peer overlapping = Peer.of("other", "10.245.1.99", "192.168.100.128/25");
        Peer ourTunnelAddress = Peer.of("other", "10.245.1.99", config().tunnelAddress() + "/32");

        for (Peer bad : List.of(sameName, sameUnderlay, overlapping, ourTunnelAddress)) {
            TunnelMeshException e = assertThrows(TunnelMeshException.class, () -> mesh.addPeer(bad), bad.toString());
            assertTrue(
                    e instanceof InvalidInputException || e instanceof ConflictException,
                    "a refused peer is InvalidInput or Conflict: " + e);
        }
        assertThrows(InvalidInputException.class, () -> mesh.removePeer("nobody"));

        assertEquals(List.of(peer(1)), mesh.peers());
        assertEquals(List.of(), events, "a refused call tells no listener");
    }

    /** A batch with one bad peer adds none of them (all or nothing). */
    @Test
    public void aBatchWithOneBadPeerAddsNone() {
        TunnelMesh mesh = openTracked(List.of(peer(1)));
        List<Object> events = record(mesh);
        Peer clashesWithPeer2 =
                Peer.of("peer4", "10.245.1.99", peer(2).subnets().get(0).toString());

        assertThrows(TunnelMeshException.class, () -> mesh.addPeers(List.of(peer(2), peer(3), clashesWithPeer2)));
        assertThrows(TunnelMeshException.class, () -> mesh.addPeers(List.of(peer(2), peer(2))));

        assertEquals(List.of(peer(1)), mesh.peers());
        assertEquals(List.of(), events);
    }

    /** A removal naming one unknown peer removes none of them. */
    @Test
    public void aRemovalWithOneUnknownNameRemovesNone() {
        TunnelMesh mesh = openTracked(List.of(peer(1), peer(2)));
        List<Object> events = record(mesh);

        assertThrows(InvalidInputException.class, () -> mesh.removePeers(List.of("peer1", "nobody")));

        assertEquals(List.of(peer(1), peer(2)), mesh.peers());
        assertEquals(List.of(), events);
    }

    /** Listeners hear every change, in order, before the call returns; a change of many peers is one event. */
    @Test
    public void listenersHearEveryChangeInOrderBeforeTheCallReturns() {
        TunnelMesh mesh = openTracked(List.of());
        List<Object> events = record(mesh);

        mesh.addPeer(peer(1));
        assertEquals(List.of("added [peer1]"), events, "told before addPeer returned");
        mesh.addPeers(List.of(peer(2), peer(3)));
        mesh.removePeers(List.of("peer1", "peer3"));
        mesh.purge();

        assertEquals(
                List.of("added [peer1]", "added [peer2, peer3]", "removed [peer1, peer3]", "removed [peer2]"),
                events,
                "a change of many peers is one event");
    }

    /**
     * A listener runs with the mesh's lock released: one that hands work to another thread and waits for it, work
     * that reads the mesh or makes a call the mesh refuses, must not deadlock (nor may one that calls back into the
     * mesh on its own thread).
     *
     * @throws Exception when the other thread's work fails or times out
     */
    @Test
    public void aListenerMayWaitForAnotherThreadThatReadsTheMesh() throws Exception {
        TunnelMesh mesh = openTracked(List.of());
        ExecutorService executor = Executors.newSingleThreadExecutor();
        List<List<Peer>> seen = Collections.synchronizedList(new ArrayList<>());
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        try {
            mesh.addListener(new MeshListener() {
                @Override
                public void peersAdded(List<Peer> peers) {
                    try {
                        seen.add(mesh.peers()); // on this thread
                        Future<List<Peer>> read = executor.submit(mesh::peers);
                        seen.add(read.get(DEADLOCK_TIMEOUT_SECONDS, TimeUnit.SECONDS));
                        // a call another thread makes that changes nothing (refused) returns while this one delivers
                        Future<Class<?>> refused = executor.submit(() -> {
                            try {
                                mesh.addPeers(List.of(peers.get(0)));
                                return null;
                            } catch (TunnelMeshException e) {
                                return e.getClass();
                            }
                        });
                        if (refused.get(DEADLOCK_TIMEOUT_SECONDS, TimeUnit.SECONDS) == null) {
                            failures.add(new AssertionError("adding " + peers.get(0) + " twice succeeded"));
                        }
                    } catch (TimeoutException e) {
                        failures.add(new AssertionError(
                                "a listener waiting for another thread's call into the mesh deadlocked:"
                                        + " the mesh calls listeners with its lock held, or has a refused call wait"
                                        + " for the delivery of others' events",
                                e));
                    } catch (Exception e) {
                        failures.add(e);
                    }
                }
            });
            CompletableFuture<Void> adding = CompletableFuture.runAsync(() -> mesh.addPeer(peer(1)));
            adding.get(2 * DEADLOCK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } finally {
            executor.shutdownNow();
        }
        assertEquals(List.of(), failures);
        assertEquals(List.of(List.of(peer(1)), List.of(peer(1))), seen, "both see the peer added");
    }

    /** A listener that throws neither fails the change nor keeps the other listeners from hearing of it. */
    @Test
    public void aFailingListenerDoesNotFailTheChangeNorKeepOthersFromHearingIt() {
        TunnelMesh mesh = openTracked(List.of());
        mesh.addListener(new MeshListener() {
            @Override
            public void peersAdded(List<Peer> peers) {
                throw new IllegalStateException("a broken listener (expected in this test)");
            }
        });
        List<Object> events = record(mesh);
        Thread.UncaughtExceptionHandler before = Thread.currentThread().getUncaughtExceptionHandler();
        Thread.currentThread().setUncaughtExceptionHandler((thread, e) -> {}); // the test double reports it there
        try {
            mesh.addPeer(peer(1));
        } finally {
            Thread.currentThread().setUncaughtExceptionHandler(before);
        }

        assertEquals(List.of(peer(1)), mesh.peers());
        assertEquals(List.of("added [peer1]"), events);
    }

    /** Single changes and {@code reconcile()} report their duration to the listeners ({@code MeshListener.timed}); batches do not. */
    @Test
    public void singleChangesAndReconcileReportTheirDuration() {
        TunnelMesh mesh = openTracked(List.of());
        List<MeshListener.Operation> timed = Collections.synchronizedList(new ArrayList<>());
        mesh.addListener(new MeshListener() {
            @Override
            public void timed(Operation operation, long nanos) {
                assertTrue(nanos >= 0, "a duration: " + nanos);
                timed.add(operation);
            }
        });

        mesh.addPeer(peer(1));
        mesh.addPeers(List.of(peer(2))); // a change of one peer is an addPeer, whichever method made it
        mesh.addPeers(List.of(peer(3), peer(4))); // a batch is not
        mesh.removePeer("peer1");
        mesh.reconcile();
        assertThrows(TunnelMeshException.class, () -> mesh.addPeer(peer(2))); // a failed call is not

        assertEquals(
                List.of(
                        MeshListener.Operation.ADD_PEER,
                        MeshListener.Operation.ADD_PEER,
                        MeshListener.Operation.REMOVE_PEER,
                        MeshListener.Operation.RECONCILE),
                timed);
    }

    /** Every operation of a closed mesh throws {@link MeshClosedException}; {@code close()} again does nothing. */
    @Test
    public void everyOperationOfAClosedMeshThrowsMeshClosedException() {
        TunnelMesh mesh = openTracked(List.of(peer(1)));
        List<Object> events = record(mesh);
        MeshListener other = new MeshListener() {};

        mesh.close();

        assertEquals(List.of("closed"), events, "listeners hear of the close before close() returns");
        Map<String, Executable> operations = new java.util.LinkedHashMap<>();
        operations.put("addPeer", () -> mesh.addPeer(peer(2)));
        operations.put("addPeers", () -> mesh.addPeers(List.of(peer(2), peer(3))));
        operations.put("removePeer", () -> mesh.removePeer("peer1"));
        operations.put("removePeers", () -> mesh.removePeers(List.of("peer1")));
        operations.put("peers", mesh::peers);
        operations.put("peer", () -> mesh.peer("peer1"));
        operations.put("deviceOf", () -> mesh.deviceOf("peer1"));
        operations.put("devices", mesh::devices);
        operations.put("trafficCounters", mesh::trafficCounters);
        operations.put("reconcile", mesh::reconcile);
        operations.put("purge", mesh::purge);
        operations.put("diagnose", mesh::diagnose);
        operations.put("addListener", () -> mesh.addListener(other));
        for (Map.Entry<String, Executable> operation : operations.entrySet()) {
            MeshClosedException e =
                    assertThrows(MeshClosedException.class, operation.getValue(), operation.getKey() + " after close");
            assertEquals("mesh '" + config().name() + "' is closed", e.getMessage());
        }
        assertEquals(config().name(), mesh.config().name(), "config() still answers");
        assertDoesNotThrow(() -> mesh.removeListener(other));
        assertDoesNotThrow(mesh::close, "close() is idempotent");
        assertEquals(List.of("closed"), events, "told once");
    }

    /** A second open of a mesh that is open is refused with a {@link ConflictException}, and allowed once the first is closed. */
    @Test
    public void aSecondOpenOfAnOpenMeshIsRefusedUntilTheFirstIsClosed() {
        TunnelMesh first = openTracked(List.of(peer(1)));

        assertThrows(ConflictException.class, () -> open(config(), List.of()));
        assertEquals(List.of(peer(1)), first.peers(), "the refused open changed nothing");

        first.close();
        TunnelMesh again = openTracked(List.of(peer(1)));
        assertEquals(List.of(peer(1)), again.peers());
    }

    /** The traffic counters cover every peer, and {@code devices()} every device the mesh uses. */
    @Test
    public void countersCoverEveryPeerAndEveryDeviceTheMeshUses() {
        TunnelMesh mesh = openTracked(List.of(peer(1), peer(2)));
        mesh.removePeer("peer2");
        mesh.addPeer(peer(3));

        List<String> devices = mesh.devices().stream().map(TunnelDevice::name).toList();
        for (Peer peer : mesh.peers()) {
            assertTrue(devices.contains(mesh.deviceOf(peer.name())), peer.name() + "'s device is among " + devices);
        }
        for (TunnelDevice device : mesh.devices()) {
            assertTrue(device.counters().rxPackets() >= 0 && device.counters().txPackets() >= 0, device.toString());
        }
        TrafficCounters traffic = mesh.trafficCounters();
        if (traffic.filtered()) {
            assertEquals(
                    List.of("peer1", "peer3"),
                    traffic.peers().keySet().stream().sorted().toList(),
                    "one entry per peer, none for a removed one");
        }
        assertThrows(InvalidInputException.class, () -> mesh.deviceOf("peer2"));
    }

    /** Records what listeners are told, as text: "added [a, b]", "removed [a]", "closed". */
    private static List<Object> record(TunnelMesh mesh) {
        List<Object> events = Collections.synchronizedList(new ArrayList<>());
        Consumer<Object> add = events::add;
        mesh.addListener(new MeshListener() {
            @Override
            public void peersAdded(List<Peer> peers) {
                add.accept("added " + peers.stream().map(Peer::name).toList());
            }

            @Override
            public void peersRemoved(List<Peer> peers) {
                add.accept("removed " + peers.stream().map(Peer::name).toList());
            }

            @Override
            public void meshClosed() {
                add.accept("closed");
            }
        });
        return events;
    }
}
