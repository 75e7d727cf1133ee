package org.tunnelmesh.linux;

import java.util.List;
import org.tunnelmesh.linux.rtnetlink.Address;
import org.tunnelmesh.linux.rtnetlink.Link;
import org.tunnelmesh.linux.rtnetlink.Nexthop;
import org.tunnelmesh.linux.rtnetlink.Route;

/** What the kernel holds at one moment, as far as the mesh cares. */
record KernelState(List<Link> links, List<Address> addresses, List<Route> routes, List<Nexthop> nexthops) {

    Link link(String name) {
        for (Link link : links) {
            if (link.name().equals(name)) {
                return link;
            }
        }
        return null;
    }

    Link link(int ifindex) {
        for (Link link : links) {
            if (link.ifindex() == ifindex) {
                return link;
            }
        }
        return null;
    }

    boolean hasAddress(int ifindex, org.tunnelmesh.Ipv4Address address) {
        for (Address a : addresses) {
            if (a.ifindex() == ifindex && a.address().equals(address) && a.prefixLength() == 32) {
                return true;
            }
        }
        return false;
    }
}
