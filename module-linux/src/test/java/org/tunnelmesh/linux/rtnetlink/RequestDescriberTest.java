package org.tunnelmesh.linux.rtnetlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

class RequestDescriberTest {
    private static final Ipv4Prefix SUBNET = Ipv4Prefix.parse("192.168.42.0/24");
    private static final Ipv4Address NODE1 = Ipv4Address.parse("10.245.1.2");
    private static final Ipv4Address NODE2 = Ipv4Address.parse("10.245.1.3");

    private static String describe(Consumer<NetlinkMessageBuilder> request) {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(512).reset(1);
        request.accept(b);
        return RequestDescriber.describe(b.request(0));
    }

    @Test
    void onlinkRoute() {
        assertEquals(
                "ip route add 192.168.42.0/24 via 10.245.1.3 dev ifindex 2 onlink proto 87",
                describe(b ->
                        RtnetlinkRequests.newRoute(b, RtnetlinkRequests.CREATE, Route.onlink(SUBNET, NODE2, 2, 87))));
    }

    @Test
    void deviceRoute() {
        assertEquals(
                "ip route add 192.168.42.0/24 dev ifindex 9 proto 87",
                describe(b -> RtnetlinkRequests.newRoute(b, RtnetlinkRequests.CREATE, Route.device(SUBNET, 9, 87))));
    }

    @Test
    void nexthopRoute() {
        assertEquals(
                "ip route add 192.168.42.0/24 nhid 7 proto 87",
                describe(b -> RtnetlinkRequests.newRoute(
                        b, RtnetlinkRequests.CREATE_OR_REPLACE, Route.viaNexthop(SUBNET, 7, 87))));
    }

    @Test
    void routeDelete() {
        assertEquals(
                "ip route del 192.168.42.0/24 proto 87",
                describe(b -> RtnetlinkRequests.deleteRoute(b, Route.onlink(SUBNET, NODE2, 2, 87))));
    }

    @Test
    void ipipLink() {
        assertEquals(
                "ip link add tm-node2 type ipip local 10.245.1.2 remote 10.245.1.3",
                describe(b -> RtnetlinkRequests.newIpipLink(
                        b,
                        RtnetlinkRequests.CREATE,
                        "tm-node2",
                        1480,
                        IpipParameters.pointToPoint(2, NODE1, NODE2, 64, true))));
        assertEquals(
                "ip link add tunl0 type ipip local 0.0.0.0 remote 0.0.0.0",
                describe(b -> RtnetlinkRequests.newIpipLink(
                        b,
                        RtnetlinkRequests.CREATE,
                        "tunl0",
                        0,
                        new IpipParameters(0, Ipv4Address.ANY, Ipv4Address.ANY, 0, 0, true))));
    }

    @Test
    void linkSet() {
        assertEquals("ip link set ifindex 7 mtu 1480 up", describe(b -> RtnetlinkRequests.setLink(b, 7, 1480, true)));
        assertEquals("ip link set ifindex 7 down", describe(b -> RtnetlinkRequests.setLink(b, 7, 0, false)));
    }

    @Test
    void linkDelete() {
        assertEquals("ip link del ifindex 7", describe(b -> RtnetlinkRequests.deleteLink(b, 7)));
        assertEquals("ip link del tm-node2", describe(b -> RtnetlinkRequests.deleteLink(b, "tm-node2")));
    }

    @Test
    void address() {
        assertEquals(
                "ip addr add 192.168.41.0/32 dev ifindex 3",
                describe(b -> RtnetlinkRequests.newAddress(
                        b, RtnetlinkRequests.CREATE, 3, Ipv4Address.parse("192.168.41.0"), 32)));
        assertEquals(
                "ip addr del 192.168.41.0/32 dev ifindex 3",
                describe(b -> RtnetlinkRequests.deleteAddress(b, 3, Ipv4Address.parse("192.168.41.0"), 32)));
    }

