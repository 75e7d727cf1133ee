package org.tunnelmesh;

/**
 * Whether a peer answers through the mesh, as the mesh's health monitor last saw it. Passive first: anything counted
 * from the peer through the mesh (its IPIP in the filter's per-peer counters, or its point-to-point device's received
 * packets) proves it alive at no cost; only a peer silent for an interval is probed, with an ICMP echo to its
 * {@link Peer#probeAddress()} that the kernel routes through the tunnel, so the answer proves the tunnel and not just
 * the underlay. See {@link MeshConfig#probeInterval()}, {@link MeshConfig#probeMisses()}, {@link MeshConfig#probeRate()}.
 *
 * @param name            the peer's name
 * @param underlay        its underlay address
 * @param probeAddress    where its probes go
 * @param state           {@link State#UNKNOWN} until heard from or missed long enough, then {@link State#REACHABLE} or
 *                        {@link State#UNREACHABLE}
 * @param lastHeardMillis milliseconds since anything came from the peer through the mesh; -1 if never
 * @param rttMillis       the round trip of its last answered probe, in milliseconds; -1 if none
 * @param missedIntervals intervals missed in a row (the first of silence, then each unanswered probe); 0 once heard
 * @param probesSent      probes sent to it since it was added
 * @param probesAnswered  of those, answered (through the tunnel, by its probe address)
 */
public record PeerHealth(
        String name,
        Ipv4Address underlay,
        Ipv4Address probeAddress,
        State state,
        long lastHeardMillis,
        double rttMillis,
        int missedIntervals,
        long probesSent,
        long probesAnswered) {

    /** A peer's reachability, with hysteresis (BFD's Down/Up, plus the time before the first verdict). */
    public enum State {
        /** Just added: neither heard from yet nor missed {@link MeshConfig#probeMisses()} intervals. */
        UNKNOWN,
        /** Heard from (traffic or a probe's answer) within the last {@link MeshConfig#probeMisses()} intervals. */
        REACHABLE,
        /** Missed {@link MeshConfig#probeMisses()} intervals: nothing through the mesh, probes unanswered. */
        UNREACHABLE
    }

    /**
     * Whether the peer is {@link State#REACHABLE}.
     *
     * @return true when the peer was heard from and has not missed {@link MeshConfig#probeMisses()} intervals since
     */
    public boolean reachable() {
        return state == State.REACHABLE;
    }
}
