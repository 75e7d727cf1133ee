package org.tunnelmesh.linux;

import static org.tunnelmesh.linux.rtnetlink.RtnetlinkRequests.*;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.Peer;
import org.tunnelmesh.linux.netlink.BatchOutcome;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;
import org.tunnelmesh.linux.rtnetlink.IpipParameters;
import org.tunnelmesh.linux.rtnetlink.KernelErrors;
import org.tunnelmesh.linux.rtnetlink.Link;
import org.tunnelmesh.linux.rtnetlink.Route;

/**
 * One ipip device per peer with local and remote set, and tunl0 kept down. ip_tunnel_lookup then
 * finds a device only for packets from a peer's underlay address: IPIP from anyone else is
 * dropped, and every peer has counters of its own.
 *
 * <p>Devices we own: kind ipip, name starting with {@code tm-}, local = our underlay. Routes we own:
 * our protocol on those devices, or on tunl0 (left there by this mesh in SHARED mode: the mesh
 * lock rules out another mesh with our protocol in this namespace).
 *
 * <p>A tunl0 that carries others' routes is left up (with a warning): taking it down would make
 * the kernel flush them.
 */
final class PointToPointTopology implements Topology {
    private static final Logger log = LogManager.getLogger(PointToPointTopology.class);

    /** Up to this many new devices are looked up by name, each in one request; more, by one dump. */
    private static final int FEW_DEVICES = 8;

    private final MeshContext ctx;
    /** Device name -> peer name of the peers held, so a new peer's name is checked in O(1). */
    private final Map<String, String> deviceOwners = new HashMap<>();
    /** The last "tunl0 left up" warning, so a reconcile after every event does not repeat it. */
    private String tunl0Warning;

    PointToPointTopology(MeshContext ctx) {
        this.ctx = ctx;
    }

    private IpipParameters parameters(Peer peer) {
        return IpipParameters.pointToPoint(
                        ctx.underlayIfindex,
                        ctx.config.underlay(),
                        peer.underlay(),
                        ctx.config.ttl(),
                        ctx.config.pmtuDiscovery())
                .withEncap(ctx.encap());
    }

    @Override
    public void checkAdd(Collection<Peer> adding) {
        checkDeviceNames(deviceOwners, adding);
    }

    /** Two peer names that shorten to the same device name cannot both exist. */
    static void checkDeviceNames(Map<String, String> deviceOwners, Collection<Peer> adding) {
        Map<String, String> taken = new HashMap<>();
        for (Peer peer : adding) {
            String device = DeviceNames.forPeer(peer.name());
            String other = deviceOwners.get(device);
            if (other == null) {
                other = taken.putIfAbsent(device, peer.name());
            }
            if (other != null && !other.equals(peer.name())) {
                throw new ConflictException(
                        "peer '" + peer.name() + "': its device name " + device + " is already taken by peer '" + other
                                + "'; choose a name that differs in the first 6 characters");
            }
        }
    }

    @Override
    public void add(List<Peer> peers) {
        NetlinkMessageBuilder create = ctx.session.batch();
        for (Peer peer : peers) {
            newIpipLink(create, CREATE, DeviceNames.forPeer(peer.name()), ctx.mtu, parameters(peer));
        }
        BatchOutcome created = ctx.session.send(create);
        if (created.failures() > 0) {
            deleteDevices(peers, created);
            throw KernelErrors.translate(created.exception());
        }
        Map<String, Link> links = newLinks(peers);
        NetlinkMessageBuilder configure = ctx.session.batch();
        for (Peer peer : peers) {
            writeDeviceState(
                    configure, peer, links.get(DeviceNames.forPeer(peer.name())).ifindex());
        }
        BatchOutcome configured = ctx.session.send(configure);
        if (configured.failures() > 0) {
            deleteDevices(peers, null);
            throw KernelErrors.translate(configured.exception());
        }
        for (Peer peer : peers) {
            deviceOwners.put(DeviceNames.forPeer(peer.name()), peer.name());
        }
    }

