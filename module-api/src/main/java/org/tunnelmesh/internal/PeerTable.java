package org.tunnelmesh.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;

/**
 * The peers of one mesh and the rules they must keep among themselves and with this node: unique
 * names and underlays, no overlapping subnets, nothing that would route an underlay address (ours
 * or a peer's) or our own tunnel address into the tunnel. Checks cost O(log n) per subnet, so
 * tens of thousands of peers validate in milliseconds. Not thread-safe.
 */
public final class PeerTable {
    /** An upper bound that keeps a typo (or an attack) from asking for millions of routes. */
    public static final int MAX_PEERS = 100_000;

    private final MeshConfig config;
    private final Map<String, Peer> byName = new LinkedHashMap<>();
    /** Underlay addresses by value, ordered, so "which underlay lies inside this subnet" is one lookup. */
    private final TreeMap<Integer, String> byUnderlay = new TreeMap<>(Integer::compareUnsigned);
    /** Subnets of all peers by network address; they never overlap, so order is by range. */
    private final TreeMap<Integer, Owned> subnets = new TreeMap<>(Integer::compareUnsigned);
    /**
     * Subnets wider than /8 (only with allowWideSubnets), apart: they may contain narrower subnets
     * of other peers (longest prefix wins), so they would break the tree's "never overlap" order.
     */
    private final List<Owned> wideSubnets = new ArrayList<>();

    private record Owned(Ipv4Prefix prefix, String peer) {}

    public PeerTable(MeshConfig config) {
        this.config = config;
    }

    /**
     * Checks that {@code adding} may join the table as one unit, without changing anything. Each
     * peer is checked against the table by tree lookups, and the batch against itself by sorting
     * it: O(k log(n + k)) for k peers joining n, with no copy of the table.
     *
     * @throws InvalidInputException for a value that can never be valid here (naming it)
     * @throws ConflictException for a clash with another peer (naming both)
     */
    public void checkAdd(Collection<Peer> adding) {
        if (adding.isEmpty()) {
            throw new InvalidInputException("no peers given");
        }
        if (byName.isEmpty() && adding instanceof CheckedPeers checked && checked.checkedFor(config)) {
            return; // checked whole against these rules already, and unchangeable since
        }
        if (byName.size() + adding.size() > MAX_PEERS) {
            throw new InvalidInputException("a mesh holds at most " + MAX_PEERS + " peers; " + byName.size()
                    + " present and " + adding.size() + " more asked for");
        }
        for (Peer peer : adding) {
            checkOne(peer);
        }
        if (adding.size() > 1) {
            checkBatch(List.copyOf(adding));
        }
    }

    /**
     * Checks {@code peers} as a batch for an empty table of {@code config}, and says so in the result's type: an
     * {@link #checkAdd} of it on an empty table of an equal configuration does not check it again.
     *
     * @throws InvalidInputException for a value that can never be valid here (naming it)
     * @throws ConflictException for a clash between two of the peers (naming both)
     */
    public static CheckedPeers checkBatch(MeshConfig config, Collection<Peer> peers) {
        List<Peer> copy = List.copyOf(peers);
        new PeerTable(config).checkAdd(copy);
        return new CheckedPeers(config, copy);
    }

    /** The ranges no peer subnet may touch: they never go through a tunnel. */
    private static final List<Reserved> RESERVED = List.of(
            new Reserved(Ipv4Prefix.parse("0.0.0.0/8"), "'this network'"),
            new Reserved(Ipv4Prefix.parse("127.0.0.0/8"), "loopback"),
            new Reserved(Ipv4Prefix.parse("169.254.0.0/16"), "link-local"),
            new Reserved(Ipv4Prefix.parse("224.0.0.0/4"), "multicast"),
            new Reserved(Ipv4Prefix.parse("240.0.0.0/4"), "reserved/broadcast"));

    private record Reserved(Ipv4Prefix range, String what) {}

    /** A subnet wider than /{@value MeshConfig#NARROWEST_WIDE_PREFIX}: only with {@link MeshConfig#allowWideSubnets()}. */
    private static boolean wide(Ipv4Prefix subnet) {
        return subnet.length() < MeshConfig.NARROWEST_WIDE_PREFIX;
    }

    /**
     * A narrow subnet may not touch a reserved range at all. A wide one (allowed by the config)
     * may contain them - a default route does, and the kernel's local and more specific routes
     * still win - but may not lie inside one (224.0.0.0/5 is multicast, whatever the config).
     */
    private void checkRange(Peer peer, Ipv4Prefix subnet) {
        for (Reserved reserved : RESERVED) {
            boolean clash = wide(subnet)
                    ? subnet.length() >= reserved.range().length()
                            && reserved.range().overlaps(subnet)
                    : reserved.range().overlaps(subnet);
            if (clash) {
                throw new InvalidInputException("peer '" + peer.name() + "': subnet " + subnet + " overlaps "
                        + reserved.range() + " (" + reserved.what() + "), which is never routed through a tunnel");
            }
        }
        if (wide(subnet) && !config.allowWideSubnets()) {
            throw new InvalidInputException("peer '" + peer.name() + "': subnet " + subnet + " is wider than /"
                    + MeshConfig.NARROWEST_WIDE_PREFIX + "; set MeshConfig allowWideSubnets to route such a prefix"
                    + " (e.g. a default route 0.0.0.0/0 through a gateway peer)");
        }
    }

