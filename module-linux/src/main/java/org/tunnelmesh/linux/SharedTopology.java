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
import org.tunnelmesh.linux.rtnetlink.IpipParameters;
import org.tunnelmesh.linux.rtnetlink.KernelErrors;
import org.tunnelmesh.linux.rtnetlink.Link;
import org.tunnelmesh.linux.rtnetlink.Nexthop;
import org.tunnelmesh.linux.rtnetlink.Route;
import org.tunnelmesh.linux.rtnetlink.RtnetlinkSession;

/**
 * The seed's one-to-many shape: the fallback device tunl0 up with the tunnel MTU and our /32, and
 * per peer subnet a route via the peer's underlay address, onlink. Where the kernel has nexthop
 * objects (5.3+), each peer gets one and its routes point at it: the classic "via" path costs
 * O(n^2) for n gateways on one device (the fib_info hash ignores the gateway), nexthops do not.
 *
 * <p>tunl0 may have other users (another IPIP setup, an operator's static routes): the mesh owns
 * only routes and nexthops of its protocol on tunl0, and does not change tunl0's MTU, nor take it
 * down, while others' routes use it.
 *
 * <p>With FOU or GUE the kernel refuses encapsulation on tunl0 (no changelink of the fallback device), so the mesh
 * makes its own one-to-many ipip device tm0 - local = the underlay, no remote, the encapsulation - and the same
 * routes go through it. Such a device receives every IPIP addressed to the underlay (ip_tunnel_lookup matches on
 * local alone) whether it came in UDP or not, which is what keeps a mesh being switched between plain and
 * encapsulated half-working. tunl0 is then left as the kernel made it: down, without our address (unless others
 * use it). Switching a running mesh is a reconcile: the routes are replaced to go through the new device (each
 * route swaps atomically), then the old device's leftovers go.
 */
final class SharedTopology implements Topology {
    private static final Logger log = LogManager.getLogger(SharedTopology.class);

    private final MeshContext ctx;
    private final int tunl0;
    /** The device the routes go through: tunl0, or tm0 with encapsulation (0 until it is made). */
    private int device;

    private final boolean encapsulated;
    private final boolean nexthops;
    /** Nexthop id per peer underlay, while the peer exists. */
    private Map<Ipv4Address, Integer> nexthopIds = new HashMap<>();

    private int nextNexthopId;
    /** The last "tunl0 is shared" warning, so a reconcile after every event does not repeat it. */
    private String sharedWarning;

    private SharedTopology(MeshContext ctx, int tunl0, int tm0, boolean nexthops, int nextNexthopId) {
        this.ctx = ctx;
        this.tunl0 = tunl0;
        this.encapsulated = ctx.config.encapsulation().encapsulates();
        this.device = encapsulated ? tm0 : tunl0;
        this.nexthops = nexthops;
        this.nextNexthopId = nextNexthopId;
    }

    /**
     * Finds tunl0 (loading ipip if need be) and, with encapsulation, tm0; probes for nexthop objects. Changes nothing
     * else.
     *
     * @throws ConflictException when tm0 is a device not this mesh's
     */
    static SharedTopology open(MeshContext ctx, KernelState state) {
        Link fallback = state.link(DeviceNames.FALLBACK);
        if (fallback == null) {
            fallback = loadIpip(ctx);
        }
        if (!"ipip".equals(fallback.kind())) {
            throw new KernelSupportException("device " + DeviceNames.FALLBACK + " exists but is a " + fallback.kind()
                    + " device, not the ipip fallback tunnel");
        }
        Link tm0 = state.link(DeviceNames.ENCAPSULATED_SHARED);
        if (ctx.config.encapsulation().encapsulates() && tm0 != null) {
            checkOurs(tm0, ctx);
        }
        if (!ctx.config.encapsulation().encapsulates() && fallback.up() && fallback.mtu() != ctx.mtu) {
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
            if (!RtnetlinkSession.noNexthopObjects(e)) {
                throw e;
            }
            log.info("no nexthop objects in this kernel ({}); using classic routes", e.getMessage());
        }
        return new SharedTopology(
                ctx,
                fallback.ifindex(),
                tm0 == null || !OwnedState.isOurSharedDevice(tm0, ctx) ? 0 : tm0.ifindex(),
                haveNexthops,
                maxId + 1);
    }

