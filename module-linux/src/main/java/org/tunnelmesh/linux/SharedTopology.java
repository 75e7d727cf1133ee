package org.tunnelmesh.linux;

import static org.tunnelmesh.linux.rtnetlink.RtnetlinkRequests.*;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.KernelSupportException;
import org.tunnelmesh.Peer;
import org.tunnelmesh.linux.netlink.BatchOutcome;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;
import org.tunnelmesh.linux.rtnetlink.KernelErrors;
import org.tunnelmesh.linux.rtnetlink.Link;
import org.tunnelmesh.linux.rtnetlink.Nexthop;
import org.tunnelmesh.linux.rtnetlink.Route;

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
    private static final Logger log = LogManager.getLogger(SharedTopology.class);

    private final MeshContext ctx;
    private final int tunl0;
    private final boolean nexthops;
    /** Nexthop id per peer underlay, while the peer exists. */
    private Map<Ipv4Address, Integer> nexthopIds = new HashMap<>();

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
        Link fallback = state.link(DeviceNames.FALLBACK);
        if (fallback == null) {
            fallback = loadIpip(ctx);
        }
        if (!"ipip".equals(fallback.kind())) {
            throw new KernelSupportException("device " + DeviceNames.FALLBACK + " exists but is a " + fallback.kind()
                    + " device, not the ipip fallback tunnel");
        }
        if (fallback.up() && fallback.mtu() != ctx.mtu) {
            List<String> others =
                    ctx.dump(true).othersOn(fallback.ifindex(), ctx.protocol(), ctx.config.tunnelAddress());
            if (!others.isEmpty()) {
                throw new ConflictException(DeviceNames.FALLBACK + " is in use by others (" + others.size() + ": "
                        + String.join(", ", MeshContext.first(others))
                        + ") with MTU " + fallback.mtu() + "; a SHARED mesh with MTU " + ctx.mtu
                        + " would change it under them. Use MTU " + fallback.mtu()
                        + " (MeshConfig mtu, --mtu), or POINT_TO_POINT mode");
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
        newIpipLink(
                batch,
                CREATE,
                DeviceNames.FALLBACK,
                0,
                new org.tunnelmesh.linux.rtnetlink.IpipParameters(0, Ipv4Address.ANY, Ipv4Address.ANY, 0, 0, true));
        BatchOutcome outcome = ctx.session.send(batch);
        if (outcome.failures() > 0 && !org.tunnelmesh.linux.syscall.Errno.EEXIST.is(outcome.errno(0))) {
            throw new KernelSupportException("this kernel cannot make ipip devices: "
                    + KernelErrors.translate(outcome.exception()).getMessage()
                    + ". Load the ipip module (modprobe ipip) or use a kernel built with CONFIG_NET_IPIP");
        }
        if (outcome.failures() == 0) {
            log.warn(
                    "no fallback tunl0 in this namespace (net.core.fb_tunnels_only_for_init_net?): created a keyless tunl0");
        }
        Link link = ctx.dump(false).link(DeviceNames.FALLBACK);
        if (link == null) {
            throw new KernelSupportException(
                    "ipip is loaded but there is no " + DeviceNames.FALLBACK + " in this namespace");
        }
        return link;
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
        return nexthopId != 0
                ? Route.viaNexthop(subnet, nexthopId, ctx.protocol())
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
        MeshContext.throwUnlessGone(outcome);
    }

    @Override
    public List<String> reconcile(Collection<Peer> peers) {
        KernelState state = ctx.dump(nexthops);
        NetlinkMessageBuilder batch = ctx.session.batch();
        Link fallback = state.link(DeviceNames.FALLBACK);
        if (fallback == null || fallback.ifindex() != tunl0) {
            throw new KernelSupportException(DeviceNames.FALLBACK + " disappeared (was the ipip module unloaded?)");
        }
        if (!fallback.up() || fallback.mtu() != ctx.mtu) {
            // a down tunl0 carries nothing (the kernel flushed it); an up one may carry others' routes
            List<String> others =
                    fallback.up() ? state.othersOn(tunl0, ctx.protocol(), ctx.config.tunnelAddress()) : List.of();
            if (others.isEmpty()) {
                setLink(batch, tunl0, ctx.mtu, true);
                sharedWarning = null;
            } else {
                String warning = DeviceNames.FALLBACK + " has MTU " + fallback.mtu() + ", not the mesh's " + ctx.mtu
                        + ", but others use it (" + String.join(", ", MeshContext.first(others)) + "): left as it is";
                if (!warning.equals(sharedWarning)) {
                    log.warn(warning);
                    sharedWarning = warning;
                }
            }
        }
        if (!state.hasAddress(tunl0, ctx.config.tunnelAddress())) {
            newAddress(batch, CREATE_OR_REPLACE, tunl0, ctx.config.tunnelAddress(), 32);
        }

        // ours that are right stay, the missing are created, the wrong replaced, the rest deleted
        OwnedState owned = new OwnedState(state, ctx);
        Map<Ipv4Address, Integer> adopted = new HashMap<>(nexthops ? peers.size() * 2 : 0);
        for (Peer peer : peers) {
            int id = nexthops ? owned.wantNexthop(batch, peer.underlay(), () -> nextNexthopId++) : 0;
            if (nexthops) {
                adopted.put(peer.underlay(), id);
            }
            for (Ipv4Prefix subnet : peer.subnets()) {
                owned.wantRoute(batch, route(subnet, peer.underlay(), id));
            }
        }
        owned.deleteUnwanted(batch, Set.of());
        List<String> repairs = ctx.repair(batch);
        nexthopIds = adopted;
        return repairs;
    }

    @Override
    public void purge() {
        KernelState state = ctx.dump(nexthops);
        NetlinkMessageBuilder batch = ctx.session.batch();
        new OwnedState(state, ctx).deleteUnwanted(batch, Set.of());
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
            log.warn(
                    "purge leaves {} up{}: {} route(s), nexthop(s) or address(es) of other owners use it: {}",
                    DeviceNames.FALLBACK,
                    addresses.isEmpty() ? " with " + ctx.config.tunnelAddress() : "",
                    others.size(),
                    String.join(", ", MeshContext.first(others)));
        }
        MeshContext.throwUnlessGone(ctx.session.send(batch));
        nexthopIds.clear();
    }

    @Override
    public String deviceOf(Peer peer) {
        return DeviceNames.FALLBACK;
    }

    @Override
    public List<String> devices(Collection<Peer> peers) {
        return List.of(DeviceNames.FALLBACK);
    }
}
