package org.tunnelmesh.linux.netlink;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The only crossing into native code: the few libc calls a netlink socket, its wakeup and a
 * namespace switch need, bound once by JNA direct mapping (no reflection per call). Numbers that
 * differ between architectures come from {@link LinuxAbi}; on an architecture without a table,
 * nothing is bound and {@link #unavailabilityCause()} says why.
 */
final class Native {
    static final int AF_NETLINK = 16;
    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVBUF = 8;
    static final int SO_SNDBUFFORCE = 32;
    static final int SO_RCVBUFFORCE = 33;
    /** The same number on every architecture LinuxAbi accepts (asm-generic's, which x86 and powerpc keep). */
    static final int SO_ATTACH_FILTER = 26;
    static final int SOL_NETLINK = 270;
    static final int MSG_TRUNC = 0x20;
    static final int MSG_DONTWAIT = 0x40;
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000;
    static final int CLONE_NEWNET = 0x40000000;
    static final int EFD_CLOEXEC = O_CLOEXEC;
    static final int EFD_NONBLOCK = 0x800;
    static final short POLLIN = 0x1;

    /** This architecture's numbers, or null when there is no table for it. */
    static final LinuxAbi ABI;
    private static final Throwable UNAVAILABILITY_CAUSE;

    static {
        LinuxAbi abi = null;
        Throwable cause = null;
        try {
            if (!Platform.isLinux()) {
                throw new UnsupportedOperationException("netlink needs Linux, this is " + System.getProperty("os.name"));
            }
            abi = LinuxAbi.of(Platform.ARCH);
            com.sun.jna.Native.register(Platform.C_LIBRARY_NAME);
        } catch (Throwable t) {
            cause = t;
        }
        ABI = cause == null ? abi : null;
        UNAVAILABILITY_CAUSE = cause;
    }

    private Native() {
    }

    /** Null when libc is bound, else why not (not Linux, no table for this architecture, no JNA native library). */
    static Throwable unavailabilityCause() {
        return UNAVAILABILITY_CAUSE;
    }

    static native int socket(int domain, int type, int protocol) throws LastErrorException;

    static native int bind(int fd, byte[] address, int addressLength) throws LastErrorException;

    static native int getsockname(int fd, byte[] address, int[] addressLength) throws LastErrorException;

    static native int setsockopt(int fd, int level, int option, int[] value, int valueLength) throws LastErrorException;

    static native int setsockopt(int fd, int level, int option, byte[] value, int valueLength) throws LastErrorException;

    /**
     * setsockopt(SO_ATTACH_FILTER): the classic BPF program {@code instructions} (struct sock_filter
     * each, in the machine's byte order) on the socket; the kernel copies it during the call.
     */
    static void attachFilter(int fd, byte[] instructions, int count) throws LastErrorException {
        Memory program = new Memory(instructions.length);
        program.write(0, instructions, 0, instructions.length);
        // struct sock_fprog: u16 count, padding, then the pointer (8 bytes on every 64-bit ABI LinuxAbi accepts)
        byte[] fprog = new byte[16];
        ByteBuffer.wrap(fprog).order(ByteOrder.nativeOrder()).putShort(0, (short) count).putLong(8, Pointer.nativeValue(program));
        try {
            setsockopt(fd, ABI.solSocket(), SO_ATTACH_FILTER, fprog, fprog.length);
        } finally {
            Reference.reachabilityFence(program);
        }
    }

    static native long send(int fd, Pointer buffer, long length, int flags) throws LastErrorException;

    /** recv that also says who sent the datagram (a sockaddr_nl: the sender's port id at offset 4, 0 = the kernel). */
    static native long recvfrom(int fd, Pointer buffer, long length, int flags, byte[] address, int[] addressLength) throws LastErrorException;

    static native long sendto(int fd, Pointer buffer, long length, int flags, byte[] address, int addressLength) throws LastErrorException;

    static native int getsockopt(int fd, int level, int option, int[] value, int[] valueLength) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    static native int open(String path, int flags) throws LastErrorException;

    static native int setns(int fd, int nstype) throws LastErrorException;

    static native int eventfd(int initval, int flags) throws LastErrorException;

    /** {@code fds}: struct pollfd entries (int fd, short events, short revents), in native order. */
    static native int poll(byte[] fds, long count, int timeoutMillis) throws LastErrorException;

    static native long write(int fd, byte[] buffer, long length) throws LastErrorException;

    static native long read(int fd, byte[] buffer, long length) throws LastErrorException;

    /**
     * bpf(2) has no libc wrapper: it goes through syscall(2) with the architecture's number. syscall
     * is variadic in C; bound with fixed arguments, which is safe for glibc's syscall (assembly that
     * moves its integer arguments into the syscall registers) on the 64-bit architectures of {@link LinuxAbi}.
     */
    static native long syscall(long number, int cmd, Pointer attr, int size) throws LastErrorException;
}