    private void checkOne(Peer peer) {
        if (peer == null) {
            throw new InvalidInputException("peer is missing");
        }
        if (byName.containsKey(peer.name())) {
            throw new ConflictException("peer '" + peer.name() + "' already exists");
        }
        if (peer.underlay().equals(config.underlay())) {
            throw new InvalidInputException(
                    "peer '" + peer.name() + "': underlay " + peer.underlay() + " is this node's own underlay address");
        }
        if (peer.underlay().equals(config.tunnelAddress())) {
            throw new InvalidInputException("peer '" + peer.name() + "': underlay " + peer.underlay()
                    + " is this node's tunnel address; the tunnel would be routed into itself");
        }
        String other = byUnderlay.get(peer.underlay().bits());
        if (other != null) {
            throw new ConflictException("peer '" + peer.name() + "': underlay " + peer.underlay()
                    + " is already used by peer '" + other + "'");
        }
        Map.Entry<Integer, Owned> around = subnets.floorEntry(peer.underlay().bits());
        if (around != null && around.getValue().prefix().contains(peer.underlay())) {
            throw new InvalidInputException("peer '" + peer.name() + "': underlay " + peer.underlay()
                    + " lies inside subnet " + around.getValue().prefix() + " of peer '"
                    + around.getValue().peer() + "'; its tunnel would be routed into that peer's tunnel");
        }
        for (Ipv4Prefix subnet : peer.subnets()) {
            checkRange(peer, subnet);
            if (wide(subnet)) {
                // loses to every narrower route (longest prefix match): only other wide subnets clash
                for (Owned w : wideSubnets) {
                    if (w.prefix().overlaps(subnet)) {
                        throw new ConflictException("peer '" + peer.name() + "': subnet " + subnet + " overlaps "
                                + w.prefix() + " of peer '" + w.peer() + "'");
                    }
                }
                continue;
            }
            if (subnet.contains(config.tunnelAddress())) {
                throw new InvalidInputException("peer '" + peer.name() + "': subnet " + subnet
                        + " contains this node's tunnel address " + config.tunnelAddress());
            }
            if (subnet.contains(config.underlay())) {
                throw new InvalidInputException("peer '" + peer.name() + "': subnet " + subnet
                        + " contains this node's underlay address " + config.underlay()
                        + "; routing it into the tunnel would cut the tunnel off");
            }
            if (subnet.contains(peer.underlay())) {
                throw new InvalidInputException("peer '" + peer.name() + "': subnet " + subnet
                        + " contains the peer's own underlay address " + peer.underlay()
                        + "; the tunnel would be routed into itself");
            }
            Owned clash = overlapping(subnet);
            if (clash != null) {
                throw new ConflictException("peer '" + peer.name() + "': subnet " + subnet + " overlaps "
                        + clash.prefix() + " of peer '" + clash.peer() + "'");
            }
            String underlayOwner = underlayInside(subnet);
            if (underlayOwner != null) {
                throw new InvalidInputException("peer '" + peer.name() + "': subnet " + subnet
                        + " contains the underlay address of peer '" + underlayOwner + "'");
            }
        }
    }

    /** A subnet of the batch with the position of its peer, so a clash names the later peer first. */
    private record Entry(Ipv4Prefix prefix, int index) {
        long start() {
            return Integer.toUnsignedLong(prefix.network().bits());
        }

        long end() {
            return start() + (1L << (32 - prefix.length())) - 1;
        }
    }

