package org.tunnelmesh.linux.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Batches are cut so every ack of one send fits the receive buffer the kernel granted. */
class ChunkLimitsTest {

    @Test
    void aForcedBigBufferAllowsTheFullChunk() {
        // SO_RCVBUFFORCE of 4 MiB: getsockopt reports 8 MiB (the kernel doubles it for bookkeeping)
        assertEquals(new ChunkLimits(64 * 1024, 1024), ChunkLimits.forBuffers(8 * 1024 * 1024, 2 * 1024 * 1024));
    }

    @Test
    void theDefaultCappedBufferGetsFewerMessagesPerSend() {
        // without CAP_NET_ADMIN: rmem_max 212992, doubled
        ChunkLimits limits = ChunkLimits.forBuffers(425_984, 425_984);
        assertEquals(425_984 / ChunkLimits.ACK_TRUESIZE, limits.maxMessages());
        assertEquals(332, limits.maxMessages());
        assertTrue((long) limits.maxMessages() * ChunkLimits.ACK_TRUESIZE <= 425_984, "every ack fits");
        assertEquals(64 * 1024, limits.maxBytes());
    }

    @Test
    void aTinyBufferStillSendsOneRequestAtATime() {
        // SOCK_MIN_RCVBUF is about 2 KiB; one ack always fits an empty buffer (the kernel checks before adding)
        ChunkLimits limits = ChunkLimits.forBuffers(2304, 4608);
        assertEquals(1, limits.maxMessages());
        assertEquals(4608 - 32, limits.maxBytes());
        assertEquals(Netlink.NLMSG_HDRLEN, ChunkLimits.forBuffers(0, 0).maxBytes());
    }

    @Test
    void aSmallSendBufferBoundsTheBytes() {
        assertEquals(
                16 * 1024 - 32,
                ChunkLimits.forBuffers(8 * 1024 * 1024, 16 * 1024).maxBytes());
    }
}
