package org.tunnelmesh;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A remote node of the mesh: a name, the underlay address its IPIP packets come from and go to,
 * and the overlay subnets routed to it.
 */
public record Peer(String name, Ipv4Address underlay, List<Ipv4Prefix> subnets) {

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
