package org.tunnelmesh.linux.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

/** Expected wire bytes written field by field in host order (as netlink is), and hex for messages. */
public final class Bytes {
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024).order(ByteOrder.nativeOrder());

    public Bytes u8(int... values) {
        for (int value : values) {
            buffer.put((byte) value);
        }
        return this;
    }

    public Bytes u16(int value) {
        buffer.putShort((short) value);
        return this;
    }

    public Bytes u32(int value) {
        buffer.putInt(value);
        return this;
    }

    public Bytes u64(long value) {
        buffer.putLong(value);
        return this;
    }

    public Bytes ascii(String text) {
        buffer.put(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return this;
    }

    /** An nlmsghdr. */
    public Bytes header(int length, int type, int flags, int seq, int pid) {
        return u32(length).u16(type).u16(flags).u32(seq).u32(pid);
    }

    /** An nlattr header. */
    public Bytes attr(int length, int type) {
        return u16(length).u16(type);
    }

    public byte[] toArray() {
        byte[] bytes = new byte[buffer.position()];
        buffer.get(0, bytes);
        return bytes;
    }

    /** Parses hex, ignoring whitespace and '#' comments to the end of a line. */
    public static byte[] hex(String text) {
        String cleaned = text.replaceAll("#[^\n]*", "").replaceAll("\\s+", "");
        return HexFormat.of().parseHex(cleaned);
    }

    public static String toHex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    /** Hex in 4-byte groups, 16 bytes a line, with offsets: readable in an assertion message. */
    public static String dump(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < bytes.length; i++) {
            if (i % 16 == 0) {
                s.append(String.format("%n%04x:", i));
            }
            if (i % 4 == 0) {
                s.append(' ');
            }
            s.append(String.format("%02x", bytes[i] & 0xff));
        }
        return s.toString();
    }
}
