package org.tunnelmesh.linux;

import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.*;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.Peer;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.netlink.NetlinkSocket;
import org.tunnelmesh.linux.rtnetlink.Link;
import org.tunnelmesh.linux.rtnetlink.Nexthop;
import org.tunnelmesh.linux.rtnetlink.Route;
import org.tunnelmesh.linux.rtnetlink.Rtmsg;
import org.tunnelmesh.linux.rtnetlink.RtnetlinkRequests;
import org.tunnelmesh.linux.rtnetlink.RtnetlinkSession;
import org.tunnelmesh.linux.syscall.NativeIoException;

/**
 * Refuses, before the kernel is touched, a peer subnet that would take over a path this namespace
 * has without the mesh ({@link HostRoutes}): from {@code addPeers}, {@code open} with peers, and the
 * state file alike.
 *
 * <p>The routes are read with one dump of the main table (the mesh's own, by its protocol, skipped on
 * the header alone) and kept until another owner's route comes or goes there: a socket of its own on
 * RTNLGRP_IPV4_ROUTE, drained at every check under the mesh's lock. The kernel queues a change's
 * notification before the change returns, so a route added before the call is always seen; an
 * overflow of that socket reads them again. Routes that go without a notification (a device going
 * down or away takes its routes along) could only make a refusal wrong, never an acceptance: a
 * refusal made from routes read earlier reads them again first.
 */
