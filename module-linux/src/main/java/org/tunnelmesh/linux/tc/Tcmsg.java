package org.tunnelmesh.linux.tc;

import org.tunnelmesh.linux.netlink.NetlinkAttributes;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

/**
 * struct tcmsg (linux/rtnetlink.h), the fixed header of qdisc and filter messages: written and read here only.
 *
 * @param info a filter's priority and protocol ({@link Tc#filterInfo})
 */
public record Tcmsg(int family, int ifindex, int handle, int parent, int info) {
    public static final int LEN = 20;

    public void write(NetlinkMessageBuilder b) {
        b.putU8(family)
                .putU8(0)
                .putU16(0)
                .putU32(ifindex)
                .putU32(handle)
                .putU32(parent)
                .putU32(info);
    }

    public static Tcmsg read(NetlinkMessage m) {
        m.requirePayload(LEN, "tcmsg");
        var b = m.buffer();
        int at = m.payloadOffset();
        return new Tcmsg(b.get(at) & 0xff, b.getInt(at + 4), b.getInt(at + 8), b.getInt(at + 12), b.getInt(at + 16));
    }

    /** The attributes after the header. */
    public static NetlinkAttributes attributes(NetlinkMessage m, int maxType) {
        return m.attributes(LEN, maxType);
    }
}
