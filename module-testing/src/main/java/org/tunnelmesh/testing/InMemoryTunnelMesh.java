package org.tunnelmesh.testing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.LinkCounters;
import org.tunnelmesh.MeshClosedException;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshListener;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TunnelDevice;
import org.tunnelmesh.TunnelMesh;
import org.tunnelmesh.internal.PeerTable;

/**
 * A {@link TunnelMesh} kept entirely in memory, for tests of code that embeds a mesh. It keeps the
 * contract of the kernel-backed mesh ({@link TunnelMeshContract} runs against both): it checks
 * peers with the same {@link PeerTable} rules, tells listeners the same way (after the change, with
 * the mesh's lock released, one event at a time in the order of the changes, before the call that
 * made the change returns; the durations of single changes; {@code meshClosed} last), throws
 * {@link MeshClosedException} from every operation once closed, and shows devices like it, named by
 * the same rule ({@link TunnelDevice#nameFor}): SHARED one keyless {@code tunl0}, POINT_TO_POINT one
 * {@code tm-<peer>} per peer with local and remote set (shortened with a hash where that exceeds the
 * kernel's 15 characters). Counters stay at zero unless a test sets them with {@link #setCounters};
 * what a test sets, the next read returns.
 *
 * <p>One open mesh per name in this JVM (the kernel-backed mesh allows one per network namespace and
 * route protocol, which memory does not have): a second {@link #open} of a name fails with a
 * {@link ConflictException} until the first is closed. Tests close what they open (try-with-resources).
 *
 * <p>Shipped as {@code org.tunnelmesh:tunnelmesh-testing}: depend on it with test scope.
 */
public final class InMemoryTunnelMesh implements TunnelMesh {

    /** Underlay device MTU assumed when the config leaves the MTU to the mesh. */
    public static final int UNDERLAY_MTU = 1500;
    /** ifindex of tunl0 in a fresh namespace (1 is lo). */
    private static final int SHARED_IFINDEX = 2;

    /** The open meshes of this JVM by name: one per name, as the kernel-backed mesh is one per namespace. */
    private static final Map<String, InMemoryTunnelMesh> OPEN = new ConcurrentHashMap<>();

    private final MeshConfig config;
    /** Events of committed changes, queued under the mesh's lock and delivered after it is released. */
    private final Queue<Runnable> pending = new ConcurrentLinkedQueue<>();
    /** Held while delivering, so events reach listeners one at a time and in order. */
    private final Object delivery = new Object();
    /** Events queued so far, counted under the mesh's lock: whether a change queued any. */
    private long queued;

    private final PeerTable table;
    private final Map<String, Integer> ifindexes = new HashMap<>();
    private final Map<String, LinkCounters> counters = new ConcurrentHashMap<>();
    private final List<String> drift = new ArrayList<>();
    private final List<MeshListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger deviceDumps = new AtomicInteger();
    private final Map<String, org.tunnelmesh.PeerCounters> peerCounters = new ConcurrentHashMap<>();
    private final long[] rejected = new long[2];
    private final Map<String, org.tunnelmesh.PeerHealth> health = new ConcurrentHashMap<>();
    private final AtomicInteger trafficReads = new AtomicInteger();
    private final Map<String, org.tunnelmesh.EncryptionCounters> encryptionCounters = new ConcurrentHashMap<>();
    private final AtomicInteger encryptionReads = new AtomicInteger();
    private int nextIfindex = 10;
    /** What {@link #setHostRoutes} says the namespace reaches on its own; none by default. */
    private List<org.tunnelmesh.Ipv4Prefix> onLink = List.of();

    private List<Ipv4Address> gateways = List.of();
    private boolean closed;

    private InMemoryTunnelMesh(MeshConfig config) {
        this.config = config;
        this.table = new PeerTable(config);
    }

    /**
     * Opens a mesh without peers.
     *
     * @param config the configuration, as for {@code LinuxTunnelMesh.open}; its MTU 0 means
     *     {@value #UNDERLAY_MTU} minus the encapsulation's overhead ({@link org.tunnelmesh.Encapsulation#overhead()})
     * @return the mesh
     * @throws InvalidInputException when {@code config} is null
     */
    public static InMemoryTunnelMesh open(MeshConfig config) {
        return open(config, List.of());
    }

