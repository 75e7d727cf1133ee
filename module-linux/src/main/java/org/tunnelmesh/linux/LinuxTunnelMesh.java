package org.tunnelmesh.linux;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshListener;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.StateFileException;
import org.tunnelmesh.TrafficCounters;
import org.tunnelmesh.TunnelDevice;
import org.tunnelmesh.TunnelMesh;
import org.tunnelmesh.internal.PeerTable;
import org.tunnelmesh.internal.StateFile;
import org.tunnelmesh.linux.netlink.Netlink;
import org.tunnelmesh.linux.netlink.NetlinkSocket;
import org.tunnelmesh.linux.rtnetlink.KernelErrors;
import org.tunnelmesh.linux.netlink.NetworkNamespace;
import org.tunnelmesh.linux.rtnetlink.Address;
import org.tunnelmesh.linux.rtnetlink.Link;
import org.tunnelmesh.linux.rtnetlink.RtnetlinkSession;

/**
 * The mesh on Linux. Opening it adopts what the kernel already holds (by the route protocol id
 * and device names), repairs what differs, and removes owned leftovers of peers no longer
 * configured - without touching what is already right, so a restart does not drop traffic.
 *
 * <p>All changes go through one lock; counters are read on a socket of their own so a big change
 * does not hold up a monitoring client. Listeners run after that lock is released (a slow
 * listener, or one that calls back into the mesh, cannot stall or deadlock it), in the order of
 * the changes, and before the call that made the change returns.
 *
 * <p>One mesh per network namespace and route protocol, in this process or any other ({@link MeshLock}).
 */
public final class LinuxTunnelMesh implements TunnelMesh {
    private static final Logger log = LogManager.getLogger(LinuxTunnelMesh.class);

    private final MeshContext ctx;
    private final Topology topology;
    private final PeerTable table;
    private final CounterReader counters;
    /** The IPIP source filter on the underlay device; null when the config turns it off. */
    private final IpipFilter filter;
    /** Refuses peer subnets that would take over the namespace's own paths (on-link subnets, default gateways). */
    private final HostRouteGuard guard;
    private final List<MeshListener> listeners = new CopyOnWriteArrayList<>();
    /** Events of committed changes, queued under the mesh lock so their order is the order of the changes. */
    private final Queue<Runnable> pending = new ConcurrentLinkedQueue<>();
    /** Held while delivering, so events reach listeners one at a time and in order. */
    private final Object delivery = new Object();
    private KernelWatcher watcher;
    private MeshLock lock;
    /** Where the desired peer set is saved before every change, or null for memory only. */
    private StateFile stateFile;
    /** Set when the state file could not be put back after a failed change: it may not match the mesh. */
    private String stateFileTrouble;
    /** After purge() the mesh holds nothing in the kernel and repairs nothing, until a peer is added. */
    private boolean purged;
    private boolean closed;

    private LinuxTunnelMesh(MeshContext ctx, Topology topology, PeerTable table, CounterReader counters, IpipFilter filter,
                            HostRouteGuard guard) {
        this.ctx = ctx;
        this.topology = topology;
        this.table = table;
        this.counters = counters;
        this.filter = filter;
        this.guard = guard;
    }

    public static LinuxTunnelMesh open(MeshConfig config) {
        return open(config, List.of());
    }

