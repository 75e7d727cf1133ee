package org.tunnelmesh.linux.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.tunnelmesh.linux.syscall.Native;

/** Test support: datagrams and outcomes that only this package can make. */
public final class Datagrams {
    private Datagrams() {}

    /** Sends {@code message} from {@code from} to the port {@code to}, as any local process could. */
    public static void forge(NetlinkSocket from, int to, NetlinkMessageBuilder message) {
        byte[] address = new byte[12];
        ByteBuffer.wrap(address)
                .order(ByteOrder.nativeOrder())
                .putShort((short) Native.AF_NETLINK)
                .putShort((short) 0)
                .putInt(to);
        long sent = Native.sendto(from.fd(), message.buffer(), 0, message.length(), address);
        assertEquals(message.length(), sent);
    }

    /** The outcome of {@code batch} had the kernel answered request i with {@code errnos[i]} (0: success). */
    public static BatchOutcome outcome(NetlinkMessageBuilder batch, int... errnos) {
        BatchOutcome outcome = new BatchOutcome(batch, batch.messageCount());
        outcome.pending = errnos.length;
        for (int i = 0; i < errnos.length; i++) {
            NetlinkMessageBuilder ack = new NetlinkMessageBuilder(64).reset(batch.firstSeq() + i);
            ack.begin(Netlink.NLMSG_ERROR, Netlink.NLM_F_CAPPED);
            ack.putU32(-errnos[i]);
            ack.putU32(Netlink.NLMSG_HDRLEN)
                    .putU16(0)
                    .putU16(0)
                    .putU32(batch.firstSeq() + i)
                    .putU32(0);
            ack.end();
            outcome.accept(NetlinkMessage.wrap(ack.message(0)));
        }
        return outcome;
    }
}
