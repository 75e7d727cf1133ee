package org.tunnelmesh;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A remote node of the mesh: a name, the underlay address its IPIP packets come from and go to,
 * the overlay subnets routed to it, and optionally its tunnel address.
 *
 * @param tunnelAddress the address on the peer's tunnel device that answers the mesh's health probes (an ICMP echo
 *     routed through the tunnel), or null for the default {@link #probeAddress()}: the first address of its first
 *     subnet, which is where a node of this mesh puts its {@code --tunnel-address} when it follows the usual plan
 *     (node 192.168.42.0 serving 192.168.42.0/24). It must lie inside one of the peer's subnets, so the probe takes
 *     the mesh's route and crosses the tunnel.
 */
public record Peer(String name, Ipv4Address underlay, List<Ipv4Prefix> subnets, Ipv4Address tunnelAddress) {

    public static final int MAX_NAME_LENGTH = 64;
    /**
     * Subnets one peer may have: each is a route (and a netlink request), so a bound keeps one call
     * (a JMX addPeer, a ZooKeeper member) from asking for millions. Aggregate wider prefixes beyond it.
     */
    public static final int MAX_SUBNETS = 256;
    /** Characters safe in a JMX ObjectName value, a log line and a derived device name. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    public Peer {
        validateName(name);
        if (underlay == null) {
            throw new InvalidInputException("peer '" + name + "': underlay address is missing");
        }
        if (underlay.isAny() || underlay.isLoopback() || underlay.isMulticast() || underlay.isReserved()) {
            throw new InvalidInputException(
                    "peer '" + name + "': underlay " + underlay + " is not a unicast address a tunnel can be sent to");
        }
        if (subnets == null || subnets.isEmpty()) {
            throw new InvalidInputException("peer '" + name + "': needs at least one subnet");
        }
        if (subnets.size() > MAX_SUBNETS) {
            throw new InvalidInputException("peer '" + name + "': " + subnets.size() + " subnets, more than the "
                    + MAX_SUBNETS + " a peer may have; aggregate them into wider prefixes");
        }
        subnets = List.copyOf(subnets);
        for (int i = 0; i < subnets.size(); i++) {
            for (int j = i + 1; j < subnets.size(); j++) {
                if (subnets.get(i).overlaps(subnets.get(j))) {
                    throw new InvalidInputException(
                            "peer '" + name + "': subnets " + subnets.get(i) + " and " + subnets.get(j) + " overlap");
                }
            }
        }
        if (tunnelAddress != null) {
            Ipv4Address inside = tunnelAddress;
            if (subnets.stream().noneMatch(s -> s.contains(inside))) {
                throw new InvalidInputException(
                        "peer '" + name + "': tunnel address " + tunnelAddress
                                + " is not inside its subnets " + subnets
                                + "; the health probe must take the mesh's route to it (give an address of the peer's subnets)");
            }
        }
    }

    /** A peer whose tunnel address is the default ({@link #probeAddress()}). */
    public Peer(String name, Ipv4Address underlay, List<Ipv4Prefix> subnets) {
        this(name, underlay, subnets, null);
    }

    /** This peer with {@code tunnelAddress} as the address its health probes go to (null: the default). */
    public Peer withTunnelAddress(Ipv4Address tunnelAddress) {
        return new Peer(name, underlay, subnets, tunnelAddress);
    }

    /**
     * Where the mesh's health probe goes: the {@link #tunnelAddress()} when given, else the first address of the first
     * subnet (a /32 subnet's own address).
     */
    public Ipv4Address probeAddress() {
        return tunnelAddress != null ? tunnelAddress : subnets.get(0).network();
    }

    /** Builds a peer from the strings an operator types: {@code node2}, {@code 10.245.1.3}, {@code 192.168.42.0/24}. */
    public static Peer of(String name, String underlay, String subnets) {
        validateName(name);
        Ipv4Address address;
        List<Ipv4Prefix> prefixes;
        try {
            address = Ipv4Address.parse(underlay);
            prefixes = Ipv4Prefix.parseList(subnets);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("peer '" + name + "': " + e.getMessage());
        }
        return new Peer(name, address, prefixes);
    }

    static void validateName(String name) {
        if (name == null || name.isEmpty()) {
            throw new InvalidInputException("peer name is missing");
        }
        if (name.length() > MAX_NAME_LENGTH) {
            throw new InvalidInputException(
                    "peer name '" + name + "' is longer than " + MAX_NAME_LENGTH + " characters");
        }
        if (!NAME.matcher(name).matches()) {
            throw new InvalidInputException("peer name '" + name
                    + "' may use only letters, digits, '_', '.' and '-', and must start with a letter or digit");
        }
    }
}
