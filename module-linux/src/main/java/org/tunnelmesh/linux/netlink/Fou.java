package org.tunnelmesh.linux.netlink;

/**
 * The generic netlink family {@code fou} of {@code <linux/fou.h>}: the kernel's receive ports for Foo-over-UDP and
 * GUE, which hand the packets inside UDP to an IP protocol's handler (for the mesh: IPIP). Requests laid out as
 * {@code ip fou} lays them out (the unit tests compare them byte for byte with captures).
 */
public final class Fou {
    /** The family's name, to resolve over nlctrl. */
    public static final String FOU_GENL_NAME = "fou";
    /** The family's version, in every request's genlmsghdr. */
    public static final int FOU_GENL_VERSION = 1;

    /** Opens a receive port. */
    public static final int FOU_CMD_ADD = 1;
    /** Closes a receive port. */
    public static final int FOU_CMD_DEL = 2;
    /** One receive port (ESRCH when none matches), or all of them with NLM_F_DUMP. */
    public static final int FOU_CMD_GET = 3;

    /** be16: the UDP port. */
    public static final int FOU_ATTR_PORT = 1;
    /** u8: the address family (AF_INET when absent). */
    public static final int FOU_ATTR_AF = 2;
    /** u8: the IP protocol the payload is handed to (direct encapsulation only). */
    public static final int FOU_ATTR_IPPROTO = 3;
    /** u8: FOU_ENCAP_DIRECT or FOU_ENCAP_GUE. */
    public static final int FOU_ATTR_TYPE = 4;
    /** The highest fou attribute this code reads (the local/peer/ifindex ones the mesh never sets). */
    public static final int FOU_ATTR_MAX_PARSED = FOU_ATTR_TYPE;

    /** Foo-over-UDP: the payload directly after the UDP header. */
    public static final int FOU_ENCAP_DIRECT = 1;
    /** Generic UDP Encapsulation: a 4-byte GUE header, which names the protocol, after the UDP header. */
    public static final int FOU_ENCAP_GUE = 2;

    /** IPPROTO_IPIP. */
    public static final int IPPROTO_IPIP = 4;
    /** AF_INET. */
    public static final int AF_INET = 2;

    private static final int REQUEST_ACK = Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK;

    private Fou() {}

    /**
     * {@code ip fou add port PORT ipproto 4} or {@code ip fou add port PORT gue}.
     *
     * @param b the builder
     * @param familyId the id nlctrl gave the fou family
     * @param port the receive port
     */
    public static void add(NetlinkMessageBuilder b, int familyId, FouPort port) {
        Genetlink.begin(
                b, familyId, REQUEST_ACK, FOU_CMD_ADD, FOU_GENL_VERSION, () -> "ip fou add " + port.arguments());
        portAttributes(b, port);
        b.end();
    }

    /**
     * {@code ip fou del port PORT}: iproute2 sends the port with type direct and AF_INET whatever the port's type
     * (the kernel matches port and address family only).
     *
     * @param b the builder
     * @param familyId the id nlctrl gave the fou family
     * @param port the UDP port
     */
    public static void delete(NetlinkMessageBuilder b, int familyId, int port) {
        Genetlink.begin(b, familyId, REQUEST_ACK, FOU_CMD_DEL, FOU_GENL_VERSION, () -> "ip fou del port " + port);
        b.attrBe16(FOU_ATTR_PORT, port);
        b.attrU8(FOU_ATTR_TYPE, FOU_ENCAP_DIRECT);
        b.attrU8(FOU_ATTR_AF, AF_INET);
        b.end();
    }

    /**
     * One port: FOU_CMD_GET with the port and AF_INET (the kernel answers with the port, or ESRCH), with an ack
     * asked for so the answer has an end. {@code ip fou} has no such command; the attributes are those of a delete.
     *
     * @param b the builder
     * @param familyId the id nlctrl gave the fou family
     * @param port the UDP port
     */
    public static void get(NetlinkMessageBuilder b, int familyId, int port) {
        Genetlink.begin(b, familyId, REQUEST_ACK, FOU_CMD_GET, FOU_GENL_VERSION, () -> "ip fou show port " + port);
        b.attrBe16(FOU_ATTR_PORT, port);
        b.attrU8(FOU_ATTR_AF, AF_INET);
        b.end();
    }

    /**
     * {@code ip fou show}: every receive port of the namespace.
     *
     * @param b the builder
     * @param familyId the id nlctrl gave the fou family
     */
    public static void dump(NetlinkMessageBuilder b, int familyId) {
        Genetlink.begin(
                b,
                familyId,
                Netlink.NLM_F_REQUEST | Netlink.NLM_F_DUMP,
                FOU_CMD_GET,
                FOU_GENL_VERSION,
                () -> "ip fou show");
        b.end();
    }

    private static void portAttributes(NetlinkMessageBuilder b, FouPort port) {
        b.attrBe16(FOU_ATTR_PORT, port.port());
        b.attrU8(FOU_ATTR_TYPE, port.gue() ? FOU_ENCAP_GUE : FOU_ENCAP_DIRECT);
        b.attrU8(FOU_ATTR_AF, AF_INET);
        if (!port.gue()) {
            b.attrU8(FOU_ATTR_IPPROTO, port.ipproto());
        }
    }
}
