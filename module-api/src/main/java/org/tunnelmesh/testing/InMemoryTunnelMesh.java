package org.tunnelmesh.testing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.LinkCounters;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshListener;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TunnelDevice;
import org.tunnelmesh.TunnelMesh;

/**
 * A {@link TunnelMesh} kept entirely in memory, for tests of code that embeds a mesh. It checks
 * its input as the kernel-backed mesh does (peers against each other and against this node's
 * own addresses), fires listeners the same way, and shows devices like the real one: SHARED
 * uses one {@code tunl0}, POINT_TO_POINT one {@code tm-<peer>} per peer. Counters stay at zero
 * unless a test sets them with {@link #setCounters}.
 */
public final class InMemoryTunnelMesh implements TunnelMesh {

    /** Underlay device MTU assumed when the config leaves the MTU to the mesh. */
    public static final int UNDERLAY_MTU = 1500;
    public static final String SHARED_DEVICE = "tunl0";
    /** ifindex of tunl0 in a fresh namespace (1 is lo). */
    private static final int SHARED_IFINDEX = 2;

    private final MeshConfig config;
    private final Map<String, Peer> peers = new LinkedHashMap<>();
    private final Map<String, Integer> ifindexes = new LinkedHashMap<>();
    private final Map<String, LinkCounters> counters = new ConcurrentHashMap<>();
    private final List<String> drift = new ArrayList<>();
    private final List<MeshListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger deviceDumps = new AtomicInteger();
    private int nextIfindex = 10;
    private boolean closed;

    private InMemoryTunnelMesh(MeshConfig config) {
        this.config = config;
    }

    public static InMemoryTunnelMesh open(MeshConfig config) {
        return open(config, List.of());
    }

    /**
     * Opens a mesh with its first peers, checked all together before any is added, as
     * {@code LinuxTunnelMesh.open} does before it touches the kernel.
     */
    public static InMemoryTunnelMesh open(MeshConfig config, Collection<Peer> initialPeers) {
        if (config == null) {
            throw new InvalidInputException("mesh config is missing");
        }
        InMemoryTunnelMesh mesh = new InMemoryTunnelMesh(config);
        mesh.addPeers(initialPeers);
        return mesh;
    }

    @Override
    public MeshConfig config() {
        return config;
    }

    @Override
    public int mtu() {
        return config.mtu() == 0 ? UNDERLAY_MTU - MeshConfig.IPIP_OVERHEAD : config.mtu();
    }

    @Override
    public void addPeer(Peer peer) {
        addPeers(List.of(peer));
    }

    @Override
    public void addPeers(Collection<Peer> newPeers) {
        synchronized (this) {
            ensureOpen();
            List<Peer> accepted = new ArrayList<>(peers.values());
            for (Peer peer : newPeers) {
                check(peer, accepted);
                accepted.add(peer);
            }
            for (Peer peer : newPeers) {
                peers.put(peer.name(), peer);
                if (config.mode() == MeshMode.POINT_TO_POINT) {
                    ifindexes.put(peer.name(), nextIfindex++);
                }
            }
        }
        newPeers.forEach(peer -> listeners.forEach(listener -> listener.peerAdded(peer)));
    }

    @Override
    public void removePeer(String name) {
        removePeers(List.of(name));
    }

    @Override
    public void removePeers(Collection<String> names) {
        List<Peer> removed = new ArrayList<>();
        synchronized (this) {
            ensureOpen();
            Set<String> seen = new HashSet<>();
            for (String name : names) {
                if (!peers.containsKey(name)) {
                    throw new InvalidInputException("no peer named '" + name + "' in mesh " + config.name());
                }
                if (!seen.add(name)) {
                    throw new InvalidInputException("peer '" + name + "' is named twice");
                }
            }
            for (String name : names) {
                removed.add(peers.remove(name));
                ifindexes.remove(name);
                counters.remove(deviceName(name));
            }
        }
        removed.forEach(peer -> listeners.forEach(listener -> listener.peerRemoved(peer)));
    }

    @Override
    public synchronized List<Peer> peers() {
        return List.copyOf(peers.values());
    }

    @Override
    public synchronized Optional<Peer> peer(String name) {
        return Optional.ofNullable(peers.get(name));
    }

