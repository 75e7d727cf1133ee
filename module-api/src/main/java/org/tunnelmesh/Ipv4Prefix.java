package org.tunnelmesh;

import java.util.ArrayList;
import java.util.List;

/** An IPv4 network in CIDR form, e.g. {@code 192.168.42.0/24}. Host bits must be zero. */
public record Ipv4Prefix(Ipv4Address network, int length) implements Comparable<Ipv4Prefix> {

    /**
     * A prefix from its parts.
     *
     * @param network the network address, its host bits zero
     * @param length the prefix length, 0..32
     * @throws InvalidInputException when the network is null, the length is out of range, or host bits are set (the
     *     message suggests the prefix meant)
     */
    public Ipv4Prefix {
        if (network == null) {
            throw new InvalidInputException("prefix network address is missing");
        }
        if (length < 0 || length > 32) {
            throw new InvalidInputException("prefix length " + length + " is out of range 0..32");
        }
        if ((network.bits() & ~mask(length)) != 0) {
            throw new InvalidInputException("'" + network + "/" + length + "' has host bits set; did you mean "
                    + new Ipv4Address(network.bits() & mask(length)) + "/" + length + "?");
        }
    }

    /**
     * Parses {@code a.b.c.d/len}; a bare address means /32.
     *
     * @param text the CIDR, e.g. {@code 192.168.42.0/24}, with the host bits zero
     * @return the prefix
     * @throws InvalidInputException naming the bad text, when it is null, blank, not a CIDR, or has host bits set
     */
    public static Ipv4Prefix parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("CIDR is missing");
        }
        String s = text.strip();
        int slash = s.indexOf('/');
        if (slash < 0) {
            return new Ipv4Prefix(Ipv4Address.parse(s), 32);
        }
        String len = s.substring(slash + 1);
        if (len.isEmpty() || len.length() > 2 || !allDigits(len)) {
            throw new InvalidInputException("'" + text + "' is not a CIDR: prefix length '" + len + "' must be 0..32");
        }
        int length = Integer.parseInt(len);
        if (length > 32) {
            throw new InvalidInputException(
                    "'" + text + "' is not a CIDR: prefix length " + length + " is out of range 0..32");
        }
        Ipv4Address address;
        try {
            address = Ipv4Address.parse(s.substring(0, slash));
        } catch (InvalidInputException e) {
            throw new InvalidInputException("'" + text + "' is not a CIDR: " + e.getMessage());
        }
        return new Ipv4Prefix(address, length);
    }

    // a loop, not a stream: it runs once per peer while a node parses thousands of --peer options cold
    private static boolean allDigits(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses a comma-separated list of CIDRs; blanks around commas are allowed.
     *
     * @param text e.g. {@code 192.168.42.0/24, 192.168.43.0/24}
     * @return the prefixes in the order given (duplicates are kept: the peer rules refuse them)
     * @throws InvalidInputException when the list is null or blank, or naming the first item that is not a CIDR
     *     (an empty item, as in {@code a,,b}, is one)
     */
    public static List<Ipv4Prefix> parseList(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("subnet list is empty: give one or more CIDRs separated by commas");
        }
        List<Ipv4Prefix> prefixes = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            prefixes.add(parse(part));
        }
        return prefixes;
    }

    /**
     * The netmask of a prefix length, as an int.
     *
     * @param length 0..32
     * @return the mask's bits, e.g. {@code 0xffffff00} for 24
     */
    public static int mask(int length) {
        return length == 0 ? 0 : -1 << (32 - length);
    }

    /**
     * Whether an address is in this network.
     *
     * @param address the address
     * @return true when its first {@code length} bits are this network's
     */
    public boolean contains(Ipv4Address address) {
        return (address.bits() & mask(length)) == network.bits();
    }

    /**
     * Whether two networks share an address; with IPv4 prefixes that means one contains the other.
     *
     * @param other the other network
     * @return true when they overlap
     */
    public boolean overlaps(Ipv4Prefix other) {
        int shorter = Math.min(length, other.length);
        return (network.bits() & mask(shorter)) == (other.network.bits() & mask(shorter));
    }

    @Override
    public int compareTo(Ipv4Prefix other) {
        int c = network.compareTo(other.network);
        return c != 0 ? c : Integer.compare(length, other.length);
    }

    @Override
    public String toString() {
        return network + "/" + length;
    }
}
