package org.tunnelmesh.linux;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.EncryptionKeys;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.MeshClosedException;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshListener;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.PeerHealth;
import org.tunnelmesh.PermissionDeniedException;
import org.tunnelmesh.TrafficCounters;
import org.tunnelmesh.TunnelDevice;
import org.tunnelmesh.TunnelMesh;
import org.tunnelmesh.internal.PeerTable;
import org.tunnelmesh.linux.health.HealthMonitor;

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

    static {
        LogProviderCheck.warnOnceIfMissing();
    }

    private final MeshContext ctx;
    private final Topology topology;
    private final PeerTable table;
    private final KernelReader counters;
    /** The resync's read of the kernel before the lock, on its own socket. */
    private final ResyncReads resyncReads;
    /** The IPIP source filter on the underlay device; null when the config turns it off. */
    private final IpipFilter filter;
    /** Refuses peer subnets that would take over the namespace's own paths (on-link subnets, default gateways). */
    private final HostRouteGuard guard;

    private final MeshLock lock;
    /** The desired peer set, saved before every change. */
    private final StateJournal journal;
    /** The lock every change and every consistent read holds, and the listeners told after it. */
    private final MeshChanges changes = new MeshChanges();
    /** The fou receive port with FOU or GUE; for plain IPIP it only removes what an encapsulated run left. */
    private final FouReceiver receiver;

    private KernelWatcher watcher;

    /** IPsec ESP with the peers (issue 27), or null when the mesh does not encrypt; and its xfrm event watcher. */
    private MeshEncryption encryption;

    private KernelWatcher encryptionWatcher;
    /** Peer health, on its own thread; null until {@link #watchHealth} (never null once open returned). */
    private HealthMonitor health;
    /** After purge() the mesh holds nothing in the kernel and repairs nothing, until a peer is added. */
    private boolean purged;

    private boolean closed;

    LinuxTunnelMesh(
            MeshContext ctx,
            Topology topology,
            PeerTable table,
            KernelReader counters,
            KernelReader snapshots,
            IpipFilter filter,
            HostRouteGuard guard,
            MeshLock lock,
            StateJournal journal,
            FouReceiver receiver) {
        this.receiver = receiver;
        this.ctx = ctx;
        this.topology = topology;
        this.table = table;
        this.counters = counters;
        this.resyncReads = new ResyncReads(snapshots, changes);
        this.filter = filter;
        this.guard = guard;
        this.lock = lock;
        this.journal = journal;
    }

    /**
     * Checks, before anything is changed, that this process has the capabilities a mesh of {@code config} needs:
     * CAP_NET_ADMIN, and with the IPIP filter CAP_BPF (or CAP_SYS_ADMIN, which the kernel lets stand in for it). Read
     * from the process's effective set; when that cannot be read, nothing is checked ({@link #open} then fails with
     * the kernel's own refusal). For applications that start other things first (ports, clients) and would rather
     * fail before them.
     *
     * @param config the mesh to be opened; only whether it uses the IPIP filter matters
     * @throws PermissionDeniedException naming the missing capabilities and how to grant them (root, systemd's
     *     AmbientCapabilities= and CapabilityBoundingSet=, or setcap)
     */
    public static void checkCapabilities(MeshConfig config) {
        String lacking = Capabilities.lacking(Capabilities.effective(), config.ipipFilter());
        if (lacking != null) {
            throw new PermissionDeniedException(lacking);
        }
    }

    /**
     * Whether this process can run a mesh here, as far as that can be told without changing the kernel: it runs on
     * Linux, on an architecture this library has the numbers of (x86-64, aarch64, riscv64, loongarch64, ppc64le,
     * ppc64), JNA's native library loads and binds libc, and a NETLINK_ROUTE socket opens in the calling thread's
     * network namespace with the options the mesh sets (extended and capped acks: Linux 4.12 or later). Probed once,
     * at the first call of this or {@link #unavailabilityCause()}; the probe's socket is closed again at once.
     *
     * <p>Not checked, because only trying would tell and trying changes the kernel: whether the kernel has ipip (it
     * loads the module at the first ipip device, and {@link #open} fails with the kernel's refusal when it cannot),
     * and whether the process may change the namespace it opens the mesh in (CAP_NET_ADMIN there; {@link #open} fails
     * with a {@link org.tunnelmesh.PermissionDeniedException} when it may not).
     *
     * @return true when a mesh can be opened here as far as the probe can tell; never throws
     */
    public static boolean isAvailable() {
        return Availability.unavailabilityCause() == null;
    }

    /**
     * Why {@link #isAvailable()} is false, or null when it is true: the platform's refusal (not Linux, an
     * unsupported architecture, JNA's native library missing) or the API's exception for a netlink socket that would
     * not open, its message what to do.
     *
     * @return the cause, or null
     */
    public static Throwable unavailabilityCause() {
        return Availability.unavailabilityCause();
    }

    /**
     * Opens a mesh with no peers but those of its state file, if it has one; see {@link #open(MeshConfig, Collection)}.
     *
     * @param config the configuration
     * @return the open mesh; close it to stop watching (the kernel state stays)
     * @throws InvalidInputException when the configuration does not fit this host (the underlay address is on no
     *     device, the MTU is bigger than the underlay device allows, the network namespace or an extra underlay device
     *     does not exist, the lock directory is not safe) or a peer does not (its subnet overlaps an on-link subnet or
     *     contains a default gateway, a rule of {@link TunnelMesh#addPeer}); nothing changed
     * @throws org.tunnelmesh.ConflictException when another mesh holds this network namespace and route protocol (in
     *     this process or another: the message names it), peers clash with each other, {@code tunl0} is used by
     *     others with another MTU, or a kernel object not the mesh's is in the way (a device of the same name, another
     *     mesh's IPIP filter)
     * @throws org.tunnelmesh.KernelSupportException when the kernel lacks what the mesh needs: the ipip module, or, for
     *     the IPIP filter, bpf(2), cls_bpf or the clsact qdisc (the message says what to load, or to turn the filter
     *     off); nothing changed
     * @throws org.tunnelmesh.PermissionDeniedException when the process lacks a capability: CAP_NET_ADMIN, CAP_BPF (or
     *     CAP_SYS_ADMIN) for the IPIP filter, CAP_SYS_ADMIN to enter another network namespace; the message names it
     * @throws org.tunnelmesh.StateFileException when {@link MeshConfig#stateFile()} is damaged, unreadable, another
     *     mesh's, cannot be written, or its peers do not fit with {@code peers}; nothing changed
     * @throws org.tunnelmesh.KernelException when the kernel refused a change for another reason (its errno and text):
     *     what was applied stays marked as the mesh's, and the next open adopts or removes it
     * @throws org.tunnelmesh.TunnelMeshException when the lock file cannot be written (the message says which
     *     directory the process needs, or to set {@code -Dtunnelmesh.lockDirectory}) or the kernel's answers cannot be
     *     read
     */
    public static LinuxTunnelMesh open(MeshConfig config) {
        return open(config, List.of());
    }

    /**
     * Validates the configuration and every peer against each other and against the kernel (the
     * underlay address must be on a device; no peer subnet may overlap a subnet the namespace reaches
     * on-link, nor contain a default gateway: {@link HostRoutes}), then applies them. {@link #addPeers}
     * checks its peers against the kernel's routes the same way.
     *
     * <p>Takes the network namespace's lock for the route protocol first (one mesh per namespace and protocol), and
     * keeps it until {@link #close()}. With {@link MeshConfig#watchKernel()} on, a thread of the mesh repairs drift
     * from then on.
     *
     * @param config the configuration
     * @param peers the first peers, possibly none; with a state file, added to those it holds (one of the same name
     *     replaces the saved one)
     * @return the open mesh; close it to stop watching (the kernel state stays)
     * @throws InvalidInputException when the configuration does not fit this host (the underlay address is on no
     *     device, the MTU is bigger than the underlay device allows, the network namespace or an extra underlay device
     *     does not exist, the lock directory is not safe) or a peer does not (its subnet overlaps an on-link subnet or
     *     contains a default gateway, a rule of {@link TunnelMesh#addPeer}); nothing changed
     * @throws org.tunnelmesh.ConflictException when another mesh holds this network namespace and route protocol (in
     *     this process or another: the message names it), peers clash with each other, {@code tunl0} is used by
     *     others with another MTU, or a kernel object not the mesh's is in the way (a device of the same name, another
     *     mesh's IPIP filter)
     * @throws org.tunnelmesh.KernelSupportException when the kernel lacks what the mesh needs: the ipip module, or, for
     *     the IPIP filter, bpf(2), cls_bpf or the clsact qdisc (the message says what to load, or to turn the filter
     *     off); nothing changed
     * @throws org.tunnelmesh.PermissionDeniedException when the process lacks a capability: CAP_NET_ADMIN, CAP_BPF (or
     *     CAP_SYS_ADMIN) for the IPIP filter, CAP_SYS_ADMIN to enter another network namespace; the message names it
     * @throws org.tunnelmesh.StateFileException when {@link MeshConfig#stateFile()} is damaged, unreadable, another
     *     mesh's, cannot be written, or its peers do not fit with {@code peers}; nothing changed
     * @throws org.tunnelmesh.KernelException when the kernel refused a change for another reason (its errno and text):
     *     what was applied stays marked as the mesh's, and the next open adopts or removes it
     * @throws org.tunnelmesh.TunnelMeshException when the lock file cannot be written (the message says which
     *     directory the process needs, or to set {@code -Dtunnelmesh.lockDirectory}) or the kernel's answers cannot be
     *     read
     */
    public static LinuxTunnelMesh open(MeshConfig config, Collection<Peer> peers) {
        return MeshAssembly.open(config, peers);
    }

    /** Called by {@link MeshAssembly} before the mesh is handed out: the mesh encrypts with {@code encryption}. */
    void encrypt(MeshEncryption encryption) {
        this.encryption = encryption;
    }

    /** Watches the mesh's xfrm states and policies: one deleted by hand is back as soon as it is gone. */
    void watchEncryption(KernelWatcher watcher) {
        synchronized (changes.lock) {
            this.encryptionWatcher = watcher;
        }
        watcher.start();
    }

    /** Starts repairing what the watcher reports; the watcher is closed with the mesh. */
    void watch(KernelWatcher watcher) {
        synchronized (changes.lock) {
            this.watcher = watcher;
        }
        watcher.start();
    }

    /**
     * Starts watching the peers' health: passive from the IPIP filter's per-peer counters (or, without the filter,
     * point-to-point devices' received packets), probes through the tunnel for silent peers.
     */
    void watchHealth() {
        HealthMonitor.RxSource source;
        if (filter != null) {
            source = filter::readRx;
        } else if (ctx.config.mode() == MeshMode.POINT_TO_POINT) {
            source = counters::readRx;
        } else {
            source = into -> {}; // tunl0 counts every peer together: only probes tell them apart
        }
        HealthMonitor monitor = HealthMonitor.start(
                ctx.config,
                source,
                counters::ifindex,
                (peerHealth, what) -> changes.tell(l -> l.peerHealthChanged(peerHealth, what)),
                ctx.config.netns());
        synchronized (changes.lock) {
            monitor.add(table.peers(), topology::deviceOf);
            health = monitor;
        }
    }

    /** Called by the watcher: a reconcile that tolerates a mesh closed under it. */
    void repairQuietly() {
        ResyncReads.Read read = resyncReads.read();
        changes.changing(() -> closed ? 0 : reconcileLocked(read));
    }

    /**
     * Called by the watcher a few times a second with FOU or GUE: whether the receive port is gone (one FOU_CMD_GET).
     * False while closed or purged, and when the kernel cannot be asked (the periodic resync still runs).
     */
    boolean receivePortMissing() {
        synchronized (changes.lock) {
            if (closed || purged) {
                return false;
            }
            try {
                return !receiver.present();
            } catch (RuntimeException e) {
                log.warn("cannot check the fou receive port: {}", e.getMessage());
                return false;
            }
        }
    }

    /** Repairs the watcher started so far (0 when not watching): for tests. */
    long watcherRepairs() {
        KernelWatcher w = watcher;
        return w == null ? 0 : w.repairs();
    }

    /** The socket's reader that diagnose() reads the kernel through: for tests of what waits for whom. */
    KernelReader counterReader() {
        return counters;
    }

    /** The reader a resync reads the kernel through before it takes the lock: for tests of what waits for whom. */
    KernelReader snapshotReader() {
        return resyncReads.reader();
    }

    /** The lock every change holds: for tests that hold it to come between a resync's read and its repair. */
    Object changeLock() {
        return changes.lock;
    }

    /** Dumps of the namespace's routes the guard made so far: for tests of when it reads them again. */
    long hostRouteReads() {
        synchronized (changes.lock) {
            return guard.reads();
        }
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
        long started = System.nanoTime();
        int added = changes.changing(() -> addPeersLocked(peers));
        if (added == 1) {
            changes.tell(l -> l.timed(MeshListener.Operation.ADD_PEER, System.nanoTime() - started));
        }
    }

    /** @return how many peers were added */
    private int addPeersLocked(Collection<Peer> peers) {
        ensureOpen();
        List<Peer> adding = List.copyOf(peers);
        if (!purged) { // after a purge the add brings the device back too: not a change of peers alone
            resyncReads.noteChange(adding);
        }
        table.checkAdd(adding);
        topology.checkAdd(adding);
        guard.check(adding);
        List<Peer> before = journal.saveChange(table, adding, List.of());
        try {
            if (purged) {
                receiver.reconcile(); // the receive port before the devices that send to it
                if (filter != null) {
                    filter.reconcile(List.of()); // the filter back too
                }
                topology.reconcile(List.of(), null); // the device, its MTU and address, back before the first peer
                purged = false;
            }
            if (encryption != null) {
                encryption.add(adding); // states and policies before the routes: no packet leaves unprotected
            }
            if (filter != null) {
                filter.add(adding);
            }
            try {
                topology.add(adding);
            } catch (RuntimeException e) {
                if (encryption != null) {
                    try {
                        encryption.remove(adding);
                    } catch (RuntimeException undo) {
                        e.addSuppressed(undo);
                    }
                }
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
            journal.restore(before);
            throw e;
        }
        table.addAll(adding);
        if (health != null) {
            health.add(adding, topology::deviceOf);
        }
        if (adding.size() == 1) {
            log.info(
                    "peer '{}' added: {} via {} ({})",
                    adding.get(0).name(),
                    adding.get(0).subnets(),
                    adding.get(0).underlay(),
                    topology.deviceOf(adding.get(0)));
        } else {
            log.info("{} peers added", adding.size());
        }
        changes.fire(l -> l.peersAdded(adding));
        return adding.size();
    }

    @Override
    public void removePeers(Collection<String> names) {
        long started = System.nanoTime();
        int removed = changes.changing(() -> removePeersLocked(names));
        if (removed == 1) {
            changes.tell(l -> l.timed(MeshListener.Operation.REMOVE_PEER, System.nanoTime() - started));
        }
    }

    /** @return how many peers were removed */
    private int removePeersLocked(Collection<String> names) {
        ensureOpen();
        List<Peer> removing;
        try {
            removing = table.checkRemove(List.copyOf(names));
        } catch (RuntimeException e) {
            resyncReads.noteChange(List.of()); // refused: nothing changed, and a resync need not read again for it
            throw e;
        }
        resyncReads.noteChange(removing);
        journal.saveChange(table, List.of(), removing);
        try {
            topology.remove(removing);
        } finally {
            // even when a delete failed, these peers are no longer wanted: the next reconcile finishes the job
            table.removeAll(removing);
            if (health != null) {
                health.remove(removing);
            }
            if (filter != null) {
                filter.remove(removing);
            }
            if (encryption != null) {
                encryption.remove(removing);
            }
        }
        log.info(
                "{} removed",
                removing.size() == 1 ? "peer '" + removing.get(0).name() + "'" : removing.size() + " peers");
        changes.fire(l -> l.peersRemoved(removing));
        return removing.size();
    }

    @Override
    public List<Peer> peers() {
        synchronized (changes.lock) {
            ensureOpen();
            return table.peers();
        }
    }

    @Override
    public Optional<Peer> peer(String name) {
        synchronized (changes.lock) {
            ensureOpen();
            return table.find(name);
        }
    }

    @Override
    public String deviceOf(String peerName) {
        synchronized (changes.lock) {
            ensureOpen();
            return topology.deviceOf(table.require(peerName));
        }
    }

    @Override
    public List<TunnelDevice> devices() {
        List<String> names;
        synchronized (changes.lock) {
            ensureOpen();
            names = topology.devices(table.peers());
        }
        return counters.read(names);
    }

    /** All peers' counters from the filter's map: one bpf(2) call, outside the mesh's lock. */
    @Override
    public TrafficCounters trafficCounters() {
        List<Peer> peers;
        synchronized (changes.lock) {
            ensureOpen();
            peers = table.peers();
        }
        return filter == null ? TrafficCounters.UNFILTERED : filter.counters(peers);
    }

    /** From memory, in the order of {@link #peers()}: see {@link HealthMonitor} for how it is watched. */
    @Override
    public List<PeerHealth> peerHealth() {
        List<Peer> peers;
        HealthMonitor monitor;
        synchronized (changes.lock) {
            ensureOpen();
            peers = table.peers();
            monitor = health;
        }
        return monitor == null ? List.of() : monitor.health(peers);
    }

    @Override
    public Optional<PeerHealth> peerHealth(String name) {
        HealthMonitor monitor;
        synchronized (changes.lock) {
            ensureOpen();
            monitor = health;
        }
        return monitor == null ? Optional.empty() : monitor.health(name);
    }

    @Override
    public int reconcile() {
        long started = System.nanoTime();
        ResyncReads.Read read = resyncReads.read();
        int repairs = changes.changing(() -> reconcileLocked(read));
        changes.tell(l -> l.timed(MeshListener.Operation.RECONCILE, System.nanoTime() - started));
        return repairs;
    }

    /**
     * @param read the kernel as read before the lock, or null: used only if every change of the mesh's after it added
     *     or removed peers (else it could miss the mesh's own newest state, and "repair" it)
     */
    private int reconcileLocked(ResyncReads.Read read) {
        ensureOpen();
        if (purged) {
            return 0;
        }
        KernelSnapshot current = resyncReads.current(read);
        List<Peer> peers = table.peers();
        List<String> repairs = new ArrayList<>(receiver.reconcile());
        repairs.addAll(filter == null ? List.of() : filter.reconcile(peers));
        if (encryption != null) {
            repairs.addAll(encryption.reconcile(peers));
        }
        repairs.addAll(topology.reconcile(peers, current));
        repairs.addAll(filter == null ? List.of() : filter.attachMissing()); // a tm0 the topology made again
        for (String repair : repairs) {
            log.warn("kernel state repaired: {}", repair);
            changes.fire(l -> l.stateRepaired(repair));
        }
        return repairs.size();
    }

    @Override
    public void purge() {
        changes.changing(() -> {
            purgeLocked();
            return null;
        });
    }

    private void purgeLocked() {
        ensureOpen();
        List<Peer> removed = table.peers();
        journal.save(List.of());
        var ports = FouReceiver.portsOfOurDevices(ctx.dump(false).links(), ctx);
        topology.purge();
        receiver.purge(ports);
        if (filter != null) {
            filter.purge();
        }
        if (encryption != null) {
            encryption.purge();
        }
        table.clear();
        if (health != null) {
            health.remove(removed);
        }
        purged = true;
        log.info(
                "mesh '{}' purged: {} peer(s) and everything the mesh owned removed from the kernel",
                ctx.config.name(),
                removed.size());
        if (!removed.isEmpty()) {
            changes.fire(l -> l.peersRemoved(removed));
        }
    }

    /**
     * The mesh's own lines are taken under its lock; the kernel's state (links, addresses, other owners' routes) is
     * read after it, on the counters' socket: a full dump must not hold up a change (the node logs a diagnosis just as
     * the first {@code addPeer} calls come in after READY).
     */
    @Override
    public List<String> diagnose() {
        List<Peer> peers;
        List<String> meshLines = new ArrayList<>();
        synchronized (changes.lock) {
            ensureOpen();
            peers = table.peers();
            if (filter != null) {
                meshLines.addAll(filter.diagnose());
            } else {
                meshLines.add("WARN ipip filter: off (MeshConfig.ipipFilter(false)): no per-peer counters"
                        + (ctx.config.mode() == MeshMode.SHARED ? ", and tunl0 accepts IPIP from any source" : ""));
            }
            meshLines.addAll(receiver.diagnose());
            meshLines.add(guard.diagnose(peers));
            if (encryption != null) {
                meshLines.addAll(encryption.diagnose(peers));
            }
            if (health != null) {
                meshLines.addAll(health.diagnose());
            }
            meshLines.add(journal.diagnosis(peers.size()));
        }
        KernelState state;
        try {
            state = counters.othersState(ctx.protocol());
        } catch (RuntimeException e) {
            synchronized (changes.lock) {
                ensureOpen(); // closed meanwhile: its socket with it
            }
            throw e;
        }
        List<String> lines = new ArrayList<>(Diagnostics.run(ctx, state, peers, filter != null));
        lines.addAll(meshLines);
        return lines;
    }

    @Override
    public String encryption() {
        return encryption == null ? "NONE" : encryption.algorithm();
    }

    @Override
    public void reloadEncryptionKeys() {
        if (encryption == null) {
            throw new InvalidInputException("mesh '" + ctx.config.name()
                    + "' does not encrypt (no encryption key file):" + " there are no keys to reload");
        }
        // read and checked before the lock: a bad file changes nothing
        EncryptionKeys keys = EncryptionKeys.fromFile(ctx.config.encryptionKeyFile());
        changes.changing(() -> {
            ensureOpen();
            if (keys.equals(encryption.keys())) {
                log.info("encryption keys reloaded: unchanged {}", keys);
                return 0;
            }
            encryption.useKeys(keys, this::repairQuietly);
            log.info("encryption keys reloaded: {}", keys);
            return reconcileLocked(null);
        });
    }

    @Override
    public long unprotectedRejectedPackets() {
        MeshEncryption e;
        synchronized (changes.lock) {
            ensureOpen();
            e = encryption;
        }
        return e == null ? -1 : e.unprotectedDropped();
    }

    /** Every peer's ESP counters from one dump of the states (under the lock: the states change with the peers). */
    @Override
    public java.util.Map<String, org.tunnelmesh.EncryptionCounters> encryptionCounters() {
        synchronized (changes.lock) {
            ensureOpen();
            if (encryption == null) {
                return java.util.Map.of();
            }
            java.util.Map<org.tunnelmesh.Ipv4Address, MeshEncryption.EspCounters> byUnderlay = encryption.counters();
            java.util.Map<String, org.tunnelmesh.EncryptionCounters> byName = new java.util.HashMap<>();
            for (Peer peer : table.peers()) {
                MeshEncryption.EspCounters c = byUnderlay.get(peer.underlay());
                byName.put(
                        peer.name(),
                        c == null
                                ? org.tunnelmesh.EncryptionCounters.ZERO
                                : new org.tunnelmesh.EncryptionCounters(
                                        c.txPackets(),
                                        c.txBytes(),
                                        c.rxPackets(),
                                        c.rxBytes(),
                                        c.integrityFailed(),
                                        c.replayDropped()));
            }
            return java.util.Map.copyOf(byName);
        }
    }

    @Override
    public void addListener(MeshListener listener) {
        synchronized (changes.lock) {
            ensureOpen(); // one added later would never hear of anything, not even the close
            changes.addListener(listener);
        }
    }

    @Override
    public void removeListener(MeshListener listener) {
        changes.removeListener(listener);
    }

    private void ensureOpen() {
        if (closed) {
            throw new MeshClosedException(ctx.config.name());
        }
    }

    /** Idempotent; the listeners hear {@link MeshListener#meshClosed()} before it returns, the first time. */
    @Override
    public void close() {
        KernelWatcher stopping;
        KernelWatcher encryptionStopping;
        HealthMonitor healthStopping;
        synchronized (changes.lock) {
            if (closed) {
                return;
            }
            closed = true;
            stopping = watcher;
            encryptionStopping = encryptionWatcher;
            healthStopping = health;
        }
        // outside the lock: the watcher may be waiting for it to repair
        if (stopping != null) {
            stopping.close();
        }
        if (encryptionStopping != null) {
            encryptionStopping.close();
        }
        if (healthStopping != null) {
            healthStopping.close();
        }
        closeSessions();
        changes.closed();
    }

    private void closeSessions() {
        synchronized (changes.lock) {
            ctx.session.close();
            receiver.close();
            counters.close();
            resyncReads.close();
            guard.close();
            if (filter != null) {
                filter.close();
            }
            if (encryption != null) {
                encryption.close();
            }
            lock.close();
            log.info("mesh '{}' closed; kernel state left in place", ctx.config.name());
        }
    }
}