    @Override
    public synchronized String deviceOf(String peerName) {
        if (!peers.containsKey(peerName)) {
            throw new InvalidInputException("no peer named '" + peerName + "' in mesh " + config.name());
        }
        return config.mode() == MeshMode.SHARED ? SHARED_DEVICE : deviceName(peerName);
    }

    /** Counts calls, so tests can see how often the "kernel" was asked. */
    @Override
    public synchronized List<TunnelDevice> devices() {
        deviceDumps.incrementAndGet();
        List<TunnelDevice> devices = new ArrayList<>();
        if (config.mode() == MeshMode.SHARED) {
            devices.add(device(SHARED_DEVICE, SHARED_IFINDEX, Ipv4Address.ANY, Ipv4Address.ANY));
        } else {
            for (Peer peer : peers.values()) {
                devices.add(device(deviceName(peer.name()), ifindexes.get(peer.name()), config.underlay(), peer.underlay()));
            }
        }
        return devices;
    }

    @Override
    public int reconcile() {
        List<String> repaired;
        synchronized (this) {
            ensureOpen();
            repaired = List.copyOf(drift);
            drift.clear();
        }
        repaired.forEach(what -> listeners.forEach(listener -> listener.stateRepaired(what)));
        return repaired.size();
    }

    @Override
    public void purge() {
        List<Peer> removed;
        synchronized (this) {
            ensureOpen();
            removed = List.copyOf(peers.values());
            peers.clear();
            ifindexes.clear();
            counters.clear();
            drift.clear();
        }
        removed.forEach(peer -> listeners.forEach(listener -> listener.peerRemoved(peer)));
    }

    @Override
    public List<String> diagnose() {
        return List.of("in-memory mesh " + config.name() + ": no kernel involved", "mode " + config.mode()
                + ", " + peers().size() + " peer(s)");
    }

    @Override
    public void addListener(MeshListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(MeshListener listener) {
        listeners.remove(listener);
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    /** Sets what the next {@link #devices()} reports for a device. */
    public void setCounters(String device, LinkCounters linkCounters) {
        counters.put(device, linkCounters);
    }

    /** How many times {@link #devices()} was called. */
    public int deviceDumps() {
        return deviceDumps.get();
    }

    /** Pretends the kernel drifted from the mesh; the next {@link #reconcile()} repairs it and says {@code what}. */
    public synchronized void drift(String what) {
        drift.add(what);
    }

    /** The point-to-point device name of a peer. */
    public static String deviceName(String peerName) {
        return "tm-" + peerName;
    }

    private TunnelDevice device(String name, int ifindex, Ipv4Address local, Ipv4Address remote) {
        return new TunnelDevice(name, ifindex, local, remote, mtu(), true, counters.getOrDefault(name, LinkCounters.ZERO));
    }

    private void check(Peer peer, List<Peer> existing) {
        if (peer == null) {
            throw new InvalidInputException("peer is missing");
        }
        if (peer.underlay().equals(config.underlay())) {
            throw new InvalidInputException("peer '" + peer.name() + "': underlay " + peer.underlay()
                    + " is this node's own underlay address");
        }
        for (Ipv4Prefix subnet : peer.subnets()) {
            if (subnet.contains(config.tunnelAddress())) {
                throw new InvalidInputException("peer '" + peer.name() + "': subnet " + subnet
                        + " contains this node's tunnel address " + config.tunnelAddress());
            }
        }
        for (Peer other : existing) {
            if (other.name().equals(peer.name())) {
                throw new ConflictException("peer '" + peer.name() + "' already exists");
            }
            if (other.underlay().equals(peer.underlay())) {
                throw new ConflictException("peer '" + peer.name() + "': underlay " + peer.underlay()
                        + " is already used by peer '" + other.name() + "'");
            }
            for (Ipv4Prefix subnet : peer.subnets()) {
                for (Ipv4Prefix taken : other.subnets()) {
                    if (subnet.overlaps(taken)) {
                        throw new ConflictException("peer '" + peer.name() + "': subnet " + subnet + " overlaps "
                                + taken + " of peer '" + other.name() + "'");
                    }
                }
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("mesh " + config.name() + " is closed");
        }
    }
}
