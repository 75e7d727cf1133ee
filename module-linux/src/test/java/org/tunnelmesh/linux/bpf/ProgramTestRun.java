package org.tunnelmesh.linux.bpf;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import org.tunnelmesh.linux.syscall.BpfSyscall;

/**
 * Runs a loaded tc program once on a crafted frame in the kernel (BPF_PROG_TEST_RUN): the real
 * verifier's program on the real helpers and maps, without a device. The frame is an Ethernet
 * frame; the kernel sets skb->protocol from its EtherType and the network header after it, as a
 * device's receive path does. Test code only.
 */
public final class ProgramTestRun {
    static final int BPF_PROG_TEST_RUN = 10;
    /** Room for struct __sk_buff (192 bytes on 6.1); the kernel copies its size back. */
    private static final int CTX_SIZE = 256;

    private ProgramTestRun() {}

    /** The program's return value and the skb's priority after it ran. */
    public record Outcome(int verdict, int priority) {}

    /** Runs {@code program} on {@code frame}, the skb's priority starting at {@code priority}. */
    public static Outcome run(BpfProgram program, byte[] frame, int priority) {
        ByteBuffer data = Bpf.direct(frame.length).put(0, frame);
        ByteBuffer ctxIn = Bpf.direct(CTX_SIZE);
        ctxIn.putInt(32, priority); // __sk_buff.priority, one of the fields a test run may set
        ByteBuffer ctxOut = Bpf.direct(CTX_SIZE);
        ByteBuffer attr = Bpf.attr();
        attr.putInt(0, program.fd()); // prog_fd
        attr.putInt(8, frame.length); // data_size_in
        attr.putLong(16, BpfSyscall.address(data)); // data_in
        attr.putInt(32, 1); // repeat
        attr.putInt(40, CTX_SIZE); // ctx_size_in
        attr.putInt(44, CTX_SIZE); // ctx_size_out
        attr.putLong(48, BpfSyscall.address(ctxIn)); // ctx_in
        attr.putLong(56, BpfSyscall.address(ctxOut)); // ctx_out
        try {
            BpfSyscall.call(BPF_PROG_TEST_RUN, attr, Bpf.ATTR_SIZE, "bpf(BPF_PROG_TEST_RUN)");
            return new Outcome(attr.getInt(4), ctxOut.getInt(32)); // retval; __sk_buff.priority
        } finally {
            Reference.reachabilityFence(data);
            Reference.reachabilityFence(ctxIn);
            Reference.reachabilityFence(ctxOut);
        }
    }
}
