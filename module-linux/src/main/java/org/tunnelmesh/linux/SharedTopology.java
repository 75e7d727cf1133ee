package org.tunnelmesh.linux;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.HashSet;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.KernelSupportException;
import org.tunnelmesh.Peer;
import org.tunnelmesh.linux.netlink.BatchOutcome;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;
import org.tunnelmesh.linux.rtnetlink.KernelErrors;
import org.tunnelmesh.linux.rtnetlink.Link;
import org.tunnelmesh.linux.rtnetlink.Nexthop;
import org.tunnelmesh.linux.rtnetlink.Route;

import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.RT_TABLE_MAIN;
import static org.tunnelmesh.linux.rtnetlink.RtnetlinkRequests.*;

/**
 * The seed's one-to-many shape: the fallback device tunl0 up with the tunnel MTU and our /32, and
 * per peer subnet a route via the peer's underlay address, onlink. Where the kernel has nexthop
 * objects (5.3+), each peer gets one and its routes point at it: the classic "via" path costs
 * O(n^2) for n gateways on one device (the fib_info hash ignores the gateway), nexthops do not.
 *
 * <p>tunl0 may have other users (another IPIP setup, an operator's static routes): the mesh owns
 * only routes and nexthops of its protocol on tunl0, and does not change tunl0's MTU, nor take it
 * down, while others' routes use it.
 */
final class SharedTopology implements Topology {
    static final String FALLBACK_DEVICE = org.tunnelmesh.TunnelDevice.SHARED_NAME;
    private static final Logger log = LogManager.getLogger(SharedTopology.class);

    private final MeshContext ctx;
    private final int tunl0;
    private final boolean nexthops;
    /** Nexthop id per peer underlay, while the peer exists. */
    private final Map<Ipv4Address, Integer> nexthopIds = new HashMap<>();
    private int nextNexthopId;
    /** The last "tunl0 is shared" warning, so a reconcile after every event does not repeat it. */
    private String sharedWarning;

    private SharedTopology(MeshContext ctx, int tunl0, boolean nexthops, int nextNexthopId) {
        this.ctx = ctx;
        this.tunl0 = tunl0;
        this.nexthops = nexthops;
        this.nextNexthopId = nextNexthopId;
    }

    /** Finds tunl0 (loading ipip if need be) and probes for nexthop objects. Changes nothing else. */
    static SharedTopology open(MeshContext ctx, KernelState state) {
        Link fallback = state.link(FALLBACK_DEVICE);
        if (fallback == null) {
            fallback = loadIpip(ctx);
        }
        if (!"ipip".equals(fallback.kind())) {
            throw new KernelSupportException("device " + FALLBACK_DEVICE + " exists but is a " + fallback.kind()
                    + " device, not the ipip fallback tunnel");
        }
        if (fallback.up() && fallback.mtu() != ctx.mtu) {
            List<String> others = ctx.dump(true).othersOn(fallback.ifindex(), ctx.protocol(), ctx.config.tunnelAddress());
            if (!others.isEmpty()) {
                throw new ConflictException(FALLBACK_DEVICE + " is in use by others (" + others.size() + ": " + String.join(", ", first(others))
                        + ") with MTU " + fallback.mtu() + "; a SHARED mesh with MTU " + ctx.mtu
                        + " would change it under them. Use MTU " + fallback.mtu() + " (MeshConfig mtu, --mtu), or POINT_TO_POINT mode");
            }
        }
        int maxId = 0;
        boolean haveNexthops = false;
        try {
            for (Nexthop nh : ctx.session.nexthops()) {
                maxId = Math.max(maxId, nh.id());
            }
            haveNexthops = true;
        } catch (RuntimeException e) {
            log.info("no nexthop objects in this kernel ({}); using classic routes", e.getMessage());
        }
        return new SharedTopology(ctx, fallback.ifindex(), haveNexthops, maxId + 1);
    }

