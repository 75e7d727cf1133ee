package org.tunnelmesh.jmx;

import java.io.Closeable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.EncryptionCounters;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.MeshListener;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TrafficCounters;
import org.tunnelmesh.TunnelDevice;
import org.tunnelmesh.TunnelMesh;

/**
 * Publishes a mesh over JMX: the Mesh MBean, the MeshStats MBean (latency), one Peer MBean per
 * peer, one TunnelDevice MBean per device, and the MeshEvents notifications. Peer and device MBeans follow the mesh whichever
 * way it changes (JMX or Java API), through a {@link MeshListener}.
 *
 * <p>Life cycle: the mesh owns its MBeans. They live from {@code export} until the mesh is closed
 * or this handle is, whichever comes first: the mesh's {@code close()} tells its listeners, and
 * this one unregisters every {@code org.tunnelmesh} MBean of the mesh before that {@code close()}
 * returns. The mesh reports the duration of its single changes to its listeners too, so MeshStats
 * counts every call, made on the mesh, on {@link #mesh()} (the same object) or over JMX. There is
 * one handle to use, the mesh; close order does not matter, and closing twice does nothing.
 *
 * <pre>{@code
 * try (TunnelMesh mesh = LinuxTunnelMesh.open(config, peers)) {
 *     MeshMBeans.export(mesh, ManagementFactory.getPlatformMBeanServer());
 *     mesh.addPeer(peer);      // registers its Peer MBean; timed in MeshStats' AddPeer.*
 * }                            // closing the mesh unregisters every MBean of it
 * }</pre>
 *
 * <p>Closing this handle instead unregisters the MBeans and leaves the mesh open. A mesh that
 * reports no durations (an implementation of the application's own) gets empty latency figures.
 */
public final class MeshMBeans implements Closeable {

    /** Device counters are read from the kernel at most this long ago. */
    public static final Duration COUNTER_MAX_AGE = Duration.ofMillis(250);

    private final java.util.concurrent.atomic.AtomicLong repairs = new java.util.concurrent.atomic.AtomicLong();

    private static final Logger log = LogManager.getLogger(MeshMBeans.class);

    private final TunnelMesh mesh;
    private final LatencyStat addPeerLatency = new LatencyStat();
    private final LatencyStat removePeerLatency = new LatencyStat();
    private final LatencyStat reconcileLatency = new LatencyStat();
    private final String meshName;
    private final MBeanServer server;
    private final DeviceSnapshots snapshots;
    /** Every peer's IPIP counters and the rejected ones, from one read of the mesh's filter. */
    private final Snapshots<TrafficCounters> traffic;

    private final Snapshots<Map<String, EncryptionCounters>> encryption;

    private final MeshEvents events;
    private final Map<String, ManagedPeer> peers = new LinkedHashMap<>();
    private final Set<String> devices = new HashSet<>();
    /** How many exported peers each device carries: a device may be gone only when its count drops to 0. */
    private final Map<String, Integer> peersOnDevice = new HashMap<>();

    private final MeshListener listener = new MeshListener() {
        @Override
        public void peerAdded(Peer peer) {
            onPeersAdded(List.of(peer));
        }

        @Override
        public void peerRemoved(Peer peer) {
            onPeersRemoved(List.of(peer));
        }

        @Override
        public void peersAdded(List<Peer> added) {
            onPeersAdded(added);
        }

        @Override
        public void peersRemoved(List<Peer> removed) {
            onPeersRemoved(removed);
        }

        @Override
        public void stateRepaired(String what) {
            onStateRepaired(what);
        }

        @Override
        public void timed(Operation operation, long nanos) {
            switch (operation) {
                case ADD_PEER -> addPeerLatency.record(nanos);
                case REMOVE_PEER -> removePeerLatency.record(nanos);
                case RECONCILE -> reconcileLatency.record(nanos);
            }
        }

        @Override
        public void meshClosed() {
            close();
        }

        @Override
        public void peerHealthChanged(org.tunnelmesh.PeerHealth health, String what) {
            events.peerHealthChanged(health, what);
        }
    };
    private long changes;
    private boolean eventsRegistered;
    private boolean meshRegistered;
    private boolean statsRegistered;
    private boolean closed;