    /**
     * Opens a mesh with its first peers, all checked before any is added, as
     * {@code LinuxTunnelMesh.open} checks them before it touches the kernel.
     *
     * @param config the configuration
     * @param initialPeers the first peers, possibly none
     * @return the mesh
     * @throws InvalidInputException when {@code config} is null, or as {@link #addPeers} for a bad peer
     * @throws org.tunnelmesh.ConflictException as {@link #addPeers}, when the peers clash
     */
    public static InMemoryTunnelMesh open(MeshConfig config, Collection<Peer> initialPeers) {
        if (config == null) {
            throw new InvalidInputException("mesh config is missing");
        }
        InMemoryTunnelMesh mesh = new InMemoryTunnelMesh(config);
        if (!initialPeers.isEmpty()) {
            mesh.table.checkAdd(List.copyOf(initialPeers)); // before taking the name: a refused open holds nothing
        }
        if (OPEN.putIfAbsent(config.name(), mesh) != null) {
            throw new ConflictException("mesh '" + config.name() + "' is open already in this JVM: one open"
                    + " InMemoryTunnelMesh per name (as LinuxTunnelMesh allows one per network namespace and route"
                    + " protocol); close the first one, or give this one another name");
        }
        if (!initialPeers.isEmpty()) {
            mesh.addPeers(initialPeers);
        }
        return mesh;
    }

    @Override
    public MeshConfig config() {
        return config;
    }

    @Override
    public int mtu() {
        return config.mtu() == 0 ? UNDERLAY_MTU - config.encapsulation().overhead() : config.mtu();
    }

    @Override
    public void addPeers(Collection<Peer> peers) {
        long started = System.nanoTime();
        long before = queued();
        int added;
        try {
            added = addPeersLocked(peers);
        } finally {
            deliverIfQueuedSince(before);
        }
        if (added == 1) {
            tell(listener -> listener.timed(MeshListener.Operation.ADD_PEER, System.nanoTime() - started));
        }
    }

    private synchronized int addPeersLocked(Collection<Peer> peers) {
        ensureOpen();
        List<Peer> adding = List.copyOf(peers);
        table.checkAdd(adding);
        checkHostRoutes(adding);
        table.addAll(adding);
        for (Peer peer : adding) {
            if (config.mode() == MeshMode.POINT_TO_POINT) {
                ifindexes.put(peer.name(), nextIfindex++);
            }
        }
        fire(listener -> listener.peersAdded(adding)); // one event for the change, as the real mesh sends
        return adding.size();
    }

    @Override
    public void removePeers(Collection<String> names) {
        long started = System.nanoTime();
        long before = queued();
        int removed;
        try {
            removed = removePeersLocked(names);
        } finally {
            deliverIfQueuedSince(before);
        }
        if (removed == 1) {
            tell(listener -> listener.timed(MeshListener.Operation.REMOVE_PEER, System.nanoTime() - started));
        }
    }

    private synchronized int removePeersLocked(Collection<String> names) {
        ensureOpen();
        List<Peer> removing = table.checkRemove(List.copyOf(names));
        table.removeAll(removing);
        for (Peer peer : removing) {
            if (ifindexes.remove(peer.name()) != null) { // its point-to-point device goes with it
                counters.remove(TunnelDevice.pointToPointName(peer.name()));
            }
            peerCounters.remove(peer.name()); // as the filter's map forgets a removed peer
            encryptionCounters.remove(peer.name()); // as the peer's states go with it
            health.remove(peer.name());
        }
        fire(listener -> listener.peersRemoved(removing));
        return removing.size();
    }

    @Override
    public synchronized Optional<Peer> peer(String name) {
        ensureOpen();
        return table.find(name);
    }

    @Override
    public synchronized List<Peer> peers() {
        ensureOpen();
        return table.peers();
    }

    @Override
    public synchronized String deviceOf(String peerName) {
        ensureOpen();
        return TunnelDevice.nameFor(config, table.require(peerName).name());
    }

    /** Counts its calls, so tests can see how often the "kernel" was asked. */
    @Override
    public synchronized List<TunnelDevice> devices() {
        ensureOpen();
        deviceDumps.incrementAndGet();
        if (config.mode() == MeshMode.SHARED) {
            return List.of(device(
                    TunnelDevice.sharedName(config.encapsulation()),
                    SHARED_IFINDEX,
                    config.encapsulation().encapsulates() ? config.underlay() : Ipv4Address.ANY,
                    Ipv4Address.ANY));
        }
        List<TunnelDevice> devices = new ArrayList<>();
        for (Peer peer : table.peers()) {
            devices.add(device(
                    TunnelDevice.pointToPointName(peer.name()),
                    ifindexes.get(peer.name()),
                    config.underlay(),
                    peer.underlay()));
        }
        return devices;
    }

