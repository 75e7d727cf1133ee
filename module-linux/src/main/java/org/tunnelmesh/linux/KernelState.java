package org.tunnelmesh.linux;

import java.util.ArrayList;
import java.util.List;
import org.tunnelmesh.Ipv4Address;
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

    /**
     * What others keep on device {@code ifindex}: routes and nexthops of other protocols, and
     * addresses other than our /32, described for a log line. Taking the device down, or removing
     * its last address, makes the kernel flush every route and nexthop through it
     * (fib_disable_ip), so a device with such users must be left alone. Routes the kernel makes
     * for an address (protocol kernel) come with the address and are not counted apart.
     */
    List<String> othersOn(int ifindex, int ourProtocol, Ipv4Address ourAddress) {
        List<String> found = othersRoutesOn(ifindex, ourProtocol);
        found.addAll(othersAddressesOn(ifindex, ourAddress));
        return found;
    }

    /** The routes and nexthops of {@link #othersOn}. */
    List<String> othersRoutesOn(int ifindex, int ourProtocol) {
        List<String> found = new ArrayList<>();
        for (Route r : routes) {
            if (r.oif() == ifindex && r.protocol() != ourProtocol && r.protocol() != org.tunnelmesh.linux.rtnetlink.Rtnetlink.RTPROT_KERNEL) {
                found.add("route " + r.destination() + " proto " + r.protocol()
                        + (r.table() == org.tunnelmesh.linux.rtnetlink.Rtnetlink.RT_TABLE_MAIN ? "" : " table " + r.table()));
            }
        }
        for (Nexthop nh : nexthops) {
            if (nh.oif() == ifindex && nh.protocol() != ourProtocol) {
                found.add("nexthop id " + nh.id() + " proto " + nh.protocol());
            }
        }
        return found;
    }

    /** The addresses of {@link #othersOn}. */
    List<String> othersAddressesOn(int ifindex, Ipv4Address ourAddress) {
        List<String> found = new ArrayList<>();
        for (Address a : addresses) {
            if (a.ifindex() == ifindex && !(a.address().equals(ourAddress) && a.prefixLength() == 32)) {
                found.add("address " + a.address() + "/" + a.prefixLength());
            }
        }
        return found;
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
