package org.tunnelmesh.linux.rtnetlink;

import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.linux.netlink.NetlinkAttributes;
import org.tunnelmesh.linux.netlink.NetlinkMessage;

import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.*;

/**
 * Turns a request we sent back into the {@code ip} command a person would recognise, for error
 * messages. Reading our own bytes back costs nothing on the success path.
 */
public final class RequestDescriber {
    private RequestDescriber() {
    }

    public static String describe(byte[] request) {
        if (request == null) {
            return "netlink request";
        }
        try {
            NetlinkMessage m = NetlinkMessage.wrap(request);
            var b = m.buffer();
            int at = m.payloadOffset();
            return switch (m.type()) {
                case RTM_NEWLINK, RTM_DELLINK -> {
                    NetlinkAttributes a = m.attributes(IFINFOMSG_LEN, IFLA_MAX_PARSED);
                    int ifindex = b.getInt(at + 4);
                    String name = a.string(IFLA_IFNAME);
                    String device = name != null ? name : "ifindex " + ifindex;
                    if (m.type() == RTM_DELLINK) {
                        yield "ip link del " + device;
                    }
                    if (a.has(IFLA_LINKINFO)) {
                        NetlinkAttributes info = a.nested(IFLA_LINKINFO, IFLA_INFO_DATA);
                        NetlinkAttributes data = info.nested(IFLA_INFO_DATA, IFLA_IPTUN_MAX_PARSED);
                        String params = data == null ? "" : " local " + address(data.ipv4(IFLA_IPTUN_LOCAL, 0))
                                + " remote " + address(data.ipv4(IFLA_IPTUN_REMOTE, 0));
                        yield "ip link add " + device + " type " + info.string(IFLA_INFO_KIND) + params;
                    }
                    boolean up = (b.getInt(at + 8) & IFF_UP) != 0;
                    yield "ip link set " + device + (a.has(IFLA_MTU) ? " mtu " + a.u32(IFLA_MTU, 0) : "") + (up ? " up" : " down");
                }
                case RTM_NEWADDR, RTM_DELADDR -> {
                    NetlinkAttributes a = m.attributes(IFADDRMSG_LEN, IFA_MAX_PARSED);
                    yield "ip addr " + (m.type() == RTM_NEWADDR ? "add " : "del ") + address(a.ipv4(IFA_LOCAL, 0))
                            + "/" + (b.get(at + 1) & 0xff) + " dev ifindex " + b.getInt(at + 4);
                }
                case RTM_NEWROUTE, RTM_DELROUTE -> {
                    Route r = Route.parse(asNewRoute(request));
                    yield "ip route " + (m.type() == RTM_NEWROUTE ? "add " : "del ") + r.destination()
                            + (r.nexthopId() != 0 ? " nhid " + r.nexthopId() : "")
                            + (r.gateway().isAny() ? "" : " via " + r.gateway())
                            + (r.oif() != 0 ? " dev ifindex " + r.oif() : "")
                            + ((r.flags() & RTNH_F_ONLINK) != 0 ? " onlink" : "") + " proto " + r.protocol();
                }
                case RTM_NEWNEXTHOP, RTM_DELNEXTHOP -> {
                    NetlinkAttributes a = m.attributes(NHMSG_LEN, NHA_MAX_PARSED);
                    yield "ip nexthop " + (m.type() == RTM_NEWNEXTHOP ? "add" : "del") + " id " + a.u32(NHA_ID, 0)
                            + (a.has(NHA_GATEWAY) ? " via " + address(a.ipv4(NHA_GATEWAY, 0)) + " dev ifindex " + a.u32(NHA_OIF, 0) : "");
                }
                default -> "rtnetlink request type " + m.type();
            };
        } catch (RuntimeException e) {
            return "rtnetlink request (undecodable: " + e.getMessage() + ")";
        }
    }

    /** True for an RTM_NEWLINK of kind ipip with neither local nor remote: a second fallback device. */
    public static boolean isKeylessIpipLink(byte[] request) {
        if (request == null) {
            return false;
        }
        try {
            NetlinkMessage m = NetlinkMessage.wrap(request);
            if (m.type() != RTM_NEWLINK) {
                return false;
            }
            NetlinkAttributes info = m.attributes(IFINFOMSG_LEN, IFLA_MAX_PARSED).nested(IFLA_LINKINFO, IFLA_INFO_DATA);
            if (info == null || !"ipip".equals(info.string(IFLA_INFO_KIND))) {
                return false;
            }
            NetlinkAttributes data = info.nested(IFLA_INFO_DATA, IFLA_IPTUN_MAX_PARSED);
            return data == null || (data.ipv4(IFLA_IPTUN_LOCAL, 0) == 0 && data.ipv4(IFLA_IPTUN_REMOTE, 0) == 0);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static NetlinkMessage asNewRoute(byte[] request) {
        byte[] copy = request.clone();
        copy[4] = (byte) RTM_NEWROUTE; // Route.parse reads only RTM_NEWROUTE; the layout is the same
        copy[5] = 0;
        return NetlinkMessage.wrap(copy);
    }

    private static String address(int bits) {
        return new Ipv4Address(bits).toString();
    }
}
