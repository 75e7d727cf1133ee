package org.tunnelmesh.linux.bpf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.tunnelmesh.linux.syscall.BpfSyscall;
import org.tunnelmesh.linux.syscall.BpfSyscall.BpfException;
import org.tunnelmesh.linux.syscall.Errno;

/** A loaded tc program (BPF_PROG_TYPE_SCHED_CLS), held by its file descriptor. */
public final class BpfProgram implements AutoCloseable {
    /** The verifier's log of a refused program: big enough for ours many times over. */
    private static final int LOG_SIZE = 256 * 1024;

    private static final byte[] LICENSE = "GPL\0".getBytes(StandardCharsets.US_ASCII);

    private final int fd;
    private final int id;
    private boolean closed;

    private BpfProgram(int fd, int id) {
        this.fd = fd;
        this.id = id;
    }

    /**
     * Loads a SCHED_CLS program. The first attempt goes without a log (the verifier is faster so);
     * a refused program is loaded again with the log on, and the log goes into the exception.
     *
     * @throws ProgramRefusedException with the errno and the verifier's log
     */
    public static BpfProgram loadSchedCls(String name, byte[] instructions) {
        ByteBuffer insns = Bpf.direct(instructions.length).put(instructions).flip();
        ByteBuffer license = Bpf.direct(LICENSE.length).put(LICENSE).flip();
        int fd;
        try {
            fd = load(name, instructions.length, insns, license);
        } finally {
            // the kernel reads these buffers' memory by address: keep them alive until it is done
            java.lang.ref.Reference.reachabilityFence(insns);
            java.lang.ref.Reference.reachabilityFence(license);
        }
        try {
            return new BpfProgram(fd, idOf(fd));
        } catch (RuntimeException e) {
            BpfSyscall.close(fd);
            throw e;
        }
    }

    private static int load(String name, int length, ByteBuffer insns, ByteBuffer license) {
        try {
            return BpfSyscall.call(
                    Bpf.BPF_PROG_LOAD,
                    loadAttr(name, length, insns, license, null),
                    Bpf.ATTR_SIZE,
                    "bpf(BPF_PROG_LOAD) of " + name);
        } catch (BpfException first) {
            if (Errno.EPERM.is(first.errno())) {
                throw new ProgramRefusedException(first.errno(), name, "");
            }
            ByteBuffer log = Bpf.direct(LOG_SIZE);
            try {
                return BpfSyscall.call(
                        Bpf.BPF_PROG_LOAD,
                        loadAttr(name, length, insns, license, log),
                        Bpf.ATTR_SIZE,
                        "bpf(BPF_PROG_LOAD) of " + name + " with the verifier log");
            } catch (BpfException second) {
                throw new ProgramRefusedException(second.errno(), name, logText(log));
            } finally {
                java.lang.ref.Reference.reachabilityFence(log);
            }
        }
    }

    private static ByteBuffer loadAttr(String name, int bytes, ByteBuffer insns, ByteBuffer license, ByteBuffer log) {
        ByteBuffer attr = Bpf.attr();
        attr.putInt(0, Bpf.BPF_PROG_TYPE_SCHED_CLS);
        attr.putInt(4, bytes / BpfAssembler.INSN_SIZE);
        attr.putLong(8, BpfSyscall.address(insns));
        attr.putLong(16, BpfSyscall.address(license));
        if (log != null) {
            attr.putInt(24, 1); // log_level
            attr.putInt(28, log.capacity());
            attr.putLong(32, BpfSyscall.address(log));
        }
        Bpf.putName(attr, 48, name);
        return attr;
    }

    private static String logText(ByteBuffer log) {
        int end = 0;
        while (end < log.capacity() && log.get(end) != 0) {
            end++;
        }
        byte[] text = new byte[end];
        log.get(0, text);
        return new String(text, StandardCharsets.UTF_8).strip();
    }

    /** The kernel's id of a program (struct bpf_prog_info: type, id), as filter dumps report it (TCA_BPF_ID). */
    private static int idOf(int fd) {
        ByteBuffer info = Bpf.direct(8);
        ByteBuffer attr = Bpf.attr();
        attr.putInt(0, fd);
        attr.putInt(4, 8);
        attr.putLong(8, BpfSyscall.address(info));
        BpfSyscall.call(Bpf.BPF_OBJ_GET_INFO_BY_FD, attr, Bpf.ATTR_SIZE, "bpf(BPF_OBJ_GET_INFO_BY_FD)");
        return info.getInt(4); // info is read here, so it stays reachable through the call
    }

    public int fd() {
        return fd;
    }

    public int id() {
        return id;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            BpfSyscall.close(fd);
        }
    }

    /** The kernel refused to load a program; carries the verifier's log when there is one. */
    public static final class ProgramRefusedException extends RuntimeException {
        private final int errno;
        private final String verifierLog;

        ProgramRefusedException(int errno, String name, String verifierLog) {
            super("bpf(BPF_PROG_LOAD) of " + name + " failed: " + Errno.name(errno) + " " + Errno.text(errno)
                    + (verifierLog.isEmpty() ? "" : "; verifier log:\n" + verifierLog));
            this.errno = errno;
            this.verifierLog = verifierLog;
        }

        public int errno() {
            return errno;
        }

        public String verifierLog() {
            return verifierLog;
        }
    }
}
