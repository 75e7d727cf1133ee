package org.tunnelmesh.linux.rtnetlink;

import static org.tunnelmesh.linux.netlink.Netlink.*;
import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.*;

import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

/**
 * Writes rtnetlink requests into a batch. Field and attribute order follow what iproute2 sends for
 * the same command, so the bytes can be compared with a capture of {@code ip} (see the tests).
 */
public final class RtnetlinkRequests {
    public static final int CREATE = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    public static final int CREATE_OR_REPLACE = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
    public static final int CHANGE = NLM_F_REQUEST | NLM_F_ACK;
    public static final int DUMP = NLM_F_REQUEST | NLM_F_DUMP;

    private RtnetlinkRequests() {}

    /**
     * {@code ip link add NAME [mtu M] type ipip local L remote R ttl T dev LINK mode ipip} (newlink zeroes unsent
     * parameters). Attribute order is iproute2 6.1's: IFLA_MTU while it reads the arguments, IFLA_IFNAME after,
     * then the tunnel parameters in link_iptnl's order. PROTO is IPPROTO_IPIP ({@code mode ipip}, the kernel's
     * own default and tunl0's) where plain {@code ip} sends 0 ("any", which would also take MPLS-in-IP).
     */
    public static int newIpipLink(NetlinkMessageBuilder b, int flags, String name, int mtu, IpipParameters p) {
        int seq = b.begin(RTM_NEWLINK, flags, new RtnetlinkRequest.NewIpipLink(name, p));
        Ifinfomsg.of(0, 0, 0).write(b);
        if (mtu > 0) {
            b.attrU32(IFLA_MTU, mtu);
        }
        b.attrString(IFLA_IFNAME, name);
        b.beginNested(IFLA_LINKINFO);
        b.attrStringNoNul(IFLA_INFO_KIND, "ipip");
        b.beginNested(IFLA_INFO_DATA);
        b.attrU8(IFLA_IPTUN_PROTO, IPPROTO_IPIP);
        b.attrIpv4(IFLA_IPTUN_LOCAL, p.local().bits());
        b.attrIpv4(IFLA_IPTUN_REMOTE, p.remote().bits());
        b.attrU8(IFLA_IPTUN_PMTUDISC, p.pmtuDiscovery() ? 1 : 0);
        b.attrU8(IFLA_IPTUN_TOS, p.tos());
        b.attrU8(IFLA_IPTUN_TTL, p.ttl());
        b.attrU32(IFLA_IPTUN_LINK, p.link());
        b.attrU32(IFLA_IPTUN_FWMARK, 0);
        b.attrU16(IFLA_IPTUN_ENCAP_TYPE, p.encap().type());
        b.attrU16(IFLA_IPTUN_ENCAP_FLAGS, p.encap().flags());
        b.attrBe16(IFLA_IPTUN_ENCAP_SPORT, p.encap().sourcePort());
        b.attrBe16(IFLA_IPTUN_ENCAP_DPORT, p.encap().destinationPort());
        b.endNested();
        b.endNested();
        b.end();
        return seq;
    }

    /**
     * {@code ip link set dev IFINDEX [mtu M] up|down}. Only generic link attributes: the kernel
     * accepts these even for tunl0, whose tunnel parameters cannot be changed.
     *
     * @param mtu 0 to leave the MTU alone
     */
    public static int setLink(NetlinkMessageBuilder b, int ifindex, int mtu, boolean up) {
        int seq = b.begin(RTM_NEWLINK, CHANGE, new RtnetlinkRequest.SetLink(ifindex, mtu, up));
        Ifinfomsg.of(ifindex, up ? IFF_UP : 0, IFF_UP).write(b);
        if (mtu > 0) {
            b.attrU32(IFLA_MTU, mtu);
        }
        b.end();
        return seq;
    }

    public static int deleteLink(NetlinkMessageBuilder b, int ifindex) {
        int seq = b.begin(RTM_DELLINK, CHANGE, new RtnetlinkRequest.DeleteLink(ifindex, null));
        Ifinfomsg.of(ifindex, 0, 0).write(b);
        b.end();
        return seq;
    }

    /** {@code ip addr add ADDRESS/LEN dev IFINDEX}. */
    public static int newAddress(
            NetlinkMessageBuilder b, int flags, int ifindex, Ipv4Address address, int prefixLength) {
        return address(b, RTM_NEWADDR, flags, ifindex, address, prefixLength);
    }

    public static int deleteAddress(NetlinkMessageBuilder b, int ifindex, Ipv4Address address, int prefixLength) {
        return address(b, RTM_DELADDR, CHANGE, ifindex, address, prefixLength);
    }

    private static int address(
            NetlinkMessageBuilder b, int type, int flags, int ifindex, Ipv4Address address, int prefixLength) {
        int seq = b.begin(
                type, flags, new RtnetlinkRequest.AddressChange(type == RTM_NEWADDR, ifindex, address, prefixLength));
        new Ifaddrmsg(AF_INET, prefixLength, 0, 0, ifindex).write(b);
        b.attrIpv4(IFA_LOCAL, address.bits());
        b.attrIpv4(IFA_ADDRESS, address.bits());
        b.end();
        return seq;
    }

    /** {@code ip route add DST (via GW dev OIF onlink | dev OIF | nhid N) proto P}. */
    public static int newRoute(NetlinkMessageBuilder b, int flags, Route route) {
        return route(b, RTM_NEWROUTE, flags, route);
    }

