package org.tunnelmesh;

/**
 * IPIP traffic exchanged with one peer, as the mesh's filter on the underlay device counted it:
 * packets and bytes (outer IPv4 total length) received from and sent to the peer's underlay address.
 */
public record PeerCounters(long rxPackets, long rxBytes, long txPackets, long txBytes) {

    public static final PeerCounters ZERO = new PeerCounters(0, 0, 0, 0);
}