    /**
     * tunl0 appears in every namespace once the ipip module is loaded; asking for any ipip link
     * makes the kernel load it. We ask for "tunl0" itself: EEXIST then means the module just made it.
     */
    private static Link loadIpip(MeshContext ctx) {
        NetlinkMessageBuilder batch = ctx.session.batch();
        newIpipLink(batch, CREATE, FALLBACK_DEVICE, 0,
                new org.tunnelmesh.linux.rtnetlink.IpipParameters(0, Ipv4Address.ANY, Ipv4Address.ANY, 0, 0, true));
        BatchOutcome outcome = ctx.session.send(batch);
        if (outcome.failures() > 0 && !(outcome.errno(0) == org.tunnelmesh.linux.netlink.Errno.EEXIST)) {
            throw new KernelSupportException("this kernel cannot make ipip devices: " + KernelErrors.translate(outcome.exception()).getMessage()
                    + ". Load the ipip module (modprobe ipip) or use a kernel built with CONFIG_NET_IPIP");
        }
        if (outcome.failures() == 0) {
            log.warn("no fallback tunl0 in this namespace (net.core.fb_tunnels_only_for_init_net?): created a keyless tunl0");
        }
        Link link = ctx.dump(false).link(FALLBACK_DEVICE);
        if (link == null) {
            throw new KernelSupportException("ipip is loaded but there is no " + FALLBACK_DEVICE + " in this namespace");
        }
        return link;
    }

    static List<String> first(List<String> items) {
        return items.subList(0, Math.min(3, items.size()));
    }

    /** Ours: a nexthop of our protocol on tunl0. */
    private boolean ours(Nexthop nh) {
        return nh.protocol() == ctx.protocol() && nh.oif() == tunl0;
    }

    /**
     * Ours: a route of our protocol in the main table through tunl0 (itself, or one of our
     * nexthops), or through a tm- device of ours (left by a POINT_TO_POINT mesh of ours: the mesh
     * lock rules out another mesh with our protocol here).
     */
    private static boolean ours(Route r, int protocol, Owned owned) {
        return r.protocol() == protocol && r.table() == RT_TABLE_MAIN
                && (owned.devices().contains(r.oif()) || (r.nexthopId() != 0 && owned.nexthops().contains(r.nexthopId())));
    }

    /** The ifindexes and nexthop ids that routes of ours may go through, in one dump. */
    private record Owned(Set<Integer> devices, Set<Integer> nexthops) {
    }

    private Owned owned(KernelState state) {
        Set<Integer> devices = new HashSet<>();
        devices.add(tunl0);
        for (Link link : state.links()) {
            if (PointToPointTopology.owned(link, ctx)) {
                devices.add(link.ifindex());
            }
        }
        Set<Integer> ids = new HashSet<>();
        for (Nexthop nh : state.nexthops()) {
            if (ours(nh)) {
                ids.add(nh.id());
            }
        }
        return new Owned(devices, ids);
    }

    boolean usesNexthops() {
        return nexthops;
    }

    @Override
    public void checkAdd(Collection<Peer> adding) {
        // one device for all: nothing can collide beyond what PeerTable checks
    }

    @Override
    public void add(List<Peer> peers) {
        NetlinkMessageBuilder batch = ctx.session.batch();
        int firstId = nextNexthopId;
        for (int i = 0; i < peers.size(); i++) {
            writePeer(batch, CREATE, peers.get(i), nexthops ? firstId + i : 0);
        }
        BatchOutcome outcome = ctx.session.send(batch);
        if (outcome.failures() > 0) {
            undo(peers, outcome, firstId);
            throw KernelErrors.translate(outcome.exception());
        }
        if (nexthops) {
            for (int i = 0; i < peers.size(); i++) {
                nexthopIds.put(peers.get(i).underlay(), firstId + i);
            }
            nextNexthopId = firstId + peers.size();
        }
    }

    private void writePeer(NetlinkMessageBuilder batch, int flags, Peer peer, int nexthopId) {
        if (nexthopId != 0) {
            newNexthop(batch, flags, Nexthop.onlink(nexthopId, peer.underlay(), tunl0, ctx.protocol()));
        }
        for (Ipv4Prefix subnet : peer.subnets()) {
            newRoute(batch, flags, route(subnet, peer.underlay(), nexthopId));
        }
    }

