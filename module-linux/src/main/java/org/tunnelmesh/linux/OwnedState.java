package org.tunnelmesh.linux;

import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.RT_TABLE_MAIN;
import static org.tunnelmesh.linux.rtnetlink.RtnetlinkRequests.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.Peer;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;
import org.tunnelmesh.linux.rtnetlink.Link;
import org.tunnelmesh.linux.rtnetlink.Nexthop;
import org.tunnelmesh.linux.rtnetlink.Route;

/**
 * The routes and nexthops the mesh owns in one kernel snapshot, indexed, and the one reconcile diff
 * both topologies use: say what is wanted ({@link #wantNexthop}, {@link #wantRoute}), then
 * {@link #deleteUnwanted} removes what is left. Each wanted object costs O(1), so a reconcile with
 * nothing to repair is one dump plus a pass over the peers.
 *
 * <p>What is ours, in one place: a device of kind ipip named {@code tm-...} with local = our underlay
 * (a POINT_TO_POINT device); {@code tm0}, kind ipip, local = our underlay, no remote (the shared device of a
 * SHARED mesh with FOU or GUE); a nexthop of our protocol on tunl0 or tm0; a route of our protocol in the main
 * table through tunl0, one of our devices, or one of our nexthops. Either topology owns what the
 * other left (a mesh switched from one mode to the other): the mesh lock rules out another mesh with
 * our protocol in this namespace.
 */
final class OwnedState {
    private final MeshContext ctx;
    /** The device a SHARED mesh routes through now (tunl0, or tm0 with encapsulation): its nexthops are adoptable. */
    private final int sharedDevice;
    /** Our routes by destination; what is still here at the end is unwanted. */
    private final Map<Ipv4Prefix, Route> routes;
    /** Our nexthops that point the way a peer's should, by gateway: adoptable. */
    private final Map<Ipv4Address, Integer> nexthopsByGateway;
    /** Our nexthops in the order the kernel listed them; those not adopted are unwanted. */
    private final List<Integer> nexthops;

    private final Set<Integer> adopted;

    /** A device of ours: ipip, named tm-..., local = our underlay. */
    static boolean isOurDevice(Link link, MeshContext ctx) {
        return DeviceNames.looksOwned(link.name())
                && link.ipip() != null
                && link.ipip().local().equals(ctx.config.underlay());
    }

    /** tm0 of ours: ipip, local = our underlay, no remote. */
    static boolean isOurSharedDevice(Link link, MeshContext ctx) {
        return DeviceNames.ENCAPSULATED_SHARED.equals(link.name())
                && link.ipip() != null
                && link.ipip().local().equals(ctx.config.underlay())
                && link.ipip().remote().equals(Ipv4Address.ANY);
    }

    /** Indexes what of {@code state} is ours, for a mesh whose shared device (if any) is tunl0. */
    OwnedState(KernelState state, MeshContext ctx) {
        this(state, ctx, -1);
    }

    /**
     * Indexes what of {@code state} is ours; tunl0 and tm0 are found by name.
     *
     * @param sharedDevice the ifindex SHARED routes go through now (0: none yet), or -1 for tunl0's
     */
    OwnedState(KernelState state, MeshContext ctx, int sharedDevice) {
        this.ctx = ctx;
        // sized for the dump up front: a reconcile of 20,000 peers should not rehash on the way
        this.routes = new LinkedHashMap<>(state.routes().size() * 2);
        this.nexthopsByGateway = new HashMap<>(state.nexthops().size() * 2);
        this.nexthops = new ArrayList<>(state.nexthops().size());
        this.adopted = new HashSet<>(state.nexthops().size() * 2);
        Link fallback = state.link(DeviceNames.FALLBACK);
        int tunl0 = fallback == null ? 0 : fallback.ifindex();
        this.sharedDevice = sharedDevice == -1 ? tunl0 : sharedDevice;
        Set<Integer> devices = new HashSet<>();
        if (tunl0 != 0) {
            devices.add(tunl0);
        }
        Set<Integer> nexthopDevices = new HashSet<>(devices);
        for (Link link : state.links()) {
            if (isOurDevice(link, ctx)) {
                devices.add(link.ifindex());
            } else if (isOurSharedDevice(link, ctx)) {
                devices.add(link.ifindex());
                nexthopDevices.add(link.ifindex());
            }
        }
        for (Nexthop nh : state.nexthops()) {
            if (nexthopDevices.contains(nh.oif()) && nh.protocol() == ctx.protocol()) {
                nexthops.add(nh.id());
                if (nh.oif() == this.sharedDevice
                        && nh.sameForwarding(
                                Nexthop.onlink(nh.id(), nh.gateway(), this.sharedDevice, ctx.protocol()))) {
                    nexthopsByGateway.putIfAbsent(nh.gateway(), nh.id());
                }
            }
        }
        Set<Integer> nexthopIds = new HashSet<>(nexthops); // sized by HashSet(Collection)
        for (Route r : state.routes()) {
            if (r.protocol() == ctx.protocol()
                    && r.table() == RT_TABLE_MAIN
                    && (devices.contains(r.oif()) || (r.nexthopId() != 0 && nexthopIds.contains(r.nexthopId())))) {
                routes.put(r.destination(), r);
            }
        }
    }

    /** Our nexthop ids in the snapshot. */
    List<Integer> nexthops() {
        return nexthops;
    }

    /**
     * The nexthop for a peer's underlay: ours when one already points there onlink through the shared device
     * (adopted), else a new one written to {@code batch} with an id from {@code newId}.
     */
    int wantNexthop(NetlinkMessageBuilder batch, Ipv4Address gateway, IntSupplier newId) {
        Integer id = nexthopsByGateway.remove(gateway);
        if (id == null) {
            id = newId.getAsInt();
            newNexthop(batch, CREATE, Nexthop.onlink(id, gateway, sharedDevice, ctx.protocol()));
        } else {
            adopted.add(id);
        }
        return id;
    }

    /** Writes {@code desired} unless ours already does the same: created when missing, replaced when it differs. */
    void wantRoute(NetlinkMessageBuilder batch, Route desired) {
        Route existing = routes.remove(desired.destination());
        if (existing == null) {
            newRoute(batch, CREATE, desired);
        } else if (!existing.sameForwarding(desired)) {
            newRoute(batch, CREATE_OR_REPLACE, desired);
        }
    }

    /**
     * Leaves {@code peer}'s routes and its nexthop (if one points the way a peer's should) as they are: neither wanted
     * nor deleted. For a peer the mesh added or removed after this snapshot was read.
     */
    void leaveAlone(Peer peer) {
        for (Ipv4Prefix subnet : peer.subnets()) {
            routes.remove(subnet);
        }
        Integer id = nexthopsByGateway.remove(peer.underlay());
        if (id != null) {
            adopted.add(id);
        }
    }

    /**
     * Deletes our routes and nexthops nobody asked for: routes first, then nexthops (deleting a
     * nexthop would take its routes with it, and a replaced route may still point at an old one
     * until its request is handled). Routes through {@code goneDevices} are skipped: deleting a
     * device takes its routes along.
     */
    void deleteUnwanted(NetlinkMessageBuilder batch, Set<Integer> goneDevices) {
        for (Route stale : routes.values()) {
            if (!goneDevices.contains(stale.oif())) {
                deleteRoute(batch, stale);
            }
        }
        for (int id : nexthops) {
            if (!adopted.contains(id)) {
                deleteNexthop(batch, id);
            }
        }
    }
}
