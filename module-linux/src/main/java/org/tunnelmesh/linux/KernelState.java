package org.tunnelmesh.linux;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.linux.rtnetlink.Address;
import org.tunnelmesh.linux.rtnetlink.Link;
import org.tunnelmesh.linux.rtnetlink.Nexthop;
import org.tunnelmesh.linux.rtnetlink.Route;

/**
 * What the kernel holds at one moment, as far as the mesh cares. Lookups by device name, ifindex and
 * /32 address are indexed (built on first use): a reconcile asks them once per peer.
 */
final class KernelState {
    private final List<Link> links;
    private final List<Address> addresses;
    private final List<Route> routes;
    private final List<Nexthop> nexthops;
    private Map<String, Link> linksByName;
    private Map<Integer, Link> linksByIndex;
    /** ifindex << 32 | address, of every /32 address. */
    private Set<Long> hostAddresses;

    KernelState(List<Link> links, List<Address> addresses, List<Route> routes, List<Nexthop> nexthops) {
        this.links = links;
        this.addresses = addresses;
        this.routes = routes;
        this.nexthops = nexthops;
    }

    List<Link> links() {
        return links;
    }

    List<Address> addresses() {
        return addresses;
    }

    List<Route> routes() {
        return routes;
    }

    List<Nexthop> nexthops() {
        return nexthops;
    }

    Link link(String name) {
        if (linksByName == null) {
            linksByName = new HashMap<>();
            for (Link link : links) {
                linksByName.putIfAbsent(link.name(), link);
            }
        }
        return linksByName.get(name);
    }

    Link link(int ifindex) {
        if (linksByIndex == null) {
            linksByIndex = new HashMap<>();
            for (Link link : links) {
                linksByIndex.putIfAbsent(link.ifindex(), link);
            }
        }
        return linksByIndex.get(ifindex);
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
            if (r.oif() == ifindex
                    && r.protocol() != ourProtocol
                    && r.protocol() != org.tunnelmesh.linux.rtnetlink.Rtnetlink.RTPROT_KERNEL) {
                found.add("route " + r.destination() + " proto " + r.protocol()
                        + (r.table() == org.tunnelmesh.linux.rtnetlink.Rtnetlink.RT_TABLE_MAIN
                                ? ""
                                : " table " + r.table()));
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

    /** True when device {@code ifindex} has {@code address}/32. */
    boolean hasAddress(int ifindex, Ipv4Address address) {
        if (hostAddresses == null) {
            hostAddresses = new HashSet<>();
            for (Address a : addresses) {
                if (a.prefixLength() == 32) {
                    hostAddresses.add(key(a.ifindex(), a.address()));
                }
            }
        }
        return hostAddresses.contains(key(ifindex, address));
    }

    private static long key(int ifindex, Ipv4Address address) {
        return (long) ifindex << 32 | (address.bits() & 0xffffffffL);
    }
}
