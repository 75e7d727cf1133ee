package org.tunnelmesh.linux.rtnetlink;

import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.*;

import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.linux.netlink.NetlinkAttributes;
import org.tunnelmesh.linux.netlink.NetlinkMessage;

/** A nexthop object (kernel 5.3+): {@code id N via gateway dev oif onlink proto P}. */
public record Nexthop(int id, Ipv4Address gateway, int oif, int flags, int protocol) {

    public static Nexthop onlink(int id, Ipv4Address gateway, int oif, int protocol) {
        return new Nexthop(id, gateway, oif, RTNH_F_ONLINK, protocol);
    }

    /** Parses an RTM_NEWNEXTHOP for a single IPv4 gateway; null for groups, blackholes and others. */
    public static Nexthop parse(NetlinkMessage message) {
        if (message.type() != RTM_NEWNEXTHOP) {
            return null;
        }
        Nhmsg h = Nhmsg.read(message);
        int protocol = h.protocol();
        int flags = h.flags();
        NetlinkAttributes attrs = Nhmsg.attributes(message, NHA_MAX_PARSED);
        if (!attrs.has(NHA_ID)) {
            return null;
        }
        return new Nexthop(
                attrs.u32(NHA_ID, 0),
                new Ipv4Address(attrs.ipv4(NHA_GATEWAY, 0)),
                attrs.u32(NHA_OIF, 0),
                flags,
                protocol);
    }

    public boolean sameForwarding(Nexthop other) {
        return id == other.id
                && gateway.equals(other.gateway)
                && oif == other.oif
                && protocol == other.protocol
                && (flags & RTNH_F_ONLINK) == (other.flags & RTNH_F_ONLINK);
    }
}
