package org.tunnelmesh;

import java.util.Map;

/**
 * One read of the mesh's IPIP filter: every peer's counters, and the IPIP packets the filter dropped
 * (from sources that are not peers, and arriving on a link other than the underlay device). Without the filter ({@link MeshConfig#ipipFilter()} off)
 * there is nothing to read: {@code filtered} is false and everything is empty or zero.
 *
 * @param filtered whether the mesh has the filter; false: everything here is empty or zero
 * @param peers counters by peer name, for every peer the mesh has
 * @param rejectedPackets IPIP packets the filter dropped, since it was installed
 * @param rejectedBytes their bytes (outer IPv4 total length)
 */
public record TrafficCounters(
        boolean filtered, Map<String, PeerCounters> peers, long rejectedPackets, long rejectedBytes) {

    /** What a mesh without the IPIP filter reads: nothing. */
    public static final TrafficCounters UNFILTERED = new TrafficCounters(false, Map.of(), 0, 0);

    /**
     * Copies {@code peers}.
     *
     * @param filtered whether the mesh has the filter
     * @param peers counters by peer name
     * @param rejectedPackets IPIP packets the filter dropped
     * @param rejectedBytes their bytes
     */
    public TrafficCounters {
        peers = Map.copyOf(peers);
    }

    /**
     * A peer's counters.
     *
     * @param name the peer's name
     * @return its counters; {@link PeerCounters#ZERO} for a name not (or no longer) in the mesh
     */
    public PeerCounters peer(String name) {
        return peers.getOrDefault(name, PeerCounters.ZERO);
    }
}