    private static void checkOurs(Link tm0, MeshContext ctx) {
        if (!OwnedState.isOurSharedDevice(tm0, ctx)) {
            throw new ConflictException("device " + DeviceNames.ENCAPSULATED_SHARED + " exists but is not this mesh's ("
                    + (tm0.ipip() == null
                            ? tm0.kind() + " device"
                            : "ipip with local " + tm0.ipip().local() + " remote "
                                    + tm0.ipip().remote())
                    + "); a SHARED mesh with " + ctx.config.encapsulation() + " needs it as an ipip device with local "
                    + ctx.config.underlay() + " and no remote: rename or remove it");
        }
    }

    /** tm0 as the mesh wants it: local = the underlay, no remote, bound to the underlay device, the encapsulation. */
    private IpipParameters tm0Parameters() {
        return new IpipParameters(
                ctx.underlayIfindex,
                ctx.config.underlay(),
                Ipv4Address.ANY,
                ctx.config.ttl(),
                0,
                ctx.config.pmtuDiscovery(),
                ctx.encap());
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
            newNexthop(batch, flags, Nexthop.onlink(nexthopId, peer.underlay(), device, ctx.protocol()));
        }
        for (Ipv4Prefix subnet : peer.subnets()) {
            newRoute(batch, flags, route(subnet, peer.underlay(), nexthopId));
        }
    }

    private Route route(Ipv4Prefix subnet, Ipv4Address gateway, int nexthopId) {
        return nexthopId != 0
                ? Route.viaNexthop(subnet, nexthopId, ctx.protocol())
                : Route.onlink(subnet, gateway, device, ctx.protocol());
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
    public List<String> reconcile(Collection<Peer> peers, KernelSnapshot snapshot) {
        KernelState state = snapshot != null ? snapshot.state() : ctx.dump(nexthops);
        Set<Ipv4Address> leftAlone = snapshot != null ? snapshot.changedUnderlays() : Set.of();
        Link fallback = state.link(DeviceNames.FALLBACK);
        if (fallback == null || fallback.ifindex() != tunl0) {
            throw new KernelSupportException(DeviceNames.FALLBACK + " disappeared (was the ipip module unloaded?)");
        }
        List<String> repairs = new ArrayList<>();
        if (encapsulated) {
            repairs.addAll(reconcileTm0(state));
            if (!repairs.isEmpty()) {
                state = ctx.dump(nexthops);
            }
        }
        NetlinkMessageBuilder batch = ctx.session.batch();
        if (encapsulated) {
            Link tm0 = state.link(DeviceNames.ENCAPSULATED_SHARED);
            device = tm0.ifindex();
            if (!tm0.up() || tm0.mtu() != ctx.mtu) {
                setLink(batch, device, ctx.mtu, true);
            }
            if (!state.hasAddress(device, ctx.config.tunnelAddress())) {
                newAddress(batch, CREATE_OR_REPLACE, device, ctx.config.tunnelAddress(), 32);
            }
        } else if (!fallback.up() || fallback.mtu() != ctx.mtu) {
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
        if (!encapsulated && !state.hasAddress(tunl0, ctx.config.tunnelAddress())) {
            newAddress(batch, CREATE_OR_REPLACE, tunl0, ctx.config.tunnelAddress(), 32);
        }

        // ours that are right stay, the missing are created, the wrong replaced, the rest deleted
        OwnedState owned = new OwnedState(state, ctx, device);
        if (snapshot != null) {
            snapshot.changedSince().forEach(owned::leaveAlone);
        }
        Map<Ipv4Address, Integer> adopted = new HashMap<>(nexthops ? peers.size() * 2 : 0);
        for (Peer peer : peers) {
            if (leftAlone.contains(peer.underlay())) {
                Integer id = nexthopIds.get(peer.underlay()); // as the change that added it made it
                if (id != null) {
                    adopted.put(peer.underlay(), id);
                }
                continue;
            }
            int id = nexthops ? owned.wantNexthop(batch, peer.underlay(), () -> nextNexthopId++) : 0;
            if (nexthops) {
                adopted.put(peer.underlay(), id);
            }
            for (Ipv4Prefix subnet : peer.subnets()) {
                owned.wantRoute(batch, route(subnet, peer.underlay(), id));
            }
        }
        Link oldTm0 = encapsulated ? null : state.link(DeviceNames.ENCAPSULATED_SHARED);
        if (oldTm0 != null && !OwnedState.isOurSharedDevice(oldTm0, ctx)) {
            oldTm0 = null;
        }
        owned.deleteUnwanted(batch, oldTm0 == null ? Set.of() : Set.of(oldTm0.ifindex()));
        if (encapsulated) {
            releaseTunl0(batch, state, fallback);
        } else if (oldTm0 != null) {
            // the mesh was encapsulated: its routes are back on tunl0 (above, in this batch), so tm0 goes
            deleteLink(batch, DeviceNames.ENCAPSULATED_SHARED);
        }
        repairs.addAll(ctx.repair(batch));
        nexthopIds = adopted;
        return repairs;
    }

    /** tm0 there, ours, with the parameters wanted: made when missing, changed in place when they differ. */
    private List<String> reconcileTm0(KernelState state) {
        Link tm0 = state.link(DeviceNames.ENCAPSULATED_SHARED);
        IpipParameters wanted = tm0Parameters();
        NetlinkMessageBuilder batch = ctx.session.batch();
        if (tm0 == null) {
            newIpipLink(batch, CREATE, DeviceNames.ENCAPSULATED_SHARED, ctx.mtu, wanted);
        } else {
            checkOurs(tm0, ctx);
            if (!wanted.equals(tm0.ipip())) {
                log.info(
                        "{} has tunnel parameters {}, expected {}: changed in place",
                        DeviceNames.ENCAPSULATED_SHARED,
                        tm0.ipip(),
                        wanted);
                newIpipLink(batch, CHANGE, DeviceNames.ENCAPSULATED_SHARED, ctx.mtu, wanted);
            }
        }
        return ctx.repair(batch);
    }

    /**
     * With tm0 carrying the mesh, tunl0 goes back to how the kernel made it: our address off and down - unless others
     * use it (taking it down, or removing its last address, makes the kernel flush their routes).
     */
    private void releaseTunl0(NetlinkMessageBuilder batch, KernelState state, Link fallback) {
        List<String> routes = state.othersRoutesOn(tunl0, ctx.protocol());
        List<String> addresses = state.othersAddressesOn(tunl0, ctx.config.tunnelAddress());
        if (state.hasAddress(tunl0, ctx.config.tunnelAddress()) && (routes.isEmpty() || !addresses.isEmpty())) {
            deleteAddress(batch, tunl0, ctx.config.tunnelAddress(), 32);
        }
        if (fallback.up() && routes.isEmpty() && addresses.isEmpty()) {
            setLink(batch, tunl0, 0, false);
        }
    }

    @Override
    public void purge() {
        KernelState state = ctx.dump(nexthops);
        NetlinkMessageBuilder batch = ctx.session.batch();
        Link tm0 = state.link(DeviceNames.ENCAPSULATED_SHARED);
        boolean tm0Ours = tm0 != null && OwnedState.isOurSharedDevice(tm0, ctx);
        new OwnedState(state, ctx).deleteUnwanted(batch, tm0Ours ? Set.of(tm0.ifindex()) : Set.of());
        if (tm0Ours) {
            deleteLink(batch, DeviceNames.ENCAPSULATED_SHARED);
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
        return encapsulated ? DeviceNames.ENCAPSULATED_SHARED : DeviceNames.FALLBACK;
    }

    @Override
    public List<String> devices(Collection<Peer> peers) {
        return List.of(encapsulated ? DeviceNames.ENCAPSULATED_SHARED : DeviceNames.FALLBACK);
    }
}
