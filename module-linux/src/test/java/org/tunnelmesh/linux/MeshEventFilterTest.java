package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;
import org.tunnelmesh.linux.rtnetlink.IpipParameters;
import org.tunnelmesh.linux.rtnetlink.Nexthop;
import org.tunnelmesh.linux.rtnetlink.Route;
import org.tunnelmesh.linux.rtnetlink.Rtnetlink;
import org.tunnelmesh.linux.rtnetlink.RtnetlinkRequests;

/** The watcher reacts to what concerns the mesh only: its protocol, its devices, tunl0, the underlay device, its address. */
class MeshEventFilterTest {
    private static final int UNDERLAY_IFINDEX = 2;
    private static final MeshEventFilter FILTER =
            new MeshEventFilter(87, Ipv4Address.parse("192.168.41.0"), UNDERLAY_IFINDEX);

    /** One message as the writer makes it, with its type changed to {@code type} (events use the same layouts). */
    private static NetlinkMessage event(int type, Consumer<NetlinkMessageBuilder> writer) {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(1);
        writer.accept(b);
        byte[] bytes = b.message(0);
        java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.nativeOrder()).putShort(4, (short) type);
        return NetlinkMessage.wrap(bytes);
    }

    private static NetlinkMessage link(int type, String name, int ifindex) {
        NetlinkMessage message = event(
                type,
                b -> RtnetlinkRequests.newIpipLink(
                        b,
                        RtnetlinkRequests.CREATE,
                        name,
                        1480,
                        new IpipParameters(0, Ipv4Address.ANY, Ipv4Address.ANY, 64, 0, true)));
        message.buffer().putInt(message.payloadOffset() + 4, ifindex); // ifinfomsg.ifi_index
        return message;
    }

    private static NetlinkMessage deletedRoute(int protocol) {
        return event(
                Rtnetlink.RTM_DELROUTE,
                b -> RtnetlinkRequests.deleteRoute(
                        b,
                        Route.onlink(
                                Ipv4Prefix.parse("192.168.42.0/24"), Ipv4Address.parse("10.245.1.3"), 5, protocol)));
    }

    private static NetlinkMessage deletedNexthop(int protocol) {
        return event(
                Rtnetlink.RTM_DELNEXTHOP,
                b -> RtnetlinkRequests.newNexthop(
                        b, RtnetlinkRequests.CREATE, Nexthop.onlink(7, Ipv4Address.parse("10.245.1.3"), 5, protocol)));
    }

    private static NetlinkMessage deletedAddress(String address) {
        return event(Rtnetlink.RTM_DELADDR, b -> RtnetlinkRequests.deleteAddress(b, 5, Ipv4Address.parse(address), 32));
    }

    @Test
    void linksOfTheMesh() {
        assertTrue(FILTER.concerns(link(Rtnetlink.RTM_NEWLINK, "tunl0", 5)));
        assertTrue(FILTER.concerns(link(Rtnetlink.RTM_DELLINK, "tm-node2", 9)));
        assertTrue(FILTER.concerns(link(Rtnetlink.RTM_NEWLINK, "eth0", UNDERLAY_IFINDEX)), "the underlay device");
        assertFalse(FILTER.concerns(link(Rtnetlink.RTM_NEWLINK, "veth7", 12)), "someone else's device");
        assertFalse(FILTER.concerns(link(Rtnetlink.RTM_DELLINK, "docker0", 13)));
    }

    @Test
    void routesAndNexthopsOfOurProtocolOnly() {
        assertTrue(FILTER.concerns(deletedRoute(87)));
        assertFalse(FILTER.concerns(deletedRoute(4)), "a static route");
        assertFalse(FILTER.concerns(deletedRoute(186)), "bgp");
        assertTrue(FILTER.concerns(deletedNexthop(87)));
        assertFalse(FILTER.concerns(deletedNexthop(16)));
    }

    @Test
    void ourTunnelAddressOnly() {
        assertTrue(FILTER.concerns(deletedAddress("192.168.41.0")));
        assertFalse(FILTER.concerns(deletedAddress("172.16.0.1")));
    }

    @Test
    void additionsOfRoutesAndAddressesDoNotCount() {
        assertFalse(FILTER.concerns(event(
                Rtnetlink.RTM_NEWROUTE,
                b -> RtnetlinkRequests.newRoute(
                        b, RtnetlinkRequests.CREATE, Route.device(Ipv4Prefix.parse("192.168.42.0/24"), 5, 87)))));
        assertFalse(FILTER.concerns(event(
                Rtnetlink.RTM_NEWADDR,
                b -> RtnetlinkRequests.newAddress(
                        b, RtnetlinkRequests.CREATE, 5, Ipv4Address.parse("192.168.41.0"), 32))));
    }
}
