package org.tunnelmesh.linux.tc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.linux.netlink.Bytes;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

/**
 * Our clsact and bpf filter requests, byte for byte, against what tc (iproute2 6.1) sent for the same
 * command in the kernel lab (src/test/resources/tc, made by capture.sh there). Only nlmsg_seq (bytes
 * 8..11) may differ. In the capture namespace eth0 had ifindex 3, and tc attached the pinned program
 * as fd 4 with the name tc gives a pinned object.
 */
class TcRequestsTest {
    private static final int ETH0 = 3;
    private static final int TC_FD = 4;
    private static final String TC_NAME = "tm_capture:[*fsobj]";

    private final NetlinkMessageBuilder b = new NetlinkMessageBuilder(1024).reset(1);

    private static byte[] capture(String file) throws IOException {
        try (InputStream in = TcRequestsTest.class.getResourceAsStream("/tc/" + file)) {
            return Bytes.hex(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        }
    }

    private static void assertSameRequest(byte[] tc, byte[] ours) {
        assertEquals(tc.length, ours.length, "length");
        byte[] a = tc.clone();
        byte[] o = ours.clone();
        Arrays.fill(a, 8, 12, (byte) 0);
        Arrays.fill(o, 8, 12, (byte) 0);
        assertArrayEquals(a, o, "tc:   " + Bytes.toHex(a) + "\nours: " + Bytes.toHex(o));
    }

    @Test
    void addClsactIsWhatTcSends() throws IOException {
        TcRequests.addClsact(b, ETH0);
        assertSameRequest(capture("newqdisc-clsact.hex"), b.message(0));
    }

    @Test
    void deleteClsactIsWhatTcSends() throws IOException {
        TcRequests.deleteClsact(b, ETH0);
        assertSameRequest(capture("delqdisc-clsact.hex"), b.message(0));
    }

    @Test
    void addDirectActionBpfFilterIsWhatTcSends() throws IOException {
        TcRequests.addBpfFilter(b, TcRequests.ADD, ETH0, Tc.INGRESS, 87, 1, TC_FD, TC_NAME);
        assertSameRequest(capture("newtfilter-bpf.hex"), b.message(0));
    }

    @Test
    void deleteBpfFilterIsWhatTcSends() throws IOException {
        TcRequests.deleteBpfFilter(b, ETH0, Tc.INGRESS, 87, 1);
        assertSameRequest(capture("deltfilter-bpf.hex"), b.message(0));
    }

    @Test
    void replaceDiffersFromAddOnlyInItsFlags() throws IOException {
        TcRequests.addBpfFilter(b, TcRequests.REPLACE, ETH0, Tc.EGRESS, 87, 1, TC_FD, TC_NAME);
        byte[] ours = b.message(0);
        byte[] add = capture("newtfilter-bpf.hex");
        assertEquals(
                0x0505, (ours[6] & 0xff) | (ours[7] & 0xff) << 8, "NLM_F_REQUEST|NLM_F_ACK|NLM_F_REPLACE|NLM_F_CREATE");
        assertEquals(
                Tc.EGRESS,
                java.nio.ByteBuffer.wrap(ours)
                        .order(java.nio.ByteOrder.nativeOrder())
                        .getInt(28));
        ours[6] = add[6];
        ours[7] = add[7];
        Arrays.fill(ours, 28, 32, (byte) 0xff);
        ours[28] = (byte) 0xf2;
        assertSameRequest(add, ours);
    }

    @Test
    void aFilterReadsBackWithItsPriorityHandleHookAndName() throws IOException {
        TcObject f = TcObject.parse(NetlinkMessage.wrap(capture("newtfilter-bpf.hex")));
        assertEquals(Tc.RTM_NEWTFILTER, f.type());
        assertEquals(ETH0, f.ifindex());
        assertEquals(1, f.handle());
        assertEquals(Tc.INGRESS, f.parent());
        assertEquals(87, f.priority());
        assertEquals(Tc.ETH_P_IP_BE, f.protocolBe());
        assertEquals("bpf", f.kind());
        assertEquals(TC_NAME, f.name());
        assertEquals(0, f.programId());
    }

    /** A filter as a dump shows it: cls_bpf adds TCA_BPF_ID (and TCA_BPF_TAG) to the options. */
    @Test
    void aDumpedFilterCarriesItsProgramId() {
        NetlinkMessageBuilder dump = new NetlinkMessageBuilder(256).reset(7);
        dump.begin(Tc.RTM_NEWTFILTER, 2);
        dump.putU8(0)
                .putU8(0)
                .putU16(0)
                .putU32(ETH0)
                .putU32(1)
                .putU32(Tc.EGRESS)
                .putU32(Tc.filterInfo(87, Tc.ETH_P_IP_BE));
        dump.attrString(Tc.TCA_KIND, "bpf");
        dump.beginNested(Tc.TCA_OPTIONS);
        dump.attrString(Tc.TCA_BPF_NAME, "tunnelmesh:node1");
        dump.attrU32(Tc.TCA_BPF_ID, 42);
        dump.putBytes(Bytes.hex("0c000a00 0011223344556677")); // TCA_BPF_TAG, 8 bytes
        dump.attrU32(Tc.TCA_BPF_FLAGS, 1);
        dump.endNested();
        dump.end();
        TcObject f = TcObject.parse(NetlinkMessage.wrap(dump.message(0)));
        assertEquals("tunnelmesh:node1", f.name());
        assertEquals(42, f.programId());
        assertEquals(Tc.EGRESS, f.parent());
    }

    @Test
    void aQdiscHasNoFilterFields() throws IOException {
        byte[] qdisc = capture("newqdisc-clsact.hex");
        TcObject q = TcObject.parse(NetlinkMessage.wrap(qdisc));
        assertEquals("clsact", q.kind());
        assertEquals(Tc.CLSACT_HANDLE, q.handle());
        assertNull(q.name());
        assertNull(
                TcObject.parse(NetlinkMessage.wrap(Bytes.hex("10000000 1000 0000 00000000 00000000"))),
                "not tc: RTM_NEWLINK");
    }
}
