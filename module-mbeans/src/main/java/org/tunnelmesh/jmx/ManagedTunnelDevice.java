package org.tunnelmesh.jmx;

import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.TunnelDevice;
import org.weakref.jmx.Managed;

/**
 * One tunnel device ({@code org.tunnelmesh:type=TunnelDevice,mesh=<mesh>,name=<ifname>}).
 * Every read comes from the shared device snapshot, at most the export's counter age ({@link MeshMBeans#COUNTER_MAX_AGE} unless told) old.
 */
@ManagedDescription(description = "A tunnel device of the mesh, with the kernel's counters (IFLA_STATS64)")
public final class ManagedTunnelDevice {

    private final String name;
    private final DeviceSnapshots snapshots;
    // what the kernel last said, kept for the moment between the device going and this MBean going
    private volatile TunnelDevice lastSeen;

    ManagedTunnelDevice(TunnelDevice device, DeviceSnapshots snapshots) {
        this.name = device.name();
        this.snapshots = snapshots;
        this.lastSeen = device;
    }

    private TunnelDevice device() {
        TunnelDevice device = snapshots.current().get(name);
        if (device != null) {
            lastSeen = device;
        }
        return lastSeen;
    }

    /** {@return the kernel's interface index} */
    @Managed(description = "Kernel interface index")
    public int getIfindex() {
        return device().ifindex();
    }

    /** {@return the outer source address, {@code any} where unset} */
    @Managed(description = "Outer source address, 'any' where unset")
    public String getLocal() {
        return address(device().local());
    }

    /** {@return the outer destination address, {@code any} where unset (the shared tunl0)} */
    @Managed(description = "Outer destination address, 'any' where unset (the shared tunl0 sends anywhere)")
    public String getRemote() {
        return address(device().remote());
    }

    /** {@return the device's MTU, bytes} */
    @Managed(description = "Device MTU")
    public int getMtu() {
        return device().mtu();
    }

    /** {@return whether the device is administratively up} */
    @Managed(description = "Whether the device is administratively up")
    public boolean isUp() {
        return device().up();
    }

    /** {@return packets received} */
    @Managed(description = "Packets received")
    public long getRxPackets() {
        return device().counters().rxPackets();
    }

    /** {@return bytes received} */
    @Managed(description = "Bytes received")
    public long getRxBytes() {
        return device().counters().rxBytes();
    }

    /** {@return receive errors} */
    @Managed(description = "Receive errors")
    public long getRxErrors() {
        return device().counters().rxErrors();
    }

    /** {@return received packets dropped} */
    @Managed(description = "Received packets dropped")
    public long getRxDropped() {
        return device().counters().rxDropped();
    }

    /** {@return packets sent} */
    @Managed(description = "Packets sent")
    public long getTxPackets() {
        return device().counters().txPackets();
    }

    /** {@return bytes sent} */
    @Managed(description = "Bytes sent")
    public long getTxBytes() {
        return device().counters().txBytes();
    }

    /** {@return send errors (e.g. no route to the peer's underlay)} */
    @Managed(description = "Send errors (e.g. no route to the peer's underlay)")
    public long getTxErrors() {
        return device().counters().txErrors();
    }

    /** {@return packets dropped on send} */
    @Managed(description = "Packets dropped on send")
    public long getTxDropped() {
        return device().counters().txDropped();
    }

    private static String address(Ipv4Address address) {
        return address.isAny() ? "any" : address.toString();
    }
}
