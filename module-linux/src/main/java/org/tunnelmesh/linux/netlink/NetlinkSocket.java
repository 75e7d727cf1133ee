package org.tunnelmesh.linux.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.linux.syscall.Errno;
import org.tunnelmesh.linux.syscall.Native;
import org.tunnelmesh.linux.syscall.NativeIoException;
import org.tunnelmesh.linux.syscall.Wakeup;

/**
 * A netlink socket: opened with the options the mesh relies on, and read one datagram at a time.
 * Requests and their acks go through {@link NetlinkTransactions} on top of it; event readers
 * {@link #joinGroup join groups} and {@link #poll} it. Not thread-safe: one owner at a time.
 *
 * <p>Extended acks are on, so errors carry the kernel's own explanation; acks are capped
 * (NETLINK_CAP_ACK) because we keep every request ourselves and need not read it back.
 *
 * <p>Only the kernel is listened to: any local process may send a datagram to our port id (a
 * forged ack or event), so a datagram whose sender port is not 0 is dropped.
 */
public final class NetlinkSocket implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(NetlinkSocket.class);

    private static final int RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;
    private static final int SEND_BUFFER_BYTES = 1024 * 1024;
    /** Big enough for any datagram the kernel sends us: dump skbs are at most 32 KiB plus header. */
    private static final int RECEIVE_CAPACITY = 256 * 1024;
    /** SO_RCVTIMEO: how long a blocking receive waits for the kernel. */
    static final int TIMEOUT_SECONDS = 60;

    private final int fd;
    private final int portId;
    /** SO_RCVBUF and SO_SNDBUF as the kernel granted them at open (doubled for its bookkeeping). */
    private final int receiveBufferBytes;

    private final int sendBufferBytes;
    private final ByteBuffer receiveBuffer;
    private final byte[] sender = new byte[SOCKADDR_NL_LENGTH];
    private final int[] senderLength = new int[1];
    private long foreignDatagrams;
    private boolean closed;

    private static final int SOCKADDR_NL_LENGTH = 12;

    private NetlinkSocket(int fd, int portId, int receiveBufferBytes, int sendBufferBytes) {
        this.fd = fd;
        this.portId = portId;
        this.receiveBufferBytes = receiveBufferBytes;
        this.sendBufferBytes = sendBufferBytes;
        this.receiveBuffer = ByteBuffer.allocateDirect(RECEIVE_CAPACITY).order(ByteOrder.nativeOrder());
    }

    /** Opens a socket of the given netlink protocol in the calling thread's network namespace. */
    public static NetlinkSocket open(int protocol) {
        return open(protocol, RECEIVE_BUFFER_BYTES, true);
    }

    /**
     * @param receiveBuffer bytes of receive buffer to ask for
     * @param force ask with SO_RCVBUFFORCE first (past rmem_max, with CAP_NET_ADMIN); tests say
     *        false to get what an unprivileged process would
     * @throws NativeIoException naming the call that failed
     */
    static NetlinkSocket open(int protocol, int receiveBuffer, boolean force) {
        Throwable cause = Native.unavailabilityCause();
        if (cause != null) {
            throw new IllegalStateException("netlink is not available: " + cause.getMessage(), cause);
        }
        int fd = Native.socket(
                Native.AF_NETLINK,
                Native.SOCK_RAW | Native.SOCK_CLOEXEC,
                protocol,
                "socket(AF_NETLINK, " + protocol + ")");
        try {
            if (force) {
                setBuffer(fd, Native.SO_RCVBUFFORCE, Native.SO_RCVBUF, receiveBuffer);
            } else {
                setSocketOption(fd, Native.SO_RCVBUF, "SO_RCVBUF", receiveBuffer);
            }
            setBuffer(fd, Native.SO_SNDBUFFORCE, Native.SO_SNDBUF, SEND_BUFFER_BYTES);
            setNetlinkOption(fd, Netlink.NETLINK_EXT_ACK, "NETLINK_EXT_ACK", 1);
            setNetlinkOption(fd, Netlink.NETLINK_CAP_ACK, "NETLINK_CAP_ACK", 1);
            // a kernel that never answers becomes a timeout, not a hang
            Native.setReceiveTimeout(fd, TIMEOUT_SECONDS * 1000);
            byte[] address = new byte[SOCKADDR_NL_LENGTH];
            address[0] = (byte) Native.AF_NETLINK;
            Native.bind(fd, address);
            Native.getsockname(fd, address);
            int portId = ByteBuffer.wrap(address, 4, 4)
                    .order(ByteOrder.nativeOrder())
                    .getInt();
            return new NetlinkSocket(fd, portId, intOption(fd, Native.SO_RCVBUF), intOption(fd, Native.SO_SNDBUF));
        } catch (RuntimeException e) {
            Native.close(fd);
            throw e;
        }
    }

    private static void setBuffer(int fd, int forceOption, int option, int bytes) {
        String name = option == Native.SO_RCVBUF ? "SO_RCVBUF" : "SO_SNDBUF";
        try {
            // the *FORCE variants pass the rmem_max/wmem_max caps, with CAP_NET_ADMIN
            Native.setsockopt(fd, Native.SOL_SOCKET, forceOption, bytes, "setsockopt(" + name + "FORCE)");
        } catch (NativeIoException e) {
            setSocketOption(fd, option, name, bytes);
        }
    }

    private static void setSocketOption(int fd, int option, String name, int value) {
        Native.setsockopt(fd, Native.SOL_SOCKET, option, value, "setsockopt(" + name + ")");
    }

    private static void setNetlinkOption(int fd, int option, String name, int value) {
        Native.setsockopt(fd, Native.SOL_NETLINK, option, value, "setsockopt(" + name + ")");
    }

    /** A SOL_SOCKET option as the kernel holds it (for buffers: what it granted, doubled for its bookkeeping). */
    private static int intOption(int fd, int option) {
        return Native.getsockopt(fd, Native.SOL_SOCKET, option);
    }

    /** SO_RCVBUF as the kernel granted it (doubled for its bookkeeping): what a batch's acks must fit. */
    int receiveBufferBytes() {
        return receiveBufferBytes;
    }

    /** SO_SNDBUF as the kernel granted it. */
    int sendBufferBytes() {
        return sendBufferBytes;
    }

    /** For tests: the descriptor, to send from it as another process would. */
    int fd() {
        return fd;
    }

    /** Asks the kernel to check dump requests strictly, so header fields filter the dump. */
    public boolean enableStrictDumpChecking() {
        try {
            setNetlinkOption(fd, Netlink.NETLINK_GET_STRICT_CHK, "NETLINK_GET_STRICT_CHK", 1);
            return true;
        } catch (NativeIoException e) {
            return false;
        }
    }

    /**
     * Joins a multicast group (RTNLGRP_*) to receive events.
     *
     * @throws NativeIoException when the kernel has no such group
     */
    public void joinGroup(int group) {
        setNetlinkOption(fd, Netlink.NETLINK_ADD_MEMBERSHIP, "NETLINK_ADD_MEMBERSHIP " + group, group);
    }

    /**
     * For event sockets: has the kernel drop the notifications that requests of the socket with
     * {@code portId} cause (a socket filter on nlmsg_pid), so a process's own changes neither fill
     * this socket's buffer nor wake its reader.
     *
     * @throws NativeIoException when the kernel refuses the filter
     */
    public void dropNotificationsCausedBy(int portId) {
        ensureOpen();
        byte[] program = SocketFilter.droppingPortId(portId, ByteOrder.nativeOrder());
        Native.attachFilter(fd, program, program.length / SocketFilter.INSTRUCTION_BYTES);
    }

    /** How long a blocking {@link #poll} waits before it returns false (tests; the mesh waits with {@link #await}). */
    void setReceiveTimeout(int millis) {
        Native.setReceiveTimeout(fd, millis);
    }

    /** What {@link #await} saw. */
    public enum Readiness {
        /** A datagram (or an error, such as ENOBUFS after an overflow) waits to be read with {@link #poll}. */
        READABLE,
        /** The wakeup was signalled. */
        WOKEN,
        /** Neither, within the time given. */
        TIMED_OUT
    }

    /**
     * Waits until this socket has something to read or {@code wakeup} is signalled: poll(2) on both,
     * so a reader can wait without a timeout and still be stopped at once.
     *
     * @param timeoutMillis -1 to wait as long as it takes
     */
    public Readiness await(Wakeup wakeup, int timeoutMillis) {
        ensureOpen();
        int ready = Native.pollIn(timeoutMillis, fd, wakeup.fd());
        if (ready == 0) {
            return Readiness.TIMED_OUT;
        }
        if ((ready & 0b10) != 0) { // bit 1: the wakeup
            return Readiness.WOKEN;
        }
        return Readiness.READABLE;
    }

    /**
     * For event sockets: whether a datagram (or an error such as ENOBUFS) waits to be read, without waiting: poll(2)
     * with a timeout of 0. Cheaper than a non-blocking {@link #poll} that finds nothing, whose EAGAIN costs an exception.
     */
    public boolean readable() {
        ensureOpen();
        return Native.pollIn(0, fd) != 0;
    }

    /**
     * For event sockets: receives one datagram and hands its messages to {@code consumer}.
     *
     * A datagram that does not come from the kernel is dropped unread (and counts as arrived).
     *
     * @param nonBlocking return at once when nothing is queued
     * @return false when nothing arrived (within the receive timeout)
     * @throws NativeIoException from recvfrom; ENOBUFS when events were lost because the buffer overflowed
     */
    public boolean poll(Consumer<NetlinkMessage> consumer, boolean nonBlocking) {
        ensureOpen();
        long received;
        while (true) {
            try {
                senderLength[0] = sender.length;
                received = Native.recvfrom(
                        fd,
                        receiveBuffer,
                        RECEIVE_CAPACITY,
                        Native.MSG_TRUNC | (nonBlocking ? Native.MSG_DONTWAIT : 0),
                        sender,
                        senderLength);
                break;
            } catch (NativeIoException e) {
                if (Errno.EAGAIN.is(e.errno())) {
                    return false;
                }
                if (!Errno.EINTR.is(e.errno())) {
                    throw e;
                }
            }
        }
        int senderPort =
                ByteBuffer.wrap(sender, 4, 4).order(ByteOrder.nativeOrder()).getInt();
        if (senderLength[0] < SOCKADDR_NL_LENGTH || senderPort != 0) {
            if (foreignDatagrams++ == 0) {
                log.warn(
                        "dropped a netlink datagram from port {} (not the kernel): only the kernel may answer or notify",
                        senderPort);
            }
            return true;
        }
        if (received > RECEIVE_CAPACITY) {
            throw new MalformedMessageException(
                    "netlink datagram of " + received + " bytes truncated to " + RECEIVE_CAPACITY);
        }
        NetlinkMessage.forEach(receiveBuffer, (int) received, consumer);
        return true;
    }

    public int portId() {
        return portId;
    }

    /** Datagrams dropped because a process, not the kernel, sent them. */
    public long foreignDatagrams() {
        return foreignDatagrams;
    }

    /** Sends bytes [offset, offset + length) of {@code buffer} (a direct buffer) as one datagram. */
    void send(ByteBuffer buffer, int offset, int length) {
        long sent = Native.send(fd, buffer, offset, length);
        if (sent != length) {
            // a netlink datagram goes whole or not at all (netlink_sendmsg)
            throw new IllegalStateException("netlink send took " + sent + " of " + length + " bytes");
        }
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("netlink socket is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Native.close(fd);
        }
    }
}
