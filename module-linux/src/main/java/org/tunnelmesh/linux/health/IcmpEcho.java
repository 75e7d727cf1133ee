package org.tunnelmesh.linux.health;

import java.nio.ByteBuffer;

/**
 * The mesh's ICMP echo (RFC 792), written and read in place in a buffer, without allocation: type, code, checksum,
 * identifier, sequence, then a 12-byte payload of our own, the peer's slot (u32) and the probe's nonce (u64), all in
 * network order. The slot finds the peer without a lookup; the nonce, drawn afresh for every probe, is what an answer
 * must echo to count, so a reply forged by anyone who did not see the request misses.
 */
final class IcmpEcho {
    static final int ECHO_REPLY = 0;
    static final int ECHO_REQUEST = 8;
    static final int HEADER = 8;
    static final int PAYLOAD = 12;
    /** A whole echo request as we send it. */
    static final int LENGTH = HEADER + PAYLOAD;

    private IcmpEcho() {}

    /** An echo request at the start of {@code b} (big-endian), its checksum filled in; the buffer's order is kept. */
    static void writeRequest(ByteBuffer b, int id, int sequence, int slot, long nonce) {
        b.put(0, (byte) ECHO_REQUEST)
                .put(1, (byte) 0)
                .putShort(2, (short) 0)
                .put(4, (byte) (id >>> 8))
                .put(5, (byte) id)
                .put(6, (byte) (sequence >>> 8))
                .put(7, (byte) sequence);
        putInt(b, HEADER, slot);
        putInt(b, HEADER + 4, (int) (nonce >>> 32));
        putInt(b, HEADER + 8, (int) nonce);
        int sum = checksum(b, 0, LENGTH);
        b.put(2, (byte) (sum >>> 8)).put(3, (byte) sum);
    }

    /** The Internet checksum (RFC 1071) of {@code length} bytes from {@code from}: 0 over a packet that is intact. */
    static int checksum(ByteBuffer b, int from, int length) {
        int sum = 0;
        int i = from;
        for (; i + 1 < from + length; i += 2) {
            sum += (b.get(i) & 0xff) << 8 | (b.get(i + 1) & 0xff);
        }
        if (i < from + length) {
            sum += (b.get(i) & 0xff) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return ~sum & 0xffff;
    }

    /** What {@link #readReply} found; one instance reused for every datagram. */
    static final class Reply {
        int id;
        int sequence;
        int slot;
        long nonce;
    }

    /**
     * Reads an echo reply of ours from the {@code length} bytes at the start of {@code b}: with the IPv4 header first (a
     * raw socket) or without it (a ping socket). False for anything else: another ICMP type or code, a packet cut
     * short, a bad header length or checksum, a payload that is not ours in size.
     */
    static boolean readReply(ByteBuffer b, int length, boolean ipHeader, Reply out) {
        int at = 0;
        if (ipHeader) {
            if (length < 20 || (b.get(0) & 0xf0) != 0x40) {
                return false;
            }
            at = (b.get(0) & 0x0f) * 4;
            if (at < 20) {
                return false;
            }
        }
        if (length - at != LENGTH) {
            return false;
        }
        if (b.get(at) != ECHO_REPLY || b.get(at + 1) != 0 || checksum(b, at, LENGTH) != 0) {
            return false;
        }
        out.id = (b.get(at + 4) & 0xff) << 8 | (b.get(at + 5) & 0xff);
        out.sequence = (b.get(at + 6) & 0xff) << 8 | (b.get(at + 7) & 0xff);
        out.slot = getInt(b, at + HEADER);
        out.nonce = (long) getInt(b, at + HEADER + 4) << 32 | (getInt(b, at + HEADER + 8) & 0xffffffffL);
        return true;
    }

    private static void putInt(ByteBuffer b, int at, int v) {
        b.put(at, (byte) (v >>> 24))
                .put(at + 1, (byte) (v >>> 16))
                .put(at + 2, (byte) (v >>> 8))
                .put(at + 3, (byte) v);
    }

    private static int getInt(ByteBuffer b, int at) {
        return (b.get(at) & 0xff) << 24
                | (b.get(at + 1) & 0xff) << 16
                | (b.get(at + 2) & 0xff) << 8
                | (b.get(at + 3) & 0xff);
    }
}