    /**
     * Validates the configuration and every peer against each other and against the kernel (the
     * underlay address must be on a device; no peer subnet may overlap a subnet the namespace reaches
     * on-link, nor contain a default gateway: {@link HostRoutes}), then applies them. {@link #addPeers}
     * checks its peers against the kernel's routes the same way.
     *
     * @throws InvalidInputException or {@link org.tunnelmesh.ConflictException} before anything changes
     */
    public static LinuxTunnelMesh open(MeshConfig config, Collection<Peer> peers) {
        PeerTable table = new PeerTable(config);
        List<Peer> initial = List.copyOf(peers);
        StateFile stateFile = config.stateFile() == null ? null : new StateFile(config.stateFile());
        List<Peer> saved = stateFile == null ? List.of() : stateFile.read(config.name());
        if (!saved.isEmpty()) {
            initial = StateFile.startingPeers(saved, initial);
        }
        if (!initial.isEmpty()) {
            try {
                table.checkAdd(initial);
            } catch (InvalidInputException | ConflictException e) {
                throw notFitting(e, saved, stateFile, peers);
            }
            if (config.mode() == MeshMode.POINT_TO_POINT) {
                PointToPointTopology.checkDeviceNames(Map.of(), initial);
            }
        }
        long started = System.nanoTime();
        Sockets sockets;
        try {
            sockets = Sockets.open(config);
        } catch (RuntimeException e) {
            throw KernelErrors.translate(e);
        }
        IpipFilter filter = null;
        MeshLock lock = null;
        try {
            String where = (config.netns() == null ? "this network namespace" : "network namespace " + config.netns())
                    + " (net:[" + sockets.netnsInode + "])";
            lock = MeshLock.acquire(sockets.netnsInode, config.routeProtocol(), config.name(), where);
            KernelState state = new KernelState(sockets.control.links(false), sockets.control.addresses(), List.of(), List.of());
            MeshContext ctx = discover(config, sockets.control, state);
            HostRouteGuard guard = new HostRouteGuard(sockets.control, sockets.hostRoutes, config.routeProtocol(), ctx.underlayIfindex);
            if (!initial.isEmpty()) {
                try {
                    guard.check(initial);
                } catch (InvalidInputException e) {
                    throw notFitting(e, saved, stateFile, peers);
                }
            }
            if (stateFile != null) {
                // before the kernel: a file that cannot be written fails the open with nothing changed
                stateFile.write(config.name(), initial);
            }
            // programs and map first: a kernel without BPF fails here, before anything changed
            long loadStart = System.nanoTime();
            filter = config.ipipFilter() ? IpipFilter.open(ctx, initial.size()) : null;
            long filterLoad = System.nanoTime() - loadStart;
            Topology topology = config.mode() == MeshMode.SHARED
                    ? SharedTopology.open(ctx, state)
                    : new PointToPointTopology(ctx);
            table.addAll(initial);
            LinuxTunnelMesh mesh = new LinuxTunnelMesh(ctx, topology, table, new CounterReader(sockets.stats), filter, guard);
            mesh.lock = lock;
            mesh.stateFile = stateFile;
            if (stateFile != null) {
                log.info("mesh '{}': desired peers kept in state file {} ({} restored from it)", config.name(),
                        stateFile.path(), saved.size());
            }
            // the peers in the map before the filter is attached, and the filter before the routes
            long filterStart = System.nanoTime();
            List<String> repairs = new java.util.ArrayList<>(filter == null ? List.of() : filter.reconcile(initial));
            long topologyStart = System.nanoTime();
            ctx.describeRepairs = log.isDebugEnabled();
            try {
                repairs.addAll(topology.reconcile(initial));
            } finally {
                ctx.describeRepairs = true;
            }
            long end = System.nanoTime();
            log.info("mesh '{}' open: {} on {} (dev {}), tunnel {} mtu {}, {} peer(s){}, {} kernel change(s) in {} ms"
                    + " (the IPIP filter's map and programs {} ms, devices and routes {} ms)",
                    config.name(), config.mode(), config.underlay(), ctx.underlayDevice, config.tunnelAddress(), ctx.mtu,
                    initial.size(), topology instanceof SharedTopology s && s.usesNexthops() ? " via nexthop objects" : "",
                    repairs.size(), (end - started) / 1_000_000, (topologyStart - filterStart + filterLoad) / 1_000_000,
                    (end - topologyStart) / 1_000_000);
            if (log.isDebugEnabled()) {
                repairs.forEach(r -> log.debug("applied: {}", r));
            }
            if (sockets.events != null) {
                IpipFilter ipipFilter = filter;
                MeshEventFilter eventFilter = new MeshEventFilter(config.routeProtocol(), config.tunnelAddress(), ctx.underlayIfindex,
                        ipipFilter == null ? ifindex -> false : ipipFilter::isGuardedDevice);
                mesh.watcher = new KernelWatcher(sockets.events, sockets.control.portId(), eventFilter::concerns, config.name(),
                        config.resyncInterval().toMillis(), mesh::repairQuietly);
                mesh.watcher.start();
            }
            return mesh;
        } catch (RuntimeException e) {
            if (lock != null) {
                lock.close();
            }
            sockets.close();
            if (filter != null) {
                filter.close();
            }
            throw KernelErrors.translate(e);
        }
    }