    @Override
    public int reconcile() {
        long started = System.nanoTime();
        long before = queued();
        int repairs;
        try {
            repairs = reconcileLocked();
        } finally {
            deliverIfQueuedSince(before);
        }
        tell(listener -> listener.timed(MeshListener.Operation.RECONCILE, System.nanoTime() - started));
        return repairs;
    }

    private synchronized int reconcileLocked() {
        ensureOpen();
        List<String> repairs = List.copyOf(drift);
        drift.clear();
        for (String repair : repairs) {
            fire(listener -> listener.stateRepaired(repair));
        }
        return repairs.size();
    }

    @Override
    public void purge() {
        long before = queued();
        try {
            purgeLocked();
        } finally {
            deliverIfQueuedSince(before);
        }
    }

    private synchronized void purgeLocked() {
        ensureOpen();
        List<Peer> removed = table.peers();
        table.clear();
        peerCounters.clear();
        encryptionCounters.clear();
        ifindexes.clear();
        counters.clear();
        drift.clear();
        if (!removed.isEmpty()) {
            fire(listener -> listener.peersRemoved(removed));
        }
    }

    @Override
    public synchronized List<String> diagnose() {
        ensureOpen();
        return List.of(
                "in-memory mesh '" + config.name() + "': no kernel involved",
                config.mode() + ", " + table.size() + " peer(s), tunnel MTU " + mtu(),
                "encapsulation " + config.encapsulation());
    }

    @Override
    public void removeListener(MeshListener listener) {
        listeners.remove(listener);
    }

    @Override
    public synchronized void addListener(MeshListener listener) {
        ensureOpen(); // one added later would never hear of anything, not even the close
        listeners.add(listener);
    }

    /** Idempotent; the listeners hear {@code meshClosed} before it returns, the first time, and the name is free again. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            OPEN.remove(config.name(), this);
            fire(MeshListener::meshClosed);
        }
        deliver();
        listeners.clear();
    }

    /**
     * The peers the kernel would still route: while open, {@link #peers()}; after close, what the close left in place
     * (every peer, as the kernel-backed mesh leaves its kernel state, unless {@link #purge()} came first). Readable
     * after close, unlike {@code peers()}: for tests of what an application leaves behind when it stops.
     *
     * @return the peers the kernel would still route
     */
    public synchronized List<Peer> peersInKernel() {
        return table.peers();
    }

    /**
     * Whether {@link #close()} was called, so a test can check that its code closed the mesh.
     *
     * @return true once closed
     */
    public synchronized boolean isClosed() {
        return closed;
    }

    /**
     * Every peer's counters (zero unless set with {@link #setPeerCounters}) and the rejected ones,
     * as the kernel-backed mesh reads them from its IPIP filter; unfiltered when the config turns it off.
     */
    @Override
    public synchronized org.tunnelmesh.TrafficCounters trafficCounters() {
        ensureOpen();
        trafficReads.incrementAndGet();
        if (!config.ipipFilter()) {
            return org.tunnelmesh.TrafficCounters.UNFILTERED;
        }
        Map<String, org.tunnelmesh.PeerCounters> byName = new HashMap<>();
        for (Peer peer : table.peers()) {
            byName.put(peer.name(), peerCounters.getOrDefault(peer.name(), org.tunnelmesh.PeerCounters.ZERO));
        }
        return new org.tunnelmesh.TrafficCounters(true, byName, rejected[0], rejected[1]);
    }

    /**
     * Every peer's ESP counters (zero unless set with {@link #setEncryptionCounters}) when the config has an
     * encryption key file (the file is not read), as the kernel-backed mesh reads them from its states; empty without.
     */
    @Override
    public synchronized Map<String, org.tunnelmesh.EncryptionCounters> encryptionCounters() {
        ensureOpen();
        encryptionReads.incrementAndGet();
        if (config.encryptionKeyFile() == null) {
            return Map.of();
        }
        Map<String, org.tunnelmesh.EncryptionCounters> byName = new HashMap<>();
        for (Peer peer : table.peers()) {
            byName.put(
                    peer.name(), encryptionCounters.getOrDefault(peer.name(), org.tunnelmesh.EncryptionCounters.ZERO));
        }
        return Map.copyOf(byName);
    }

