package org.tunnelmesh.linux.xfrm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.xfrm.XfrmCaptures.load;
import static org.tunnelmesh.linux.xfrm.XfrmCaptures.withSeqOf;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.linux.netlink.Bytes;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

/**
 * The xfrm requests, byte for byte, against what {@code ip xfrm} (iproute2 6.1) sent to the lab's kernel: captures in
 * src/test/resources/xfrm, made by capture.sh there.
 */
class XfrmRequestsTest {
    static final Ipv4Address NODE1 = Ipv4Address.parse("10.245.1.2");
    static final Ipv4Address NODE2 = Ipv4Address.parse("10.245.1.3");
    static final int REQID = 0x746d0001;
    static final int PRIORITY = 0x746d;
    static final byte[] KEY =
            HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223");
    static final byte[] KEY2 =
            HexFormat.of().parseHex("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40414243");

    static XfrmState outbound() {
        return XfrmState.transportEsp(NODE1, NODE2, 0x1000abcd, REQID, XfrmAlgoAead.rfc4106(KEY), 128);
    }

    private static NetlinkMessageBuilder builder() {
        return new NetlinkMessageBuilder(256).reset(1);
    }

    private static void assertSame(String capture, NetlinkMessageBuilder b) {
        byte[] captured = load(capture);
        byte[] ours = withSeqOf(captured, b);
        assertArrayEquals(
                captured,
                ours,
                () -> capture + "\nexpected:\n" + Bytes.dump(captured) + "\nours:\n" + Bytes.dump(ours));
    }

    @Test
    void addStateIsIproute2s() {
        NetlinkMessageBuilder b = builder();
        XfrmRequests.newState(b, outbound(), false);
        assertSame("newsa-out-send-0.hex", b);
        b = builder();
        XfrmRequests.newState(
                b, XfrmState.transportEsp(NODE2, NODE1, 0x2000abcd, REQID, XfrmAlgoAead.rfc4106(KEY2), 128), false);
        assertSame("newsa-in-send-0.hex", b);
    }

    @Test
    void updateStateIsIproute2s() {
        NetlinkMessageBuilder b = builder();
        XfrmRequests.newState(b, outbound(), true);
        assertSame("updsa-send-0.hex", b);
    }

    @Test
    void deleteStateIsIproute2s() {
        NetlinkMessageBuilder b = builder();
        XfrmRequests.deleteState(b, NODE1, NODE2, 0x1000abcd);
        assertSame("delsa-send-0.hex", b);
        assertEquals(
                "ip xfrm state delete src 10.245.1.2 dst 10.245.1.3 proto esp spi 0x1000abcd",
                b.request(0).command());
    }

    @Test
    void dumpsAreIproute2s() {
        NetlinkMessageBuilder b = builder();
        XfrmRequests.dumpStates(b);
        assertSame("getsa-dump-send-0.hex", b);
        b = builder();
        XfrmRequests.dumpPolicies(b);
        assertSame("getpolicy-dump-send-0.hex", b);
    }

    @Test
    void addPoliciesAreIproute2s() {
        NetlinkMessageBuilder b = builder();
        XfrmRequests.newPolicy(
                b,
                XfrmPolicy.transportEsp(NODE1, NODE2, Xfrm.IPPROTO_IPIP, 0, Xfrm.XFRM_POLICY_OUT, PRIORITY, REQID),
                false);
        assertSame("newpolicy-out-send-0.hex", b);
        b = builder();
        XfrmRequests.newPolicy(
                b,
                XfrmPolicy.transportEsp(NODE2, NODE1, Xfrm.IPPROTO_IPIP, 0, Xfrm.XFRM_POLICY_IN, PRIORITY, REQID),
                false);
        assertSame("newpolicy-in-send-0.hex", b);
    }

    /** With FOU or GUE the tunnel packets are UDP to the receive port: the selector names it. */
    @Test
    void aPolicyForUdpEncapsulationIsIproute2s() {
        NetlinkMessageBuilder b = builder();
        XfrmRequests.newPolicy(
                b,
                XfrmPolicy.transportEsp(NODE1, NODE2, Xfrm.IPPROTO_UDP, 5555, Xfrm.XFRM_POLICY_OUT, PRIORITY, REQID),
                false);
        assertSame("newpolicy-udp-send-0.hex", b);
    }

    @Test
    void deletePolicyIsIproute2s() {
        NetlinkMessageBuilder b = builder();
        XfrmRequests.deletePolicy(b, XfrmSelector.hosts(NODE1, NODE2, Xfrm.IPPROTO_IPIP, 0), Xfrm.XFRM_POLICY_OUT);
        assertSame("delpolicy-out-send-0.hex", b);
        assertEquals(
                "ip xfrm policy delete src 10.245.1.2/32 dst 10.245.1.3/32 proto 4 dir out",
                b.request(0).command());
    }

    /** A failed request is told as its command; the key never appears in it. */
    @Test
    void theDescriptionOfAStateHidesItsKey() {
        NetlinkMessageBuilder b = builder();
        XfrmRequests.newState(b, outbound(), false);
        String command = b.request(0).command();
        assertEquals(
                "ip xfrm state add src 10.245.1.2 dst 10.245.1.3 proto esp spi 0x1000abcd reqid 1953300481"
                        + " mode transport replay-window 128 flag esn aead rfc4106(gcm(aes)) <288-bit key> 128",
                command);
        assertFalse(command.contains("0102030405"));
        assertFalse(outbound().toString().contains("0102030405"));
    }

    @Test
    void theAeadKeyIsCopiedAndComparedWhole() {
        byte[] key = KEY.clone();
        XfrmAlgoAead aead = XfrmAlgoAead.rfc4106(key);
        key[0] = 9;
        assertEquals(XfrmAlgoAead.rfc4106(KEY), aead);
        assertFalse(aead.equals(XfrmAlgoAead.rfc4106(KEY2)));
        assertTrue(outbound().sameConfiguration(outbound()));
    }
}
