package org.tunnelmesh.linux.rtnetlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.LinkCounters;
import org.tunnelmesh.linux.netlink.MalformedMessageException;
import org.tunnelmesh.linux.netlink.Netlink;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

class LinkParseTest {

    /** linkdump-veth0.hex: the kernel's RTM_NEWLINK for veth0 after 3 pings (see the README for the numbers). */
    @Test
    void parsesACapturedLinkWithStats64() {
        Link veth0 = Link.parse(NetlinkMessage.wrap(Captures.load("linkdump-veth0.hex")));
        assertEquals("veth0", veth0.name());
        assertEquals(3, veth0.ifindex());
        assertEquals(1480, veth0.mtu());
        assertTrue(veth0.up());
        assertEquals(0x11043, veth0.flags());
        assertEquals("veth", veth0.kind());
        assertNull(veth0.ipip());
        assertEquals(new LinkCounters(4, 336, 0, 0, 4, 336, 0, 0), veth0.counters());
    }

    /** Kernels before 4.6 (no rx_nohandler) and older had a shorter struct; we read only what is there. */
    @Test
    void shorterStats64FromAnOlderKernelLeavesTheRestZero() {
        NetlinkMessageBuilder b = linkMessage("tm-node2", 9, 1480);
        b.putU16(4 + 4 * 8).putU16(IFLA_STATS64);
        b.putU32(11).putU32(0); // rx_packets
        b.putU32(22).putU32(0); // tx_packets
        b.putU32(3300).putU32(1); // rx_bytes, above 2^32
        b.putU32(4400).putU32(0); // tx_bytes
        b.end();
        Link link = Link.parse(NetlinkMessage.wrap(b.message(0)));
        assertEquals(new LinkCounters(11, (1L << 32) + 3300, 0, 0, 22, 4400, 0, 0), link.counters());
    }

    @Test
    void stats64CutInsideAFieldReadsOnlyWholeFields() {
        NetlinkMessageBuilder b = linkMessage("tm-node2", 9, 1480);
        b.putU16(4 + 5 * 8 + 4).putU16(IFLA_STATS64);
        for (int i = 1; i <= 5; i++) {
            b.putU32(i).putU32(0);
        }
        b.putU32(6); // half of tx_errors
        b.end();
        Link link = Link.parse(NetlinkMessage.wrap(b.message(0)));
        assertEquals(new LinkCounters(1, 3, 5, 0, 2, 4, 0, 0), link.counters());
    }

    @Test
    void longerStats64FromANewerKernelReadsTheFirstEight() {
        NetlinkMessageBuilder b = linkMessage("tm-node2", 9, 1480);
        b.putU16(4 + 30 * 8).putU16(IFLA_STATS64);
        for (int i = 1; i <= 30; i++) {
            b.putU32(i * 10).putU32(0);
        }
        b.end();
        Link link = Link.parse(NetlinkMessage.wrap(b.message(0)));
        assertEquals(new LinkCounters(10, 30, 50, 70, 20, 40, 60, 80), link.counters());
    }

    @Test
    void noStatsMeansNoCounters() {
        NetlinkMessageBuilder b = linkMessage("tunl0", 2, 1480);
        b.end();
        Link link = Link.parse(NetlinkMessage.wrap(b.message(0)));
        assertNull(link.counters());
        assertEquals("tunl0", link.name());
        assertEquals(2, link.ifindex());
        assertNull(link.kind());
    }

    @Test
    void ipipLinkParsesBackToItsParameters() {
        IpipParameters p =
                new IpipParameters(3, Ipv4Address.parse("10.245.1.2"), Ipv4Address.parse("10.245.1.3"), 64, 0x10, true);
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(512).reset(1);
        RtnetlinkRequests.newIpipLink(b, RtnetlinkRequests.CREATE, "tm-node2", 1480, p);
        byte[] reply = b.message(0);
        ByteBuffer.wrap(reply)
                .order(ByteOrder.nativeOrder())
                .putShort(6, (short) Netlink.NLM_F_MULTI)
                .putInt(0x14, 12);
        Link link = Link.parse(NetlinkMessage.wrap(reply));
        assertEquals("tm-node2", link.name());
        assertEquals(12, link.ifindex());
        assertEquals(1480, link.mtu());
        assertEquals("ipip", link.kind());
        assertEquals(p, link.ipip());
        assertFalse(link.up());
    }

    @Test
    void keylessIpipLinkWithoutPmtudisc() {
        IpipParameters p = new IpipParameters(0, Ipv4Address.ANY, Ipv4Address.ANY, 0, 0, false);
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(512).reset(1);
        RtnetlinkRequests.newIpipLink(b, RtnetlinkRequests.CREATE, "tunl0", 0, p);
        Link link = Link.parse(NetlinkMessage.wrap(b.message(0)));
        assertEquals(p, link.ipip());
        assertTrue(link.ipip().local().isAny() && link.ipip().remote().isAny(), "keyless");
        assertEquals(0, link.mtu());
    }

    @Test
    void otherKindsHaveNoIpipParameters() {
        NetlinkMessageBuilder b = linkMessage("gre1", 4, 1476);
        b.beginNested(IFLA_LINKINFO);
        b.attrString(IFLA_INFO_KIND, "gre");
        b.beginNested(IFLA_INFO_DATA);
        b.attrIpv4(IFLA_IPTUN_LOCAL, 0x0af50102);
        b.endNested();
        b.endNested();
        b.end();
        Link link = Link.parse(NetlinkMessage.wrap(b.message(0)));
        assertEquals("gre", link.kind());
        assertNull(link.ipip());
    }

    @Test
    void otherMessageTypesAreNotLinks() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(1);
        RtnetlinkRequests.newAddress(b, RtnetlinkRequests.CREATE, 3, Ipv4Address.parse("192.168.41.0"), 32);
        assertNull(Link.parse(NetlinkMessage.wrap(b.message(0))));
    }

    @Test
    void linkWithoutNameIsMalformed() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(1);
        b.begin(RTM_NEWLINK, 0);
        b.putU8(AF_UNSPEC).putU8(0).putU16(0).putU32(5).putU32(0).putU32(0);
        b.attrU32(IFLA_MTU, 1500);
        b.end();
        MalformedMessageException e =
                assertThrows(MalformedMessageException.class, () -> Link.parse(NetlinkMessage.wrap(b.message(0))));
        assertTrue(e.getMessage().contains("5"), e.getMessage());
    }

    @Test
    void truncatedIfinfomsgIsMalformed() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(1);
        b.begin(RTM_NEWLINK, 0);
        b.putU32(0).putU32(5);
        b.end();
        assertThrows(MalformedMessageException.class, () -> Link.parse(NetlinkMessage.wrap(b.message(0))));
    }

    /** An RTM_NEWLINK as the kernel sends it in a dump, open for more attributes. */
    private static NetlinkMessageBuilder linkMessage(String name, int ifindex, int mtu) {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(512).reset(1);
        b.begin(RTM_NEWLINK, Netlink.NLM_F_MULTI);
        b.putU8(AF_UNSPEC)
                .putU8(0)
                .putU16(768)
                .putU32(ifindex)
                .putU32(IFF_UP | IFF_LOWER_UP)
                .putU32(0);
        b.attrString(IFLA_IFNAME, name);
        b.attrU32(IFLA_MTU, mtu);
        return b;
    }
}
