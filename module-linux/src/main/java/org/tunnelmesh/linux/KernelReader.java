package org.tunnelmesh.linux;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.LinkCounters;
import org.tunnelmesh.TunnelDevice;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.rtnetlink.Link;
import org.tunnelmesh.linux.rtnetlink.Nexthop;
import org.tunnelmesh.linux.rtnetlink.Nhmsg;
import org.tunnelmesh.linux.rtnetlink.Route;
import org.tunnelmesh.linux.rtnetlink.Rtmsg;
import org.tunnelmesh.linux.rtnetlink.RtnetlinkRequests;
import org.tunnelmesh.linux.rtnetlink.RtnetlinkSession;

/**
 * Reads the kernel on a socket of its own, so that a read does not hold the mesh's lock: the counters of many devices
 * with one dump of the ipip links, the state {@code diagnose()} reads, and the state a resync compares. The mesh has
 * one for counters and diagnoses and one for resyncs, so a resync's dump does not hold up a counter read either.
 */
final class KernelReader implements AutoCloseable {
    private final RtnetlinkSession session;

    KernelReader(RtnetlinkSession session) {
        this.session = session;
        session.enableStrictDumpChecking();
    }

    /** The named devices as the kernel has them now, in the given order; missing ones are left out. */
    synchronized List<TunnelDevice> read(List<String> names) {
        Map<String, Link> links = new HashMap<>();
        for (Link link : session.linksOfKind("ipip")) {
            links.put(link.name(), link);
        }
        List<TunnelDevice> devices = new ArrayList<>(names.size());
        for (String name : names) {
            Link link = links.get(name);
            if (link != null) {
                devices.add(toDevice(link));
            }
        }
        return devices;
    }

    /**
     * Received packets of every point-to-point ipip device, keyed by its remote (the peer's underlay): the health
     * monitor's passive source when there is no IPIP filter.
     */
    synchronized void readRx(org.tunnelmesh.linux.health.HealthMonitor.RxCounters into) {
        for (Link link : session.linksOfKind("ipip")) {
            if (link.ipip() != null && !link.ipip().remote().isAny() && link.counters() != null) {
                into.add(link.ipip().remote().bits(), link.counters().rxPackets());
            }
        }
    }

    /** A device's ifindex, 0 when there is none of that name. */
    synchronized int ifindex(String name) {
        return session.link(name).map(Link::ifindex).orElse(0);
    }

    /**
     * What {@link Diagnostics} needs of the kernel: links, addresses, and the routes and nexthop objects of other
     * owners. The mesh's own (by {@code protocol}: two per peer, 40,000 at 20,000 peers) are skipped on their header,
     * unparsed: a diagnosis only looks for what others keep on {@code tunl0}.
     */
    synchronized KernelState othersState(int protocol) {
        List<Route> routes = session.dump(RtnetlinkRequests::dumpRoutes, m -> others(m, protocol));
        List<Nexthop> nexthops =
                session.nexthopsIfAny(m -> Nhmsg.read(m).protocol() == protocol ? null : Nexthop.parse(m));
        return new KernelState(session.links(false), session.addresses(), routes, nexthops);
    }

    /**
     * Everything a reconcile compares, as {@link MeshContext#dump} reads it: links, addresses, routes and, where the
     * kernel has them, nexthop objects. Read before a resync takes the mesh's lock; the resync leaves alone the peers
     * changed since, and reads again under the lock after any other change.
     */
    synchronized KernelState state() {
        return new KernelState(
                session.links(false), session.addresses(), session.routes(), session.nexthopsIfAny(Nexthop::parse));
    }

    private static Route others(NetlinkMessage message, int protocol) {
        if (message.type() != org.tunnelmesh.linux.rtnetlink.Rtnetlink.RTM_NEWROUTE
                || Rtmsg.read(message).protocol() == protocol) {
            return null;
        }
        return Route.parse(message);
    }

    static TunnelDevice toDevice(Link link) {
        Ipv4Address local = link.ipip() == null ? Ipv4Address.ANY : link.ipip().local();
        Ipv4Address remote = link.ipip() == null ? Ipv4Address.ANY : link.ipip().remote();
        return new TunnelDevice(
                link.name(),
                link.ifindex(),
                local,
                remote,
                link.mtu(),
                link.up(),
                link.counters() == null ? LinkCounters.ZERO : link.counters());
    }

    @Override
    public synchronized void close() {
        session.close();
    }
}
