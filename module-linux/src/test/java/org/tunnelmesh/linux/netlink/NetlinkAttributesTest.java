package org.tunnelmesh.linux.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class NetlinkAttributesTest {

    /** One message: a 4-byte family header, then what {@code body} writes. */
    private static NetlinkAttributes roundTrip(java.util.function.Consumer<NetlinkMessageBuilder> body, int maxType) {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(1);
        b.begin(16, 0);
        b.putU32(0xdeadbeef);
        body.accept(b);
        b.end();
        return NetlinkMessage.wrap(b.message(0)).attributes(4, maxType);
    }

    /** Attributes over raw bytes. */
    private static NetlinkAttributes parse(byte[] bytes, int maxType) {
        return NetlinkAttributes.parse(ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()), 0, bytes.length, maxType);
    }

    @Test
    void readsBackWhatTheBuilderWrote() {
        NetlinkAttributes a = roundTrip(
                b -> b.attrU8(1, 200)
                        .attrU16(2, 65000)
                        .attrU32(3, -2)
                        .attrIpv4(4, 0xc0a82a01)
                        .attrString(5, "tm-node2")
                        .attrStringNoNul(6, "ipip")
                        .attrBe16(7, 0x1234)
                        .attrFlag(8),
                10);
        assertEquals(200, a.u8(1, -1));
        assertEquals(65000, a.u16(2, -1));
        assertEquals(-2, a.u32(3, 0));
        assertEquals(0xc0a82a01, a.ipv4(4, 0));
        assertEquals("tm-node2", a.string(5));
        assertEquals("ipip", a.string(6));
        assertEquals(0x12, a.buffer().get(a.offset(7)) & 0xff);
        assertTrue(a.has(8));
        assertEquals(0, a.length(8));
        assertEquals(1, a.length(1));
        assertEquals(9, a.length(5));
        assertEquals(4, a.length(6));
    }

    @Test
    void absentAttributesGiveTheDefault() {
        NetlinkAttributes a = roundTrip(b -> b.attrU32(3, 5), 10);
        assertFalse(a.has(1));
        assertFalse(a.has(99));
        assertEquals(-1, a.length(1));
        assertEquals(7, a.u8(1, 7));
        assertEquals(7, a.u16(1, 7));
        assertEquals(7, a.u32(1, 7));
        assertEquals(7L, a.u64(1, 7L));
        assertEquals(7, a.ipv4(1, 7));
        assertNull(a.string(1));
        assertNull(a.nested(1, 3));
        assertThrows(MalformedMessageException.class, () -> a.offset(1));
    }

    @Test
    void readsU64() {
        byte[] bytes = new Bytes().attr(12, 1).u64(0x0102030405060708L).toArray();
        assertEquals(0x0102030405060708L, parse(bytes, 1).u64(1, 0));
    }

    @Test
    void attributeShorterThanItsGetterNeedsIsMalformed() {
        NetlinkAttributes a = roundTrip(b -> b.attrU8(1, 1).attrU16(2, 1).attrFlag(3), 5);
        assertThrows(MalformedMessageException.class, () -> a.u32(1, 0));
        assertThrows(MalformedMessageException.class, () -> a.u16(1, 0));
        assertThrows(MalformedMessageException.class, () -> a.ipv4(2, 0));
        assertThrows(MalformedMessageException.class, () -> a.u64(2, 0));
        assertThrows(MalformedMessageException.class, () -> a.u8(3, 0));
        assertEquals("", a.string(3));
    }

    @Test
    void nestedAttributesParseWithTheirOwnMaxType() {
        NetlinkAttributes a = roundTrip(
                b -> {
                    b.attrU32(1, 11);
                    b.beginNested(18);
                    b.attrStringNoNul(1, "ipip");
                    b.beginNested(2);
                    b.attrIpv4(2, 0x0af50102);
                    b.attrU8(4, 64);
                    b.attrU32(20, 0); // above the inner maxType: skipped
                    b.endNested();
                    b.endNested();
                    b.attrU32(4, 1480);
                },
                20);
        assertEquals(11, a.u32(1, 0));
        assertEquals(1480, a.u32(4, 0));
        NetlinkAttributes info = a.nested(18, 2);
        assertEquals("ipip", info.string(1));
        NetlinkAttributes data = info.nested(2, 10);
        assertEquals(0x0af50102, data.ipv4(2, 0));
        assertEquals(64, data.u8(4, 0));
        assertFalse(data.has(20));
    }

    @Test
    void nestedFlagBitIsMasked() {
        byte[] bytes = new Bytes()
                .attr(12, Netlink.NLA_F_NESTED | 18)
                .attr(8, 1)
                .u32(42)
                .toArray();
        NetlinkAttributes a = parse(bytes, 18);
        assertTrue(a.has(18));
        assertEquals(42, a.nested(18, 1).u32(1, 0));
    }

    @Test
    void typesAboveMaxTypeAreSkipped() {
        byte[] bytes = new Bytes()
                .attr(8, 30)
                .u32(1)
                .attr(8, 2)
                .u32(2)
                .attr(8, 0x3fff)
                .u32(3)
                .toArray();
        NetlinkAttributes a = parse(bytes, 5);
        assertFalse(a.has(30));
        assertFalse(a.has(0x3fff));
        assertEquals(2, a.u32(2, 0));
    }

    @Test
    void stringWithoutNulEndsAtAttributeEnd() {
        byte[] bytes = new Bytes()
                .attr(7, 3)
                .ascii("abc")
                .u8(0x7a)
                .attr(8, 4)
                .ascii("wxyz")
                .toArray();
        NetlinkAttributes a = parse(bytes, 4);
        assertEquals("abc", a.string(3)); // the padding byte is not part of the string
        assertEquals("wxyz", a.string(4));
    }

    @Test
    void stringStopsAtFirstNul() {
        byte[] bytes =
                new Bytes().attr(9, 3).ascii("ab").u8(0).ascii("cd").u8(0, 0, 0).toArray();
        assertEquals("ab", parse(bytes, 3).string(3));
    }

    @Test
    void attributeLengthBelowHeaderIsMalformed() {
        for (int length = 0; length < 4; length++) {
            byte[] bytes = new Bytes().attr(8, 1).u32(1).attr(length, 2).u32(0).toArray();
            MalformedMessageException e = assertThrows(MalformedMessageException.class, () -> parse(bytes, 5));
            assertTrue(e.getMessage().contains("length " + length), e.getMessage());
        }
    }

    @Test
    void attributeLengthBeyondEndIsMalformed() {
        byte[] bytes = new Bytes().attr(8, 1).u32(1).attr(9, 2).u32(0).toArray();
        assertThrows(MalformedMessageException.class, () -> parse(bytes, 5));
        byte[] huge = new Bytes().attr(0xffff, 2).u32(0).toArray();
        assertThrows(MalformedMessageException.class, () -> parse(huge, 5));
    }

    @Test
    void attributeMayNotReachIntoTheNextMessage() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(1);
        b.begin(16, 0);
        b.attrU32(1, 1);
        b.end();
        b.begin(16, 0);
        b.attrU32(1, 2);
        b.end();
        byte[] first = b.message(0);
        ByteBuffer both = b.contents();
        // claim a length that fits the buffer but not the first message
        both.putShort(16, (short) 24);
        int[] checked = {0};
        NetlinkMessage.forEach(both, both.limit(), m -> {
            if (m.seq() == 1) {
                assertThrows(MalformedMessageException.class, () -> m.attributes(0, 1));
                checked[0]++;
            }
        });
        assertEquals(1, checked[0]);
        assertEquals(24, first.length);
    }

    @Test
    void leftoverBelowAnAttributeHeaderIsIgnoredAsTheKernelDoes() {
        byte[] bytes = new Bytes().attr(8, 1).u32(5).u8(0, 0).toArray();
        assertEquals(5, parse(bytes, 1).u32(1, 0));
    }

    @Test
    void lastAttributeMayLackItsPadding() {
        byte[] bytes = new Bytes().attr(5, 1).u8(9).toArray();
        assertEquals(9, parse(bytes, 1).u8(1, 0));
    }
}
