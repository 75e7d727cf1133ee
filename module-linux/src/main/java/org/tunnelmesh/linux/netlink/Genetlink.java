package org.tunnelmesh.linux.netlink;

/**
 * Generic netlink (NETLINK_GENERIC): constants of {@code <linux/genetlink.h>}, the 4-byte genlmsghdr that follows
 * the netlink header, and the controller family {@code nlctrl}, which turns a family's name into the message type
 * its requests carry (the type is assigned when the family registers, so it differs between kernels and boots).
 */
public final class Genetlink {
    /** The netlink protocol of generic netlink sockets. */
    public static final int NETLINK_GENERIC = 16;
    /** sizeof(struct genlmsghdr): cmd (u8), version (u8), reserved (u16). */
    public static final int GENL_HDRLEN = 4;

    /** The controller family's fixed id (NLMSG_MIN_TYPE). */
    public static final int GENL_ID_CTRL = 0x10;
    /** The controller's answer to GETFAMILY. */
    public static final int CTRL_CMD_NEWFAMILY = 1;
    /** Asks the controller for a family by name. */
    public static final int CTRL_CMD_GETFAMILY = 3;
    /** u16: the family's id, the nlmsg_type of its requests. */
    public static final int CTRL_ATTR_FAMILY_ID = 1;
    /** NUL-terminated string: the family's name. */
    public static final int CTRL_ATTR_FAMILY_NAME = 2;
    /** u32: the family's version. */
    public static final int CTRL_ATTR_VERSION = 3;
    /** The highest controller attribute this code reads. */
    public static final int CTRL_ATTR_MAX_PARSED = CTRL_ATTR_VERSION;

    private Genetlink() {}

    /**
     * Starts a generic netlink message: the netlink header and the genlmsghdr.
     *
     * @param b the builder
     * @param familyId the family's id (nlmsg_type)
     * @param flags the netlink flags
     * @param command the family's command
     * @param version the family's version
     * @param request what the request asks, for error messages
     * @return the message's sequence number
     */
    public static int begin(
            NetlinkMessageBuilder b, int familyId, int flags, int command, int version, NetlinkRequest request) {
        int seq = b.begin(familyId, flags, request);
        b.putU8(command).putU8(version).putU16(0);
        return seq;
    }

    /**
     * {@code CTRL_CMD_GETFAMILY} for one family by name, as iproute2's genl_resolve_family writes it (version 0, the
     * name with its NUL), but with NLM_F_ACK added so the answer has an end.
     *
     * @param b the builder
     * @param name the family's name, e.g. {@code fou}
     */
    public static void getFamily(NetlinkMessageBuilder b, String name) {
        begin(
                b,
                GENL_ID_CTRL,
                Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK,
                CTRL_CMD_GETFAMILY,
                0,
                () -> "resolve the generic netlink family " + name + " (nlctrl CTRL_CMD_GETFAMILY)");
        b.attrString(CTRL_ATTR_FAMILY_NAME, name);
        b.end();
    }

    /**
     * The genlmsghdr command of a generic netlink message.
     *
     * @param message a message of a generic netlink family
     * @return its command
     * @throws MalformedMessageException when the message is too short for a genlmsghdr
     */
    public static int command(NetlinkMessage message) {
        message.requirePayload(GENL_HDRLEN, "genlmsghdr");
        return message.buffer().get(message.payloadOffset()) & 0xff;
    }

    /**
     * The family id in the controller's answer to {@link #getFamily}.
     *
     * @param message the answer (CTRL_CMD_NEWFAMILY)
     * @return the id, or null when the message is no such answer
     * @throws MalformedMessageException when the answer has no family id
     */
    public static Integer familyId(NetlinkMessage message) {
        if (message.type() != GENL_ID_CTRL || command(message) != CTRL_CMD_NEWFAMILY) {
            return null;
        }
        NetlinkAttributes attributes = message.attributes(GENL_HDRLEN, CTRL_ATTR_MAX_PARSED);
        if (attributes.length(CTRL_ATTR_FAMILY_ID) != 2) {
            throw new MalformedMessageException("nlctrl answer without a 2-byte CTRL_ATTR_FAMILY_ID");
        }
        return attributes.u16(CTRL_ATTR_FAMILY_ID, 0);
    }
}
