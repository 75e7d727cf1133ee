package org.tunnelmesh.linux;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * IPv4 packets as an attacker crafts them, for the IPIP filter's encapsulation tests: UDP to a FOU
 * or GUE port around an IPIP echo request, with IP options, cut short, with a bogus inner header,
 * or in fragments. All fields in network order; checksums right unless a test wants them wrong.
 */
final class EncapPackets {
    /** An ICMP echo request of 56 data bytes in IPv4: 84 bytes, as ping sends it. */
    static final int ECHO_BYTES = 84;

    static final int UDP_HEADER = 8;
    static final int GUE_HEADER = 4;

    private EncapPackets() {}

    /** The 84-byte IPv4 echo request from {@code source} to {@code destination}. */
    static byte[] echo(int source, int destination) {
        byte[] icmp = new byte[8 + 56];
        icmp[0] = 8; // echo request
        icmp[5] = 1; // id 1
        icmp[7] = 1; // sequence 1
        checksum(icmp, 0, icmp.length, 2);
        return ipv4(1, source, destination, new byte[0], 0, 0, icmp);
    }

    /** A UDP datagram's bytes (header and payload), checksum 0: IPv4 UDP without a checksum. */
    static byte[] udp(int sourcePort, int destinationPort, byte[] payload) {
        return ByteBuffer.allocate(UDP_HEADER + payload.length)
                .putShort((short) sourcePort)
                .putShort((short) destinationPort)
                .putShort((short) (UDP_HEADER + payload.length))
                .putShort((short) 0)
                .put(payload)
                .array();
    }

    /** A GUE header (version 0, no options) naming IPIP as what follows, then {@code inner}. */
    static byte[] gue(byte[] inner) {
        return ByteBuffer.allocate(GUE_HEADER + inner.length)
                .put((byte) 0)
                .put((byte) 4) // proto/ctype: IPPROTO_IPIP
                .putShort((short) 0)
                .put(inner)
                .array();
    }

    /**
     * An IPv4 packet; {@code options} (a multiple of 4 bytes) make the header longer (IHL),
     * {@code flagsAndOffset} the flags and fragment offset field (0x2000: more fragments).
     */
    static byte[] ipv4(
            int protocol,
            int source,
            int destination,
            byte[] options,
            int identification,
            int flagsAndOffset,
            byte[] payload) {
        int header = 20 + options.length;
        ByteBuffer p = ByteBuffer.allocate(header + payload.length);
        p.put(0, (byte) (0x40 | header / 4))
                .putShort(2, (short) (header + payload.length))
                .putShort(4, (short) identification)
                .putShort(6, (short) flagsAndOffset)
                .put(8, (byte) 64)
                .put(9, (byte) protocol)
                .putInt(12, source)
                .putInt(16, destination)
                .put(20, options)
                .put(header, payload);
        byte[] bytes = p.array();
        checksum(bytes, 0, header, 10);
        return bytes;
    }

    /** UDP to {@code port} around {@code inner}, from {@code source} to {@code destination}: what FOU sends. */
    static byte[] fou(int source, int destination, int port, byte[] inner) {
        return ipv4(17, source, destination, new byte[0], 0, 0, udp(40000, port, inner));
    }

    /** {@link #fou}'s packet cut into two fragments, the first carrying {@code firstBytes} (a multiple of 8) of the datagram. */
    static byte[][] fragments(int source, int destination, int port, byte[] inner, int identification, int firstBytes) {
        byte[] datagram = udp(40000, port, inner);
        byte[] first =
                ipv4(17, source, destination, new byte[0], identification, 0x2000, Arrays.copyOf(datagram, firstBytes));
        byte[] second = ipv4(
                17,
                source,
                destination,
                new byte[0],
                identification,
                firstBytes / 8,
                Arrays.copyOfRange(datagram, firstBytes, datagram.length));
        return new byte[][] {first, second};
    }

    /** {@code packet} in an Ethernet frame (broadcast, EtherType IPv4), as a test run of a tc program takes it. */
    static byte[] ethernet(byte[] packet) {
        ByteBuffer frame = ByteBuffer.allocate(14 + packet.length);
        for (int i = 0; i < 6; i++) {
            frame.put((byte) 0xff);
        }
        frame.put(new byte[] {0x02, 0, 0, 0, 0, 1});
        frame.putShort((short) 0x0800);
        frame.put(packet);
        return frame.array();
    }

    /** The Internet checksum (RFC 1071) of bytes [from, from + length), written at {@code at}. */
    static void checksum(byte[] b, int from, int length, int at) {
        b[at] = 0;
        b[at + 1] = 0;
        long sum = 0;
        for (int i = from; i < from + length; i += 2) {
            sum += ((b[i] & 0xff) << 8) | (i + 1 < from + length ? b[i + 1] & 0xff : 0);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        int value = (int) ~sum & 0xffff;
        b[at] = (byte) (value >>> 8);
        b[at + 1] = (byte) value;
    }
}
