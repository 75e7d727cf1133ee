package org.tunnelmesh.linux.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Classic BPF socket filters (SO_ATTACH_FILTER) for netlink sockets. The kernel runs one on each
 * datagram before it queues it, so what the filter drops never wakes the reader.
 */
final class SocketFilter {
    /** One {@code struct sock_filter}: u16 code, u8 jt, u8 jf, u32 k, in the machine's byte order. */
    static final int INSTRUCTION_BYTES = 8;

    private static final short LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS: A = the 32 bits at k, read big-endian
    private static final short JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K: A == k ? skip jt : skip jf
    private static final short RET_K = 0x06; // BPF_RET | BPF_K: keep k bytes of the datagram, 0 drops it
    private static final int NLMSG_PID_OFFSET = 12; // struct nlmsghdr: len 4, type 2, flags 2, seq 4, pid 4
    private static final int WHOLE = 0xffffffff;

    private SocketFilter() {}

    /**
     * Drops each datagram whose message carries {@code portId} as its nlmsg_pid: on an event
     * socket, the notifications that requests of the socket with that port id caused (the kernel
     * sends each notification as a datagram of its own).
     */
    static byte[] droppingPortId(int portId, ByteOrder order) {
        // the load reads nlmsg_pid's bytes big-endian; nlmsg_pid is in the machine's order
        int loaded = ByteBuffer.allocate(4)
                .order(order)
                .putInt(0, portId)
                .order(ByteOrder.BIG_ENDIAN)
                .getInt(0);
        ByteBuffer program = ByteBuffer.allocate(4 * INSTRUCTION_BYTES).order(order);
        instruction(program, LD_W_ABS, 0, 0, NLMSG_PID_OFFSET);
        instruction(program, JEQ_K, 0, 1, loaded);
        instruction(program, RET_K, 0, 0, 0);
        instruction(program, RET_K, 0, 0, WHOLE);
        return program.array();
    }

    private static void instruction(ByteBuffer program, short code, int jumpIfTrue, int jumpIfFalse, int k) {
        program.putShort(code).put((byte) jumpIfTrue).put((byte) jumpIfFalse).putInt(k);
    }
}
