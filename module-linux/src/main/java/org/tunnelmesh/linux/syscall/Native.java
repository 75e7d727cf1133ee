package org.tunnelmesh.linux.syscall;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The only crossing into native code: the few libc calls a netlink socket, its wakeup, a
 * namespace switch and bpf(2) need, bound once by JNA direct mapping (no reflection per call).
 * No JNA type leaves this class: memory is a direct {@link ByteBuffer} or a Java array, and a
 * failed call is a {@link NativeIoException} naming it, with its errno. Numbers that differ
 * between architectures come from {@link LinuxAbi}; on an architecture without a table, nothing is
 * bound and {@link #unavailabilityCause()} says why.
 *
 * <p>Public for the netlink and bpf packages above it; not API.
 */
public final class Native {
    public static final int AF_NETLINK = 16;
    public static final int AF_INET = 2;
    public static final int SOCK_RAW = 3;
    /** asm-generic's (x86, arm, riscv, loongarch, powerpc alike; only MIPS differs, which LinuxAbi refuses). */
    public static final int SOCK_DGRAM = 2;

    public static final int IPPROTO_ICMP = 1;
    public static final int SOL_IP = 0;
    /** Ask for a cmsg with struct in_pktinfo (the arrival ifindex) on every datagram. */
    public static final int IP_PKTINFO = 8;

    public static final int SOL_RAW = 255;
    /** A raw ICMP socket's filter: a mask of the ICMP types it does NOT deliver (linux/icmp.h). */
    public static final int ICMP_FILTER = 1;

    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_SNDBUFFORCE = 32;
    public static final int SO_RCVBUFFORCE = 33;
    /** The same number on every architecture LinuxAbi accepts (asm-generic's, which x86 and powerpc keep). */
    static final int SO_ATTACH_FILTER = 26;

    public static final int SOL_NETLINK = 270;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000;
    static final int CLONE_NEWNET = 0x40000000;
    static final int EFD_CLOEXEC = O_CLOEXEC;
    static final int EFD_NONBLOCK = 0x800;
    static final short POLLIN = 0x1;
    private static final int POLLFD_BYTES = 8; // struct pollfd: int fd, short events, short revents

    /** This architecture's numbers, or null when there is no table for it. */
    static final LinuxAbi ABI;
    /** SOL_SOCKET of this architecture (-1 when nothing is bound). */
    public static final int SOL_SOCKET;

    private static final Throwable UNAVAILABILITY_CAUSE;

    static {
        LinuxAbi abi = null;
        Throwable cause = null;
        try {
            if (!Platform.isLinux()) {
                throw new UnsupportedOperationException(
                        "netlink needs Linux, this is " + System.getProperty("os.name"));
            }
            abi = LinuxAbi.of(Platform.ARCH);
            com.sun.jna.Native.register(LibC.class, Platform.C_LIBRARY_NAME);
        } catch (Throwable t) {
            cause = t;
        }
        ABI = cause == null ? abi : null;
        SOL_SOCKET = ABI == null ? -1 : ABI.solSocket();
        UNAVAILABILITY_CAUSE = cause;
    }

    private Native() {}

    /** Null when libc is bound, else why not (not Linux, no table for this architecture, no JNA native library). */
    public static Throwable unavailabilityCause() {
        return UNAVAILABILITY_CAUSE;
    }

    /** @param call what the socket is for, as the failure names it, e.g. {@code socket(AF_NETLINK, 0)} */
    public static int socket(int domain, int type, int protocol, String call) {
        try {
            return LibC.socket(domain, type, protocol);
        } catch (LastErrorException e) {
            throw new NativeIoException(call, e.getErrorCode());
        }
    }

    public static void bind(int fd, byte[] address) {
        try {
            LibC.bind(fd, address, address.length);
        } catch (LastErrorException e) {
            throw new NativeIoException("bind", e.getErrorCode());
        }
    }

    /** Fills {@code address} with the socket's own address. */
    public static void getsockname(int fd, byte[] address) {
        try {
            LibC.getsockname(fd, address, new int[] {address.length});
        } catch (LastErrorException e) {
            throw new NativeIoException("getsockname", e.getErrorCode());
        }
    }

    /** @param call the option as the failure names it, e.g. {@code setsockopt(SO_RCVBUF)} */
    public static void setsockopt(int fd, int level, int option, int value, String call) {
        try {
            LibC.setsockopt(fd, level, option, new int[] {value}, 4);
        } catch (LastErrorException e) {
            throw new NativeIoException(call, e.getErrorCode());
        }
    }

    /** SO_RCVTIMEO: a receive that waits longer fails with EAGAIN. */
    public static void setReceiveTimeout(int fd, int millis) {
        byte[] timeval = ABI.timeval(millis);
        try {
            LibC.setsockopt(fd, ABI.solSocket(), ABI.soRcvtimeo(), timeval, timeval.length);
        } catch (LastErrorException e) {
            throw new NativeIoException("setsockopt(SO_RCVTIMEO)", e.getErrorCode());
        }
    }

    /** An int socket option as the kernel holds it. */
    public static int getsockopt(int fd, int level, int option) {
        int[] value = {0};
        try {
            LibC.getsockopt(fd, level, option, value, new int[] {4});
        } catch (LastErrorException e) {
            throw new NativeIoException("getsockopt", e.getErrorCode());
        }
        return value[0];
    }

    /**
     * setsockopt(SO_ATTACH_FILTER): the classic BPF program {@code instructions} (struct sock_filter
     * each, in the machine's byte order) on the socket; the kernel copies it during the call.
     */
    public static void attachFilter(int fd, byte[] instructions, int count) {
        Memory program = new Memory(instructions.length);
        program.write(0, instructions, 0, instructions.length);
        // struct sock_fprog: u16 count, padding, then the pointer (8 bytes on every 64-bit ABI LinuxAbi accepts)
        byte[] fprog = new byte[16];
        ByteBuffer.wrap(fprog)
                .order(ByteOrder.nativeOrder())
                .putShort(0, (short) count)
                .putLong(8, Pointer.nativeValue(program));
        try {
            LibC.setsockopt(fd, ABI.solSocket(), SO_ATTACH_FILTER, fprog, fprog.length);
        } catch (LastErrorException e) {
            throw new NativeIoException("setsockopt(SO_ATTACH_FILTER)", e.getErrorCode());
        } finally {
            Reference.reachabilityFence(program);
        }
    }

    /** Sends bytes [offset, offset + length) of the direct buffer {@code buffer}; returns how many went. */
    public static long send(int fd, ByteBuffer buffer, int offset, int length) {
        try {
            return LibC.send(fd, pointer(buffer, offset, length), length, 0);
        } catch (LastErrorException e) {
            throw new NativeIoException("send of " + length + " bytes", e.getErrorCode());
        }
    }

    /** sendto: bytes [offset, offset + length) of the direct buffer {@code buffer}, to the sockaddr {@code address}. */
    public static long sendto(int fd, ByteBuffer buffer, int offset, int length, byte[] address) {
        try {
            return LibC.sendto(fd, pointer(buffer, offset, length), length, 0, address, address.length);
        } catch (LastErrorException e) {
            throw new NativeIoException("sendto", e.getErrorCode());
        }
    }

    /**
     * recvfrom into the direct buffer {@code buffer}, at most {@code length} bytes, and who sent the
     * datagram ({@code address}: a sockaddr_nl for netlink, the sender's port id at offset 4, 0 = the kernel).
     *
     * @return the datagram's length (with MSG_TRUNC: its whole length, even if longer than {@code length})
     */
    public static long recvfrom(int fd, ByteBuffer buffer, int length, int flags, byte[] address, int[] addressLength) {
        try {
            return LibC.recvfrom(fd, pointer(buffer, 0, length), length, flags, address, addressLength);
        } catch (LastErrorException e) {
            throw new NativeIoException("recvfrom", e.getErrorCode());
        }
    }

    /**
     * recvmsg(2) with the caller's {@code struct msghdr} in the direct buffer {@code msghdr}, its pointers (name, iovec,
     * control) set by the caller to other direct buffers ({@link #address}).
     *
     * @return the datagram's length
     */
    public static long recvmsg(int fd, ByteBuffer msghdr, int flags) {
        try {
            return LibC.recvmsg(fd, pointer(msghdr, 0, MSGHDR_BYTES), flags);
        } catch (LastErrorException e) {
            throw new NativeIoException("recvmsg", e.getErrorCode());
        }
    }

    /**
     * sizeof(struct msghdr) on the 64-bit ABIs of LinuxAbi: name pointer, namelen (padded to 8), iov pointer, iovlen,
     * control pointer, controllen, flags (padded).
     */
    public static final int MSGHDR_BYTES = 56;

    /**
     * poll(2) for POLLIN on {@code fds}. EINTR waits again for the whole timeout: a signal can only lengthen a wait.
     *
     * @param timeoutMillis -1 to wait as long as it takes
     * @return bit i set when {@code fds[i]} has an event (readable, or an error or hang-up); 0 when the time ran out
     */
    public static int pollIn(int timeoutMillis, int... fds) {
        byte[] pollfds = new byte[fds.length * POLLFD_BYTES];
        ByteBuffer b = ByteBuffer.wrap(pollfds).order(ByteOrder.nativeOrder());
        for (int fd : fds) {
            b.putInt(fd).putShort(POLLIN).putShort((short) 0);
        }
        while (true) {
            try {
                if (LibC.poll(pollfds, fds.length, timeoutMillis) == 0) {
                    return 0;
                }
                break;
            } catch (LastErrorException e) {
                if (!Errno.EINTR.is(e.getErrorCode())) {
                    throw new NativeIoException("poll", e.getErrorCode());
                }
            }
        }
        int ready = 0;
        for (int i = 0; i < fds.length; i++) {
            if (b.getShort(i * POLLFD_BYTES + 6) != 0) {
                ready |= 1 << i;
            }
        }
        return ready;
    }

    /** @param call what was written to, e.g. {@code write(eventfd)} */
    static void write(int fd, byte[] bytes, String call) {
        try {
            LibC.write(fd, bytes, bytes.length);
        } catch (LastErrorException e) {
            throw new NativeIoException(call, e.getErrorCode());
        }
    }

    public static void close(int fd) {
        try {
            LibC.close(fd);
        } catch (LastErrorException e) {
            throw new NativeIoException("close", e.getErrorCode());
        }
    }

    /** open(2), read-only and close-on-exec. */
    static int openReadOnly(String path) {
        try {
            return LibC.open(path, O_RDONLY | O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new NativeIoException("open(" + path + ")", e.getErrorCode());
        }
    }

    /** @param call what is entered, as the failure names it */
    static void setns(int fd, int nstype, String call) {
        try {
            LibC.setns(fd, nstype);
        } catch (LastErrorException e) {
            throw new NativeIoException(call, e.getErrorCode());
        }
    }

    static int eventfd(int initval, int flags, String call) {
        try {
            return LibC.eventfd(initval, flags);
        } catch (LastErrorException e) {
            throw new NativeIoException(call, e.getErrorCode());
        }
    }

    /**
     * bpf(cmd, attr, size), {@code attr} a direct buffer holding a {@code union bpf_attr}.
     *
     * @param call what the call is for, as the failure names it
     * @throws BpfSyscall.BpfException with the errno when the kernel refuses
     */
    static int bpf(int cmd, ByteBuffer attr, int size, String call) {
        try {
            return (int) LibC.syscall(ABI.sysBpf(), cmd, pointer(attr, 0, size), size);
        } catch (LastErrorException e) {
            throw new BpfSyscall.BpfException(e.getErrorCode(), call);
        }
    }

    /** The address of a direct buffer, for the pointer fields of kernel structs (the __aligned_u64 ones of bpf_attr). */
    public static long address(ByteBuffer direct) {
        return Pointer.nativeValue(pointer(direct, 0, 0));
    }

    private static Pointer pointer(ByteBuffer buffer, int offset, int length) {
        if (!buffer.isDirect() || offset < 0 || length < 0 || offset + length > buffer.capacity()) {
            throw new IllegalArgumentException("needs a direct buffer of at least " + (offset + length) + " bytes");
        }
        Pointer base = com.sun.jna.Native.getDirectBufferPointer(buffer);
        return offset == 0 ? base : base.share(offset);
    }

    /** libc, bound by direct mapping: each native method calls the C function of its name; errno becomes LastErrorException. */
    private static final class LibC {
        private LibC() {}

        static native int socket(int domain, int type, int protocol) throws LastErrorException;

        static native int bind(int fd, byte[] address, int addressLength) throws LastErrorException;

        static native int getsockname(int fd, byte[] address, int[] addressLength) throws LastErrorException;

        static native int setsockopt(int fd, int level, int option, int[] value, int valueLength)
                throws LastErrorException;

        static native int setsockopt(int fd, int level, int option, byte[] value, int valueLength)
                throws LastErrorException;

        static native long send(int fd, Pointer buffer, long length, int flags) throws LastErrorException;

        static native long recvfrom(int fd, Pointer buffer, long length, int flags, byte[] address, int[] addressLength)
                throws LastErrorException;

        static native long sendto(int fd, Pointer buffer, long length, int flags, byte[] address, int addressLength)
                throws LastErrorException;

        static native long recvmsg(int fd, Pointer msghdr, int flags) throws LastErrorException;

        static native int getsockopt(int fd, int level, int option, int[] value, int[] valueLength)
                throws LastErrorException;

        static native int close(int fd) throws LastErrorException;

        static native int open(String path, int flags) throws LastErrorException;

        static native int setns(int fd, int nstype) throws LastErrorException;

        static native int eventfd(int initval, int flags) throws LastErrorException;

        /** {@code fds}: struct pollfd entries (int fd, short events, short revents), in native order. */
        static native int poll(byte[] fds, long count, int timeoutMillis) throws LastErrorException;

        static native long write(int fd, byte[] buffer, long length) throws LastErrorException;

        /**
         * bpf(2) has no libc wrapper: it goes through syscall(2) with the architecture's number. syscall
         * is variadic in C; bound with fixed arguments, which is safe for glibc's syscall (assembly that
         * moves its integer arguments into the syscall registers) on the 64-bit architectures of {@link LinuxAbi}.
         */
        static native long syscall(long number, int cmd, Pointer attr, int size) throws LastErrorException;
    }
}
