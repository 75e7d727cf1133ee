package org.tunnelmesh;

/**
 * A device's packet counters as the kernel keeps them (IFLA_STATS64), since the device was made.
 *
 * @param rxPackets packets received
 * @param rxBytes bytes received
 * @param rxErrors receive errors
 * @param rxDropped received packets dropped
 * @param txPackets packets sent
 * @param txBytes bytes sent
 * @param txErrors send errors
 * @param txDropped packets dropped on sending
 */
public record LinkCounters(
        long rxPackets,
        long rxBytes,
        long rxErrors,
        long rxDropped,
        long txPackets,
        long txBytes,
        long txErrors,
        long txDropped) {

    /** All zero. */
    public static final LinkCounters ZERO = new LinkCounters(0, 0, 0, 0, 0, 0, 0, 0);
}
