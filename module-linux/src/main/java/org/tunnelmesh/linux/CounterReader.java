package org.tunnelmesh.linux;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.LinkCounters;
import org.tunnelmesh.TunnelDevice;
import org.tunnelmesh.linux.rtnetlink.Link;
import org.tunnelmesh.linux.rtnetlink.RtnetlinkSession;

/** Reads the counters of many devices with one dump of the ipip links, on a socket of its own. */
final class CounterReader implements AutoCloseable {
    private final RtnetlinkSession session;

    CounterReader(RtnetlinkSession session) {
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
