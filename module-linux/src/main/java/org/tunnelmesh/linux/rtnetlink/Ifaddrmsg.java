package org.tunnelmesh.linux.rtnetlink;

import org.tunnelmesh.linux.netlink.NetlinkAttributes;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

/** struct ifaddrmsg (linux/if_addr.h), the fixed header of address messages: written and read here only. */
public record Ifaddrmsg(int family, int prefixLength, int flags, int scope, int index) {
    public static final int LEN = 8;

    public void write(NetlinkMessageBuilder b) {
        b.putU8(family).putU8(prefixLength).putU8(flags).putU8(scope).putU32(index);
    }

    public static Ifaddrmsg read(NetlinkMessage m) {
        m.requirePayload(LEN, "ifaddrmsg");
        var b = m.buffer();
        int at = m.payloadOffset();
        return new Ifaddrmsg(
                b.get(at) & 0xff, b.get(at + 1) & 0xff, b.get(at + 2) & 0xff, b.get(at + 3) & 0xff, b.getInt(at + 4));
    }

    /** The attributes after the header. */
    public static NetlinkAttributes attributes(NetlinkMessage m, int maxType) {
        return m.attributes(LEN, maxType);
    }
}
