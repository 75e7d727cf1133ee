package org.tunnelmesh.linux.rtnetlink;

import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.*;

import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.LinkCounters;
import org.tunnelmesh.linux.netlink.MalformedMessageException;
import org.tunnelmesh.linux.netlink.NetlinkAttributes;
import org.tunnelmesh.linux.netlink.NetlinkMessage;

/**
 * A network device as an RTM_NEWLINK message describes it.
 *
 * @param kind     IFLA_INFO_KIND ("ipip", "veth", ...), or null
 * @param ipip     the tunnel parameters when kind is ipip, else null
 * @param counters IFLA_STATS64, or null when the dump skipped stats
 */
public record Link(
        int ifindex, String name, int flags, int mtu, String kind, IpipParameters ipip, LinkCounters counters) {

    public boolean up() {
        return (flags & IFF_UP) != 0;
    }

    /** Parses an RTM_NEWLINK; returns null for other message types. */
    public static Link parse(NetlinkMessage message) {
        if (message.type() != RTM_NEWLINK) {
            return null;
        }
        Ifinfomsg h = Ifinfomsg.read(message);
        int ifindex = h.index();
        int flags = h.flags();
        NetlinkAttributes attrs = Ifinfomsg.attributes(message, IFLA_MAX_PARSED);
        String name = attrs.string(IFLA_IFNAME);
        if (name == null) {
            throw new MalformedMessageException("link " + ifindex + " has no IFLA_IFNAME");
        }
        String kind = null;
        IpipParameters ipip = null;
        NetlinkAttributes info = attrs.nested(IFLA_LINKINFO, IFLA_INFO_DATA);
        if (info != null) {
            kind = info.string(IFLA_INFO_KIND);
            NetlinkAttributes data = info.nested(IFLA_INFO_DATA, IFLA_IPTUN_MAX_PARSED);
            if ("ipip".equals(kind) && data != null) {
                ipip = new IpipParameters(
                        data.u32(IFLA_IPTUN_LINK, 0),
                        new Ipv4Address(data.ipv4(IFLA_IPTUN_LOCAL, 0)),
                        new Ipv4Address(data.ipv4(IFLA_IPTUN_REMOTE, 0)),
                        data.u8(IFLA_IPTUN_TTL, 0),
                        data.u8(IFLA_IPTUN_TOS, 0),
                        data.u8(IFLA_IPTUN_PMTUDISC, 0) != 0,
                        new TunnelEncap(
                                data.u16(IFLA_IPTUN_ENCAP_TYPE, 0),
                                data.u16(IFLA_IPTUN_ENCAP_FLAGS, 0),
                                be16(data, IFLA_IPTUN_ENCAP_SPORT),
                                be16(data, IFLA_IPTUN_ENCAP_DPORT)));
            }
        }
        return new Link(ifindex, name, flags, attrs.u32(IFLA_MTU, 0), kind, ipip, parseStats64(attrs));
    }

    /** A port attribute (network order), 0 when absent. */
    private static int be16(NetlinkAttributes data, int type) {
        int raw = data.u16(type, 0);
        return java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.BIG_ENDIAN
                ? raw
                : Short.toUnsignedInt(Short.reverseBytes((short) raw));
    }

    /**
     * struct rtnl_link_stats64 has grown over the years (and may again): read only the fields the
     * attribute's length actually covers, each by its fixed offset.
     */
    static LinkCounters parseStats64(NetlinkAttributes attrs) {
        int length = attrs.length(IFLA_STATS64);
        if (length < 0) {
            return null;
        }
        var b = attrs.buffer();
        int at = attrs.offset(IFLA_STATS64);
        long[] v = new long[8];
        // rx_packets, tx_packets, rx_bytes, tx_bytes, rx_errors, tx_errors, rx_dropped, tx_dropped
        for (int i = 0; i < v.length && (i + 1) * 8 <= length; i++) {
            v[i] = b.getLong(at + i * 8);
        }
        return new LinkCounters(v[0], v[2], v[4], v[6], v[1], v[3], v[5], v[7]);
    }
}
