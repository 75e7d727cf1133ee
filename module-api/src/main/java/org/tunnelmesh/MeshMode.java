package org.tunnelmesh;

/** The two shapes of an IPIP mesh on one node. */
public enum MeshMode {
    /**
     * The classic one-to-many setup: the fallback device {@code tunl0} up, and per peer subnet a
     * route via the peer's underlay address, onlink. One device carries (and counts) every peer.
     * {@code tunl0} accepts IPIP from any source.
     */
    SHARED,
    /**
     * One ipip device per peer with local and remote set; {@code tunl0} kept down so the kernel
     * drops IPIP from sources that are not peers. Counters per peer.
     */
    POINT_TO_POINT
}