    /**
     * Sets the counters the next {@link #encryptionCounters()} reports for a peer (while it exists and the config
     * encrypts).
     *
     * @param peerName the peer's name
     * @param counters the counters
     */
    public void setEncryptionCounters(String peerName, org.tunnelmesh.EncryptionCounters counters) {
        encryptionCounters.put(peerName, counters);
    }

    /**
     * How many times {@link #encryptionCounters()} was called: a test of a cache counts the reads.
     *
     * @return the calls so far
     */
    public int encryptionReads() {
        return encryptionReads.get();
    }

    /**
     * Every peer's health: {@link org.tunnelmesh.PeerHealth.State#UNKNOWN}, never heard, no round trip, unless set
     * with {@link #setPeerHealth}.
     */
    @Override
    public synchronized List<org.tunnelmesh.PeerHealth> peerHealth() {
        ensureOpen();
        List<org.tunnelmesh.PeerHealth> all = new ArrayList<>();
        for (Peer peer : table.peers()) {
            all.add(healthOf(peer));
        }
        return all;
    }

    @Override
    public synchronized Optional<org.tunnelmesh.PeerHealth> peerHealth(String name) {
        ensureOpen();
        return table.find(name).map(this::healthOf);
    }

    private org.tunnelmesh.PeerHealth healthOf(Peer peer) {
        org.tunnelmesh.PeerHealth set = health.get(peer.name());
        return set != null
                ? set
                : new org.tunnelmesh.PeerHealth(
                        peer.name(),
                        peer.underlay(),
                        peer.probeAddress(),
                        org.tunnelmesh.PeerHealth.State.UNKNOWN,
                        -1,
                        -1,
                        0,
                        0,
                        0);
    }

    /**
     * Sets a peer's health as the kernel-backed mesh's monitor would, and tells the listeners as it does: when the peer
     * becomes unreachable, or reachable again after being unreachable ({@code what} is the event's message).
     *
     * @param peerName the peer
     * @param state its state now
     * @param lastHeardMillis milliseconds since it was last heard from; -1 never
     * @param rttMillis the last probe's round trip; -1 none
     * @param what the event's message, when the change is news
     * @throws InvalidInputException when there is no such peer
     */
    public void setPeerHealth(
            String peerName,
            org.tunnelmesh.PeerHealth.State state,
            long lastHeardMillis,
            double rttMillis,
            String what) {
        org.tunnelmesh.PeerHealth now;
        org.tunnelmesh.PeerHealth.State before;
        synchronized (this) {
            Peer peer = table.require(peerName);
            before = healthOf(peer).state();
            now = new org.tunnelmesh.PeerHealth(
                    peer.name(),
                    peer.underlay(),
                    peer.probeAddress(),
                    state,
                    lastHeardMillis,
                    rttMillis,
                    state == org.tunnelmesh.PeerHealth.State.UNREACHABLE ? 3 : 0,
                    0,
                    0);
            health.put(peerName, now);
        }
        boolean news = state == org.tunnelmesh.PeerHealth.State.UNREACHABLE
                ? before != state
                : state == org.tunnelmesh.PeerHealth.State.REACHABLE
                        && before == org.tunnelmesh.PeerHealth.State.UNREACHABLE;
        if (news) {
            org.tunnelmesh.PeerHealth told = now;
            tell(listener -> listener.peerHealthChanged(told, what));
        }
    }

    /**
     * Sets the counters the next {@link #trafficCounters()} reports for a peer (while it exists).
     *
     * @param peerName the peer's name; counters set for a name the mesh does not have are reported once it does
     * @param peerCounters the counters
     */
    public void setPeerCounters(String peerName, org.tunnelmesh.PeerCounters peerCounters) {
        this.peerCounters.put(peerName, peerCounters);
    }

    /**
     * Sets the rejected counters the next {@link #trafficCounters()} reports.
     *
     * @param packets IPIP packets from sources that are not peers
     * @param bytes their bytes
     */
    public synchronized void setRejected(long packets, long bytes) {
        rejected[0] = packets;
        rejected[1] = bytes;
    }

    /**
     * How many times {@link #trafficCounters()} was called: a test of a cache or a rate limit counts the reads.
     *
     * @return the calls so far
     */
    public int trafficReads() {
        return trafficReads.get();
    }

    /**
     * Sets the counters the next {@link #devices()} reports for a device.
     *
     * @param device the device name, e.g. {@code tunl0} or {@code tm-node2} ({@link TunnelDevice#nameFor})
     * @param linkCounters the counters
     */
    public void setCounters(String device, LinkCounters linkCounters) {
        counters.put(device, linkCounters);
    }

