package org.tunnelmesh.linux.netlink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.netlink.Netlink.NLMSG_HDRLEN;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetlinkMessageBuilderTest {
    private static final int TYPE = 16; // RTM_NEWLINK
    private static final int FLAGS = 0x605; // REQUEST|ACK|EXCL|CREATE

    private final NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(1000);

    /** The message's bytes after the 16-byte header. */
    private byte[] payload(int index) {
        byte[] m = b.message(index);
        return Arrays.copyOfRange(m, NLMSG_HDRLEN, m.length);
    }

    private static void assertBytes(byte[] expected, byte[] actual) {
        assertArrayEquals(expected, actual, () -> "expected" + Bytes.dump(expected) + "\nactual" + Bytes.dump(actual));
    }

    @Test
    void headerCarriesLengthTypeFlagsSeqAndZeroPortId() {
        int seq = b.begin(TYPE, FLAGS);
        b.end();
        assertEquals(1000, seq);
        assertBytes(new Bytes().header(16, TYPE, FLAGS, 1000, 0).toArray(), b.message(0));
        assertEquals(1, b.messageCount());
        assertEquals(1000, b.firstSeq());
        assertEquals(16, b.length());
    }

    @Test
    void resetEmptiesAndRestartsSequence() {
        b.begin(TYPE, FLAGS);
        b.attrU32(4, 1500);
        b.end();
        b.reset(7);
        assertEquals(0, b.messageCount());
        assertEquals(0, b.length());
        assertEquals(7, b.begin(19, 5));
        b.end();
        assertBytes(new Bytes().header(16, 19, 5, 7, 0).toArray(), b.message(0));
    }

    @Test
    void u8AttributeIsPaddedToFourBytes() {
        b.begin(TYPE, FLAGS);
        b.attrU8(4, 0xab);
        b.end();
        assertBytes(new Bytes().attr(5, 4).u8(0xab, 0, 0, 0).toArray(), payload(0));
        assertEquals(24, b.message(0).length);
    }

    @Test
    void u16AttributeIsPaddedToFourBytes() {
        b.begin(TYPE, FLAGS);
        b.attrU16(15, 0x1234);
        b.attrU16(16, 0xffff);
        b.end();
        assertBytes(
                new Bytes()
                        .attr(6, 15)
                        .u16(0x1234)
                        .u8(0, 0)
                        .attr(6, 16)
                        .u16(0xffff)
                        .u8(0, 0)
                        .toArray(),
                payload(0));
    }

    @Test
    void be16AttributeIsInNetworkOrder() {
        b.begin(TYPE, FLAGS);
        b.attrBe16(17, 0x1234);
        b.end();
        assertBytes(new Bytes().attr(6, 17).u8(0x12, 0x34, 0, 0).toArray(), payload(0));
    }

    @Test
    void u32AndIpv4Attributes() {
        b.begin(TYPE, FLAGS);
        b.attrU32(4, 1480);
        b.attrIpv4(2, 0x0af50103); // 10.245.1.3
        b.end();
        assertBytes(
                new Bytes().attr(8, 4).u32(1480).attr(8, 2).u8(10, 245, 1, 3).toArray(), payload(0));
    }

    @Test
    void stringAttributesAreNulTerminatedAndPadded() {
        b.begin(TYPE, FLAGS);
        b.attrString(3, "tm0"); // 3 + NUL: exactly 4
        b.attrString(3, "tunl0"); // 5 + NUL: 2 bytes padding
        b.attrString(3, "eth"); // any length modulo 4
        b.attrString(3, "");
        b.end();
        assertBytes(
                new Bytes()
                        .attr(8, 3)
                        .ascii("tm0")
                        .u8(0)
                        .attr(10, 3)
                        .ascii("tunl0")
                        .u8(0)
                        .u8(0, 0)
                        .attr(8, 3)
                        .ascii("eth")
                        .u8(0)
                        .attr(5, 3)
                        .u8(0, 0, 0, 0)
                        .toArray(),
                payload(0));
    }

    @Test
    void stringWithoutNulAsIproute2SendsInfoKind() {
        b.begin(TYPE, FLAGS);
        b.attrStringNoNul(1, "ipip");
        b.attrStringNoNul(1, "veth0");
        b.end();
        assertBytes(
                new Bytes()
                        .attr(8, 1)
                        .ascii("ipip")
                        .attr(9, 1)
                        .ascii("veth0")
                        .u8(0, 0, 0)
                        .toArray(),
                payload(0));
    }

    @Test
    void flagAttributeHasNoPayload() {
        b.begin(TYPE, FLAGS);
        b.attrFlag(4);
        b.attrU8(5, 1);
        b.end();
        assertBytes(new Bytes().attr(4, 4).attr(5, 5).u8(1, 0, 0, 0).toArray(), payload(0));
    }

    @Test
    void nestedLengthsIncludeInnerPadding() {
        b.begin(TYPE, FLAGS);
        b.beginNested(18);
        b.attrStringNoNul(1, "ipip");
        b.beginNested(2);
        b.attrU8(4, 64); // 5 bytes, padded to 8: the nest counts 8
        b.endNested();
        b.endNested();
        b.attrU32(4, 1480);
        b.end();
        assertBytes(
                new Bytes()
                        .attr(24, 18)
                        .attr(8, 1)
                        .ascii("ipip")
                        .attr(12, 2)
                        .attr(5, 4)
                        .u8(64, 0, 0, 0)
                        .attr(8, 4)
                        .u32(1480)
                        .toArray(),
                payload(0));
    }

    @Test
    void emptyNestHasHeaderLengthOnly() {
        b.begin(TYPE, FLAGS);
        b.beginNested(18);
        b.endNested();
        b.end();
        assertBytes(new Bytes().attr(4, 18).toArray(), payload(0));
    }

    @Test
    void messageLengthIncludesPaddingOfLastAttribute() {
        b.begin(TYPE, FLAGS);
        b.putU32(0);
        b.attrString(3, "tunl0");
        b.end();
        // iproute2's NLMSG_ALIGN'ed nlmsg_len: 16 + 4 + 12, not 16 + 4 + 10
        assertEquals(
                32,
                ByteBuffer.wrap(b.message(0))
                        .order(java.nio.ByteOrder.nativeOrder())
                        .getInt(0));
        assertEquals(32, b.message(0).length);
        assertEquals(32, b.length());
    }

    @Test
    void oddFixedHeaderIsPaddedAtEnd() {
        b.begin(TYPE, FLAGS);
        b.putU8(2).putU8(24);
        b.end();
        assertBytes(new Bytes().header(20, TYPE, FLAGS, 1000, 0).u8(2, 24, 0, 0).toArray(), b.message(0));
    }

    @Test
    void explicitPadAlignsAfterOddHeader() {
        b.begin(TYPE, FLAGS);
        b.putU8(2).pad();
        b.attrU32(1, 7);
        b.end();
        assertBytes(new Bytes().u8(2, 0, 0, 0).attr(8, 1).u32(7).toArray(), payload(0));
    }

    @Test
    void messagesBackToBackGetConsecutiveSeqsAndOffsets() {
        NetlinkMessageBuilder batch = new NetlinkMessageBuilder(256).reset(41);
        assertEquals(41, batch.begin(16, 5));
        batch.attrString(3, "a");
        batch.end();
        assertEquals(42, batch.begin(17, 5));
        batch.end();
        assertEquals(43, batch.begin(24, 0x605));
        batch.putU32(9).attrU8(1, 1);
        batch.end();

        assertEquals(3, batch.messageCount());
        assertEquals(0, batch.messageOffset(0));
        assertEquals(24, batch.messageOffset(1));
        assertEquals(40, batch.messageOffset(2));
        assertEquals(68, batch.length());
        assertEquals(68, batch.contents().remaining());

        List<int[]> seen = new ArrayList<>();
        ByteBuffer contents = batch.contents();
        NetlinkMessage.forEach(
                contents, contents.limit(), m -> seen.add(new int[] {m.type(), m.seq(), m.length(), m.portId()}));
        assertEquals(3, seen.size());
        assertArrayEquals(new int[] {16, 41, 24, 0}, seen.get(0));
        assertArrayEquals(new int[] {17, 42, 16, 0}, seen.get(1));
        assertArrayEquals(new int[] {24, 43, 28, 0}, seen.get(2));
        assertBytes(new Bytes().header(16, 17, 5, 42, 0).toArray(), batch.message(1));
    }

    @Test
    void growsBeyondInitialCapacityKeepingContent() {
        NetlinkMessageBuilder batch = new NetlinkMessageBuilder(16).reset(1);
        int count = 3000; // ~100 KiB, and more messages than the initial offset table holds
        for (int i = 0; i < count; i++) {
            batch.begin(16, 5);
            batch.putU32(i);
            batch.attrString(3, "device-" + i);
            batch.beginNested(18);
            batch.attrU32(1, i * 7);
            batch.endNested();
            batch.end();
        }
        assertEquals(count, batch.messageCount());
        assertTrue(batch.length() > 64 * 1024);
        ByteBuffer contents = batch.contents();
        int[] index = {0};
        NetlinkMessage.forEach(contents, contents.limit(), m -> {
            int i = index[0]++;
            assertEquals(1 + i, m.seq());
            assertEquals(batch.messageOffset(i), m.payloadOffset() - NLMSG_HDRLEN);
            assertEquals(i, m.buffer().getInt(m.payloadOffset()));
            NetlinkAttributes a = m.attributes(4, 18);
            assertEquals("device-" + i, a.string(3));
            assertEquals(i * 7, a.nested(18, 1).u32(1, -1));
        });
        assertEquals(count, index[0]);
        assertArrayEquals(
                batch.message(count - 1),
                Arrays.copyOfRange(toArray(contents), batch.messageOffset(count - 1), batch.length()));
    }

    @Test
    void growsInTheMiddleOfANestedAttribute() {
        NetlinkMessageBuilder batch = new NetlinkMessageBuilder(256).reset(1);
        batch.begin(16, 5);
        batch.beginNested(18);
        for (int i = 0; i < 100; i++) {
            batch.attrU32(1, i);
        }
        batch.endNested();
        batch.end();
        byte[] m = batch.message(0);
        assertEquals(16 + 4 + 800, m.length);
        NetlinkAttributes nest = NetlinkMessage.wrap(m).attributes(0, 18);
        assertEquals(804, nest.length(18) + 4);
        assertEquals(99, nest.nested(18, 1).u32(1, -1)); // the last of a repeated type wins
    }

    @Test
    void beginWithoutEndIsAnError() {
        b.begin(TYPE, FLAGS);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.begin(TYPE, FLAGS));
        assertTrue(e.getMessage().contains("not ended"), e.getMessage());
        assertThrows(IllegalStateException.class, b::contents);
    }

    @Test
    void endWithOpenNestIsAnError() {
        b.begin(TYPE, FLAGS);
        b.beginNested(18);
        IllegalStateException e = assertThrows(IllegalStateException.class, b::end);
        assertTrue(e.getMessage().contains("nested"), e.getMessage());
    }

    @Test
    void nestingIsLimited() {
        b.begin(TYPE, FLAGS);
        for (int i = 0; i < 8; i++) {
            b.beginNested(1);
        }
        assertThrows(IllegalStateException.class, () -> b.beginNested(1));
    }

    private static byte[] toArray(ByteBuffer contents) {
        byte[] bytes = new byte[contents.remaining()];
        contents.get(0, bytes);
        return bytes;
    }
}
