package org.tunnelmesh.linux.rtnetlink;

/**
 * How an ipip device wraps what it sends (IFLA_IPTUN_ENCAP_*): not at all, or in UDP, as Foo-over-UDP or GUE, to a
 * destination port where the peer's {@code fou} receive port listens. Needs CONFIG_NET_FOU_IP_TUNNELS.
 *
 * @param type TUNNEL_ENCAP_NONE, TUNNEL_ENCAP_FOU or TUNNEL_ENCAP_GUE
 * @param flags TUNNEL_ENCAP_FLAG_* (the mesh sends 0: no UDP checksum, as iproute2's default)
 * @param sourcePort the UDP source port, 0 to have the kernel pick one per flow ({@code encap-sport auto})
 * @param destinationPort the UDP destination port; 0 with type none
 */
public record TunnelEncap(int type, int flags, int sourcePort, int destinationPort) {
    /** enum tunnel_encap_types: no encapsulation. */
    public static final int TUNNEL_ENCAP_NONE = 0;
    /** Foo-over-UDP. */
    public static final int TUNNEL_ENCAP_FOU = 1;
    /** Generic UDP Encapsulation. */
    public static final int TUNNEL_ENCAP_GUE = 2;

    /** Plain IPIP. */
    public static final TunnelEncap NONE = new TunnelEncap(TUNNEL_ENCAP_NONE, 0, 0, 0);

    /** {@code encap fou encap-sport auto encap-dport PORT}. */
    public static TunnelEncap fou(int destinationPort) {
        return new TunnelEncap(TUNNEL_ENCAP_FOU, 0, 0, destinationPort);
    }

    /** {@code encap gue encap-sport auto encap-dport PORT}. */
    public static TunnelEncap gue(int destinationPort) {
        return new TunnelEncap(TUNNEL_ENCAP_GUE, 0, 0, destinationPort);
    }

    /** True for FOU or GUE. */
    public boolean encapsulates() {
        return type != TUNNEL_ENCAP_NONE;
    }

    /** As {@code ip link} takes it, with a leading space; empty for none. */
    public String arguments() {
        if (!encapsulates()) {
            return "";
        }
        String name = type == TUNNEL_ENCAP_FOU ? "fou" : type == TUNNEL_ENCAP_GUE ? "gue" : "type " + type;
        return " encap " + name + " encap-sport " + (sourcePort == 0 ? "auto" : Integer.toString(sourcePort))
                + " encap-dport " + destinationPort;
    }
}