    Snapshots<TrafficCounters> traffic() {
        return traffic;
    }

    private MeshMBeans(TunnelMesh mesh, MBeanServer server, Duration counterMaxAge) {
        this.mesh = mesh;
        this.meshName = mesh.config().name();
        this.server = server;
        this.snapshots = new DeviceSnapshots(mesh::devices, counterMaxAge.toNanos(), System::nanoTime);
        this.traffic = new Snapshots<>(mesh::trafficCounters, counterMaxAge.toNanos(), System::nanoTime);
        this.encryption = new Snapshots<>(mesh::encryptionCounters, counterMaxAge.toNanos(), System::nanoTime);
        this.events = new MeshEvents(MeshObjectNames.events(meshName));
    }

    /**
     * Registers the mesh's MBeans with {@code server}: the mesh, its stats, its events, and one per peer and per tunnel
     * device, kept in step with the mesh through its listener. They live until the mesh is closed (or the returned
     * handle is), and the mesh's own timings feed MeshStats, whichever handle the application calls.
     *
     * @param mesh the mesh to publish
     * @param server where to register, e.g. {@link java.lang.management.ManagementFactory#getPlatformMBeanServer()}
     * @return a handle whose {@link #close()} unregisters them all (as the mesh's close does)
     * @throws IllegalStateException when a mesh of the same name is already registered there
     * @throws org.tunnelmesh.MeshClosedException when the mesh is closed
     */
    public static MeshMBeans export(TunnelMesh mesh, MBeanServer server) {
        return export(mesh, server, COUNTER_MAX_AGE);
    }

    /**
     * Registers the mesh's MBeans with {@code server}, their counters read from the mesh at most
     * {@code counterMaxAge} ago. {@link Duration#ZERO} reads the mesh at every access: a test that
     * sets counters on a test double sees them at the next read, without sleeping.
     *
     * @param mesh the mesh to publish
     * @param server where to register
     * @param counterMaxAge the oldest counters the MBeans serve (default 250 ms); zero or more
     * @return a handle whose {@link #close()} unregisters them all (as the mesh's close does)
     * @throws InvalidInputException when {@code counterMaxAge} is negative
     * @throws IllegalStateException when a mesh of the same name is already registered there
     * @throws org.tunnelmesh.MeshClosedException when the mesh is closed
     */
    public static MeshMBeans export(TunnelMesh mesh, MBeanServer server, Duration counterMaxAge) {
        if (mesh == null) {
            throw new NullPointerException("mesh");
        }
        if (counterMaxAge == null || counterMaxAge.isNegative()) {
            throw new InvalidInputException("counterMaxAge " + counterMaxAge
                    + " is not a duration of zero or more (zero: counters read at every access)");
        }
        MeshMBeans mbeans = new MeshMBeans(mesh, server, counterMaxAge);
        try {
            mbeans.start();
        } catch (RuntimeException e) {
            mbeans.close();
            throw e;
        }
        return mbeans;
    }

    private void start() {
        ObjectName eventsName = MeshObjectNames.events(meshName);
        try {
            server.registerMBean(events, eventsName);
            eventsRegistered = true;
        } catch (JMException e) {
            throw new IllegalStateException("cannot register " + eventsName + ": " + e, e);
        }
        ObjectName meshMBeanName = MeshObjectNames.mesh(meshName);
        try {
            server.registerMBean(ImpactDeclaringMBean.of(new ManagedMesh(mesh, this, snapshots)), meshMBeanName);
            meshRegistered = true;
        } catch (JMException e) {
            throw new IllegalStateException("cannot register " + meshMBeanName + ": " + e.getMessage(), e);
        }
        ObjectName statsName = MeshObjectNames.stats(meshName);
        try {
            server.registerMBean(new MeshStats(addPeerLatency, removePeerLatency, reconcileLatency), statsName);
            statsRegistered = true;
        } catch (JMException e) {
            throw new IllegalStateException("cannot register " + statsName + ": " + e.getMessage(), e);
        }
        // listen first, then look: a peer added in between is seen by one or the other, or both (registering is
        // idempotent)
        mesh.addListener(listener);
        registerWhatTheMeshHolds();
        log.debug("exported mesh {} with {} peer(s) and {} device(s)", meshName, peers.size(), devices.size());
    }

