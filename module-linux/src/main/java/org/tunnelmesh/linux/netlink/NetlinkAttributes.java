package org.tunnelmesh.linux.netlink;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The attributes of one message (or one nested attribute), indexed by type. Lengths are checked
 * against the enclosing region and against what each getter reads; types above {@code maxType}
 * (newer kernels) are skipped, as the kernel's own parser does.
 */
public final class NetlinkAttributes {
    private final ByteBuffer buffer;
    private final int[] offsets;
    private final int[] lengths;

    private NetlinkAttributes(ByteBuffer buffer, int maxType) {
        this.buffer = buffer;
        this.offsets = new int[maxType + 1];
        this.lengths = new int[maxType + 1];
        Arrays.fill(offsets, -1);
    }

    public static NetlinkAttributes parse(ByteBuffer buffer, int start, int end, int maxType) {
        // a region computed from a bad length read off the wire (e.g. an NLMSG_ERROR's echoed nlmsg_len)
        if (start < 0 || start > end || end > buffer.limit()) {
            throw new MalformedMessageException(
                    "attributes at [" + start + ", " + end + ") lie outside the " + buffer.limit() + "-byte buffer");
        }
        NetlinkAttributes attributes = new NetlinkAttributes(buffer, maxType);
        int offset = start;
        while (offset + Netlink.NLA_HDRLEN <= end) {
            int length = buffer.getShort(offset) & 0xffff;
            int type = buffer.getShort(offset + 2) & Netlink.NLA_TYPE_MASK;
            if (length < Netlink.NLA_HDRLEN || length > end - offset) {
                throw new MalformedMessageException("attribute type " + type + " at offset " + offset
                        + " claims length " + length + ", but " + (end - offset) + " bytes remain");
            }
            if (type <= maxType) {
                attributes.offsets[type] = offset + Netlink.NLA_HDRLEN;
                attributes.lengths[type] = length - Netlink.NLA_HDRLEN;
            }
            offset += Netlink.align(length);
        }
        return attributes;
    }

    public boolean has(int type) {
        return type < offsets.length && offsets[type] >= 0;
    }

    /** Payload length of the attribute, or -1 when absent. */
    public int length(int type) {
        return has(type) ? lengths[type] : -1;
    }

    /** Absolute offset of the payload in {@link #buffer()}. */
    public int offset(int type) {
        return require(type, 0);
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    public int u8(int type, int absent) {
        return has(type) ? buffer.get(require(type, 1)) & 0xff : absent;
    }

    public int u16(int type, int absent) {
        return has(type) ? buffer.getShort(require(type, 2)) & 0xffff : absent;
    }

    public int u32(int type, int absent) {
        return has(type) ? buffer.getInt(require(type, 4)) : absent;
    }

    public long u64(int type, long absent) {
        return has(type) ? buffer.getLong(require(type, 8)) : absent;
    }

    /** An IPv4 address in network byte order, as an int with the first octet in the high byte. */
    public int ipv4(int type, int absent) {
        if (!has(type)) {
            return absent;
        }
        int at = require(type, 4);
        return ((buffer.get(at) & 0xff) << 24)
                | ((buffer.get(at + 1) & 0xff) << 16)
                | ((buffer.get(at + 2) & 0xff) << 8)
                | (buffer.get(at + 3) & 0xff);
    }

    /** A string attribute, up to its first NUL (the kernel NUL-terminates most, not all). */
    public String string(int type) {
        if (!has(type)) {
            return null;
        }
        int at = offsets[type];
        int length = lengths[type];
        int end = at;
        while (end < at + length && buffer.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - at];
        buffer.get(at, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    public NetlinkAttributes nested(int type, int maxType) {
        if (!has(type)) {
            return null;
        }
        return parse(buffer, offsets[type], offsets[type] + lengths[type], maxType);
    }

    private int require(int type, int bytes) {
        if (!has(type)) {
            throw new MalformedMessageException("attribute type " + type + " is missing");
        }
        if (lengths[type] < bytes) {
            throw new MalformedMessageException(
                    "attribute type " + type + " has " + lengths[type] + " bytes, needs " + bytes);
        }
        return offsets[type];
    }
}
