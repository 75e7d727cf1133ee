package org.tunnelmesh;

import java.util.List;

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

    /** The longest peer name, in characters. */
    public static final int MAX_NAME_LENGTH = 64;
    /**
     * Subnets one peer may have: each is a route (and a netlink request), so a bound keeps one call
     * (a JMX addPeer, a ZooKeeper member) from asking for millions. Aggregate wider prefixes beyond it.
     */
    public static final int MAX_SUBNETS = 256;

    /**
     * A peer from its parts; {@link #of} takes the strings an operator types.
     *
     * @param name 1-{@value #MAX_NAME_LENGTH} letters, digits, '_', '.' or '-', starting with a letter or digit
     * @param underlay the unicast address its IPIP packets come from and go to (not 0.0.0.0, loopback, multicast or
     *     class E)
     * @param subnets 1-{@value #MAX_SUBNETS} overlay subnets routed to it, none overlapping another; copied
     * @param tunnelAddress the address the mesh's health probes go to, inside one of the subnets; null for the
     *     default, the first address of the first subnet ({@link #probeAddress()})
     * @throws InvalidInputException naming the peer and the bad value
     */
    public Peer {
        validateName(name);
        if (underlay == null) {
            throw new InvalidInputException("peer '" + name + "': underlay address is missing");
        }
        String notUnicast = underlay.whyNotUnicast();
        if (notUnicast != null) {
            throw new InvalidInputException("peer '" + name + "': underlay " + underlay + " is " + notUnicast
                    + "; give the peer's own unicast address, the one its tunnel packets come from");
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

    /**
     * A peer whose tunnel address is the default ({@link #probeAddress()}).
     *
     * @param name 1-{@value #MAX_NAME_LENGTH} letters, digits, '_', '.' or '-', starting with a letter or digit
     * @param underlay the unicast address its IPIP packets come from and go to
     * @param subnets 1-{@value #MAX_SUBNETS} overlay subnets routed to it; copied
     * @throws InvalidInputException naming the peer and the bad value
     */
    public Peer(String name, Ipv4Address underlay, List<Ipv4Prefix> subnets) {
        this(name, underlay, subnets, null);
    }

    /**
     * This peer with {@code tunnelAddress} as the address its health probes go to.
     *
     * @param tunnelAddress an address inside one of the peer's subnets; null for the default
     * @return the peer with that tunnel address
     * @throws InvalidInputException when the address lies outside the peer's subnets
     */
    public Peer withTunnelAddress(Ipv4Address tunnelAddress) {
        return new Peer(name, underlay, subnets, tunnelAddress);
    }

    /**
     * Where the mesh's health probe goes: the {@link #tunnelAddress()} when given, else the first address of the first
     * subnet (a /32 subnet's own address).
     *
     * @return the probed address
     */
    public Ipv4Address probeAddress() {
        return tunnelAddress != null ? tunnelAddress : subnets.get(0).network();
    }

    /**
     * Builds a peer from the strings an operator types, e.g. {@code Peer.of("node2", "10.245.1.3",
     * "192.168.42.0/24,192.168.43.0/24")}. Whether the peer fits the mesh (its name and underlay unused, its subnets
     * overlapping no other peer's) is checked when it is added.
     *
     * @param name 1-{@value #MAX_NAME_LENGTH} letters, digits, '_', '.' or '-', starting with a letter or digit
     * @param underlay the peer's underlay address, dotted quad
     * @param subnets one or more CIDRs separated by commas (blanks around the commas allowed), host bits zero, none
     *     overlapping another, at most {@value #MAX_SUBNETS}
     * @return the peer
     * @throws InvalidInputException naming the peer and the bad value
     */
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

    /**
     * Whether a non-empty name is {@code [A-Za-z0-9][A-Za-z0-9_.-]*}: characters safe in a JMX ObjectName value, a log
     * line and a derived device name. A loop, not a regex matcher: it runs for every peer (twice through {@link #of}),
     * thousands of times as a node parses its {@code --peer} options cold.
     */
    static boolean isSafeName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean letterOrDigit = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (!letterOrDigit && (i == 0 || (c != '_' && c != '.' && c != '-'))) {
                return false;
            }
        }
        return true;
    }

    static void validateName(String name) {
        if (name == null || name.isEmpty()) {
            throw new InvalidInputException("peer name is missing");
        }
        if (name.length() > MAX_NAME_LENGTH) {
            throw new InvalidInputException(
                    "peer name '" + name + "' is longer than " + MAX_NAME_LENGTH + " characters");
        }
        if (!isSafeName(name)) {
            throw new InvalidInputException("peer name '" + name
                    + "' may use only letters, digits, '_', '.' and '-', and must start with a letter or digit");
        }
    }
}