final class HostRouteGuard implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(HostRouteGuard.class);

    private final RtnetlinkSession session;
    /** Route notifications of the namespace; null when it could not be had (then every check reads the routes). */
    private final NetlinkSocket events;

    private final int protocol;
    private final int underlayIfindex;
    private HostRoutes routes;
    private boolean stale = true;
    /** Dumps made: for tests, which check that an unchanged namespace is not dumped again. */
    private long reads;

    /**
     * @param events a socket that has joined RTNLGRP_IPV4_ROUTE, or null; the guard owns it from now on
     */
    HostRouteGuard(RtnetlinkSession session, NetlinkSocket events, int protocol, int underlayIfindex) {
        this.session = session;
        this.events = events;
        this.protocol = protocol;
        this.underlayIfindex = underlayIfindex;
    }

    /** A socket for {@link #HostRouteGuard}, made in the namespace it watches; null when the kernel refuses one. */
    static NetlinkSocket openEvents(int controlPortId) {
        NetlinkSocket socket = NetlinkSocket.open(org.tunnelmesh.linux.netlink.Netlink.NETLINK_ROUTE);
        try {
            socket.joinGroup(RTNLGRP_IPV4_ROUTE);
        } catch (NativeIoException e) {
            log.info("cannot watch routes ({}): every peer check reads them", e.getMessage());
            socket.close();
            return null;
        }
        try {
            socket.dropNotificationsCausedBy(controlPortId); // the mesh's own routes would only fill the buffer
        } catch (NativeIoException e) {
            log.debug(
                    "route notifications of the mesh's own changes are skipped here, not in the kernel: {}",
                    e.getMessage());
        }
        return socket;
    }

    /**
     * @throws InvalidInputException naming the first peer, its subnet and the path it would take over
     */
    void check(Collection<Peer> peers) {
        drain();
        boolean readNow = stale;
        if (stale) {
            read();
        }
        HostRoutes.Conflict conflict = routes.firstConflict(peers);
        if (conflict != null && !readNow) {
            read();
            conflict = routes.firstConflict(peers);
        }
        if (conflict != null) {
            Map<Integer, String> names = new HashMap<>();
            for (Link link : session.links(false)) {
                names.put(link.ifindex(), link.name());
            }
            throw new InvalidInputException(conflict.describe(names::get, underlayIfindex));
        }
    }

    /**
     * One line for {@code diagnose()}: whether the peers held overlap a path the namespace has now. Its routes may
     * have changed since the peers were added (a new device, another default gateway).
     */
    String diagnose(Collection<Peer> peers) {
        try {
            check(peers);
        } catch (InvalidInputException e) {
            return "FAIL host routes: " + e.getMessage() + " (the peer was added before that route came; remove it or"
                    + " change its subnets)";
        }
        return "OK host routes: no peer subnet overlaps the " + routes.onLink().size()
                + " subnet(s) this namespace reaches" + " on-link or holds one of its "
                + routes.gateways().size() + " default gateway(s)";
    }

    long reads() {
        return reads;
    }

    /** Reads what has queued on the event socket; any route of another owner in the main table makes the routes stale. */
    private void drain() {
        if (events == null) {
            stale = true;
            return;
        }
        while (true) {
            try {
                if (!events.readable() || !events.poll(this::inspect, true)) {
                    return; // nothing queued: the usual case, one poll(2)
                }
            } catch (NativeIoException e) {
                stale = true; // notifications were lost (ENOBUFS): the routes are read again
                if (!org.tunnelmesh.linux.syscall.Errno.ENOBUFS.is(e.errno())) {
                    log.warn("route notifications: {}; the routes are read again", e.getMessage());
                    return;
                }
            } catch (RuntimeException e) {
                stale = true; // an unreadable notification: whatever it said, the dump tells
                log.warn("route notifications: {}; the routes are read again", e.getMessage());
                return;
            }
        }
    }

    private void inspect(NetlinkMessage message) {
        if (message.type() == RTM_NEWROUTE || message.type() == RTM_DELROUTE) {
            Rtmsg h = Rtmsg.read(message);
            if (h.family() == AF_INET && h.table() == RT_TABLE_MAIN && h.protocol() != protocol) {
                stale = true;
            }
        }
    }

    /** What one route of another owner adds: an on-link subnet, default gateways, or a default route through a nexthop object. */
    private record Found(HostRoutes.OnLink onLink, List<Route.Gateway> gateways, int nexthopId) {}

    private void read() {
        List<HostRoutes.OnLink> onLink = new ArrayList<>();
        List<Route.Gateway> gateways = new ArrayList<>();
        List<Integer> nexthopIds = new ArrayList<>();
        for (Found found : session.dump(RtnetlinkRequests::dumpRoutes, this::found)) {
            if (found.onLink() != null) {
                onLink.add(found.onLink());
            }
            gateways.addAll(found.gateways());
            if (found.nexthopId() != 0) {
                nexthopIds.add(found.nexthopId());
            }
        }
        if (!nexthopIds.isEmpty()) {
            Map<Integer, Nexthop> byId = new HashMap<>();
            for (Nexthop nh : session.nexthops()) {
                byId.put(nh.id(), nh);
            }
            for (int id : nexthopIds) {
                Nexthop nh = byId.get(id);
                if (nh != null && !nh.gateway().isAny()) {
                    gateways.add(new Route.Gateway(nh.gateway(), nh.oif()));
                }
            }
        }
        routes = new HostRoutes(onLink, gateways);
        stale = false;
        reads++;
        log.debug("host routes: {}", routes);
    }

    private Found found(NetlinkMessage message) {
        if (message.type() != RTM_NEWROUTE) {
            return null;
        }
        Rtmsg h = Rtmsg.read(message);
        // the header alone rules out the mesh's own routes, all 20,000 of them, unparsed
        if (h.family() != AF_INET
                || h.table() != RT_TABLE_MAIN
                || h.protocol() == protocol
                || h.type() != RTN_UNICAST) {
            return null;
        }
        Route route = Route.parse(message);
        if (route == null) {
            return null;
        }
        if (route.destination().length() == 0) {
            if (!route.gateway().isAny()) {
                return new Found(null, List.of(new Route.Gateway(route.gateway(), route.oif())), 0);
            }
            return new Found(null, Route.multipathGateways(message), route.nexthopId());
        }
        if (route.gateway().isAny() && route.nexthopId() == 0 && route.oif() != 0) {
            // one path, no gateway: reached on-link (a multipath route carries no RTA_OIF)
            return new Found(new HostRoutes.OnLink(route.destination(), route.oif()), List.of(), 0);
        }
        return null;
    }

    @Override
    public void close() {
        if (events != null) {
            events.close();
        }
    }
}