    /** A refusal of the starting peers; when some came from the state file, it names the file and what to do. */
    private static RuntimeException notFitting(RuntimeException e, List<Peer> saved, StateFile stateFile, Collection<Peer> peers) {
        if (saved.isEmpty()) {
            return e;
        }
        return new StateFileException("the peers of state file " + stateFile.path()
                + (peers.isEmpty() ? "" : " with the given peers") + " do not fit this mesh: " + e.getMessage()
                + "; fix or remove the file (nothing changed)", e);
    }

    /** Called by the watcher: a reconcile that tolerates a mesh closed under it. */
    private void repairQuietly() {
        changing(() -> closed ? 0 : reconcileLocked());
    }

    /** Repairs the watcher started so far (0 when not watching): for tests. */
    long watcherRepairs() {
        KernelWatcher w = watcher;
        return w == null ? 0 : w.repairs();
    }

    /** Dumps of the namespace's routes the guard made so far: for tests of when it reads them again. */
    synchronized long hostRouteReads() {
        return guard.reads();
    }

    /** Runs {@code change} under the mesh lock, then delivers the events it queued (and any before them). */
    private <T> T changing(Supplier<T> change) {
        try {
            synchronized (this) {
                return change.get();
            }
        } catch (RuntimeException e) {
            throw KernelErrors.translate(e); // what the session does not translate (bpf(2), say) leaves as the API's exception too
        } finally {
            deliver();
        }
    }

    private void deliver() {
        synchronized (delivery) {
            for (Runnable event = pending.poll(); event != null; event = pending.poll()) {
                event.run();
            }
        }
    }

    /**
     * The mesh's sockets: control (changes), stats (counters), events (watching), hostRoutes (route notifications for
     * the {@link HostRouteGuard}, or null); all in the mesh's namespace.
     */
    private record Sockets(RtnetlinkSession control, RtnetlinkSession stats, NetlinkSocket events, NetlinkSocket hostRoutes,
                           long netnsInode) {

        static Sockets open(MeshConfig config) {
            if (config.netns() == null) {
                return openHere(config.watchKernel());
            }
            try {
                NetworkNamespace.resolve(config.netns());
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(e.getMessage());
            }
            // one trip into the namespace: a socket stays in the namespace it was made in
            return NetworkNamespace.call(config.netns(), () -> openHere(config.watchKernel()));
        }

        private static Sockets openHere(boolean watch) {
            RtnetlinkSession control = RtnetlinkSession.open();
            RtnetlinkSession stats = null;
            NetlinkSocket hostRoutes = null;
            try {
                stats = RtnetlinkSession.open();
                hostRoutes = HostRouteGuard.openEvents(control.portId());
                return new Sockets(control, stats, watch ? NetlinkSocket.open(Netlink.NETLINK_ROUTE) : null, hostRoutes,
                        NetworkNamespace.currentInode());
            } catch (RuntimeException e) {
                control.close();
                if (stats != null) {
                    stats.close();
                }
                if (hostRoutes != null) {
                    hostRoutes.close();
                }
                throw e;
            }
        }

        void close() {
            control.close();
            stats.close();
            if (events != null) {
                events.close();
            }
            if (hostRoutes != null) {
                hostRoutes.close();
            }
        }
    }

    /** Finds the underlay device (the one holding our underlay address) and settles the MTU. */
    private static MeshContext discover(MeshConfig config, RtnetlinkSession session, KernelState state) {
        Address underlay = null;
        for (Address a : state.addresses()) {
            if (a.address().equals(config.underlay())) {
                underlay = a;
                break;
            }
        }
        String where = config.netns() == null ? "this network namespace" : "network namespace " + config.netns();
        if (underlay == null) {
            throw new InvalidInputException("underlay " + config.underlay() + " is not an address of any device in " + where);
        }
        Link device = state.link(underlay.ifindex());
        if (device == null) {
            throw new InvalidInputException("the device holding underlay " + config.underlay() + " vanished");
        }
        int maxMtu = device.mtu() - MeshConfig.IPIP_OVERHEAD;
        if (config.mtu() > maxMtu) {
            throw new InvalidInputException("MTU " + config.mtu() + " is too big: underlay device " + device.name()
                    + " has MTU " + device.mtu() + ", so the tunnel can carry at most " + maxMtu);
        }
        int mtu = config.mtu() != 0 ? config.mtu() : maxMtu;
        if (mtu < MeshConfig.MIN_MTU) {
            throw new InvalidInputException("underlay device " + device.name() + " has MTU " + device.mtu()
                    + ", too small for a tunnel (needs at least " + (MeshConfig.MIN_MTU + MeshConfig.IPIP_OVERHEAD) + ")");
        }
        return new MeshContext(config, session, device.ifindex(), device.name(), mtu);
    }

