package org.tunnelmesh.linux.rtnetlink;

import org.tunnelmesh.linux.netlink.NetlinkAttributes;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

/** struct nhmsg (linux/nexthop.h), the fixed header of nexthop messages: written and read here only. */
public record Nhmsg(int family, int scope, int protocol, int flags) {
    public static final int LEN = 8;

    public void write(NetlinkMessageBuilder b) {
        b.putU8(family).putU8(scope).putU8(protocol).putU8(0).putU32(flags);
    }

    public static Nhmsg read(NetlinkMessage m) {
        m.requirePayload(LEN, "nhmsg");
        var b = m.buffer();
        int at = m.payloadOffset();
        return new Nhmsg(b.get(at) & 0xff, b.get(at + 1) & 0xff, b.get(at + 2) & 0xff, b.getInt(at + 4));
    }

    /** The attributes after the header. */
    public static NetlinkAttributes attributes(NetlinkMessage m, int maxType) {
        return m.attributes(LEN, maxType);
    }
}
