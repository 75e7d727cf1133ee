package org.tunnelmesh;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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

    private record Owned(Ipv4Prefix prefix, String peer) {
    }

    public PeerTable(MeshConfig config) {
        this.config = config;
    }

    /**
     * Checks that {@code adding} may join the table as one unit, without changing anything.
     *
     * @throws InvalidInputException for a value that can never be valid here (naming it)
     * @throws ConflictException for a clash with another peer (naming both)
     */
    public void checkAdd(Collection<Peer> adding) {
        if (adding.isEmpty()) {
            throw new InvalidInputException("no peers given");
        }
        if (byName.size() + adding.size() > MAX_PEERS) {
            throw new InvalidInputException("a mesh holds at most " + MAX_PEERS + " peers; " + byName.size()
                    + " present and " + adding.size() + " more asked for");
        }
        // check against a scratch copy so peers within one call are checked against each other too
        PeerTable scratch = adding.size() == 1 ? this : copy();
        for (Peer peer : adding) {
            scratch.checkOne(peer);
            if (scratch != this) {
                scratch.put(peer);
            }
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
            throw new InvalidInputException("peer '" + peer.name() + "': underlay " + peer.underlay()
                    + " is this node's own underlay address");
        }
        String other = byUnderlay.get(peer.underlay().bits());
        if (other != null) {
            throw new ConflictException("peer '" + peer.name() + "': underlay " + peer.underlay()
                    + " is already used by peer '" + other + "'");
        }
        Map.Entry<Integer, Owned> around = subnets.floorEntry(peer.underlay().bits());
        if (around != null && around.getValue().prefix().contains(peer.underlay())) {
            throw new InvalidInputException("peer '" + peer.name() + "': underlay " + peer.underlay() + " lies inside subnet "
                    + around.getValue().prefix() + " of peer '" + around.getValue().peer() + "'; its tunnel would be routed into that peer's tunnel");
        }
        for (Ipv4Prefix subnet : peer.subnets()) {
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
                throw new ConflictException("peer '" + peer.name() + "': subnet " + subnet
                        + " overlaps " + clash.prefix() + " of peer '" + clash.peer() + "'");
            }
            String underlayOwner = underlayInside(subnet);
            if (underlayOwner != null) {
                throw new InvalidInputException("peer '" + peer.name() + "': subnet " + subnet
                        + " contains the underlay address of peer '" + underlayOwner + "'");
            }
        }
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
                subnets.remove(subnet.network().bits());
            }
        }
    }

    public void clear() {
        byName.clear();
        byUnderlay.clear();
        subnets.clear();
    }

    public Peer get(String name) {
        return byName.get(name);
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
            subnets.put(subnet.network().bits(), new Owned(subnet, peer.name()));
        }
    }

    private PeerTable copy() {
        PeerTable copy = new PeerTable(config);
        copy.byName.putAll(byName);
        copy.byUnderlay.putAll(byUnderlay);
        copy.subnets.putAll(subnets);
        return copy;
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
        Map.Entry<Integer, String> first = byUnderlay.ceilingEntry(subnet.network().bits());
        return first != null && subnet.contains(new Ipv4Address(first.getKey())) ? first.getValue() : null;
    }
}