    @Override
    public MeshConfig config() {
        return ctx.config;
    }

    @Override
    public int mtu() {
        return ctx.mtu;
    }

    @Override
    public void addPeers(Collection<Peer> peers) {
        changing(() -> {
            addPeersLocked(peers);
            return null;
        });
    }

    private void addPeersLocked(Collection<Peer> peers) {
        ensureOpen();
        List<Peer> adding = List.copyOf(peers);
        table.checkAdd(adding);
        topology.checkAdd(adding);
        guard.check(adding);
        List<Peer> before = saveChange(adding, List.of());
        try {
            if (purged) {
                if (filter != null) {
                    filter.reconcile(List.of()); // the filter back too
                }
                topology.reconcile(List.of()); // the device, its MTU and address, back before the first peer
                purged = false;
            }
            if (filter != null) {
                filter.add(adding);
            }
            try {
                topology.add(adding);
            } catch (RuntimeException e) {
                if (filter != null) {
                    try {
                        filter.remove(adding); // rolled back with the routes
                    } catch (RuntimeException undo) {
                        e.addSuppressed(undo);
                    }
                }
                throw e;
            }
        } catch (RuntimeException e) {
            restore(before);
            throw e;
        }
        table.addAll(adding);
        if (adding.size() == 1) {
            log.info("peer '{}' added: {} via {} ({})", adding.get(0).name(), adding.get(0).subnets(),
                    adding.get(0).underlay(), topology.deviceOf(adding.get(0)));
        } else {
            log.info("{} peers added", adding.size());
        }
        fire(l -> l.peersAdded(adding));
    }

    @Override
    public void removePeers(Collection<String> names) {
        changing(() -> {
            removePeersLocked(names);
            return null;
        });
    }

    private void removePeersLocked(Collection<String> names) {
        ensureOpen();
        List<Peer> removing = table.checkRemove(List.copyOf(names));
        saveChange(List.of(), removing);
        try {
            topology.remove(removing);
        } finally {
            // even when a delete failed, these peers are no longer wanted: the next reconcile finishes the job
            table.removeAll(removing);
            if (filter != null) {
                filter.remove(removing);
            }
        }
        log.info("{} removed", removing.size() == 1 ? "peer '" + removing.get(0).name() + "'" : removing.size() + " peers");
        fire(l -> l.peersRemoved(removing));
    }

    @Override
    public synchronized List<Peer> peers() {
        return table.peers();
    }

    @Override
    public synchronized Optional<Peer> peer(String name) {
        return Optional.ofNullable(table.get(name));
    }

    @Override
    public synchronized String deviceOf(String peerName) {
        Peer peer = table.get(peerName);
        if (peer == null) {
            throw new InvalidInputException("no peer named '" + peerName + "'");
        }
        return topology.deviceOf(peer);
    }

    @Override
    public List<TunnelDevice> devices() {
        List<String> names;
        synchronized (this) {
            ensureOpen();
            names = topology.devices(table.peers());
        }
        return counters.read(names);
    }

    /** All peers' counters from the filter's map: one bpf(2) call, outside the mesh's lock. */
    @Override
    public TrafficCounters trafficCounters() {
        List<Peer> peers;
        synchronized (this) {
            ensureOpen();
            peers = table.peers();
        }
        return filter == null ? TrafficCounters.UNFILTERED : filter.counters(peers);
    }

    @Override
    public int reconcile() {
        return changing(this::reconcileLocked);
    }

    private int reconcileLocked() {
        ensureOpen();
        if (purged) {
            return 0;
        }
        List<Peer> peers = table.peers();
        List<String> repairs = new java.util.ArrayList<>(filter == null ? List.of() : filter.reconcile(peers));
        repairs.addAll(topology.reconcile(peers));
        for (String repair : repairs) {
            log.warn("kernel state repaired: {}", repair);
            fire(l -> l.stateRepaired(repair));
        }
        return repairs.size();
    }

