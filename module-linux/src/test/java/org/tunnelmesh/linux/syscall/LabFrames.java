package org.tunnelmesh.linux.syscall;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The attacker's tool in the lab: sends IPv4 packets exactly as given - any source address,
 * 0.0.0.0 included, which a raw IP socket would replace with its own - through an AF_PACKET
 * socket in a lab namespace, to the link's broadcast address. Test code only; for lab namespaces only.
 */
public final class LabFrames {
    private static final int AF_PACKET = 17;
    private static final int SOCK_DGRAM = 2;
    /** ETH_P_IP in network order, as sll_protocol and socket()'s protocol want it (read as a little-endian short). */
    private static final short ETH_P_IP_NETWORK_ORDER = (short) 0x0008;

    private LabFrames() {}

    /** Sends {@code packet} {@code count} times out of device {@code ifindex} of namespace {@code netns}; the kernel adds the Ethernet header. */
    public static void sendIpv4(String netns, int ifindex, byte[] packet, int count) {
        NetworkNamespace.call(netns, () -> {
            int fd = Native.socket(
                    AF_PACKET,
                    SOCK_DGRAM | Native.SOCK_CLOEXEC,
                    Short.toUnsignedInt(ETH_P_IP_NETWORK_ORDER),
                    "socket(AF_PACKET) in " + netns);
            try {
                // struct sockaddr_ll: family, protocol, ifindex, hatype, pkttype, halen, addr[8]
                ByteBuffer sll = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder());
                sll.putShort(0, (short) AF_PACKET)
                        .putShort(2, ETH_P_IP_NETWORK_ORDER)
                        .putInt(4, ifindex);
                sll.put(11, (byte) 6);
                for (int i = 0; i < 6; i++) {
                    sll.put(12 + i, (byte) 0xff);
                }
                ByteBuffer buffer = ByteBuffer.allocateDirect(packet.length).put(0, packet);
                for (int i = 0; i < count; i++) {
                    Native.sendto(fd, buffer, 0, packet.length, sll.array());
                }
            } catch (NativeIoException e) {
                throw new NativeIoException("sendto(AF_PACKET) in " + netns, e.errno());
            } finally {
                Native.close(fd);
            }
            return null;
        });
    }

    /**
     * An IPIP packet: outer IPv4 header {@code outerSource} to {@code outerDestination}, protocol 4,
     * around an ICMP echo request from {@code innerSource} to {@code innerDestination}.
     */
    public static byte[] ipipEcho(int outerSource, int outerDestination, int innerSource, int innerDestination) {
        byte[] icmp = new byte[8 + 56];
        icmp[0] = 8; // echo request
        icmp[5] = 1; // id 1
        icmp[7] = 1; // sequence 1
        checksum(icmp, 0, icmp.length, 2);
        byte[] inner = ipv4(1, innerSource, innerDestination, icmp);
        return ipv4(4, outerSource, outerDestination, inner);
    }

    /** The length of {@link #ipipEcho}'s packets: 20 + 20 + 64, as a ping of 56 data bytes tunnelled. */
    public static final int IPIP_ECHO_BYTES = 104;

    private static byte[] ipv4(int protocol, int source, int destination, byte[] payload) {
        ByteBuffer p = ByteBuffer.allocate(20 + payload.length); // network order
        p.put(0, (byte) 0x45)
                .putShort(2, (short) (20 + payload.length))
                .put(8, (byte) 64)
                .put(9, (byte) protocol)
                .putInt(12, source)
                .putInt(16, destination)
                .put(20, payload);
        byte[] bytes = p.array();
        checksum(bytes, 0, 20, 10);
        return bytes;
    }

    /** The Internet checksum (RFC 1071) of bytes [from, from + length), written at {@code at}. */
    private static void checksum(byte[] b, int from, int length, int at) {
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