    /** The peers of one batch among themselves (each is already checked against the table). */
    private void checkBatch(List<Peer> batch) {
        Map<String, Integer> names = new HashMap<>();
        Map<Integer, Integer> underlays = new HashMap<>();
        List<Entry> narrow = new ArrayList<>();
        List<Entry> wideOnes = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            Peer peer = batch.get(i);
            Integer earlier = names.putIfAbsent(peer.name(), i);
            if (earlier != null) {
                throw new ConflictException("peer '" + peer.name() + "' already exists (given twice)");
            }
            earlier = underlays.putIfAbsent(peer.underlay().bits(), i);
            if (earlier != null) {
                throw new ConflictException("peer '" + peer.name() + "': underlay " + peer.underlay()
                        + " is already used by peer '" + batch.get(earlier).name() + "'");
            }
            for (Ipv4Prefix subnet : peer.subnets()) {
                (wide(subnet) ? wideOnes : narrow).add(new Entry(subnet, i));
            }
        }
        // sorted by start, a subnet overlaps an earlier one iff it starts before the furthest end so far
        narrow.sort(Comparator.comparingLong(Entry::start)
                .thenComparingInt(e -> e.prefix().length()));
        Entry furthest = null;
        for (Entry e : narrow) {
            if (furthest != null && e.start() <= furthest.end()) {
                throw overlap(batch, e, furthest);
            }
            if (furthest == null || e.end() > furthest.end()) {
                furthest = e;
            }
        }
        for (int a = 0; a < wideOnes.size(); a++) {
            for (int b = a + 1; b < wideOnes.size(); b++) { // at most 255 wide subnets can coexist
                if (wideOnes.get(a).prefix().overlaps(wideOnes.get(b).prefix())) {
                    throw overlap(batch, wideOnes.get(a), wideOnes.get(b));
                }
            }
        }
        // an underlay of the batch inside a narrow subnet of the batch: one binary search per subnet
        long[] sorted = new long[batch.size()];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = Integer.toUnsignedLong(batch.get(i).underlay().bits()) << 20 | i; // MAX_PEERS < 2^20
        }
        Arrays.sort(sorted);
        for (Entry e : narrow) {
            int at = Arrays.binarySearch(sorted, e.start() << 20);
            int first = at >= 0 ? at : -at - 1;
            if (first < sorted.length && (sorted[first] >>> 20) <= e.end()) {
                Peer owner = batch.get((int) (sorted[first] & 0xfffff));
                Peer peer = batch.get(e.index());
                throw new InvalidInputException("peer '" + peer.name() + "': subnet " + e.prefix()
                        + " contains the underlay address of peer '" + owner.name() + "'");
            }
        }
    }

    private static ConflictException overlap(List<Peer> batch, Entry x, Entry y) {
        Entry later = x.index() >= y.index() ? x : y;
        Entry earlier = x.index() >= y.index() ? y : x;
        return new ConflictException("peer '" + batch.get(later.index()).name() + "': subnet " + later.prefix()
                + " overlaps " + earlier.prefix() + " of peer '"
                + batch.get(earlier.index()).name() + "'");
    }

    /** Adds peers after {@link #checkAdd}. */
    public void addAll(Collection<Peer> peers) {
        for (Peer peer : peers) {
            put(peer);
        }
    }

    /**
     * Checks that every name is present (and not repeated) without changing anything.
     *
     * @return the peers, in the given order
     */
    public List<Peer> checkRemove(Collection<String> names) {
        if (names.isEmpty()) {
            throw new InvalidInputException("no peer names given");
        }
        List<Peer> found = new ArrayList<>(names.size());
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String name : names) {
            Peer peer = name == null ? null : byName.get(name);
            if (peer == null) {
                throw new InvalidInputException("no peer named '" + name + "'");
            }
            if (!seen.add(name)) {
                throw new InvalidInputException("peer '" + name + "' is named twice");
            }
            found.add(peer);
        }
        return found;
    }

    public void removeAll(Collection<Peer> peers) {
        for (Peer peer : peers) {
            byName.remove(peer.name());
            byUnderlay.remove(peer.underlay().bits());
            for (Ipv4Prefix subnet : peer.subnets()) {
                if (wide(subnet)) {
                    wideSubnets.removeIf(w -> w.prefix().equals(subnet));
                } else {
                    subnets.remove(subnet.network().bits());
                }
            }
        }
    }

    public void clear() {
        byName.clear();
        byUnderlay.clear();
        subnets.clear();
        wideSubnets.clear();
    }

    public Peer get(String name) {
        return byName.get(name);
    }

    public Optional<Peer> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** @throws InvalidInputException naming {@code name} when the table has no such peer */
    public Peer require(String name) {
        Peer peer = byName.get(name);
        if (peer == null) {
            throw new InvalidInputException("no peer named '" + name + "'");
        }
        return peer;
    }

    public int size() {
        return byName.size();
    }

    /** The peers in the order they were added. */
    public List<Peer> peers() {
        return List.copyOf(byName.values());
    }

    private void put(Peer peer) {
        byName.put(peer.name(), peer);
        byUnderlay.put(peer.underlay().bits(), peer.name());
        for (Ipv4Prefix subnet : peer.subnets()) {
            if (wide(subnet)) {
                wideSubnets.add(new Owned(subnet, peer.name()));
            } else {
                subnets.put(subnet.network().bits(), new Owned(subnet, peer.name()));
            }
        }
    }

    private Owned overlapping(Ipv4Prefix subnet) {
        // the one subnet that may contain ours starts at or before it; any it contains starts inside it
        Map.Entry<Integer, Owned> before = subnets.floorEntry(subnet.network().bits());
        if (before != null && before.getValue().prefix().overlaps(subnet)) {
            return before.getValue();
        }
        Map.Entry<Integer, Owned> after = subnets.ceilingEntry(subnet.network().bits());
        if (after != null && after.getValue().prefix().overlaps(subnet)) {
            return after.getValue();
        }
        return null;
    }

    private String underlayInside(Ipv4Prefix subnet) {
        Map.Entry<Integer, String> first =
                byUnderlay.ceilingEntry(subnet.network().bits());
        return first != null && subnet.contains(new Ipv4Address(first.getKey())) ? first.getValue() : null;
    }
}
