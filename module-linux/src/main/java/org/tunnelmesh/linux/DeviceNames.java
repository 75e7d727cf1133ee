package org.tunnelmesh.linux;

import org.tunnelmesh.TunnelDevice;

/**
 * Names of point-to-point devices, as {@link TunnelDevice} defines them for every mesh (the
 * in-memory one of tunnelmesh-testing too).
 */
final class DeviceNames {

    private DeviceNames() {
    }

    static String forPeer(String peerName) {
        return TunnelDevice.pointToPointName(peerName);
    }

    static boolean looksOwned(String ifname) {
        return TunnelDevice.isPointToPointName(ifname);
    }
}
