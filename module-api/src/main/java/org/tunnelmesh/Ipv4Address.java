package org.tunnelmesh;

/**
 * An IPv4 address as a value. Parsing is strict dotted-quad and never resolves host names,
 * so a typo cannot turn into a DNS lookup or a surprising address.
 */
public record Ipv4Address(int bits) implements Comparable<Ipv4Address> {

    /** The wildcard address, shown as {@code any} in tunnel parameters (as iproute2 does). */
    public static final Ipv4Address ANY = new Ipv4Address(0);

    /**
     * Parses {@code a.b.c.d}: four decimal octets 0..255 without leading zeros (so {@code 010.0.0.1} is refused, not
     * read as octal as inet_aton would); blanks around the whole are ignored. Never resolves a host name.
     *
     * @param text the address, e.g. {@code 10.245.1.2}
     * @return the address
     * @throws InvalidInputException naming the bad text, when it is null or not a dotted quad
     */
    public static Ipv4Address parse(String text) {
        if (text == null) {
            throw new InvalidInputException("IPv4 address is missing");
        }
        String s = text.strip();
        int bits = 0;
        int octets = 0;
        int i = 0;
        while (i <= s.length()) {
            int start = i;
            int value = 0;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - start < 3) {
                value = value * 10 + (s.charAt(i) - '0');
                i++;
            }
            boolean leadingZero = i - start > 1 && s.charAt(start) == '0';
            if (i == start || value > 255 || leadingZero) {
                throw bad(text);
            }
            bits = (bits << 8) | value;
            octets++;
            if (i == s.length()) {
                break;
            }
            if (s.charAt(i) != '.' || octets == 4) {
                throw bad(text);
            }
            i++;
        }
        if (octets != 4) {
            throw bad(text);
        }
        return new Ipv4Address(bits);
    }

    private static InvalidInputException bad(String text) {
        return new InvalidInputException("'" + text + "' is not an IPv4 address (expected a.b.c.d)");
    }

    /**
     * From network byte order, as the kernel puts it in a netlink attribute.
     *
     * @param b the four bytes, most significant first
     * @return the address
     * @throws IllegalArgumentException when {@code b} does not hold exactly 4 bytes
     */
    public static Ipv4Address fromBytes(byte[] b) {
        if (b.length != 4) {
            throw new IllegalArgumentException("an IPv4 address has 4 bytes, not " + b.length);
        }
        return new Ipv4Address(((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff));
    }

    /**
     * This address in network byte order.
     *
     * @return four new bytes, most significant first
     */
    public byte[] toBytes() {
        return new byte[] {(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8), (byte) bits};
    }

    /**
     * Whether this is 0.0.0.0, the wildcard.
     *
     * @return true for 0.0.0.0
     */
    public boolean isAny() {
        return bits == 0;
    }

    /**
     * Whether this is in 127.0.0.0/8.
     *
     * @return true for a loopback address
     */
    public boolean isLoopback() {
        return (bits >>> 24) == 127;
    }

    /**
     * Whether this is in 224.0.0.0/4.
     *
     * @return true for a multicast address
     */
    public boolean isMulticast() {
        return (bits >>> 28) == 0xe;
    }

    /**
     * Whether this is the limited broadcast 255.255.255.255.
     *
     * @return true for 255.255.255.255
     */
    public boolean isBroadcast() {
        return bits == -1;
    }

    /**
     * Whether this is in class E (240.0.0.0/4), reserved and not routable; includes the limited broadcast.
     *
     * @return true for 240.0.0.0 to 255.255.255.255
     */
    public boolean isReserved() {
        return (bits >>> 28) == 0xf;
    }

    /**
     * What keeps this address from being a tunnel endpoint or a host's own unicast address, or null when nothing does:
     * for messages that say what is wrong rather than only that something is.
     */
    String whyNotUnicast() {
        if (isAny()) {
            return "the unspecified address (0.0.0.0), which names no host";
        }
        if (isLoopback()) {
            return "a loopback address (127.0.0.0/8), which never leaves this host";
        }
        if (isMulticast()) {
            return "a multicast address (224.0.0.0/4), which names a group, not a host";
        }
        if (isBroadcast()) {
            return "the limited broadcast address, which names every host on a link";
        }
        if (isReserved()) {
            return "in 240.0.0.0/4, reserved and not routable";
        }
        return null;
    }

    @Override
    public int compareTo(Ipv4Address other) {
        return Integer.compareUnsigned(bits, other.bits);
    }

    @Override
    public String toString() {
        return (bits >>> 24) + "." + ((bits >>> 16) & 0xff) + "." + ((bits >>> 8) & 0xff) + "." + (bits & 0xff);
    }
}
