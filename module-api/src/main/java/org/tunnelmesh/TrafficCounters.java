package org.tunnelmesh;

import java.util.Map;

/**
 * One read of the mesh's IPIP filter: every peer's counters, and the IPIP packets the filter dropped
 * (from sources that are not peers, and arriving on a link other than the underlay device). Without the filter ({@link MeshConfig#ipipFilter()} off)
 * there is nothing to read: {@code filtered} is false and everything is empty or zero.
 *
 * @param peers counters by peer name, for every peer the mesh has
 */
public record TrafficCounters(
        boolean filtered, Map<String, PeerCounters> peers, long rejectedPackets, long rejectedBytes) {

    public static final TrafficCounters UNFILTERED = new TrafficCounters(false, Map.of(), 0, 0);

    public TrafficCounters {
        peers = Map.copyOf(peers);
    }

    /** A peer's counters; zero for a name not (or no longer) in the mesh. */
    public PeerCounters peer(String name) {
        return peers.getOrDefault(name, PeerCounters.ZERO);
    }
}
