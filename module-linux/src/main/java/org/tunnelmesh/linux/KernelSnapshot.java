package org.tunnelmesh.linux;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Peer;

/**
 * The kernel as a resync read it before it took the mesh's lock, and the peers the mesh added or removed after that
 * read began. Those peers' state is as their own change left it (applied, or rolled back), which the read may have seen
 * half of: a reconcile leaves it alone, and the next resync checks it.
 *
 * @param state links, addresses, routes and nexthops, as {@link KernelReader#state()} read them
 * @param changedSince the peers added or removed since (both versions when a name was removed and added again)
 */
record KernelSnapshot(KernelState state, List<Peer> changedSince) {

    /** The underlay addresses of {@link #changedSince}: a SHARED mesh's nexthops by gateway. */
    Set<Ipv4Address> changedUnderlays() {
        Set<Ipv4Address> underlays = new HashSet<>();
        for (Peer peer : changedSince) {
            underlays.add(peer.underlay());
        }
        return underlays;
    }

    /** The device names of {@link #changedSince}: a POINT_TO_POINT mesh's devices. */
    Set<String> changedDevices() {
        Set<String> devices = new HashSet<>();
        for (Peer peer : changedSince) {
            devices.add(DeviceNames.forPeer(peer.name()));
        }
        return devices;
    }
}
