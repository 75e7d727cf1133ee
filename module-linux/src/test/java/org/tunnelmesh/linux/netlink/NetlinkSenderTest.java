package org.tunnelmesh.linux.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.linux.syscall.Errno;
import org.tunnelmesh.linux.syscall.NativeIoException;

/**
 * Any process may send a datagram to a netlink socket's port id: a forged ack or event must be
 * dropped, and what the kernel sends still read. And a batch on a socket whose receive buffer is
 * small goes out in chunks whose acks fit it. Only read requests (RTM_GETLINK), so it runs on the
 * host and changes nothing.
 */
class NetlinkSenderTest {

    @Test
    void aDatagramFromAnotherSocketIsDroppedAndTheKernelIsStillHeard() throws Exception {
        try (NetlinkSocket ours = NetlinkSocket.open(Netlink.NETLINK_ROUTE);
                NetlinkSocket attacker = NetlinkSocket.open(Netlink.NETLINK_ROUTE)) {
            ours.setReceiveTimeout(2000);
            // a forged "done" for any dump: read, it would end a dump early with a made-up answer
            NetlinkMessageBuilder forged = new NetlinkMessageBuilder(64).reset(1);
            forged.begin(Netlink.NLMSG_DONE, Netlink.NLM_F_MULTI);
            forged.putU32(0);
            forged.end();
            Datagrams.forge(attacker, ours.portId(), forged);

            List<NetlinkMessage> seen = new ArrayList<>();
            assertTrue(ours.poll(seen::add, false), "the forged datagram arrived");
            assertTrue(seen.isEmpty(), "and was not handed on: " + seen.size());
            assertEquals(1, ours.foreignDatagrams());
            assertFalse(ours.poll(seen::add, true), "nothing else queued");

            // the kernel's own answers still pass: a link dump has at least loopback
            List<Integer> links = new NetlinkTransactions(ours)
                    .dump(
                            b -> {
                                b.begin(
                                        org.tunnelmesh.linux.rtnetlink.Rtnetlink.RTM_GETLINK,
                                        Netlink.NLM_F_REQUEST | Netlink.NLM_F_DUMP);
                                b.putU8(0)
                                        .putU8(0)
                                        .putU16(0)
                                        .putU32(0)
                                        .putU32(0)
                                        .putU32(0);
                                b.end();
                            },
                            m -> m.type());
            assertFalse(links.isEmpty());
        }
    }

    /** 1,000 requests that each get an error ack: RTM_GETLINK of an ifindex that does not exist (ENODEV). */
    private static NetlinkMessageBuilder thousandFailingGets(NetlinkTransactions transactions) {
        NetlinkMessageBuilder batch = transactions.newBatch();
        for (int i = 0; i < 1000; i++) {
            batch.begin(
                    org.tunnelmesh.linux.rtnetlink.Rtnetlink.RTM_GETLINK, Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK);
            batch.putU8(0).putU8(0).putU16(0).putU32(0x7ff00000 + i).putU32(0).putU32(0);
            batch.end();
        }
        return batch;
    }

    @Test
    void aBatchOnASmallReceiveBufferGoesOutInChunksItsAcksFit() {
        // what an unprivileged process gets when rmem_max is small: 32 KiB asked, 64 KiB granted
        try (NetlinkSocket socket = NetlinkSocket.open(Netlink.NETLINK_ROUTE, 32 * 1024, false)) {
            NetlinkTransactions transactions = new NetlinkTransactions(socket);
            ChunkLimits limits = transactions.chunkLimits();
            assertEquals(64 * 1024 / ChunkLimits.ACK_TRUESIZE, limits.maxMessages());
            BatchOutcome outcome = transactions.send(thousandFailingGets(transactions));
            assertEquals(1000, outcome.size());
            assertEquals(1000, outcome.failures());
            for (int i = 0; i < outcome.size(); i++) {
                assertEquals(Errno.ENODEV.number(), outcome.errno(i), "request " + i);
            }
        }
    }

    /** The control: the same batch in one send overflows that buffer, and the kernel drops acks. */
    @Test
    void withoutSizingTheSameBatchLosesAcks() {
        try (NetlinkSocket socket = NetlinkSocket.open(Netlink.NETLINK_ROUTE, 32 * 1024, false)) {
            NetlinkTransactions transactions = new NetlinkTransactions(socket);
            transactions.useChunkLimits(new ChunkLimits(ChunkLimits.MAX_BYTES, ChunkLimits.MAX_MESSAGES));
            // a failed receive, not a refusal: the kernel said nothing, it dropped our acks
            NativeIoException e = org.junit.jupiter.api.Assertions.assertThrows(
                    NativeIoException.class, () -> transactions.send(thousandFailingGets(transactions)));
            assertEquals(Errno.ENOBUFS.number(), e.errno(), e.getMessage());
            assertEquals("recvfrom", e.call());
        }
    }
}