    private Route route(Ipv4Prefix subnet, Ipv4Address gateway, int nexthopId) {
        return nexthopId != 0 ? Route.viaNexthop(subnet, nexthopId, ctx.protocol())
                : Route.onlink(subnet, gateway, tunl0, ctx.protocol());
    }

    /** Deletes what a failed add created, walking the batch in the order it was written. */
    private void undo(List<Peer> peers, BatchOutcome outcome, int firstId) {
        NetlinkMessageBuilder undo = ctx.session.batch();
        List<Integer> nexthopsToDelete = new ArrayList<>();
        int index = 0;
        for (int i = 0; i < peers.size(); i++) {
            Peer peer = peers.get(i);
            if (nexthops) {
                if (outcome.succeeded(index)) {
                    nexthopsToDelete.add(firstId + i);
                }
                index++;
            }
            for (Ipv4Prefix subnet : peer.subnets()) {
                if (outcome.succeeded(index)) {
                    deleteRoute(undo, route(subnet, peer.underlay(), 0));
                }
                index++;
            }
        }
        for (int id : nexthopsToDelete) {
            deleteNexthop(undo, id);
        }
        ctx.rollback(undo);
    }

    @Override
    public void remove(List<Peer> peers) {
        NetlinkMessageBuilder batch = ctx.session.batch();
        for (Peer peer : peers) {
            for (Ipv4Prefix subnet : peer.subnets()) {
                deleteRoute(batch, route(subnet, peer.underlay(), 0));
            }
        }
        for (Peer peer : peers) {
            Integer id = nexthopIds.get(peer.underlay());
            if (id != null) {
                deleteNexthop(batch, id);
            }
        }
        BatchOutcome outcome = ctx.session.send(batch);
        for (Peer peer : peers) {
            nexthopIds.remove(peer.underlay());
        }
        throwUnlessGone(outcome);
    }

    static void throwUnlessGone(BatchOutcome outcome) {
        for (int i = 0; i < outcome.size(); i++) {
            if (!outcome.succeeded(i) && !MeshContext.alreadyGone(outcome.errno(i))) {
                throw KernelErrors.translate(outcome.exception());
            }
        }
    }

