package org.tunnelmesh.linux.netlink;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;

/**
 * The bpf(2) system call, beside the netlink socket in the one package that crosses into native
 * code. Callers fill a direct buffer with a {@code union bpf_attr} (and point it at other direct
 * buffers by address, see {@link #address}); this class only makes the call.
 */
public final class BpfSyscall {
    private BpfSyscall() {
    }

    /** Null when bpf(2) can be called here, else why not. */
    public static Throwable unavailabilityCause() {
        return Native.unavailabilityCause();
    }

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
        try {
            return (int) Native.syscall(Native.ABI.sysBpf(), cmd, com.sun.jna.Native.getDirectBufferPointer(attr), size);
        } catch (LastErrorException e) {
            throw new BpfException(e.getErrorCode(), what);
        }
    }

    /** The address of a direct buffer, for the __aligned_u64 pointer fields of bpf_attr. */
    public static long address(ByteBuffer direct) {
        return Pointer.nativeValue(com.sun.jna.Native.getDirectBufferPointer(direct));
    }

    /** Closes a file descriptor bpf(2) returned. */
    public static void close(int fd) {
        try {
            Native.close(fd);
        } catch (LastErrorException e) {
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
