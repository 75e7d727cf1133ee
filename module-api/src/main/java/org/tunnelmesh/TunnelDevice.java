package org.tunnelmesh;

/**
 * A tunnel device as the kernel reports it at one moment.
 *
 * @param local  outer source address, {@link Ipv4Address#ANY} where unset
 * @param remote outer destination address, {@link Ipv4Address#ANY} where unset (keyless)
 */
public record TunnelDevice(String name, int ifindex, Ipv4Address local, Ipv4Address remote,
                           int mtu, boolean up, LinkCounters counters) {
}
