package org.tunnelmesh.linux.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteOrder;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The classic BPF program that drops a port id's notifications, byte for byte (tcpdump -dd's layout). */
class SocketFilterTest {

    @Test
    void littleEndianMachine() {
        // ld [12]; jeq #0x04030201 jt 0 jf 1; ret #0; ret #0xffffffff - nlmsg_pid 0x01020304 is stored 04 03 02 01
        assertEquals(
                "2000" + "00" + "00" + "0c000000"
                        + "1500" + "00" + "01" + "01020304"
                        + "0600" + "00" + "00" + "00000000"
                        + "0600" + "00" + "00" + "ffffffff",
                HexFormat.of().formatHex(SocketFilter.droppingPortId(0x01020304, ByteOrder.LITTLE_ENDIAN)));
    }

    @Test
    void bigEndianMachine() {
        // there nlmsg_pid's bytes already read as the value itself
        assertEquals(
                "0020" + "00" + "00" + "0000000c"
                        + "0015" + "00" + "01" + "01020304"
                        + "0006" + "00" + "00" + "00000000"
                        + "0006" + "00" + "00" + "ffffffff",
                HexFormat.of().formatHex(SocketFilter.droppingPortId(0x01020304, ByteOrder.BIG_ENDIAN)));
    }

    @Test
    void aNegativePortIdToo() {
        // the kernel hands out negative port ids once the positive ones near a socket's pid are taken
        String hex = HexFormat.of().formatHex(SocketFilter.droppingPortId(0xfffffe01, ByteOrder.LITTLE_ENDIAN));
        assertEquals("fffffe01", hex.substring(24, 32)); // swapped by the load, swapped back by the store
    }
}
