package org.tunnelmesh.linux.rtnetlink;

import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.linux.netlink.NetlinkRequest;

/**
 * What an rtnetlink request asks, as {@link RtnetlinkRequests} wrote it: kept with the batch, so a
 * failure reads as the {@code ip} command a person would recognise.
 */
public sealed interface RtnetlinkRequest extends NetlinkRequest {

    /** {@code ip link add NAME type ipip local L remote R}. */
    record NewIpipLink(String name, IpipParameters parameters) implements RtnetlinkRequest {
        @Override
        public String command() {
            return "ip link add " + name + " type ipip local " + parameters.local() + " remote " + parameters.remote()
                    + parameters.encap().arguments();
        }

        /** True when the device would carry FOU or GUE encapsulation. */
        public boolean encapsulated() {
            return parameters.encap().encapsulates();
        }

        /** Neither local nor remote: a second fallback device, which the kernel refuses (EEXIST). */
        public boolean keyless() {
            return parameters.local().isAny() && parameters.remote().isAny();
        }
    }

    /** {@code ip link set ifindex N [mtu M] up|down}; {@code mtu} 0 leaves it alone. */
    record SetLink(int ifindex, int mtu, boolean up) implements RtnetlinkRequest {
        @Override
        public String command() {
            return "ip link set ifindex " + ifindex + (mtu > 0 ? " mtu " + mtu : "") + (up ? " up" : " down");
        }
    }

    /** {@code ip link del NAME}, or by ifindex when {@code name} is null. */
    record DeleteLink(int ifindex, String name) implements RtnetlinkRequest {
        @Override
        public String command() {
            return "ip link del " + (name != null ? name : "ifindex " + ifindex);
        }
    }

    /** {@code ip addr add|del ADDRESS/LEN dev ifindex N}. */
    record AddressChange(boolean add, int ifindex, Ipv4Address address, int prefixLength) implements RtnetlinkRequest {
        @Override
        public String command() {
            return "ip addr " + (add ? "add " : "del ") + address + "/" + prefixLength + " dev ifindex " + ifindex;
        }
    }

    /** {@code ip route add|del ...} of the route as sent (a delete: destination and protocol only). */
    record RouteChange(boolean add, Route route) implements RtnetlinkRequest {
        @Override
        public String command() {
            Route r = route;
            return "ip route " + (add ? "add " : "del ") + r.destination()
                    + (r.nexthopId() != 0 ? " nhid " + r.nexthopId() : "")
                    + (r.gateway().isAny() ? "" : " via " + r.gateway())
                    + (r.oif() != 0 ? " dev ifindex " + r.oif() : "")
                    + ((r.flags() & Rtnetlink.RTNH_F_ONLINK) != 0 ? " onlink" : "") + " proto " + r.protocol();
        }
    }

    /** {@code ip nexthop add id N via GW dev ifindex OIF}. */
    record NewNexthop(Nexthop nexthop) implements RtnetlinkRequest {
        @Override
        public String command() {
            return "ip nexthop add id " + nexthop.id() + " via " + nexthop.gateway() + " dev ifindex " + nexthop.oif();
        }
    }

    /** {@code ip nexthop del id N}. */
    record DeleteNexthop(int id) implements RtnetlinkRequest {
        @Override
        public String command() {
            return "ip nexthop del id " + id;
        }
    }

    /** A dump, e.g. {@code ip route show}. */
    record Dump(String command) implements RtnetlinkRequest {}
}