    /**
     * The mesh these MBeans publish: the object {@code export} was given. Calls on it are timed in MeshStats as any
     * others; it is here for code that has only this handle.
     *
     * @return the mesh
     */
    public TunnelMesh mesh() {
        return mesh;
    }

    /** Unregisters every MBean of the mesh; the mesh stays open. Idempotent; the mesh's close calls it too. */
    @Override
    public void close() {
        mesh.removeListener(listener);
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            peers.keySet().forEach(peer -> unexport(MeshObjectNames.peer(meshName, peer)));
            devices.forEach(device -> unexport(MeshObjectNames.device(meshName, device)));
            unregisterMesh();
            unregisterEvents();
            peers.clear();
            peersOnDevice.clear();
            devices.clear();
        }
    }

    /** The device of a peer as its MBean shows it, or null when there is no such peer (any more). */
    synchronized String deviceOf(String peerName) {
        ManagedPeer peer = peers.get(peerName);
        return peer == null ? null : peer.getDevice();
    }

    // Lock order: this object's lock is only ever taken to change registrations, never around a
    // call into the mesh (an implementation may call listeners with its own lock held).

    /**
     * Registers what the mesh holds now. Runs once, at export, while other threads may already
     * change the mesh: when a listener changed the registrations in between, the reading was
     * stale and is taken again rather than undoing the newer change.
     */
    private void registerWhatTheMeshHolds() {
        while (true) {
            long changesBefore = changes();
            List<Peer> current = mesh.peers();
            Map<String, String> deviceOfPeer = new LinkedHashMap<>();
            for (Peer peer : current) {
                deviceOfPeer.put(peer.name(), deviceOrNull(peer));
            }
            Map<String, TunnelDevice> currentDevices = snapshots.refresh();
            synchronized (this) {
                if (closed) {
                    return;
                }
                if (changes == changesBefore) {
                    for (String gone : List.copyOf(peers.keySet())) {
                        if (!deviceOfPeer.containsKey(gone)) {
                            unexportPeer(gone);
                        }
                    }
                    for (Peer peer : current) {
                        exportPeer(peer, deviceOfPeer.get(peer.name()));
                    }
                    applyDevices(currentDevices);
                    return;
                }
            }
        }
    }

    private synchronized long changes() {
        return changes;
    }

    // The listener runs on the thread that changed the mesh, after the change is in the kernel:
    // it must not throw, or the caller's successful change would look failed. A change of many
    // peers arrives as one event: their MBeans are registered under one lock, and the devices are
    // dumped once, only when a peer brings or takes a device not seen before - so a batch of
    // 10,000 peers costs one dump at most, not one per peer.
    private void onPeersAdded(List<Peer> added) {
        try {
            List<String> deviceOfEach = new ArrayList<>(added.size());
            for (Peer peer : added) {
                deviceOfEach.add(deviceOrNull(peer)); // a call into the mesh: outside this object's lock
            }
            boolean newDevice = false;
            synchronized (this) {
                if (closed) {
                    return;
                }
                changes++;
                for (int i = 0; i < added.size(); i++) {
                    String device = deviceOfEach.get(i);
                    exportPeer(added.get(i), device);
                    newDevice |= device == null || !devices.contains(device);
                }
            }
            if (newDevice) {
                refreshDevices();
            }
            added.forEach(events::peerAdded);
        } catch (RuntimeException e) {
            log.warn("MBeans of {} peer(s) in mesh {} may be out of date: {}", added.size(), meshName, e.toString());
        }
    }

    private void onPeersRemoved(List<Peer> removed) {
        try {
            boolean deviceMayBeGone = false;
            synchronized (this) {
                if (closed) {
                    return;
                }
                changes++;
                for (Peer peer : removed) {
                    ManagedPeer gone = peers.get(peer.name());
                    unexportPeer(peer.name());
                    deviceMayBeGone |= gone == null || !peersOnDevice.containsKey(gone.getDevice());
                }
            }
            if (deviceMayBeGone) {
                refreshDevices();
            }
            removed.forEach(events::peerRemoved);
        } catch (RuntimeException e) {
            log.warn("MBeans of {} peer(s) in mesh {} may be out of date: {}", removed.size(), meshName, e.toString());
        }
    }

    /** Repairs of kernel drift since export (each a notification too). */
    long repairCount() {
        return repairs.get();
    }

    private void onStateRepaired(String what) {
        repairs.incrementAndGet();
        try {
            refreshDevices();
            events.stateRepaired(what);
        } catch (RuntimeException e) {
            log.warn("device MBeans of mesh {} may be out of date after repair '{}': {}", meshName, what, e.toString());
        }
    }

    /** Re-reads the devices from the kernel and registers or unregisters their MBeans to match. */
    private void refreshDevices() {
        Map<String, TunnelDevice> current = snapshots.refresh();
        synchronized (this) {
            if (!closed) {
                changes++;
                applyDevices(current);
            }
        }
    }

    private void applyDevices(Map<String, TunnelDevice> current) {
        for (String gone : List.copyOf(devices)) {
            if (!current.containsKey(gone)) {
                unexport(MeshObjectNames.device(meshName, gone));
                devices.remove(gone);
            }
        }
        for (TunnelDevice device : current.values()) {
            if (!devices.contains(device.name())
                    && export(
                            MeshObjectNames.device(meshName, device.name()),
                            new ManagedTunnelDevice(device, snapshots))) {
                devices.add(device.name());
            }
        }
    }

    private String deviceOrNull(Peer peer) {
        try {
            return mesh.deviceOf(peer.name());
        } catch (RuntimeException e) {
            return null; // removed again already; its peerRemoved follows
        }
    }

    private void exportPeer(Peer peer, String device) {
        if (device == null || peers.containsKey(peer.name())) {
            return;
        }
        ManagedPeer managed = new ManagedPeer(peer, device, traffic, mesh::peerHealth, encryption);
        if (export(MeshObjectNames.peer(meshName, peer.name()), managed)) {
            peers.put(peer.name(), managed);
            peersOnDevice.merge(device, 1, Integer::sum);
        }
    }

    private void unexportPeer(String name) {
        ManagedPeer gone = peers.remove(name);
        if (gone != null) {
            peersOnDevice.computeIfPresent(gone.getDevice(), (device, count) -> count == 1 ? null : count - 1);
            unexport(MeshObjectNames.peer(meshName, name));
        }
    }

    /** Peers and devices: read-only MBeans whose info is built once per class (see {@link ReadOnlyMBean}). */
    private boolean export(ObjectName name, Object managed) {
        try {
            server.registerMBean(ReadOnlyMBean.of(managed), name);
            return true;
        } catch (JMException | RuntimeException e) {
            log.warn("cannot register {}: {}", name, e.getMessage());
            return false;
        }
    }

    private void unexport(ObjectName name) {
        try {
            server.unregisterMBean(name);
        } catch (InstanceNotFoundException gone) {
            // someone else unregistered it: nothing left to do
        } catch (JMException | RuntimeException e) {
            log.warn("cannot unregister {}: {}", name, e.getMessage());
        }
    }

    // the Mesh and MeshStats MBeans, registered without jmxutils' exporter
    private void unregisterMesh() {
        if (meshRegistered) {
            meshRegistered = false;
            unregister(MeshObjectNames.mesh(meshName));
        }
        if (statsRegistered) {
            statsRegistered = false;
            unregister(MeshObjectNames.stats(meshName));
        }
    }

    private void unregister(ObjectName name) {
        try {
            server.unregisterMBean(name);
        } catch (JMException e) {
            log.warn("cannot unregister {}: {}", name, e.getMessage());
        }
    }

    private void unregisterEvents() {
        if (!eventsRegistered) {
            return;
        }
        eventsRegistered = false;
        try {
            server.unregisterMBean(MeshObjectNames.events(meshName));
        } catch (JMException e) {
            log.warn("cannot unregister {}: {}", MeshObjectNames.events(meshName), e.getMessage());
        }
    }
}
