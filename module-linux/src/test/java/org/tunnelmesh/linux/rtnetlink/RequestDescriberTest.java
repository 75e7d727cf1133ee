package org.tunnelmesh.linux.rtnetlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        return RequestDescriber.describe(b.message(0));
    }

    @Test
    void onlinkRoute() {
        assertEquals("ip route add 192.168.42.0/24 via 10.245.1.3 dev ifindex 2 onlink proto 87",
                describe(b -> RtnetlinkRequests.newRoute(b, RtnetlinkRequests.CREATE, Route.onlink(SUBNET, NODE2, 2, 87))));
    }

    @Test
    void deviceRoute() {
        assertEquals("ip route add 192.168.42.0/24 dev ifindex 9 proto 87",
                describe(b -> RtnetlinkRequests.newRoute(b, RtnetlinkRequests.CREATE, Route.device(SUBNET, 9, 87))));
    }

    @Test
    void nexthopRoute() {
        assertEquals("ip route add 192.168.42.0/24 nhid 7 proto 87",
                describe(b -> RtnetlinkRequests.newRoute(b, RtnetlinkRequests.CREATE_OR_REPLACE, Route.viaNexthop(SUBNET, 7, 87))));
    }

    @Test
    void routeDelete() {
        assertEquals("ip route del 192.168.42.0/24 proto 87",
                describe(b -> RtnetlinkRequests.deleteRoute(b, Route.onlink(SUBNET, NODE2, 2, 87))));
    }

    @Test
    void ipipLink() {
        assertEquals("ip link add tm-node2 type ipip local 10.245.1.2 remote 10.245.1.3",
                describe(b -> RtnetlinkRequests.newIpipLink(b, RtnetlinkRequests.CREATE, "tm-node2", 1480,
                        IpipParameters.pointToPoint(2, NODE1, NODE2, 64, true))));
        assertEquals("ip link add tunl0 type ipip local 0.0.0.0 remote 0.0.0.0",
                describe(b -> RtnetlinkRequests.newIpipLink(b, RtnetlinkRequests.CREATE, "tunl0", 0,
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
        assertEquals("ip addr add 192.168.41.0/32 dev ifindex 3",
                describe(b -> RtnetlinkRequests.newAddress(b, RtnetlinkRequests.CREATE, 3, Ipv4Address.parse("192.168.41.0"), 32)));
        assertEquals("ip addr del 192.168.41.0/32 dev ifindex 3",
                describe(b -> RtnetlinkRequests.deleteAddress(b, 3, Ipv4Address.parse("192.168.41.0"), 32)));
    }

    @Test
    void nexthop() {
        assertEquals("ip nexthop add id 7 via 10.245.1.3 dev ifindex 2",
                describe(b -> RtnetlinkRequests.newNexthop(b, RtnetlinkRequests.CREATE, Nexthop.onlink(7, NODE2, 2, 87))));
        assertEquals("ip nexthop del id 7", describe(b -> RtnetlinkRequests.deleteNexthop(b, 7)));
    }

    @Test
    void capturedRequestsToo() {
        assertEquals("ip route add 192.168.42.0/24 via 10.245.1.3 dev ifindex 3 onlink proto 87",
                RequestDescriber.describe(Captures.load("newroute-onlink.hex")));
        assertEquals("ip link set ifindex 3 mtu 1480 up", RequestDescriber.describe(Captures.load("setlink-mtu-up.hex")));
        assertEquals("ip link del ifindex 2", RequestDescriber.describe(Captures.load("dellink.hex")));
    }

    @Test
    void unknownTypesAndMissingRequests() {
        assertEquals("rtnetlink request type 18", describe(b -> RtnetlinkRequests.dumpLinks(b, false)));
        assertEquals("netlink request", RequestDescriber.describe(null));
    }

    @Test
    void garbageIsDescribedNotThrown() {
        String text = RequestDescriber.describe(new byte[] {1, 2, 3});
        assertTrue(text.startsWith("rtnetlink request (undecodable"), text);
        byte[] route = Captures.load("newroute-onlink.hex");
        byte[] truncated = java.util.Arrays.copyOf(route, 20);
        truncated[0] = 20;
        text = RequestDescriber.describe(truncated);
        assertTrue(text.startsWith("rtnetlink request (undecodable"), text);
    }
}
