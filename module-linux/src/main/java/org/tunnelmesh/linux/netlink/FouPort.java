package org.tunnelmesh.linux.netlink;

/**
 * A fou receive port for IPv4: UDP {@code port}, either direct (Foo-over-UDP, the payload handed to {@code ipproto})
 * or GUE (the GUE header names the protocol).
 *
 * @param port the UDP port, 1 to 65535
 * @param gue true for GUE, false for direct encapsulation
 * @param ipproto the IP protocol of the payload for direct encapsulation (4: IPIP); 0 for GUE
 */
public record FouPort(int port, boolean gue, int ipproto) {
    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException naming the bad value
     */
    public FouPort {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("fou port " + port + " is not a UDP port (1 to 65535)");
        }
        if (ipproto < 0 || ipproto > 255) {
            throw new IllegalArgumentException("fou ipproto " + ipproto + " is not an IP protocol (0 to 255)");
        }
    }

    /**
     * The receive port for IPIP inside plain UDP ({@code ip fou add port PORT ipproto 4}).
     *
     * @param port the UDP port
     * @return the port
     */
    public static FouPort ipip(int port) {
        return new FouPort(port, false, Fou.IPPROTO_IPIP);
    }

    /**
     * The receive port for GUE ({@code ip fou add port PORT gue}).
     *
     * @param port the UDP port
     * @return the port
     */
    public static FouPort gue(int port) {
        return new FouPort(port, true, 0);
    }

    /**
     * A port from the kernel's answer to FOU_CMD_GET (one port, or one of a dump).
     *
     * @param message the answer
     * @return the port, or null for an IPv6 port or a message that is not a fou port
     * @throws MalformedMessageException when the answer has no port
     */
    public static FouPort parse(NetlinkMessage message) {
        if (Genetlink.command(message) != Fou.FOU_CMD_GET) {
            return null;
        }
        NetlinkAttributes attributes = message.attributes(Genetlink.GENL_HDRLEN, Fou.FOU_ATTR_MAX_PARSED);
        if (attributes.u8(Fou.FOU_ATTR_AF, Fou.AF_INET) != Fou.AF_INET) {
            return null;
        }
        if (attributes.length(Fou.FOU_ATTR_PORT) != 2) {
            throw new MalformedMessageException("fou answer without a 2-byte FOU_ATTR_PORT");
        }
        int port = Short.toUnsignedInt(Short.reverseBytes((short) attributes.u16(Fou.FOU_ATTR_PORT, 0)));
        if (java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.BIG_ENDIAN) {
            port = attributes.u16(Fou.FOU_ATTR_PORT, 0);
        }
        if (port == 0) {
            throw new MalformedMessageException("fou answer with port 0");
        }
        boolean gue = attributes.u8(Fou.FOU_ATTR_TYPE, Fou.FOU_ENCAP_DIRECT) == Fou.FOU_ENCAP_GUE;
        return new FouPort(port, gue, gue ? 0 : attributes.u8(Fou.FOU_ATTR_IPPROTO, 0));
    }

    /**
     * As {@code ip fou add} takes it.
     *
     * @return e.g. {@code port 5555 ipproto 4} or {@code port 5555 gue}
     */
    public String arguments() {
        return "port " + port + (gue ? " gue" : " ipproto " + ipproto);
    }
}
