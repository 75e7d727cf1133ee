package org.tunnelmesh.linux.health;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class IcmpEchoTest {
    private static final HexFormat HEX = HexFormat.of();

    /**
     * Worked by hand (RFC 1071): the 16-bit words 0800 1234 0001 0000 0007 0102 0304 0506 0708 sum to 2a50, whose
     * ones' complement d5af is the checksum.
     */
    @Test
    void echoRequestByteForByte() {
        ByteBuffer b = ByteBuffer.allocateDirect(IcmpEcho.LENGTH);
        IcmpEcho.writeRequest(b, 0x1234, 1, 7, 0x0102030405060708L);
        assertEquals("0800d5af12340001" + "00000007" + "0102030405060708", hex(b, 0, IcmpEcho.LENGTH));
        assertEquals(0, IcmpEcho.checksum(b, 0, IcmpEcho.LENGTH), "a packet with its checksum sums to zero");
    }

    @Test
    void checksumOfAnOddLengthPadsWithZero() {
        ByteBuffer b = ByteBuffer.wrap(HEX.parseHex("0102ff"));
        // 0102 + ff00 = 10002 -> 0003 -> ~ = fffc
        assertEquals(0xfffc, IcmpEcho.checksum(b, 0, 3));
    }

    @Test
    void highSlotsAndNoncesSurviveTheRoundTrip() {
        IcmpEcho.Reply reply = new IcmpEcho.Reply();
        ByteBuffer b = replyOf(0xffff, 0xfffe, 99_999, -2L, 0);
        assertTrue(IcmpEcho.readReply(b, IcmpEcho.LENGTH, false, reply));
        assertEquals(0xffff, reply.id);
        assertEquals(0xfffe, reply.sequence);
        assertEquals(99_999, reply.slot);
        assertEquals(-2L, reply.nonce);
    }

    @Test
    void aReplyReadsAfterTheIpHeaderOfARawSocketOptionsIncluded() {
        IcmpEcho.Reply reply = new IcmpEcho.Reply();
        ByteBuffer plain = replyOf(0x1234, 1, 7, 0x0102030405060708L, 20);
        assertTrue(IcmpEcho.readReply(plain, 20 + IcmpEcho.LENGTH, true, reply));
        assertEquals(7, reply.slot);
        assertEquals(0x0102030405060708L, reply.nonce);

        ByteBuffer withOptions = replyOf(0x1234, 1, 8, 5L, 24);
        withOptions.put(0, (byte) 0x46);
        assertTrue(IcmpEcho.readReply(withOptions, 24 + IcmpEcho.LENGTH, true, reply));
        assertEquals(8, reply.slot);
    }

    @Test
    void whatIsNotAnIntactEchoReplyOfOursIsRefused() {
        IcmpEcho.Reply reply = new IcmpEcho.Reply();
        ByteBuffer request = ByteBuffer.allocate(IcmpEcho.LENGTH);
        IcmpEcho.writeRequest(request, 1, 1, 1, 1);
        assertFalse(IcmpEcho.readReply(request, IcmpEcho.LENGTH, false, reply), "an echo request");

        ByteBuffer badSum = replyOf(1, 1, 1, 1, 0);
        badSum.put(19, (byte) (badSum.get(19) ^ 1));
        assertFalse(IcmpEcho.readReply(badSum, IcmpEcho.LENGTH, false, reply), "a flipped bit");

        ByteBuffer code = replyOf(1, 1, 1, 1, 0);
        code.put(1, (byte) 1);
        assertFalse(IcmpEcho.readReply(code, IcmpEcho.LENGTH, false, reply), "code 1");

        ByteBuffer ok = replyOf(1, 1, 1, 1, 0);
        assertFalse(IcmpEcho.readReply(ok, IcmpEcho.LENGTH - 1, false, reply), "cut short");
        assertFalse(IcmpEcho.readReply(ok, 0, false, reply), "empty");
        assertFalse(IcmpEcho.readReply(ok, IcmpEcho.LENGTH + 8, false, reply), "longer than ours (someone's ping)");

        ByteBuffer raw = replyOf(1, 1, 1, 1, 20);
        raw.put(0, (byte) 0x44);
        assertFalse(IcmpEcho.readReply(raw, 20 + IcmpEcho.LENGTH, true, reply), "IHL 4: shorter than a header");
        raw.put(0, (byte) 0x65);
        assertFalse(IcmpEcho.readReply(raw, 20 + IcmpEcho.LENGTH, true, reply), "not IPv4");
        raw.put(0, (byte) 0x4f);
        assertFalse(IcmpEcho.readReply(raw, 20 + IcmpEcho.LENGTH, true, reply), "IHL 15 past the datagram");
        assertFalse(IcmpEcho.readReply(raw, 10, true, reply), "shorter than an IP header");
    }

    /** The kernel's answer to our request: type 0, the checksum adjusted, everything else echoed. */
    private static ByteBuffer replyOf(int id, int sequence, int slot, long nonce, int ipHeader) {
        ByteBuffer request = ByteBuffer.allocate(IcmpEcho.LENGTH);
        IcmpEcho.writeRequest(request, id, sequence, slot, nonce);
        ByteBuffer b = ByteBuffer.allocate(ipHeader + IcmpEcho.LENGTH);
        if (ipHeader > 0) {
            b.put(0, (byte) (0x40 | ipHeader / 4));
        }
        b.put(ipHeader, request, 0, IcmpEcho.LENGTH);
        b.put(ipHeader, (byte) IcmpEcho.ECHO_REPLY).putShort(ipHeader + 2, (short) 0);
        int sum = IcmpEcho.checksum(b, ipHeader, IcmpEcho.LENGTH);
        b.putShort(ipHeader + 2, (short) sum);
        return b;
    }

    private static String hex(ByteBuffer b, int from, int length) {
        byte[] bytes = new byte[length];
        b.get(from, bytes);
        return HEX.formatHex(bytes);
    }

    @Test
    void theReplyHelperMakesWhatTheKernelWould() {
        // the kernel turns 08 00 into 00 00 and adds 0x0800 to the checksum (icmp_reply keeps the rest)
        ByteBuffer reply = replyOf(0x1234, 1, 7, 0x0102030405060708L, 0);
        byte[] bytes = new byte[IcmpEcho.LENGTH];
        reply.get(0, bytes);
        assertArrayEquals(HEX.parseHex("0000ddaf12340001000000070102030405060708"), bytes);
    }
}
