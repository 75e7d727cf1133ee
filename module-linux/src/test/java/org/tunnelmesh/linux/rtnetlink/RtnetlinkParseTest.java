package org.tunnelmesh.linux.rtnetlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

/** Routes, addresses and nexthops read from iproute2's requests, which have the layout of the kernel's answers. */
class RtnetlinkParseTest {
    private static final Ipv4Prefix SUBNET = Ipv4Prefix.parse("192.168.42.0/24");
    private static final Ipv4Address NODE2 = Ipv4Address.parse("10.245.1.3");

    @Test
    void onlinkRoute() {
        Route route = Route.parse(NetlinkMessage.wrap(Captures.load("newroute-onlink.hex")));
        assertEquals(Route.onlink(SUBNET, NODE2, 3, 87), route);
        assertTrue(route.sameForwarding(Route.onlink(SUBNET, NODE2, 3, 87)));
    }

    @Test
    void nexthopRoute() {
        Route route = Route.parse(NetlinkMessage.wrap(Captures.load("newroute-nhid.hex")));
        assertEquals(Route.viaNexthop(SUBNET, 7, 87), route);
    }

    @Test
    void routeTableFromRtaTableWins() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(1);
        RtnetlinkRequests.newRoute(
                b,
                RtnetlinkRequests.CREATE,
                new Route(SUBNET, 1000, 87, RT_SCOPE_UNIVERSE, RTN_UNICAST, 0, Ipv4Address.ANY, 0, 7));
        assertEquals(1000, Route.parse(NetlinkMessage.wrap(b.message(0))).table());
    }

    @Test
    void routeDestinationHostBitsAreMasked() {
        byte[] bytes = Captures.load("newroute-onlink.hex");
        bytes[0x1c + 4 + 3] = 7; // RTA_DST 192.168.42.7 with rtm_dst_len 24
        assertEquals(SUBNET, Route.parse(NetlinkMessage.wrap(bytes)).destination());
    }

    @Test
    void defaultRouteHasNoDestinationAttribute() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(1);
        b.begin(RTM_NEWROUTE, 0);
        b.putU8(AF_INET)
                .putU8(0)
                .putU8(0)
                .putU8(0)
                .putU8(RT_TABLE_MAIN)
                .putU8(RTPROT_BOOT)
                .putU8(0)
                .putU8(RTN_UNICAST)
                .putU32(0);
        b.attrIpv4(RTA_GATEWAY, 0x0af50101);
        b.attrU32(RTA_OIF, 3);
        b.end();
        Route route = Route.parse(NetlinkMessage.wrap(b.message(0)));
        assertEquals(Ipv4Prefix.parse("0.0.0.0/0"), route.destination());
        assertEquals(Ipv4Address.parse("10.245.1.1"), route.gateway());
    }

    /** {@code ip route add default nexthop via 10.245.1.1 dev 3 nexthop via 10.245.2.1 dev 4 nexthop dev 5}. */
    static byte[] multipathDefaultRoute() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(1);
        b.begin(RTM_NEWROUTE, 0);
        b.putU8(AF_INET)
                .putU8(0)
                .putU8(0)
                .putU8(0)
                .putU8(RT_TABLE_MAIN)
                .putU8(RTPROT_BOOT)
                .putU8(0)
                .putU8(RTN_UNICAST)
                .putU32(0);
        b.beginNested(RTA_MULTIPATH);
        b.putU16(RTNH_LENGTH + 8).putU8(0).putU8(0).putU32(3);
        b.attrIpv4(RTA_GATEWAY, 0x0af50101);
        b.putU16(RTNH_LENGTH + 8).putU8(0).putU8(0).putU32(4);
        b.attrIpv4(RTA_GATEWAY, 0x0af50201);
        b.putU16(RTNH_LENGTH).putU8(0).putU8(0).putU32(5);
        b.endNested();
        b.end();
        return b.message(0);
    }

    @Test
    void multipathGateways() {
        NetlinkMessage m = NetlinkMessage.wrap(multipathDefaultRoute());
        Route route = Route.parse(m);
        assertEquals(Ipv4Prefix.parse("0.0.0.0/0"), route.destination());
        assertEquals(
                java.util.List.of(
                        new Route.Gateway(Ipv4Address.parse("10.245.1.1"), 3),
                        new Route.Gateway(Ipv4Address.parse("10.245.2.1"), 4)),
                Route.multipathGateways(m));
        assertEquals(
                java.util.List.of(),
                Route.multipathGateways(NetlinkMessage.wrap(Captures.load("newroute-onlink.hex"))));
    }

    @Test
    void aMultipathEntryLongerThanItsAttributeIsMalformed() {
        byte[] bytes = multipathDefaultRoute();
        int first = 16 + Rtmsg.LEN + 4; // the first rtnexthop, after the RTA_MULTIPATH header
        ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).putShort(first, (short) 200);
        org.junit.jupiter.api.Assertions.assertThrows(
                org.tunnelmesh.linux.netlink.MalformedMessageException.class,
                () -> Route.multipathGateways(NetlinkMessage.wrap(bytes)));
    }

    @Test
    void nonIpv4RoutesAreSkipped() {
        byte[] bytes = Captures.load("newroute-onlink.hex");
        bytes[0x10] = 10; // AF_INET6
        assertNull(Route.parse(NetlinkMessage.wrap(bytes)));
        byte[] tooLong = Captures.load("newroute-onlink.hex");
        tooLong[0x11] = 64;
        assertNull(Route.parse(NetlinkMessage.wrap(tooLong)));
    }

    @Test
    void nexthop() {
        Nexthop nh = Nexthop.parse(NetlinkMessage.wrap(Captures.load("newnexthop.hex")));
        assertEquals(Nexthop.onlink(7, NODE2, 3, 87), nh);
    }

    @Test
    void address() {
        Address a = Address.parse(NetlinkMessage.wrap(Captures.load("newaddr.hex")));
        assertEquals(new Address(3, Ipv4Address.parse("192.168.41.0"), 32), a);
    }

    @Test
    void addressOnAPointToPointLinkIsIfaLocal() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(1);
        b.begin(RTM_NEWADDR, 0);
        b.putU8(AF_INET).putU8(32).putU8(0).putU8(0).putU32(9);
        b.attrIpv4(IFA_ADDRESS, 0x0af50103); // the peer
        b.attrIpv4(IFA_LOCAL, 0xc0a82900);
        b.end();
        assertEquals(
                new Address(9, Ipv4Address.parse("192.168.41.0"), 32),
                Address.parse(NetlinkMessage.wrap(b.message(0))));
    }

    @Test
    void parsersIgnoreOtherTypes() {
        NetlinkMessage route = NetlinkMessage.wrap(Captures.load("newroute-onlink.hex"));
        assertNull(Address.parse(route));
        assertNull(Nexthop.parse(route));
        assertNull(Link.parse(route));
        byte[] del = Captures.load("newroute-onlink.hex");
        ByteBuffer.wrap(del).order(ByteOrder.nativeOrder()).putShort(4, (short) RTM_DELROUTE);
        assertNull(Route.parse(NetlinkMessage.wrap(del)));
    }
}
