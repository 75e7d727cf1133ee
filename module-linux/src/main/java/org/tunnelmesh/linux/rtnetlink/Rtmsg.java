package org.tunnelmesh.linux.rtnetlink;

import org.tunnelmesh.linux.netlink.NetlinkAttributes;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

/**
 * struct rtmsg (linux/rtnetlink.h), the fixed header of route messages: written and read here only.
 *
 * @param table the table when below 256, else 0 with the table in RTA_TABLE
 */
public record Rtmsg(
        int family, int dstLength, int srcLength, int tos, int table, int protocol, int scope, int type, int flags) {
    public static final int LEN = 12;

    public void write(NetlinkMessageBuilder b) {
        b.putU8(family)
                .putU8(dstLength)
                .putU8(srcLength)
                .putU8(tos)
                .putU8(table)
                .putU8(protocol)
                .putU8(scope)
                .putU8(type)
                .putU32(flags);
    }

    public static Rtmsg read(NetlinkMessage m) {
        m.requirePayload(LEN, "rtmsg");
        var b = m.buffer();
        int at = m.payloadOffset();
        return new Rtmsg(
                b.get(at) & 0xff,
                b.get(at + 1) & 0xff,
                b.get(at + 2) & 0xff,
                b.get(at + 3) & 0xff,
                b.get(at + 4) & 0xff,
                b.get(at + 5) & 0xff,
                b.get(at + 6) & 0xff,
                b.get(at + 7) & 0xff,
                b.getInt(at + 8));
    }

    /** The attributes after the header. */
    public static NetlinkAttributes attributes(NetlinkMessage m, int maxType) {
        return m.attributes(LEN, maxType);
    }
}