    /**
     * Deletes the route to {@code route}'s destination that carries its protocol, whatever its
     * nexthop: scope RT_SCOPE_NOWHERE and no gateway or device mean "any", as in iproute2.
     */
    public static int deleteRoute(NetlinkMessageBuilder b, Route route) {
        Route any = new Route(
                route.destination(),
                route.table(),
                route.protocol(),
                RT_SCOPE_NOWHERE,
                route.type(),
                0,
                Ipv4Address.ANY,
                0,
                0);
        return route(b, RTM_DELROUTE, CHANGE, any);
    }

    /** {@code ip link del NAME}: the kernel looks the device up by IFLA_IFNAME when ifindex is 0. */
    public static int deleteLink(NetlinkMessageBuilder b, String name) {
        int seq = b.begin(RTM_DELLINK, CHANGE, new RtnetlinkRequest.DeleteLink(0, name));
        Ifinfomsg.of(0, 0, 0).write(b);
        b.attrString(IFLA_IFNAME, name);
        b.end();
        return seq;
    }

    private static int route(NetlinkMessageBuilder b, int type, int flags, Route r) {
        int seq = b.begin(type, flags, new RtnetlinkRequest.RouteChange(type == RTM_NEWROUTE, r));
        new Rtmsg(
                        AF_INET,
                        r.destination().length(),
                        0,
                        0,
                        r.table() < 256 ? r.table() : 0,
                        r.protocol(),
                        r.scope(),
                        r.type(),
                        r.flags())
                .write(b);
        b.attrIpv4(RTA_DST, r.destination().network().bits());
        if (r.nexthopId() != 0) {
            b.attrU32(RTA_NH_ID, r.nexthopId());
        } else {
            if (!r.gateway().isAny()) {
                b.attrIpv4(RTA_GATEWAY, r.gateway().bits());
            }
            if (r.oif() != 0) {
                b.attrU32(RTA_OIF, r.oif());
            }
        }
        if (r.table() >= 256) {
            b.attrU32(RTA_TABLE, r.table());
        }
        b.end();
        return seq;
    }

    /** {@code ip nexthop add id N via GW dev OIF onlink proto P}. */
    public static int newNexthop(NetlinkMessageBuilder b, int flags, Nexthop nh) {
        int seq = b.begin(RTM_NEWNEXTHOP, flags, new RtnetlinkRequest.NewNexthop(nh));
        new Nhmsg(AF_INET, RT_SCOPE_UNIVERSE, nh.protocol(), nh.flags()).write(b);
        b.attrU32(NHA_ID, nh.id());
        b.attrIpv4(NHA_GATEWAY, nh.gateway().bits());
        b.attrU32(NHA_OIF, nh.oif());
        b.end();
        return seq;
    }

    public static int deleteNexthop(NetlinkMessageBuilder b, int id) {
        int seq = b.begin(RTM_DELNEXTHOP, CHANGE, new RtnetlinkRequest.DeleteNexthop(id));
        new Nhmsg(AF_UNSPEC, 0, 0, 0).write(b);
        b.attrU32(NHA_ID, id);
        b.end();
        return seq;
    }

    /**
     * {@code ip link show NAME}: one link by name, not a dump (the kernel answers with the link and,
     * asked for it, an ack). What a single new device costs to find, however many devices exist.
     */
    public static void getLink(NetlinkMessageBuilder b, String name) {
        b.begin(RTM_GETLINK, CHANGE, new RtnetlinkRequest.Dump("ip link show " + name));
        Ifinfomsg.of(0, 0, 0).write(b);
        b.attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        b.attrString(IFLA_IFNAME, name);
        b.end();
    }

    /** All links; {@code withStats} false asks the kernel to leave out the counters (cheaper). */
    public static void dumpLinks(NetlinkMessageBuilder b, boolean withStats) {
        b.begin(RTM_GETLINK, DUMP, new RtnetlinkRequest.Dump("ip link show"));
        Ifinfomsg.of(0, 0, 0).write(b);
        if (!withStats) {
            b.attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        }
        b.end();
    }

    /**
     * Links of one kind only, with counters: with NETLINK_GET_STRICT_CHK on (kernel 5.0+) the
     * kernel itself skips the other kinds, so a host with many devices answers with only ours.
     */
    public static void dumpLinksOfKind(NetlinkMessageBuilder b, String kind) {
        b.begin(RTM_GETLINK, DUMP, new RtnetlinkRequest.Dump("ip link show type " + kind));
        Ifinfomsg.of(0, 0, 0).write(b);
        b.beginNested(IFLA_LINKINFO);
        b.attrStringNoNul(IFLA_INFO_KIND, kind);
        b.endNested();
        b.end();
    }

    public static void dumpAddresses(NetlinkMessageBuilder b) {
        b.begin(RTM_GETADDR, DUMP, new RtnetlinkRequest.Dump("ip -4 addr show"));
        new Ifaddrmsg(AF_INET, 0, 0, 0, 0).write(b);
        b.end();
    }

    public static void dumpRoutes(NetlinkMessageBuilder b) {
        b.begin(RTM_GETROUTE, DUMP, new RtnetlinkRequest.Dump("ip -4 route show table all"));
        new Rtmsg(AF_INET, 0, 0, 0, 0, 0, 0, 0, 0).write(b);
        b.end();
    }

    public static void dumpNexthops(NetlinkMessageBuilder b) {
        b.begin(RTM_GETNEXTHOP, DUMP, new RtnetlinkRequest.Dump("ip nexthop show"));
        new Nhmsg(AF_UNSPEC, 0, 0, 0).write(b);
        b.end();
    }
}
