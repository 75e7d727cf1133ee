package org.tunnelmesh.linux.rtnetlink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.linux.netlink.Bytes;
import org.tunnelmesh.linux.netlink.MalformedMessageException;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;
import org.tunnelmesh.linux.tc.Tcmsg;

/**
 * Each fixed header is laid out once, in its record: written byte for byte as the kernel's struct
 * (linux/rtnetlink.h, if_addr.h, nexthop.h), read back to the same record, and refused when the
 * message is too short for it. Values are distinct per field so a swapped field shows.
 */
class HeaderRecordsTest {

    /** The payload (after nlmsghdr) that {@code write} produces. */
    private static byte[] written(Consumer<NetlinkMessageBuilder> write) {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(64).reset(1);
        b.begin(99, 0);
        write.accept(b);
        b.end();
        byte[] message = b.message(0);
        return Arrays.copyOfRange(message, 16, message.length);
    }

    private static <T> void assertRoundTrip(
            T header, Consumer<NetlinkMessageBuilder> write, Function<NetlinkMessage, T> read, byte[] expected) {
        byte[] payload = written(write);
        assertArrayEquals(expected, payload, () -> Bytes.dump(payload));
        byte[] message = new Bytes().header(16 + expected.length, 99, 0, 1, 0).toArray();
        byte[] whole = Arrays.copyOf(message, message.length + expected.length);
        System.arraycopy(expected, 0, whole, message.length, expected.length);
        assertEquals(header, read.apply(NetlinkMessage.wrap(whole)));
        // one byte short of the struct: refused, not read past
        byte[] cut = Arrays.copyOf(whole, whole.length - 1);
        java.nio.ByteBuffer.wrap(cut).order(java.nio.ByteOrder.nativeOrder()).putInt(0, cut.length);
        assertThrows(MalformedMessageException.class, () -> read.apply(NetlinkMessage.wrap(cut)));
    }

    @Test
    void ifinfomsg() {
        Ifinfomsg h = new Ifinfomsg(0, 768, 7, Rtnetlink.IFF_UP, 0xffffffff);
        assertRoundTrip(
                h,
                h::write,
                Ifinfomsg::read,
                new Bytes()
                        .u8(0, 0)
                        .u16(768)
                        .u32(7)
                        .u32(Rtnetlink.IFF_UP)
                        .u32(0xffffffff)
                        .toArray());
        assertEquals(Ifinfomsg.LEN, written(h::write).length);
    }

    @Test
    void ifaddrmsg() {
        Ifaddrmsg h = new Ifaddrmsg(Rtnetlink.AF_INET, 32, 0x80, 253, 9);
        assertRoundTrip(
                h,
                h::write,
                Ifaddrmsg::read,
                new Bytes().u8(2, 32, 0x80, 253).u32(9).toArray());
        assertEquals(Ifaddrmsg.LEN, written(h::write).length);
    }

    @Test
    void rtmsg() {
        Rtmsg h = new Rtmsg(
                Rtnetlink.AF_INET,
                24,
                8,
                4,
                Rtnetlink.RT_TABLE_MAIN,
                87,
                Rtnetlink.RT_SCOPE_LINK,
                Rtnetlink.RTN_UNICAST,
                Rtnetlink.RTNH_F_ONLINK);
        assertRoundTrip(
                h,
                h::write,
                Rtmsg::read,
                new Bytes().u8(2, 24, 8, 4, 254, 87, 253, 1).u32(4).toArray());
        assertEquals(Rtmsg.LEN, written(h::write).length);
    }

    @Test
    void nhmsg() {
        Nhmsg h = new Nhmsg(Rtnetlink.AF_INET, 0, 87, Rtnetlink.RTNH_F_ONLINK);
        assertRoundTrip(
                h, h::write, Nhmsg::read, new Bytes().u8(2, 0, 87, 0).u32(4).toArray());
        assertEquals(Nhmsg.LEN, written(h::write).length);
    }

    @Test
    void tcmsg() {
        Tcmsg h = new Tcmsg(0, 3, 1, 0xfffffff2, 0x00570008);
        assertRoundTrip(
                h,
                h::write,
                Tcmsg::read,
                new Bytes()
                        .u8(0, 0)
                        .u16(0)
                        .u32(3)
                        .u32(1)
                        .u32(0xfffffff2)
                        .u32(0x00570008)
                        .toArray());
        assertEquals(Tcmsg.LEN, written(h::write).length);
    }
}
