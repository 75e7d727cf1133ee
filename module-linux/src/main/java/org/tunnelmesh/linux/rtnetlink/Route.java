package org.tunnelmesh.linux.rtnetlink;

import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.*;

import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.linux.netlink.NetlinkAttributes;
import org.tunnelmesh.linux.netlink.NetlinkMessage;

/**
 * An IPv4 unicast route as we program and read it: destination, and either a gateway with an
 * output device (flags carries RTNH_F_ONLINK) or a nexthop object id.
 *
 * @param gateway {@link Ipv4Address#ANY} for a device route
 * @param nexthopId 0 when the route does not use a nexthop object
 */
public record Route(
        Ipv4Prefix destination,
        int table,
        int protocol,
        int scope,
        int type,
        int flags,
        Ipv4Address gateway,
        int oif,
        int nexthopId) {

    /** {@code dst via gateway dev oif onlink proto P} in the main table. */
    public static Route onlink(Ipv4Prefix destination, Ipv4Address gateway, int oif, int protocol) {
        return new Route(
                destination, RT_TABLE_MAIN, protocol, RT_SCOPE_UNIVERSE, RTN_UNICAST, RTNH_F_ONLINK, gateway, oif, 0);
    }

    /** {@code dst dev oif proto P scope link}: a point-to-point device needs no gateway. */
    public static Route device(Ipv4Prefix destination, int oif, int protocol) {
        return new Route(destination, RT_TABLE_MAIN, protocol, RT_SCOPE_LINK, RTN_UNICAST, 0, Ipv4Address.ANY, oif, 0);
    }

    /** {@code dst nhid N proto P}. */
    public static Route viaNexthop(Ipv4Prefix destination, int nexthopId, int protocol) {
        return new Route(
                destination, RT_TABLE_MAIN, protocol, RT_SCOPE_UNIVERSE, RTN_UNICAST, 0, Ipv4Address.ANY, 0, nexthopId);
    }

    /** Parses an IPv4 RTM_NEWROUTE; null for anything else. */
    public static Route parse(NetlinkMessage message) {
        if (message.type() != RTM_NEWROUTE) {
            return null;
        }
        Rtmsg h = Rtmsg.read(message);
        if (h.family() != AF_INET) {
            return null;
        }
        if ((h.flags() & RTM_F_CLONED) != 0) {
            return null; // a cached exception (PMTU, redirect), which dumps include unless strictly checked: not a
            // route
        }
        NetlinkAttributes attrs = Rtmsg.attributes(message, RTA_MAX_PARSED);
        int table = attrs.u32(RTA_TABLE, h.table());
        int dstLength = h.dstLength();
        if (dstLength > 32) {
            return null;
        }
        int dst = attrs.ipv4(RTA_DST, 0) & Ipv4Prefix.mask(dstLength);
        return new Route(
                new Ipv4Prefix(new Ipv4Address(dst), dstLength),
                table,
                h.protocol(),
                h.scope(),
                h.type(),
                h.flags(),
                new Ipv4Address(attrs.ipv4(RTA_GATEWAY, 0)),
                attrs.u32(RTA_OIF, 0),
                attrs.u32(RTA_NH_ID, 0));
    }

    /**
     * The gateways of a multipath route ({@code ip route add ... nexthop via A dev X nexthop via B dev Y}):
     * RTA_MULTIPATH holds one struct rtnexthop per path, each followed by its own attributes. Empty
     * for a route with one path (its gateway is {@link #gateway()}).
     */
    public static java.util.List<Gateway> multipathGateways(NetlinkMessage message) {
        NetlinkAttributes attrs = Rtmsg.attributes(message, RTA_MAX_PARSED);
        if (!attrs.has(RTA_MULTIPATH)) {
            return java.util.List.of();
        }
        java.nio.ByteBuffer b = attrs.buffer();
        int at = attrs.offset(RTA_MULTIPATH);
        int end = at + attrs.length(RTA_MULTIPATH);
        java.util.List<Gateway> gateways = new java.util.ArrayList<>();
        while (at + RTNH_LENGTH <= end) {
            int length = b.getShort(at) & 0xffff;
            if (length < RTNH_LENGTH || length > end - at) {
                throw new org.tunnelmesh.linux.netlink.MalformedMessageException("rtnexthop at offset " + at
                        + " claims length " + length + ", but " + (end - at) + " bytes remain");
            }
            int ifindex = b.getInt(at + 4);
            NetlinkAttributes path = NetlinkAttributes.parse(b, at + RTNH_LENGTH, at + length, RTA_MAX_PARSED);
            if (path.has(RTA_GATEWAY)) {
                gateways.add(new Gateway(new Ipv4Address(path.ipv4(RTA_GATEWAY, 0)), ifindex));
            }
            at += (length + 3) & ~3; // RTNH_ALIGN
        }
        return gateways;
    }

    /** One path of a multipath route: {@code nexthop via address dev oif}. */
    public record Gateway(Ipv4Address address, int oif) {}

    /** True when the kernel's route does what this desired one asks (ignoring kernel-set flags). */
    public boolean sameForwarding(Route other) {
        return destination.equals(other.destination)
                && table == other.table
                && protocol == other.protocol
                && type == other.type
                && nexthopId == other.nexthopId
                && (nexthopId != 0
                        || (gateway.equals(other.gateway)
                                && oif == other.oif
                                && (flags & RTNH_F_ONLINK) == (other.flags & RTNH_F_ONLINK)));
    }
}
