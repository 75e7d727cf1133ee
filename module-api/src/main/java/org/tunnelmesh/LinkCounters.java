package org.tunnelmesh;

/** A device's packet counters as the kernel keeps them (IFLA_STATS64). */
public record LinkCounters(
        long rxPackets,
        long rxBytes,
        long rxErrors,
        long rxDropped,
        long txPackets,
        long txBytes,
        long txErrors,
        long txDropped) {

    public static final LinkCounters ZERO = new LinkCounters(0, 0, 0, 0, 0, 0, 0, 0);
}
