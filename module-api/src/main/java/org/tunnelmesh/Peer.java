package org.tunnelmesh;

import java.util.List;

/**
 * A remote node of the mesh: a name, the underlay address its IPIP packets come from and go to,
 * and the overlay subnets routed to it.
 */
public record Peer(String name, Ipv4Address underlay, List<Ipv4Prefix> subnets) {

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
     * @throws InvalidInputException naming the peer and the bad value
     */
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
