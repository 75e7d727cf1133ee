package org.tunnelmesh.linux.syscall;

import java.nio.ByteBuffer;

/**
 * The bpf(2) system call. Callers fill a direct buffer with a {@code union bpf_attr} (and point it
 * at other direct buffers by address, see {@link #address}); this class only makes the call.
 */
public final class BpfSyscall {
    private BpfSyscall() {}

    /**
     * Calls bpf(cmd, attr, size).
     *
     * @return the kernel's non-negative result (a new fd for *_CREATE and PROG_LOAD)
     * @throws BpfException with the errno when the kernel refuses
     */
    public static int call(int cmd, ByteBuffer attr, int size, String what) {
        Throwable cause = Native.unavailabilityCause();
        if (cause != null) {
            throw new IllegalStateException("bpf(2) is not available: " + cause.getMessage(), cause);
        }
        if (!attr.isDirect() || attr.capacity() < size) {
            throw new IllegalArgumentException("bpf_attr must be a direct buffer of at least " + size + " bytes");
        }
        return Native.bpf(cmd, attr, size, what);
    }

    /** The address of a direct buffer, for the __aligned_u64 pointer fields of bpf_attr. */
    public static long address(ByteBuffer direct) {
        return Native.address(direct);
    }

    /** Closes a file descriptor bpf(2) returned. */
    public static void close(int fd) {
        try {
            Native.close(fd);
        } catch (NativeIoException e) {
            // already closed: nothing to free
        }
    }

    /** bpf(2) failed: a system call failure like any other, kept as its own type for the callers that advise on BPF. */
    public static final class BpfException extends NativeIoException {
        public BpfException(int errno, String what) {
            super(what, errno);
        }
    }
}
