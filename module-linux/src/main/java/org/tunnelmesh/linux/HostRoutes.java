package org.tunnelmesh.linux;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntFunction;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;
import org.tunnelmesh.linux.rtnetlink.Route.Gateway;

/**
 * The paths this network namespace has without the mesh, which no peer subnet may take over: the
 * subnets it reaches on-link (routes without a gateway: the underlay's connected subnet, other
 * devices' subnets, device routes) and the gateways of its default routes. A peer subnet routed into
 * the tunnel over one of them would cut the node off from it - from the underlay and with it the
 * tunnel itself, from a ZooKeeper server on that segment, from everything behind the gateway.
 *
 * <p>The rule: a subnet may not overlap a subnet reached on-link, nor contain a default gateway. A
 * wide subnet (shorter than /{@value MeshConfig#NARROWEST_WIDE_PREFIX}, opted in) loses to every more
 * specific route, so it may contain an on-link subnet, but not lie inside one; it may not contain a
 * default gateway either (0.0.0.0/0 through a peer is for a namespace without a default route of its own).
 *
 * <p>Sorted arrays and binary searches: O(log m) per subnet, so 20,000 peers check in milliseconds
 * against any number of routes. Immutable.
 */
final class HostRoutes {
    /** A subnet reached on-link out of device {@code oif}. */
    record OnLink(Ipv4Prefix subnet, int oif) {}

    /** A peer subnet that would take over a path: {@code onLink} or {@code gateway} says which. */
    record Conflict(Peer peer, Ipv4Prefix subnet, OnLink onLink, Gateway gateway) {
        /** The refusal, naming the peer, its subnet, what it overlaps, the device, and what to do. */
        String describe(IntFunction<String> deviceName, int underlayIfindex) {
            if (onLink != null) {
                return "peer '" + peer.name() + "': subnet " + subnet + " overlaps " + onLink.subnet()
                        + ", which this node reaches on-link on " + device(onLink.oif(), deviceName, underlayIfindex)
                        + ": routed into the tunnel, it would cut this node off from it; a peer's subnets must lie"
                        + " outside the networks this node reaches directly";
            }
            return "peer '" + peer.name() + "': subnet " + subnet + " contains " + gateway.address()
                    + ", the gateway of this node's default route (on "
                    + device(gateway.oif(), deviceName, underlayIfindex)
                    + "): routed into the tunnel, it would cut this node off from everything behind that gateway;"
                    + " a peer's subnets must not contain it";
        }

        private static String device(int oif, IntFunction<String> deviceName, int underlayIfindex) {
            String name = oif == 0 ? null : deviceName.apply(oif);
            String shown = name != null ? name : oif == 0 ? "its nexthops" : "ifindex " + oif;
            return oif != 0 && oif == underlayIfindex ? shown + " (the underlay)" : shown;
        }
    }

    static final HostRoutes NONE = new HostRoutes(List.of(), List.of());

    /** Sorted by network, wider first. */
    private final OnLink[] onLink;
    /** furthest[i]: the index among onLink[0..i] of the subnet that reaches furthest. */
    private final int[] furthest;
    /** The gateways of the default routes (oif 0 when not known), sorted by address, unsigned. */
    private final Gateway[] gateways;

    HostRoutes(Collection<OnLink> onLink, Collection<Gateway> gateways) {
        this.onLink = onLink.toArray(new OnLink[0]);
        Arrays.sort(
                this.onLink,
                Comparator.comparingLong((OnLink o) -> start(o.subnet()))
                        .thenComparingInt(o -> o.subnet().length()));
        this.furthest = new int[this.onLink.length];
        for (int i = 0; i < this.onLink.length; i++) {
            furthest[i] = i > 0 && end(this.onLink[furthest[i - 1]].subnet()) >= end(this.onLink[i].subnet())
                    ? furthest[i - 1]
                    : i;
        }
        this.gateways = gateways.toArray(new Gateway[0]);
        Arrays.sort(
                this.gateways,
                Comparator.comparingLong(g -> Integer.toUnsignedLong(g.address().bits())));
    }

    List<OnLink> onLink() {
        return List.of(onLink);
    }

    List<Gateway> gateways() {
        return List.of(gateways);
    }

    /** The first subnet of {@code peers} that takes over a path, or null when none does. */
    Conflict firstConflict(Collection<Peer> peers) {
        if (onLink.length == 0 && gateways.length == 0) {
            return null;
        }
        for (Peer peer : peers) {
            for (Ipv4Prefix subnet : peer.subnets()) {
                Conflict conflict = conflict(peer, subnet);
                if (conflict != null) {
                    return conflict;
                }
            }
        }
        return null;
    }

    Conflict conflict(Peer peer, Ipv4Prefix subnet) {
        OnLink over = subnet.length() < MeshConfig.NARROWEST_WIDE_PREFIX ? around(subnet) : overlapping(subnet);
        if (over != null) {
            return new Conflict(peer, subnet, over, null);
        }
        Gateway gateway = gatewayIn(subnet);
        return gateway == null ? null : new Conflict(peer, subnet, null, gateway);
    }

    /** An on-link subnet that overlaps {@code subnet}: one that starts inside it, or one before it that reaches into it. */
    private OnLink overlapping(Ipv4Prefix subnet) {
        int first = firstStartingAtOrAfter(start(subnet));
        if (first < onLink.length && start(onLink[first].subnet()) <= end(subnet)) {
            return onLink[first];
        }
        if (first > 0 && end(onLink[furthest[first - 1]].subnet()) >= start(subnet)) {
            return onLink[furthest[first - 1]];
        }
        return null;
    }

    /** An on-link subnet that holds all of a wide {@code subnet} (so the wide one would win for part of it). Wide subnets are few. */
    private OnLink around(Ipv4Prefix subnet) {
        for (OnLink o : onLink) {
            if (o.subnet().length() <= subnet.length() && o.subnet().overlaps(subnet)) {
                return o;
            }
        }
        return null;
    }

    private Gateway gatewayIn(Ipv4Prefix subnet) {
        int lo = 0;
        int hi = gateways.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Integer.toUnsignedLong(gateways[mid].address().bits()) < start(subnet)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo < gateways.length
                        && Integer.toUnsignedLong(gateways[lo].address().bits()) <= end(subnet)
                ? gateways[lo]
                : null;
    }

    private int firstStartingAtOrAfter(long start) {
        int lo = 0;
        int hi = onLink.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (start(onLink[mid].subnet()) < start) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static long start(Ipv4Prefix p) {
        return Integer.toUnsignedLong(p.network().bits());
    }

    private static long end(Ipv4Prefix p) {
        return start(p) + (1L << (32 - p.length())) - 1;
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (OnLink o : onLink) {
            parts.add(o.subnet() + " dev " + o.oif());
        }
        for (Gateway g : gateways) {
            parts.add("default via " + g.address() + " dev " + g.oif());
        }
        return parts.toString();
    }
}
