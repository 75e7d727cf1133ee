package org.tunnelmesh.linux;

import org.tunnelmesh.TunnelDevice;

/**
 * Device names the mesh uses, as {@link TunnelDevice} defines them for every mesh (the in-memory
 * one of tunnelmesh-testing too): the kernel's fallback tunnel tunl0 (SHARED), and one
 * point-to-point device per peer.
 */
final class DeviceNames {
    /** The ipip module's fallback device, made in every namespace (unless net.core.fb_tunnels_only_for_init_net). */
    static final String FALLBACK = TunnelDevice.SHARED_NAME;

    /** A SHARED mesh's own one-to-many device when it encapsulates: the kernel refuses encap on tunl0. */
    static final String ENCAPSULATED_SHARED = TunnelDevice.ENCAPSULATED_SHARED_NAME;

    private DeviceNames() {}

    static String forPeer(String peerName) {
        return TunnelDevice.pointToPointName(peerName);
    }

    static boolean looksOwned(String ifname) {
        return TunnelDevice.isPointToPointName(ifname);
    }
}
