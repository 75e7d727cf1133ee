package org.tunnelmesh.linux.rtnetlink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.KernelException;
import org.tunnelmesh.KernelSupportException;
import org.tunnelmesh.TunnelMeshException;
import org.tunnelmesh.linux.netlink.Bytes;
import org.tunnelmesh.linux.netlink.Netlink;
import org.tunnelmesh.linux.netlink.NetlinkException;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

/**
 * ipip devices that carry IPIP inside UDP (IFLA_IPTUN_ENCAP_*), byte for byte against iproute2 6.1's
 * {@code ip link add ... encap fou|gue encap-sport auto encap-dport 5555} (captures in
 * src/test/resources/genetlink, where veth0 had ifindex 4), and the kernel's EINVAL for them explained.
 */
class EncapRequestsTest {
    private static final int VETH0 = 4;
    private static final Ipv4Address LOCAL = Ipv4Address.parse("10.245.1.2");
    private static final int NEWLINK =
            Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK | Netlink.NLM_F_EXCL | Netlink.NLM_F_CREATE;

    private final NetlinkMessageBuilder b = new NetlinkMessageBuilder(1024).reset(1);

    static byte[] capture(String file) {
        try (InputStream in = EncapRequestsTest.class.getResourceAsStream("/genetlink/" + file)) {
            if (in == null) {
                throw new IllegalStateException("capture " + file + " is missing from src/test/resources/genetlink");
            }
            return Bytes.hex(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The capture as we send it: IFLA_IPTUN_PROTO 4 (IPPROTO_IPIP, as {@code mode ipip}) where plain {@code ip}
     * sends 0, see RtnetlinkRequestsTest; and our sequence number.
     */
    private static byte[] asWeSendIt(byte[] iproute2, int protoOffset) {
        ByteBuffer view = ByteBuffer.wrap(iproute2).order(ByteOrder.nativeOrder());
        assertEquals(IFLA_IPTUN_PROTO, view.getShort(protoOffset + 2));
        assertEquals(0, iproute2[protoOffset + Netlink.NLA_HDRLEN]);
        byte[] ours = iproute2.clone();
        ours[protoOffset + Netlink.NLA_HDRLEN] = (byte) IPPROTO_IPIP;
        ByteBuffer.wrap(ours).order(ByteOrder.nativeOrder()).putInt(8, 1);
        return ours;
    }

    @Test
    void fouDeviceMatchesIproute2() {
        RtnetlinkRequests.newIpipLink(
                b,
                NEWLINK,
                "tm-node2",
                0,
                IpipParameters.pointToPoint(VETH0, LOCAL, Ipv4Address.parse("10.245.1.3"), 64, true)
                        .withEncap(TunnelEncap.fou(5555)));
        assertArrayEquals(asWeSendIt(capture("newlink-ipip-fou-send-2.hex"), 0x40), b.message(0));
        assertEquals(
                "ip link add tm-node2 type ipip local 10.245.1.2 remote 10.245.1.3 encap fou encap-sport auto"
                        + " encap-dport 5555",
                b.request(0).command());
    }

    @Test
    void gueDeviceMatchesIproute2() {
        RtnetlinkRequests.newIpipLink(
                b,
                NEWLINK,
                "tm-node3",
                0,
                IpipParameters.pointToPoint(VETH0, LOCAL, Ipv4Address.parse("10.245.1.4"), 64, true)
                        .withEncap(TunnelEncap.gue(5555)));
        assertArrayEquals(asWeSendIt(capture("newlink-ipip-gue-send-2.hex"), 0x40), b.message(0));
    }

    /**
     * The one-to-many device: local set, no remote. iproute2 leaves IFLA_IPTUN_REMOTE out when no remote is given;
     * we send it as 0.0.0.0, which the kernel reads the same (ipip_netlink_parms zeroes parameters it is not sent).
     */
    @Test
    void oneToManyDeviceMatchesIproute2WithRemoteAny() {
        byte[] iproute2 = capture("newlink-tm0-fou-send-2.hex");
        int proto = 0x38; // IFNAME "tm0" is 8 bytes, so INFO_DATA starts 8 bytes earlier than tm-node2's
        int remoteAt = proto + 8 + 8; // after PROTO and LOCAL
        byte[] remoteAny = new Bytes().attr(8, IFLA_IPTUN_REMOTE).u32(0).toArray();
        byte[] withRemote = new byte[iproute2.length + remoteAny.length];
        System.arraycopy(iproute2, 0, withRemote, 0, remoteAt);
        System.arraycopy(remoteAny, 0, withRemote, remoteAt, remoteAny.length);
        System.arraycopy(iproute2, remoteAt, withRemote, remoteAt + remoteAny.length, iproute2.length - remoteAt);
        ByteBuffer view = ByteBuffer.wrap(withRemote).order(ByteOrder.nativeOrder());
        view.putInt(0, view.getInt(0) + 8); // nlmsg_len
        view.putShort(0x28, (short) (view.getShort(0x28) + 8)); // IFLA_LINKINFO
        view.putShort(0x34, (short) (view.getShort(0x34) + 8)); // IFLA_INFO_DATA

        RtnetlinkRequests.newIpipLink(
                b,
                NEWLINK,
                "tm0",
                0,
                new IpipParameters(VETH0, LOCAL, Ipv4Address.ANY, 64, 0, true).withEncap(TunnelEncap.fou(5555)));
        assertArrayEquals(asWeSendIt(withRemote, proto), b.message(0));
    }

    @Test
    void theEncapReadsBackFromALinkAnswer() {
        // the kernel echoes the refused request in its EINVAL; its attributes are a link's, as a dump answer's
        byte[] echoed = java.util.Arrays.copyOfRange(capture("newlink-ipip-fou-recv-2.hex"), 20, 20 + 160);
        Link link = Link.parse(NetlinkMessage.wrap(echoed));
        assertEquals(TunnelEncap.fou(5555), link.ipip().encap());
        assertEquals(Ipv4Address.parse("10.245.1.3"), link.ipip().remote());
    }

    @Test
    void plainIpipReadsBackAsNone() {
        byte[] plain = capture("newlink-ipip-fou-send-2.hex");
        ByteBuffer view = ByteBuffer.wrap(plain).order(ByteOrder.nativeOrder());
        assertEquals(IFLA_IPTUN_ENCAP_TYPE, view.getShort(128 + 2)); // the last four attributes: ENCAP_*
        assertEquals(IFLA_IPTUN_ENCAP_DPORT, view.getShort(152 + 2));
        view.putShort(128 + 4, (short) 0).putShort(152 + 4, (short) 0);
        assertEquals(
                TunnelEncap.NONE, Link.parse(NetlinkMessage.wrap(plain)).ipip().encap());
    }

    @Test
    void einvalOnAnEncapsulatedDeviceIsAKernelWithoutFouIpTunnels() {
        RtnetlinkRequests.newIpipLink(
                b,
                NEWLINK,
                "tm-node2",
                0,
                IpipParameters.pointToPoint(VETH0, LOCAL, Ipv4Address.parse("10.245.1.3"), 64, true)
                        .withEncap(TunnelEncap.gue(5555)));
        TunnelMeshException e = KernelErrors.translate(new NetlinkException(22, "", 0, 1, b.request(0)));
        assertInstanceOf(KernelSupportException.class, e);
        assertTrue(e.getMessage().contains("CONFIG_NET_FOU_IP_TUNNELS"), e.getMessage());
        assertTrue(
                e.getMessage()
                        .startsWith("ip link add tm-node2 type ipip local 10.245.1.2 remote 10.245.1.3 encap gue"),
                e.getMessage());
    }

    @Test
    void einvalOnAPlainDeviceStaysWhatItIs() {
        RtnetlinkRequests.newIpipLink(
                b,
                NEWLINK,
                "tm-node2",
                0,
                IpipParameters.pointToPoint(VETH0, LOCAL, Ipv4Address.parse("10.245.1.3"), 64, true));
        TunnelMeshException e = KernelErrors.translate(new NetlinkException(22, "", 0, 1, b.request(0)));
        assertSame(KernelException.class, e.getClass());
    }
}
