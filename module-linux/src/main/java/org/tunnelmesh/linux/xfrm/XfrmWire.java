package org.tunnelmesh.linux.xfrm;

import java.nio.ByteBuffer;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

/** The pieces every xfrm struct is made of: xfrm_address_t (16 bytes, IPv4 in the first 4), be32, be16. */
final class XfrmWire {
    /** sizeof(xfrm_address_t). */
    static final int ADDRESS_LEN = 16;

    private XfrmWire() {}

    static void putAddress(NetlinkMessageBuilder b, Ipv4Address address) {
        b.putBytes(address.toBytes()).putU32(0).putU32(0).putU32(0);
    }

    static Ipv4Address address(ByteBuffer buffer, int at) {
        byte[] bytes = new byte[4];
        buffer.get(at, bytes);
        return Ipv4Address.fromBytes(bytes);
    }

    static void putBe32(NetlinkMessageBuilder b, int value) {
        b.putU8(value >>> 24).putU8(value >>> 16).putU8(value >>> 8).putU8(value);
    }

    static int be32(ByteBuffer buffer, int at) {
        return (buffer.get(at) & 0xff) << 24
                | (buffer.get(at + 1) & 0xff) << 16
                | (buffer.get(at + 2) & 0xff) << 8
                | (buffer.get(at + 3) & 0xff);
    }

    static void putBe16(NetlinkMessageBuilder b, int value) {
        b.putU8(value >>> 8).putU8(value);
    }

    static int be16(ByteBuffer buffer, int at) {
        return (buffer.get(at) & 0xff) << 8 | (buffer.get(at + 1) & 0xff);
    }

    static void putU64(NetlinkMessageBuilder b, long value) {
        // the builder writes native order; a u64 is two u32 in that order
        ByteBuffer eight = ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder());
        eight.putLong(value);
        b.putBytes(eight.array());
    }

    static void zeros(NetlinkMessageBuilder b, int count) {
        for (int i = 0; i < count; i++) {
            b.putU8(0);
        }
    }
}