    /**
     * How many times {@link #devices()} was called, as the kernel-backed mesh would dump its devices.
     *
     * @return the calls so far
     */
    public int deviceDumps() {
        return deviceDumps.get();
    }

    /**
     * Has the mesh refuse what {@code LinuxTunnelMesh} refuses by the routes of its namespace: from now on a peer
     * subnet that overlaps one of {@code onLink} (subnets the namespace reaches on-link, such as the underlay's
     * 10.245.1.0/24) or contains one of {@code gateways} (default gateways) fails {@code addPeer(s)} with an
     * {@link InvalidInputException} naming the peer, the subnet and what it would take over, and nothing is added.
     * A wide subnet (with {@code allowWideSubnets}) may hold an on-link subnet but not lie inside one, as there.
     * None by default: an in-memory mesh has no routes of its own.
     *
     * @param onLink subnets the pretended namespace reaches on-link
     * @param gateways the gateways of its default routes
     */
    public synchronized void setHostRoutes(
            Collection<org.tunnelmesh.Ipv4Prefix> onLink, Collection<Ipv4Address> gateways) {
        this.onLink = List.copyOf(onLink);
        this.gateways = List.copyOf(gateways);
    }

    // a linear scan: a test double holds few routes (the kernel-backed mesh searches sorted ones)
    private void checkHostRoutes(List<Peer> adding) {
        for (Peer peer : adding) {
            for (org.tunnelmesh.Ipv4Prefix subnet : peer.subnets()) {
                boolean wide = subnet.length() < MeshConfig.NARROWEST_WIDE_PREFIX;
                for (org.tunnelmesh.Ipv4Prefix reached : onLink) {
                    if (reached.overlaps(subnet) && (!wide || reached.length() <= subnet.length())) {
                        throw new InvalidInputException(
                                "peer '" + peer.name() + "': subnet " + subnet + " overlaps " + reached
                                        + ", which this node reaches on-link: routed into the tunnel, it would cut this node off from it;"
                                        + " a peer's subnets must lie outside the networks this node reaches directly");
                    }
                }
                for (Ipv4Address gateway : gateways) {
                    if (subnet.contains(gateway)) {
                        throw new InvalidInputException(
                                "peer '" + peer.name() + "': subnet " + subnet + " contains " + gateway
                                        + ", the gateway of this node's default route: routed into the tunnel, it would cut this node off"
                                        + " from everything behind that gateway; a peer's subnets must not contain it");
                    }
                }
            }
        }
    }

    /**
     * Pretends the kernel drifted from the mesh: the next {@link #reconcile()} counts one repair for each call and
     * tells listeners {@link MeshListener#stateRepaired} with {@code what}.
     *
     * @param what the repair, in the words the kernel-backed mesh would use
     */
    public synchronized void drift(String what) {
        drift.add(what);
    }

    private TunnelDevice device(String name, int ifindex, Ipv4Address local, Ipv4Address remote) {
        return new TunnelDevice(
                name, ifindex, local, remote, mtu(), true, counters.getOrDefault(name, LinkCounters.ZERO));
    }

    /** Queues an event under the mesh's lock; {@link #deliver()} hands it to the listeners once the lock is released. */
    private void fire(Consumer<MeshListener> event) {
        queued++;
        pending.add(() -> {
            for (MeshListener listener : listeners) {
                try {
                    event.accept(listener);
                } catch (RuntimeException e) {
                    // like the real mesh: a failing listener is not the caller's problem, the change is made
                    Thread.currentThread().getUncaughtExceptionHandler().uncaughtException(Thread.currentThread(), e);
                }
            }
        });
    }

    /** Tells the listeners now, after what was queued before; nothing after the close, which stays the last event. */
    private void tell(Consumer<MeshListener> event) {
        synchronized (this) {
            if (closed) {
                return;
            }
            fire(event);
        }
        deliver();
    }

    private synchronized long queued() {
        return queued;
    }

    /**
     * Delivers what is queued when this call queued anything since {@code before}: a refused call (a closed mesh, bad
     * input) returns at once, even to a listener that waits for it while it delivers.
     */
    private void deliverIfQueuedSince(long before) {
        if (queued() != before) {
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

    private void ensureOpen() {
        if (closed) {
            throw new MeshClosedException(config.name());
        }
    }
}
