package org.tunnelmesh.linux.health;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.tunnelmesh.linux.syscall.Errno;
import org.tunnelmesh.linux.syscall.Native;
import org.tunnelmesh.linux.syscall.NativeIoException;

/**
 * The mesh's one ICMP socket, in the mesh's network namespace: a raw ICMP socket (needs CAP_NET_RAW), else the
 * unprivileged ping socket (SOCK_DGRAM, IPPROTO_ICMP; allowed when the process's group is in
 * {@code net.ipv4.ping_group_range}, where the kernel picks the echo identifier). Every datagram comes with its arrival
 * device (IP_PKTINFO). All buffers are allocated once: sending and receiving allocate nothing.
 */
final class ProbeSocket implements EchoSocket {
    /** A raw socket gets every ICMP packet: one of ours is at most a 60-byte IP header and our 20 bytes. */
    private static final int DATA_BYTES = 128;

    private static final int CONTROL_BYTES = 64;

    private final int fd;
    /** True for the raw socket: datagrams start with the IP header, and the identifier is ours to check. */
    private final boolean raw;

    private final ByteBuffer request = direct(IcmpEcho.LENGTH);
    private final byte[] destination = new byte[16];
    private final ByteBuffer msghdr = direct(Native.MSGHDR_BYTES);
    private final ByteBuffer name = direct(16);
    private final ByteBuffer iov = direct(16);
    private final ByteBuffer control = direct(CONTROL_BYTES);
    private final ByteBuffer data = direct(DATA_BYTES);
    private boolean closed;

    private ProbeSocket(int fd, boolean raw) {
        this.fd = fd;
        this.raw = raw;
        msghdr.putLong(0, Native.address(name));
        msghdr.putLong(16, Native.address(iov));
        msghdr.putLong(24, 1);
        msghdr.putLong(32, Native.address(control));
        iov.putLong(0, Native.address(data));
        iov.putLong(8, DATA_BYTES);
        ByteBuffer.wrap(destination).order(ByteOrder.nativeOrder()).putShort(0, (short) Native.AF_INET);
    }

    /**
     * Opens the raw socket, or the ping socket when the raw one is refused.
     *
     * @throws NativeIoException of the ping socket, its message naming both refusals, when neither opens
     */
    static ProbeSocket open() {
        int fd;
        boolean raw = true;
        try {
            fd = Native.socket(
                    Native.AF_INET,
                    Native.SOCK_RAW | Native.SOCK_CLOEXEC,
                    Native.IPPROTO_ICMP,
                    "socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)");
        } catch (NativeIoException rawRefused) {
            try {
                fd = Native.socket(
                        Native.AF_INET,
                        Native.SOCK_DGRAM | Native.SOCK_CLOEXEC,
                        Native.IPPROTO_ICMP,
                        "socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)");
                raw = false;
            } catch (NativeIoException pingRefused) {
                pingRefused.addSuppressed(rawRefused);
                throw pingRefused;
            }
        }
        try {
            Native.setsockopt(fd, Native.SOL_IP, Native.IP_PKTINFO, 1, "setsockopt(IP_PKTINFO)");
            if (raw) {
                // only echo replies reach this socket: every other ICMP type is filtered in the kernel
                Native.setsockopt(
                        fd, Native.SOL_RAW, Native.ICMP_FILTER, ~(1 << IcmpEcho.ECHO_REPLY), "setsockopt(ICMP_FILTER)");
            }
        } catch (NativeIoException e) {
            Native.close(fd);
            throw e;
        }
        return new ProbeSocket(fd, raw);
    }

    @Override
    public int fd() {
        return fd;
    }

    @Override
    public boolean raw() {
        return raw;
    }

    /**
     * Sends one echo request to {@code address}; the kernel routes it like data (through the tunnel when the address
     * is in a peer's subnet). Errors a send can meet (no route, no buffer space, a firewall) are the probe lost.
     *
     * @return 0, or the errno of the failed send
     */
    @Override
    public int send(int address, int id, int sequence, int slot, long nonce) {
        IcmpEcho.writeRequest(request, id, sequence, slot, nonce);
        destination[4] = (byte) (address >>> 24);
        destination[5] = (byte) (address >>> 16);
        destination[6] = (byte) (address >>> 8);
        destination[7] = (byte) address;
        try {
            Native.sendto(fd, request, 0, IcmpEcho.LENGTH, destination);
            return 0;
        } catch (NativeIoException e) {
            return e.errno();
        }
    }

    /**
     * Receives one datagram without waiting.
     *
     * @return false when none was waiting
     */
    @Override
    public boolean receive(Received out) {
        msghdr.putInt(8, 16);
        msghdr.putLong(40, CONTROL_BYTES);
        long length;
        try {
            length = Native.recvmsg(fd, msghdr, Native.MSG_DONTWAIT);
        } catch (NativeIoException e) {
            if (Errno.EAGAIN.is(e.errno()) || Errno.EINTR.is(e.errno())) {
                return false;
            }
            throw e;
        }
        out.source = (name.get(4) & 0xff) << 24
                | (name.get(5) & 0xff) << 16
                | (name.get(6) & 0xff) << 8
                | (name.get(7) & 0xff);
        out.ifindex = 0;
        long controlLength = msghdr.getLong(40);
        for (int at = 0; at + 16 <= controlLength; ) {
            long cmsgLength = control.getLong(at);
            if (cmsgLength < 16 || at + cmsgLength > controlLength) {
                break;
            }
            if (control.getInt(at + 8) == Native.SOL_IP && control.getInt(at + 12) == Native.IP_PKTINFO) {
                out.ifindex = control.getInt(at + 16);
            }
            at += (int) ((cmsgLength + 7) & ~7L);
        }
        out.isReply = IcmpEcho.readReply(data, (int) Math.min(length, DATA_BYTES), raw, out.reply);
        return true;
    }

    /** Which socket this is and what it needs, for diagnose(). */
    @Override
    public String kind() {
        return raw ? "raw ICMP socket (CAP_NET_RAW)" : "ICMP ping socket (net.ipv4.ping_group_range)";
    }

    private static ByteBuffer direct(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Native.close(fd);
        }
    }
}
