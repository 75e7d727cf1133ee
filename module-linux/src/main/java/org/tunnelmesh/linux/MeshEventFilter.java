package org.tunnelmesh.linux;

import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.*;

import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.linux.netlink.NetlinkAttributes;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.rtnetlink.Ifaddrmsg;
import org.tunnelmesh.linux.rtnetlink.Ifinfomsg;
import org.tunnelmesh.linux.rtnetlink.Nhmsg;
import org.tunnelmesh.linux.rtnetlink.Rtmsg;
import org.tunnelmesh.linux.tc.Tc;
import org.tunnelmesh.linux.tc.Tcmsg;

/**
 * Which rtnetlink events concern the mesh, so a busy host (containers coming and going, a routing
 * daemon) does not make it reconcile on every change of someone else's:
 * <ul>
 * <li>a link event (up/down, MTU, deletion) of tunl0, tm0, a {@code tm-} device, or the underlay device;
 * <li>a deleted route or nexthop of our protocol (routes flushed with a device come without an
 *     event of their own: the link event covers them);
 * <li>a deleted address that is our tunnel address;
 * <li>a qdisc deleted, or a filter deleted or changed, on the underlay device or on tunl0 (the IPIP filter and its clsact).
 * </ul>
 * Additions are ours or harmless; the periodic resync catches anything else.
 */
final class MeshEventFilter {
    private final int protocol;
    private final Ipv4Address tunnelAddress;
    private final int underlayIfindex;
    private final java.util.function.IntPredicate tcDevice;

    MeshEventFilter(int protocol, Ipv4Address tunnelAddress, int underlayIfindex) {
        this(protocol, tunnelAddress, underlayIfindex, ifindex -> false);
    }

    /** @param tcDevice another device whose tc events concern the mesh (tunl0, which the IPIP filter guards too) */
    MeshEventFilter(
            int protocol, Ipv4Address tunnelAddress, int underlayIfindex, java.util.function.IntPredicate tcDevice) {
        this.protocol = protocol;
        this.tunnelAddress = tunnelAddress;
        this.underlayIfindex = underlayIfindex;
        this.tcDevice = tcDevice;
    }

    boolean concerns(NetlinkMessage message) {
        switch (message.type()) {
            case RTM_NEWLINK, RTM_DELLINK -> {
                if (Ifinfomsg.read(message).index() == underlayIfindex) {
                    return true;
                }
                NetlinkAttributes attrs = Ifinfomsg.attributes(message, IFLA_MAX_PARSED);
                String name = attrs.string(IFLA_IFNAME);
                return name != null
                        && (name.equals(DeviceNames.FALLBACK)
                                || name.equals(DeviceNames.ENCAPSULATED_SHARED)
                                || DeviceNames.looksOwned(name));
            }
            case RTM_DELROUTE -> {
                Rtmsg h = Rtmsg.read(message);
                return h.family() == AF_INET && h.protocol() == protocol;
            }
            case RTM_DELNEXTHOP -> {
                return Nhmsg.read(message).protocol() == protocol;
            }
            case RTM_DELADDR -> {
                if (Ifaddrmsg.read(message).family() != AF_INET) {
                    return false;
                }
                NetlinkAttributes attrs = Ifaddrmsg.attributes(message, IFA_MAX_PARSED);
                int type = attrs.has(IFA_LOCAL) ? IFA_LOCAL : IFA_ADDRESS;
                return attrs.has(type) && attrs.ipv4(type, 0) == tunnelAddress.bits();
            }
            case Tc.RTM_DELQDISC, Tc.RTM_DELTFILTER, Tc.RTM_NEWTFILTER -> {
                int ifindex = Tcmsg.read(message).ifindex();
                return ifindex == underlayIfindex || tcDevice.test(ifindex);
            }
            default -> {
                return false;
            }
        }
    }
}
