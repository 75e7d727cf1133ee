package org.tunnelmesh;

import java.util.Locale;
import java.util.Objects;

/**
 * How the mesh's IPIP packets cross the underlay: as they are (IP protocol 4), or inside UDP to a port where the peer's
 * kernel listens (Linux Foo-over-UDP or Generic UDP Encapsulation), for networks that drop protocol 4. Every node of a
 * mesh must use the same.
 *
 * <p>Written {@code none}, {@code fou[:PORT]} or {@code gue[:PORT]} ({@link #parse}); read back as the Mesh MBean's
 * {@code Encapsulation} attribute, {@code NONE}, {@code FOU:5555} or {@code GUE:5555} ({@link #toString}).
 *
 * @param type none, FOU or GUE
 * @param port the UDP port every node receives on, 1..65535; 0 for {@link Type#NONE}
 */
public record Encapsulation(Type type, int port) {

    /** The UDP port unless one is given. */
    public static final int DEFAULT_PORT = 5555;

    /** Plain IPIP, the default. */
    public static final Encapsulation NONE = new Encapsulation(Type.NONE, 0);

    /** The kinds of encapsulation. */
    public enum Type {
        /** Plain IPIP: IP protocol 4, 20 bytes per packet. */
        NONE(0),
        /** IPIP in UDP (Foo-over-UDP, {@code ip fou add port P ipproto 4}): 8 bytes more. */
        FOU(8),
        /** IPIP in UDP with a GUE header (RFC draft-ietf-intarea-gue, {@code ip fou add port P gue}): 12 bytes more. */
        GUE(12);

        private final int udpOverhead;

        Type(int udpOverhead) {
            this.udpOverhead = udpOverhead;
        }
    }

    /**
     * Checks the pair.
     *
     * @param type none, FOU or GUE
     * @param port 1..65535 for FOU and GUE; 0 for none
     * @throws InvalidInputException when the port is out of 1..65535 for FOU or GUE, or not 0 for NONE
     * @throws NullPointerException when the type is null
     */
    public Encapsulation {
        Objects.requireNonNull(type, "type");
        if (type == Type.NONE && port != 0) {
            throw new InvalidInputException(
                    "encapsulation none takes no port (got " + port + "); use fou:" + port + " or gue:" + port);
        }
        if (type != Type.NONE && (port < 1 || port > 65535)) {
            throw new InvalidInputException("encapsulation " + type.name().toLowerCase(Locale.ROOT) + " port " + port
                    + " is out of range 1..65535");
        }
    }

    /**
     * Foo-over-UDP to {@code port}.
     *
     * @param port 1..65535
     * @return the encapsulation
     * @throws InvalidInputException when the port is out of range
     */
    public static Encapsulation fou(int port) {
        return new Encapsulation(Type.FOU, port);
    }

    /**
     * GUE to {@code port}.
     *
     * @param port 1..65535
     * @return the encapsulation
     * @throws InvalidInputException when the port is out of range
     */
    public static Encapsulation gue(int port) {
        return new Encapsulation(Type.GUE, port);
    }

    /**
     * Reads {@code none}, {@code fou}, {@code fou:PORT}, {@code gue} or {@code gue:PORT} (any case, so
     * {@link #toString()}'s {@code FOU:5555} reads back); the port defaults to {@value #DEFAULT_PORT}.
     *
     * @param text the text
     * @return the encapsulation
     * @throws InvalidInputException naming the text when it is none of those, or the port is not a number in
     *     1..65535
     */
    public static Encapsulation parse(String text) {
        if (text == null) {
            throw new InvalidInputException("encapsulation is missing: use none, fou[:PORT] or gue[:PORT]");
        }
        int colon = text.indexOf(':');
        String name = (colon < 0 ? text : text.substring(0, colon)).toLowerCase(Locale.ROOT);
        Type type = switch (name) {
            case "none" -> Type.NONE;
            case "fou" -> Type.FOU;
            case "gue" -> Type.GUE;
            default -> null;
        };
        if (type == null) {
            throw new InvalidInputException(
                    "encapsulation '" + text + "' is not none, fou[:PORT] or gue[:PORT] (e.g. fou:5555)");
        }
        if (colon < 0) {
            return type == Type.NONE ? NONE : new Encapsulation(type, DEFAULT_PORT);
        }
        if (type == Type.NONE) {
            throw new InvalidInputException("encapsulation '" + text + "': none takes no port");
        }
        String digits = text.substring(colon + 1);
        if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InvalidInputException(
                    "encapsulation '" + text + "': the port '" + digits + "' is not a number in 1..65535");
        }
        int port = Integer.parseInt(digits);
        if (port < 1 || port > 65535) {
            throw new InvalidInputException(
                    "encapsulation '" + text + "': the port " + port + " is out of range 1..65535");
        }
        return new Encapsulation(type, port);
    }

    /**
     * Whether IPIP goes inside UDP.
     *
     * @return true for FOU and GUE
     */
    public boolean encapsulates() {
        return type != Type.NONE;
    }

    /**
     * What each packet gains on the underlay: the outer IPv4 header ({@value MeshConfig#IPIP_OVERHEAD}), plus for FOU
     * the UDP header (8), for GUE the UDP and GUE headers (12). The tunnel MTU is at most the underlay's minus this.
     *
     * @return 20, 28 or 32 bytes
     */
    public int overhead() {
        return MeshConfig.IPIP_OVERHEAD + type.udpOverhead;
    }

    /**
     * As the Mesh MBean shows it, and as {@link #parse} reads it back.
     *
     * @return {@code NONE}, {@code FOU:<port>} or {@code GUE:<port>}
     */
    @Override
    public String toString() {
        return type == Type.NONE ? "NONE" : type.name() + ":" + port;
    }
}
