package org.tunnelmesh.linux.rtnetlink;

import org.tunnelmesh.Ipv4Address;

/**
 * The tunnel parameters of an ipip device (IFLA_INFO_DATA). The kernel zeroes every parameter on
 * newlink and changelink, so these are always sent complete.
 *
 * @param link underlay ifindex the tunnel is bound to, 0 for none
 * @param encap the UDP encapsulation, {@link TunnelEncap#NONE} for plain IPIP
 */
public record IpipParameters(
        int link, Ipv4Address local, Ipv4Address remote, int ttl, int tos, boolean pmtuDiscovery, TunnelEncap encap) {

    /** Plain IPIP. */
    public IpipParameters(int link, Ipv4Address local, Ipv4Address remote, int ttl, int tos, boolean pmtuDiscovery) {
        this(link, local, remote, ttl, tos, pmtuDiscovery, TunnelEncap.NONE);
    }

    public IpipParameters {
        if (encap == null) {
            throw new IllegalArgumentException("encap is null: use TunnelEncap.NONE for plain IPIP");
        }
    }

    public static IpipParameters pointToPoint(
            int link, Ipv4Address local, Ipv4Address remote, int ttl, boolean pmtuDiscovery) {
        return new IpipParameters(link, local, remote, ttl, 0, pmtuDiscovery);
    }

    /** These parameters with {@code encap} instead. */
    public IpipParameters withEncap(TunnelEncap encap) {
        return new IpipParameters(link, local, remote, ttl, tos, pmtuDiscovery, encap);
    }
}
