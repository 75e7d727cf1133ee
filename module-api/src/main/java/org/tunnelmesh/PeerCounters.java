package org.tunnelmesh;

/**
 * IPIP traffic exchanged with one peer, as the mesh's filter on the underlay device counted it:
 * packets and bytes (outer IPv4 total length) received from and sent to the peer's underlay address.
 *
 * @param rxPackets IPIP packets received from the peer
 * @param rxBytes their bytes
 * @param txPackets IPIP packets sent to the peer
 * @param txBytes their bytes
 */
public record PeerCounters(long rxPackets, long rxBytes, long txPackets, long txBytes) {

    /** All zero: a peer nothing was exchanged with, or one the mesh does not have. */
    public static final PeerCounters ZERO = new PeerCounters(0, 0, 0, 0);
}
