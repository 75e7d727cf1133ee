package org.tunnelmesh.linux.netlink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetlinkMessageTest {

    private static List<NetlinkMessage> all(byte[] bytes) {
        List<NetlinkMessage> messages = new ArrayList<>();
        NetlinkMessage.forEach(ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()), bytes.length, messages::add);
        return messages;
    }

    @Test
    void headerFieldsAndPayload() {
        byte[] bytes =
                new Bytes().header(24, 20, 0x2, 77, 4242).u32(-1).u8(1, 2, 3, 4).toArray();
        NetlinkMessage m = NetlinkMessage.wrap(bytes);
        assertEquals(24, m.length());
        assertEquals(20, m.type());
        assertEquals(0x2, m.flags());
        assertEquals(77, m.seq());
        assertEquals(4242, m.portId());
        assertEquals(16, m.payloadOffset());
        assertEquals(8, m.payloadLength());
        assertEquals(24, m.end());
        byte[] payload = new byte[m.payloadLength()];
        m.buffer().get(m.payloadOffset(), payload);
        assertArrayEquals(new byte[] {-1, -1, -1, -1, 1, 2, 3, 4}, payload);
    }

    @Test
    void typeAndFlagsAreUnsigned() {
        NetlinkMessage m = NetlinkMessage.wrap(
                new Bytes().header(16, 0xffff, 0x8000, -1, -1).toArray());
        assertEquals(0xffff, m.type());
        assertEquals(0x8000, m.flags());
        assertEquals(-1, m.seq());
    }

    @Test
    void walksSeveralMessagesIncludingUnalignedLengths() {
        byte[] bytes = new Bytes()
                .header(17, 16, 2, 1, 0)
                .u8(9, 0, 0, 0) // 17 bytes, padded to 20
                .header(20, 16, 2, 2, 0)
                .u32(5)
                .header(16, 3, 2, 3, 0)
                .toArray();
        List<NetlinkMessage> messages = all(bytes);
        assertEquals(3, messages.size());
        assertEquals(17, messages.get(0).length());
        assertEquals(1, messages.get(0).payloadLength());
        assertEquals(20 + 16, messages.get(1).payloadOffset());
        assertEquals(2, messages.get(1).seq());
        assertEquals(3, messages.get(2).type());
        assertEquals(56, messages.get(2).end());
    }

    @Test
    void lastMessageMayLackItsPadding() {
        byte[] bytes = new Bytes().header(17, 16, 2, 1, 0).u8(9).toArray();
        assertEquals(1, all(bytes).size());
    }

    @Test
    void respectsTheLimit() {
        byte[] bytes =
                new Bytes().header(16, 16, 2, 1, 0).header(16, 16, 2, 2, 0).toArray();
        List<NetlinkMessage> messages = new ArrayList<>();
        NetlinkMessage.forEach(ByteBuffer.wrap(bytes), 16, messages::add);
        assertEquals(1, messages.size());
        NetlinkMessage.forEach(ByteBuffer.wrap(bytes), 0, messages::add);
        assertEquals(1, messages.size());
    }

    @Test
    void lengthBelowHeaderIsMalformed() {
        for (int length : new int[] {0, 1, 15, -1, Integer.MIN_VALUE}) {
            byte[] bytes = new Bytes().header(length, 16, 0, 1, 0).u32(0).toArray();
            MalformedMessageException e = assertThrows(MalformedMessageException.class, () -> all(bytes));
            assertTrue(e.getMessage().contains("claims length " + Integer.toUnsignedString(length)), e.getMessage());
        }
    }

    @Test
    void lengthBeyondBufferIsMalformed() {
        byte[] bytes = new Bytes().header(40, 16, 0, 1, 0).u32(0).toArray();
        MalformedMessageException e = assertThrows(MalformedMessageException.class, () -> all(bytes));
        assertTrue(e.getMessage().contains("40"), e.getMessage());
        byte[] second =
                new Bytes().header(16, 16, 0, 1, 0).header(17, 16, 0, 2, 0).toArray();
        assertThrows(MalformedMessageException.class, () -> all(second));
    }

    @Test
    void trailingGarbageIsMalformed() {
        byte[] valid = new Bytes().header(20, 16, 0, 1, 0).u32(0).toArray();
        for (int extra = 1; extra < 24; extra++) {
            byte[] bytes = Arrays.copyOf(valid, valid.length + extra);
            Arrays.fill(bytes, valid.length, bytes.length, (byte) 0x55);
            assertThrows(MalformedMessageException.class, () -> all(bytes), "with " + extra + " trailing bytes");
        }
    }

    @Test
    void messagesAreHandedOutOnlyAfterTheirLengthIsChecked() {
        // the first message is fine, the second is not: the first is still seen, then the walk fails
        byte[] bytes =
                new Bytes().header(16, 16, 0, 1, 0).header(8, 16, 0, 2, 0).toArray();
        List<NetlinkMessage> seen = new ArrayList<>();
        assertThrows(
                MalformedMessageException.class,
                () -> NetlinkMessage.forEach(
                        ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()), bytes.length, seen::add));
        assertEquals(1, seen.size());
    }

    @Test
    void wrapWantsExactlyOneMessage() {
        assertThrows(MalformedMessageException.class, () -> NetlinkMessage.wrap(new byte[0]));
        assertThrows(MalformedMessageException.class, () -> NetlinkMessage.wrap(new byte[10]));
        byte[] two = new Bytes().header(16, 16, 0, 1, 0).header(16, 16, 0, 2, 0).toArray();
        assertThrows(MalformedMessageException.class, () -> NetlinkMessage.wrap(two));
    }

    @Test
    void familyHeaderLongerThanPayloadIsMalformed() {
        NetlinkMessage m =
                NetlinkMessage.wrap(new Bytes().header(20, 16, 0, 1, 0).u32(0).toArray());
        MalformedMessageException e = assertThrows(MalformedMessageException.class, () -> m.attributes(16, 5));
        assertTrue(e.getMessage().contains("16"), e.getMessage());
        assertEquals(false, m.attributes(4, 5).has(1));
    }

    @Test
    void attributesFollowTheFamilyHeader() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(5);
        b.begin(24, 0x605);
        b.putU8(2)
                .putU8(24)
                .putU8(0)
                .putU8(0)
                .putU8(254)
                .putU8(87)
                .putU8(0)
                .putU8(1)
                .putU32(4);
        b.attrIpv4(1, 0xc0a82a00);
        b.attrU32(4, 2);
        b.end();
        NetlinkMessage m = NetlinkMessage.wrap(b.message(0));
        NetlinkAttributes a = m.attributes(12, 30);
        assertEquals(0xc0a82a00, a.ipv4(1, 0));
        assertEquals(2, a.u32(4, 0));
        assertEquals(24, m.buffer().get(m.payloadOffset() + 1));
    }
}