    @Override
    public void purge() {
        changing(() -> {
            purgeLocked();
            return null;
        });
    }

    private void purgeLocked() {
        ensureOpen();
        List<Peer> removed = table.peers();
        save(List.of());
        topology.purge();
        if (filter != null) {
            filter.purge();
        }
        table.clear();
        purged = true;
        log.info("mesh '{}' purged: {} peer(s) and everything the mesh owned removed from the kernel",
                ctx.config.name(), removed.size());
        if (!removed.isEmpty()) {
            fire(l -> l.peersRemoved(removed));
        }
    }

    @Override
    public synchronized List<String> diagnose() {
        ensureOpen();
        List<String> lines = new java.util.ArrayList<>(Diagnostics.run(ctx, table.peers(), filter != null));
        if (filter != null) {
            lines.addAll(filter.diagnose());
        } else {
            lines.add("WARN ipip filter: off (MeshConfig.ipipFilter(false)): no per-peer counters"
                    + (ctx.config.mode() == MeshMode.SHARED ? ", and tunl0 accepts IPIP from any source" : ""));
        }
        lines.add(guard.diagnose(table.peers()));
        lines.add(stateLine());
        return lines;
    }

    private String stateLine() {
        if (stateFile == null) {
            return "WARN state: not persisted (no state file): peers added or removed at runtime are lost on restart";
        }
        if (stateFileTrouble != null) {
            return "FAIL state: " + stateFileTrouble;
        }
        return "OK state: desired peers kept in " + stateFile.path() + " (" + table.size() + " peer(s))";
    }

    /**
     * Saves the peer set a change is about to leave, before the kernel sees it (write-ahead).
     * Without a state file the table is not copied at all: the copy exists only to be written.
     *
     * @return the peers before the change, to put back when the kernel refuses it; null without a state file
     */
    private List<Peer> saveChange(Collection<Peer> adding, Collection<Peer> removing) {
        if (stateFile == null) {
            return null;
        }
        List<Peer> before = table.peers();
        java.util.Set<String> gone = new java.util.HashSet<>();
        removing.forEach(peer -> gone.add(peer.name()));
        List<Peer> after = new java.util.ArrayList<>(before.size() + adding.size());
        for (Peer peer : before) {
            if (!gone.contains(peer.name())) {
                after.add(peer);
            }
        }
        after.addAll(adding);
        save(after);
        return before;
    }

    private void save(List<Peer> peers) {
        if (stateFile != null) {
            stateFile.write(ctx.config.name(), peers);
            stateFileTrouble = null;
        }
    }

    /** Puts the file back to the peers before a change the kernel refused. */
    private void restore(List<Peer> peers) {
        if (stateFile == null) {
            return;
        }
        try {
            stateFile.write(ctx.config.name(), peers);
        } catch (StateFileException e) {
            stateFileTrouble = e.getMessage() + " (after a failed change: the file may list peers the mesh does not have; "
                    + "the next successful change rewrites it)";
            log.error("{}", stateFileTrouble);
        }
    }

    @Override
    public void addListener(MeshListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(MeshListener listener) {
        listeners.remove(listener);
    }

    /** Queues an event under the mesh lock; {@link #deliver} hands it to the listeners once the lock is released. */
    private void fire(Consumer<MeshListener> event) {
        pending.add(() -> {
            for (MeshListener listener : listeners) {
                try {
                    event.accept(listener);
                } catch (RuntimeException e) {
                    log.error("mesh listener {} failed", listener, e);
                }
            }
        });
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("mesh '" + ctx.config.name() + "' is closed");
        }
    }

    @Override
    public void close() {
        KernelWatcher stopping;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            stopping = watcher;
        }
        // outside the lock: the watcher may be waiting for it to repair
        if (stopping != null) {
            stopping.close();
        }
        closeSessions();
    }

    private synchronized void closeSessions() {
        ctx.session.close();
        counters.close();
        guard.close();
        if (filter != null) {
            filter.close();
        }
        lock.close();
        log.info("mesh '{}' closed; kernel state left in place", ctx.config.name());
    }
}
