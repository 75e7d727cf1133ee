package org.tunnelmesh.linux.rtnetlink;

import org.tunnelmesh.linux.netlink.NetlinkAttributes;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

/**
 * struct ifinfomsg (linux/rtnetlink.h), the fixed header of link messages: written and read here only.
 *
 * @param change the flags a change request sets (the others stay as they are)
 */
public record Ifinfomsg(int family, int type, int index, int flags, int change) {
    public static final int LEN = 16;

    /** A header for a request about the device {@code index} (0: the kernel finds it by IFLA_IFNAME). */
    public static Ifinfomsg of(int index, int flags, int change) {
        return new Ifinfomsg(Rtnetlink.AF_UNSPEC, 0, index, flags, change);
    }

    public void write(NetlinkMessageBuilder b) {
        b.putU8(family).putU8(0).putU16(type).putU32(index).putU32(flags).putU32(change);
    }

    public static Ifinfomsg read(NetlinkMessage m) {
        m.requirePayload(LEN, "ifinfomsg");
        var b = m.buffer();
        int at = m.payloadOffset();
        return new Ifinfomsg(
                b.get(at) & 0xff, b.getShort(at + 2) & 0xffff, b.getInt(at + 4), b.getInt(at + 8), b.getInt(at + 12));
    }

    /** The attributes after the header. */
    public static NetlinkAttributes attributes(NetlinkMessage m, int maxType) {
        return m.attributes(LEN, maxType);
    }
}