    @Override
    public List<String> reconcile(Collection<Peer> peers) {
        KernelState state = ctx.dump(nexthops);
        NetlinkMessageBuilder batch = ctx.session.batch();
        Link fallback = state.link(FALLBACK_DEVICE);
        if (fallback == null || fallback.ifindex() != tunl0) {
            throw new KernelSupportException(FALLBACK_DEVICE + " disappeared (was the ipip module unloaded?)");
        }
        if (!fallback.up() || fallback.mtu() != ctx.mtu) {
            // a down tunl0 carries nothing (the kernel flushed it); an up one may carry others' routes
            List<String> others = fallback.up() ? state.othersOn(tunl0, ctx.protocol(), ctx.config.tunnelAddress()) : List.of();
            if (others.isEmpty()) {
                setLink(batch, tunl0, ctx.mtu, true);
                sharedWarning = null;
            } else {
                String warning = FALLBACK_DEVICE + " has MTU " + fallback.mtu() + ", not the mesh's " + ctx.mtu
                        + ", but others use it (" + String.join(", ", first(others)) + "): left as it is";
                if (!warning.equals(sharedWarning)) {
                    log.warn(warning);
                    sharedWarning = warning;
                }
            }
        }
        if (!state.hasAddress(tunl0, ctx.config.tunnelAddress())) {
            newAddress(batch, CREATE_OR_REPLACE, tunl0, ctx.config.tunnelAddress(), 32);
        }

        // nexthops: adopt ours that already point the right way, create the missing, delete the rest
        Map<Ipv4Address, Integer> adopted = new HashMap<>();
        List<Integer> staleNexthops = new ArrayList<>();
        if (nexthops) {
            Map<Ipv4Address, Peer> wanted = new HashMap<>();
            for (Peer peer : peers) {
                wanted.put(peer.underlay(), peer);
            }
            for (Nexthop nh : state.nexthops()) {
                if (!ours(nh)) {
                    continue;
                }
                Nexthop expected = Nexthop.onlink(nh.id(), nh.gateway(), tunl0, ctx.protocol());
                if (wanted.containsKey(nh.gateway()) && !adopted.containsKey(nh.gateway()) && nh.sameForwarding(expected)) {
                    adopted.put(nh.gateway(), nh.id());
                } else {
                    staleNexthops.add(nh.id());
                }
            }
            for (Peer peer : peers) {
                if (!adopted.containsKey(peer.underlay())) {
                    int id = nextNexthopId++;
                    newNexthop(batch, CREATE, Nexthop.onlink(id, peer.underlay(), tunl0, ctx.protocol()));
                    adopted.put(peer.underlay(), id);
                }
            }
        }

        // routes: keep ours that are right, create or replace the rest, delete ours nobody wants
        Map<Ipv4Prefix, Route> owned = new LinkedHashMap<>();
        Owned ourObjects = owned(state);
        for (Route r : state.routes()) {
            if (ours(r, ctx.protocol(), ourObjects)) {
                owned.put(r.destination(), r);
            }
        }
        for (Peer peer : peers) {
            int id = nexthops ? adopted.get(peer.underlay()) : 0;
            for (Ipv4Prefix subnet : peer.subnets()) {
                Route desired = route(subnet, peer.underlay(), id);
                Route existing = owned.remove(subnet);
                if (existing == null) {
                    newRoute(batch, CREATE, desired);
                } else if (!existing.sameForwarding(desired)) {
                    newRoute(batch, CREATE_OR_REPLACE, desired);
                }
            }
        }
        for (Route stale : owned.values()) {
            deleteRoute(batch, stale);
        }
        for (int id : staleNexthops) {
            deleteNexthop(batch, id);
        }
        List<String> repairs = ctx.repair(batch);
        nexthopIds.clear();
        nexthopIds.putAll(adopted);
        return repairs;
    }

    @Override
    public void purge() {
        KernelState state = ctx.dump(nexthops);
        NetlinkMessageBuilder batch = ctx.session.batch();
        Owned ourObjects = owned(state);
        for (Route r : state.routes()) {
            if (ours(r, ctx.protocol(), ourObjects)) {
                deleteRoute(batch, r);
            }
        }
        for (int id : ourObjects.nexthops()) {
            deleteNexthop(batch, id);
        }
        // Our address and up state go too (an up tunl0 accepts IPIP from anyone) - unless others use
        // tunl0: taking it down, or removing its last address, makes the kernel flush every route
        // through it (fib_disable_ip). Our address may go while another address stays on it.
        List<String> routes = state.othersRoutesOn(tunl0, ctx.protocol());
        List<String> addresses = state.othersAddressesOn(tunl0, ctx.config.tunnelAddress());
        if (state.hasAddress(tunl0, ctx.config.tunnelAddress()) && (routes.isEmpty() || !addresses.isEmpty())) {
            deleteAddress(batch, tunl0, ctx.config.tunnelAddress(), 32);
        }
        if (routes.isEmpty() && addresses.isEmpty()) {
            setLink(batch, tunl0, 0, false);
        } else {
            List<String> others = state.othersOn(tunl0, ctx.protocol(), ctx.config.tunnelAddress());
            log.warn("purge leaves {} up{}: {} route(s), nexthop(s) or address(es) of other owners use it: {}", FALLBACK_DEVICE,
                    addresses.isEmpty() ? " with " + ctx.config.tunnelAddress() : "", others.size(), String.join(", ", first(others)));
        }
        throwUnlessGone(ctx.session.send(batch));
        nexthopIds.clear();
    }

    @Override
    public String deviceOf(Peer peer) {
        return FALLBACK_DEVICE;
    }

    @Override
    public List<String> devices(Collection<Peer> peers) {
        return List.of(FALLBACK_DEVICE);
    }
}