    @Test
    void nexthop() {
        assertEquals(
                "ip nexthop add id 7 via 10.245.1.3 dev ifindex 2",
                describe(b ->
                        RtnetlinkRequests.newNexthop(b, RtnetlinkRequests.CREATE, Nexthop.onlink(7, NODE2, 2, 87))));
        assertEquals("ip nexthop del id 7", describe(b -> RtnetlinkRequests.deleteNexthop(b, 7)));
    }

    /** Requests byte for byte as ip sent them (the captures) read as the ip command that sent them. */
    @Test
    void capturedRequestsToo() {
        assertCapturedAndDescribed(
                "newroute-onlink.hex",
                "ip route add 192.168.42.0/24 via 10.245.1.3 dev ifindex 3 onlink proto 87",
                b -> RtnetlinkRequests.newRoute(
                        b, Captures.flags(Captures.load("newroute-onlink.hex")), Route.onlink(SUBNET, NODE2, 3, 87)));
        assertCapturedAndDescribed(
                "setlink-mtu-up.hex",
                "ip link set ifindex 3 mtu 1480 up",
                b -> RtnetlinkRequests.setLink(b, 3, 1480, true));
        assertCapturedAndDescribed("dellink.hex", "ip link del ifindex 2", b -> RtnetlinkRequests.deleteLink(b, 2));
    }

    private static void assertCapturedAndDescribed(
            String capture, String command, Consumer<NetlinkMessageBuilder> request) {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(512).reset(1);
        request.accept(b);
        byte[] sent = b.message(0);
        byte[] iproute2 = Captures.load(capture);
        // seq and port id are ip's own
        java.nio.ByteBuffer.wrap(sent)
                .order(java.nio.ByteOrder.nativeOrder())
                .putInt(
                        8,
                        java.nio.ByteBuffer.wrap(iproute2)
                                .order(java.nio.ByteOrder.nativeOrder())
                                .getInt(8))
                .putInt(
                        12,
                        java.nio.ByteBuffer.wrap(iproute2)
                                .order(java.nio.ByteOrder.nativeOrder())
                                .getInt(12));
        org.junit.jupiter.api.Assertions.assertArrayEquals(iproute2, sent, capture);
        assertEquals(command, RequestDescriber.describe(b.request(0)));
    }

    @Test
    void dumpsAndMissingRequests() {
        assertEquals("ip link show", describe(b -> RtnetlinkRequests.dumpLinks(b, false)));
        assertEquals("ip nexthop show", describe(b -> RtnetlinkRequests.dumpNexthops(b)));
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(512).reset(1);
        b.begin(Rtnetlink.RTM_GETLINK, RtnetlinkRequests.DUMP); // a writer that did not say what it asks
        b.end();
        assertEquals("netlink request", RequestDescriber.describe(b.request(0)));
        assertEquals("netlink request", RequestDescriber.describe(null));
    }

    @Test
    void onlyAKeylessIpipLinkIsOne() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(512).reset(1);
        RtnetlinkRequests.newIpipLink(
                b,
                RtnetlinkRequests.CREATE,
                "tunl1",
                0,
                new IpipParameters(0, Ipv4Address.ANY, Ipv4Address.ANY, 0, 0, true));
        RtnetlinkRequests.newIpipLink(
                b,
                RtnetlinkRequests.CREATE,
                "tm-node2",
                0,
                IpipParameters.pointToPoint(2, NODE1, Ipv4Address.ANY, 64, true));
        RtnetlinkRequests.deleteLink(b, "tunl1");
        assertTrue(RequestDescriber.isKeylessIpipLink(b.request(0)));
        assertFalse(RequestDescriber.isKeylessIpipLink(b.request(1)));
        assertFalse(RequestDescriber.isKeylessIpipLink(b.request(2)));
        assertFalse(RequestDescriber.isKeylessIpipLink(null));
    }
}
