package org.tunnelmesh.linux.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes one or more netlink messages back to back into a reusable direct buffer, ready for a
 * single send. Every message gets its own sequence number, counted up from {@link #reset(int)}, so
 * the socket can match each ack to the request it answers. Attributes are 4-byte aligned, and
 * lengths are patched in when a message or nested attribute ends - the way iproute2 lays them out.
 */
public final class NetlinkMessageBuilder {
    private static final int MAX_NESTING = 8;

    private ByteBuffer buffer;
    private int messageStart = -1;
    private final int[] nestStarts = new int[MAX_NESTING];
    private int depth;
    private int firstSeq;
    private int nextSeq;
    private int messageCount;
    private int[] messageOffsets = new int[64];
    /** What each message asks, as its writer said (null when it did not): describes a failure without reading bytes back. */
    private NetlinkRequest[] requests = new NetlinkRequest[64];

    public NetlinkMessageBuilder(int initialCapacity) {
        buffer = ByteBuffer.allocateDirect(Math.max(initialCapacity, 256)).order(ByteOrder.nativeOrder());
    }

    /** Empties the builder; the next message gets sequence number {@code firstSeq}. */
    public NetlinkMessageBuilder reset(int firstSeq) {
        java.util.Arrays.fill(requests, 0, messageCount, null);
        buffer.clear();
        this.firstSeq = firstSeq;
        this.nextSeq = firstSeq;
        this.messageCount = 0;
        this.messageStart = -1;
        this.depth = 0;
        return this;
    }

    /** Starts a message; returns its sequence number. The port id is left 0: the kernel fills in ours. */
    public int begin(int type, int flags) {
        return begin(type, flags, null);
    }

    /** Starts a message that {@code request} describes (kept until the builder is reset); returns its sequence number. */
    public int begin(int type, int flags, NetlinkRequest request) {
        if (messageStart >= 0) {
            throw new IllegalStateException("message " + nextSeq + " not ended");
        }
        ensure(Netlink.NLMSG_HDRLEN);
        messageStart = buffer.position();
        if (messageCount == messageOffsets.length) {
            messageOffsets = java.util.Arrays.copyOf(messageOffsets, messageCount * 2);
            requests = java.util.Arrays.copyOf(requests, messageCount * 2);
        }
        messageOffsets[messageCount] = messageStart;
        requests[messageCount] = request;
        int seq = nextSeq++;
        buffer.putInt(0)
                .putShort((short) type)
                .putShort((short) flags)
                .putInt(seq)
                .putInt(0);
        return seq;
    }

    public NetlinkMessageBuilder putU8(int value) {
        ensure(1);
        buffer.put((byte) value);
        return this;
    }

    public NetlinkMessageBuilder putU16(int value) {
        ensure(2);
        buffer.putShort((short) value);
        return this;
    }

    public NetlinkMessageBuilder putU32(int value) {
        ensure(4);
        buffer.putInt(value);
        return this;
    }

    public NetlinkMessageBuilder putBytes(byte[] bytes) {
        ensure(bytes.length);
        buffer.put(bytes);
        return this;
    }

    /** Zero bytes up to the next 4-byte boundary (after a fixed header struct of odd size). */
    public NetlinkMessageBuilder pad() {
        int padding = Netlink.align(buffer.position()) - buffer.position();
        ensure(padding);
        for (int i = 0; i < padding; i++) {
            buffer.put((byte) 0);
        }
        return this;
    }

    public NetlinkMessageBuilder attrU8(int type, int value) {
        attrHeader(type, 1);
        buffer.put((byte) value);
        return pad();
    }

    public NetlinkMessageBuilder attrU16(int type, int value) {
        attrHeader(type, 2);
        buffer.putShort((short) value);
        return pad();
    }

    /** A 16-bit value in network byte order (ports). */
    public NetlinkMessageBuilder attrBe16(int type, int value) {
        attrHeader(type, 2);
        buffer.putShort(toBigEndian16(value));
        return pad();
    }

    public NetlinkMessageBuilder attrU32(int type, int value) {
        attrHeader(type, 4);
        buffer.putInt(value);
        return pad();
    }

    /** An IPv4 address: 4 bytes in network byte order whatever the host's order. */
    public NetlinkMessageBuilder attrIpv4(int type, int address) {
        attrHeader(type, 4);
        buffer.put((byte) (address >>> 24))
                .put((byte) (address >>> 16))
                .put((byte) (address >>> 8))
                .put((byte) address);
        return pad();
    }

    /** A NUL-terminated string, as the kernel's NLA_NUL_STRING and iproute2's addattr_l(strlen+1). */
    public NetlinkMessageBuilder attrString(int type, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        attrHeader(type, bytes.length + 1);
        buffer.put(bytes).put((byte) 0);
        return pad();
    }

    /** A string without the terminating NUL (IFLA_INFO_KIND as iproute2 sends it). */
    public NetlinkMessageBuilder attrStringNoNul(int type, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        attrHeader(type, bytes.length);
        buffer.put(bytes);
        return pad();
    }

    public NetlinkMessageBuilder attrFlag(int type) {
        attrHeader(type, 0);
        return this;
    }

    public NetlinkMessageBuilder beginNested(int type) {
        if (depth == MAX_NESTING) {
            throw new IllegalStateException("attributes nested deeper than " + MAX_NESTING);
        }
        nestStarts[depth++] = buffer.position();
        attrHeader(type, 0);
        return this;
    }

    public NetlinkMessageBuilder endNested() {
        int start = nestStarts[--depth];
        buffer.putShort(start, (short) (buffer.position() - start));
        return this;
    }

    /** Ends the message: its length includes the padding of its last attribute, as iproute2's does. */
    public void end() {
        if (depth != 0) {
            throw new IllegalStateException(depth + " nested attribute(s) not ended");
        }
        pad();
        buffer.putInt(messageStart, buffer.position() - messageStart);
        messageStart = -1;
        messageCount++;
    }

    public int messageCount() {
        return messageCount;
    }

    public int firstSeq() {
        return firstSeq;
    }

    /** Offset of message {@code index} in the buffer. */
    public int messageOffset(int index) {
        return messageOffsets[index];
    }

    /** Bytes written so far. */
    public int length() {
        return buffer.position();
    }

    /** The written bytes, for sending or inspection; shares content with the builder. */
    public ByteBuffer contents() {
        if (messageStart >= 0) {
            throw new IllegalStateException("message " + (nextSeq - 1) + " not ended");
        }
        return buffer.duplicate().flip().order(ByteOrder.nativeOrder());
    }

    /** The request objects of the messages written so far, in order (a copy: the builder is reused). */
    NetlinkRequest[] requests() {
        return java.util.Arrays.copyOf(requests, messageCount);
    }

    /** Lets go of the request objects once a batch's outcome holds them, so the reused builder keeps none alive. */
    void forgetRequests() {
        java.util.Arrays.fill(requests, 0, messageCount, null);
    }

    /** What message {@code index} asks, or null when its writer did not say. */
    public NetlinkRequest request(int index) {
        if (index < 0 || index >= messageCount) {
            throw new IndexOutOfBoundsException("message " + index + " of " + messageCount);
        }
        return requests[index];
    }

    /** A copy of message {@code index}, for tests. */
    public byte[] message(int index) {
        ByteBuffer all = contents();
        int offset = messageOffsets[index];
        int length = all.getInt(offset);
        byte[] bytes = new byte[length];
        all.get(offset, bytes);
        return bytes;
    }

    ByteBuffer buffer() {
        return buffer;
    }

    private void attrHeader(int type, int payloadLength) {
        ensure(Netlink.NLA_HDRLEN + Netlink.align(payloadLength));
        buffer.putShort((short) (Netlink.NLA_HDRLEN + payloadLength)).putShort((short) type);
    }

    private static short toBigEndian16(int value) {
        return ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? (short) value : Short.reverseBytes((short) value);
    }

    private void ensure(int bytes) {
        if (buffer.remaining() >= bytes) {
            return;
        }
        int capacity = buffer.capacity();
        while (capacity - buffer.position() < bytes) {
            capacity *= 2;
        }
        ByteBuffer bigger = ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder());
        buffer.flip();
        bigger.put(buffer);
        buffer = bigger;
    }
}