    /** Up, our /32, and a device route per subnet: all that a new device needs once it exists. */
    private void writeDeviceState(NetlinkMessageBuilder batch, Peer peer, int ifindex) {
        setLink(batch, ifindex, 0, true);
        newAddress(batch, CREATE_OR_REPLACE, ifindex, ctx.config.tunnelAddress(), 32);
        for (Ipv4Prefix subnet : peer.subnets()) {
            newRoute(batch, CREATE, Route.device(subnet, ifindex, ctx.protocol()));
        }
    }

    /** Rollback: deleting a device takes its address and routes with it. */
    private void deleteDevices(List<Peer> peers, BatchOutcome created) {
        NetlinkMessageBuilder undo = ctx.session.batch();
        for (int i = 0; i < peers.size(); i++) {
            if (created == null || created.succeeded(i)) {
                deleteLink(undo, DeviceNames.forPeer(peers.get(i).name()));
            }
        }
        ctx.rollback(undo);
    }

    /**
     * The devices just made, by name, for their ifindexes: asked one by one for a few (a peer added
     * to a big mesh costs no dump of every device), one dump for many.
     */
    private Map<String, Link> newLinks(List<Peer> peers) {
        Map<String, Link> links = new HashMap<>();
        if (peers.size() <= FEW_DEVICES) {
            for (Peer peer : peers) {
                String name = DeviceNames.forPeer(peer.name());
                ctx.session.link(name).ifPresent(link -> links.put(name, link));
            }
        } else {
            for (Link link : ctx.session.links(false)) {
                links.put(link.name(), link);
            }
        }
        return links;
    }

    @Override
    public void remove(List<Peer> peers) {
        NetlinkMessageBuilder batch = ctx.session.batch();
        for (Peer peer : peers) {
            deleteLink(batch, DeviceNames.forPeer(peer.name()));
            deviceOwners.remove(DeviceNames.forPeer(peer.name()));
        }
        MeshContext.throwUnlessGone(ctx.session.send(batch));
    }

    private boolean owned(Link link) {
        return OwnedState.isOurDevice(link, ctx);
    }

    @Override
    public List<String> reconcile(Collection<Peer> peers, KernelSnapshot snapshot) {
        List<String> repairs = new ArrayList<>();
        // 1. devices: tunl0 down; ours present with the right parameters; leftovers gone
        KernelState before = snapshot != null ? snapshot.state() : ctx.dump(true);
        Set<String> leftAlone = snapshot != null ? snapshot.changedDevices() : Set.of();
        NetlinkMessageBuilder devices = ctx.session.batch();
        Link fallback = before.link(DeviceNames.FALLBACK);
        if (fallback != null && fallback.up()) {
            List<String> others = before.othersOn(fallback.ifindex(), ctx.protocol(), ctx.config.tunnelAddress());
            if (others.isEmpty()) {
                setLink(devices, fallback.ifindex(), 0, false);
                tunl0Warning = null;
            } else {
                String warning = "POINT_TO_POINT leaves " + DeviceNames.FALLBACK + " up: others use it ("
                        + String.join(", ", MeshContext.first(others)) + (others.size() > 3 ? ", ..." : "")
                        + ") and taking it down would make the kernel flush their routes; while it is up it accepts IPIP from any source";
                if (!warning.equals(tunl0Warning)) {
                    log.warn(warning);
                    tunl0Warning = warning;
                }
            }
        }
        Set<String> wanted = new HashSet<>();
        deviceOwners.clear();
        for (Peer peer : peers) {
            String name = DeviceNames.forPeer(peer.name());
            wanted.add(name);
            deviceOwners.put(name, peer.name());
            if (leftAlone.contains(name)) {
                continue;
            }
            Link link = before.link(name);
            IpipParameters expected = parameters(peer);
            if (link == null) {
                newIpipLink(devices, CREATE, name, ctx.mtu, expected);
            } else if (!owned(link)) {
                throw new ConflictException("peer '" + peer.name() + "': device " + name + " exists but is not ours ("
                        + (link.ipip() == null
                                ? link.kind() + " device"
                                : "ipip with local " + link.ipip().local())
                        + "); rename or remove it");
            } else if (sameTunnel(link.ipip().withEncap(expected.encap()), expected)
                    && !sameTunnel(link.ipip(), expected)) {
                // only the encapsulation differs (the mesh switched between plain IPIP and FOU/GUE): changed in
                // place, so the device keeps its ifindex, address and routes (the MTU follows in step 2)
                log.info(
                        "device {}: encapsulation{} -> {}, changed in place",
                        name,
                        link.ipip().encap().encapsulates() ? link.ipip().encap().arguments() : " none",
                        expected.encap().encapsulates()
                                ? expected.encap().arguments().strip()
                                : "none");
                newIpipLink(devices, CHANGE, name, ctx.mtu, expected);
            } else if (!sameTunnel(link.ipip(), expected)) {
                log.warn("device {} has tunnel parameters {}, expected {}: recreating it", name, link.ipip(), expected);
                deleteLink(devices, name);
                newIpipLink(devices, CREATE, name, ctx.mtu, expected);
            }
        }
        for (Link link : before.links()) {
            // tm0 too: a SHARED mesh with encapsulation left it (a mesh switched to POINT_TO_POINT)
            if ((owned(link) && !wanted.contains(link.name()) && !leftAlone.contains(link.name()))
                    || OwnedState.isOurSharedDevice(link, ctx)) {
                deleteLink(devices, link.name());
            }
        }
        repairs.addAll(ctx.repair(devices));

        // 2. each device up with the MTU, our /32 on it, its routes; routes of ours nobody wants go
        KernelState state = repairs.isEmpty() ? before : ctx.dump(true);
        NetlinkMessageBuilder config = ctx.session.batch();
        OwnedState owned = new OwnedState(state, ctx);
        if (snapshot != null) {
            snapshot.changedSince().forEach(owned::leaveAlone);
        }
        for (Peer peer : peers) {
            if (leftAlone.contains(DeviceNames.forPeer(peer.name()))) {
                continue;
            }
            Link link = state.link(DeviceNames.forPeer(peer.name()));
            if (!link.up() || link.mtu() != ctx.mtu) {
                setLink(config, link.ifindex(), ctx.mtu, true);
            }
            if (!state.hasAddress(link.ifindex(), ctx.config.tunnelAddress())) {
                newAddress(config, CREATE_OR_REPLACE, link.ifindex(), ctx.config.tunnelAddress(), 32);
            }
            for (Ipv4Prefix subnet : peer.subnets()) {
                owned.wantRoute(config, Route.device(subnet, link.ifindex(), ctx.protocol()));
            }
        }
        // our nexthops too: only a SHARED mesh of ours leaves them, and this mesh wants none
        owned.deleteUnwanted(config, Set.of());
        repairs.addAll(ctx.repair(config));
        return repairs;
    }

    private static boolean sameTunnel(IpipParameters actual, IpipParameters expected) {
        return actual != null
                && actual.local().equals(expected.local())
                && actual.remote().equals(expected.remote())
                && actual.link() == expected.link()
                && actual.ttl() == expected.ttl()
                && actual.pmtuDiscovery() == expected.pmtuDiscovery()
                && actual.encap().equals(expected.encap());
    }

    @Override
    public void purge() {
        KernelState state = ctx.dump(true);
        NetlinkMessageBuilder batch = ctx.session.batch();
        Set<Integer> deleted = new HashSet<>();
        for (Link link : state.links()) {
            if (owned(link) || OwnedState.isOurSharedDevice(link, ctx)) {
                deleteLink(batch, link.name());
                deleted.add(link.ifindex());
            }
        }
        new OwnedState(state, ctx).deleteUnwanted(batch, deleted);
        deviceOwners.clear();
        MeshContext.throwUnlessGone(ctx.session.send(batch));
    }

    @Override
    public String deviceOf(Peer peer) {
        return DeviceNames.forPeer(peer.name());
    }

    @Override
    public List<String> devices(Collection<Peer> peers) {
        List<String> names = new ArrayList<>(peers.size());
        for (Peer peer : peers) {
            names.add(DeviceNames.forPeer(peer.name()));
        }
        return names;
    }
}
