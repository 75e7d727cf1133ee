package org.tunnelmesh.linux.netlink;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Requests and their acks over one {@link NetlinkSocket}: batches whose every ack is matched to
 * its request by sequence number, and dumps. Not thread-safe: one owner at a time, the socket's.
 */
public final class NetlinkTransactions {
    private static final Logger log = LogManager.getLogger(NetlinkTransactions.class);

    private static final int DUMP_ATTEMPTS = 10;

    private final NetlinkSocket socket;
    private final NetlinkMessageBuilder requests = new NetlinkMessageBuilder(ChunkLimits.MAX_BYTES);
    /** Chunks of a batch sized to the buffers the kernel granted, so no ack is dropped. */
    private ChunkLimits chunks;

    private int nextSeq;

    public NetlinkTransactions(NetlinkSocket socket) {
        this.socket = socket;
        this.chunks = ChunkLimits.forBuffers(socket.receiveBufferBytes(), socket.sendBufferBytes());
        if (chunks.maxMessages() < ChunkLimits.MAX_MESSAGES) {
            log.debug(
                    "netlink receive buffer of {} bytes: batches go out {} requests at a time",
                    socket.receiveBufferBytes(),
                    chunks.maxMessages());
        }
        this.nextSeq = (int) (System.nanoTime() & 0x3fffffff) + 1;
    }

    /** The limits one send of a batch keeps to. */
    ChunkLimits chunkLimits() {
        return chunks;
    }

    /** For tests: other limits than the buffers call for (to show what too big a chunk does). */
    void useChunkLimits(ChunkLimits limits) {
        this.chunks = limits;
    }

    /** The request builder, emptied and numbered on from the last batch. */
    public NetlinkMessageBuilder newBatch() {
        return requests.reset(nextSeq);
    }

    /**
     * Sends every message of {@code batch} (each must ask for an ack), waits for all acks and says
     * what became of each request. The kernel handles each request on its own, in order, so a
     * failure in the middle does not stop the rest: the outcome tells exactly what took effect.
     * Big batches go out in chunks whose acks fit the receive buffer. The batch's request objects
     * move to the outcome ({@link BatchOutcome#request}).
     */
    public BatchOutcome send(NetlinkMessageBuilder batch) {
        socket.ensureOpen();
        int count = batch.messageCount();
        nextSeq = batch.firstSeq() + count;
        int limit = batch.length();
        BatchOutcome acks = new BatchOutcome(batch, count);
        batch.forgetRequests(); // the outcome has them; our builder would otherwise keep a 40,000-request open alive
        int index = 0;
        while (index < count) {
            int chunkStart = index;
            int startOffset = batch.messageOffset(chunkStart);
            int chunkEnd = chunkStart + 1;
            while (chunkEnd < count
                    && chunkEnd - chunkStart < chunks.maxMessages()
                    && endOf(batch, chunkEnd, limit) - startOffset <= chunks.maxBytes()) {
                chunkEnd++;
            }
            socket.send(batch.buffer(), startOffset, endOf(batch, chunkEnd - 1, limit) - startOffset);
            acks.pending = chunkEnd - chunkStart;
            while (acks.pending > 0) {
                receive(acks::accept);
            }
            index = chunkEnd;
        }
        return acks;
    }

    private static int endOf(NetlinkMessageBuilder batch, int index, int limit) {
        return index + 1 < batch.messageCount() ? batch.messageOffset(index + 1) : limit;
    }

    /**
     * Runs a dump: {@code request} writes one request message (flags NLM_F_REQUEST|NLM_F_DUMP) and
     * {@code parser} turns each answer into a value (null to skip it). When the kernel flags the
     * dump as interrupted (NLM_F_DUMP_INTR: the table changed under it) the dump starts over.
     */
    public <T> List<T> dump(Consumer<NetlinkMessageBuilder> request, Function<NetlinkMessage, T> parser) {
        socket.ensureOpen();
        for (int attempt = 1; ; attempt++) {
            NetlinkMessageBuilder batch = newBatch();
            request.accept(batch);
            if (batch.messageCount() != 1) {
                throw new IllegalArgumentException("a dump is one request, not " + batch.messageCount());
            }
            nextSeq = batch.firstSeq() + 1;
            DumpState<T> state = new DumpState<>(batch.firstSeq(), parser);
            socket.send(batch.buffer(), 0, batch.length());
            while (!state.done) {
                receive(state::accept);
            }
            if (state.errno != 0) {
                throw new NetlinkException(state.errno, state.extAckText, -1, 1, batch.request(0));
            }
            if (!state.interrupted) {
                return state.results;
            }
            if (attempt == DUMP_ATTEMPTS) {
                NetlinkRequest what = batch.request(0);
                throw new NetlinkProtocolException(
                        (what == null ? "a dump" : what.command()) + " was interrupted by concurrent changes "
                                + DUMP_ATTEMPTS + " times in a row (NLM_F_DUMP_INTR)");
            }
            log.debug("dump interrupted by a concurrent change; starting over");
        }
    }

    private void receive(Consumer<NetlinkMessage> consumer) {
        if (!socket.poll(consumer, false)) {
            throw new NetlinkProtocolException(
                    "the kernel did not answer within " + NetlinkSocket.TIMEOUT_SECONDS + " s");
        }
    }

    private static final class DumpState<T> {
        final int seq;
        final Function<NetlinkMessage, T> parser;
        final List<T> results = new ArrayList<>();
        boolean done;
        boolean interrupted;
        int errno;
        String extAckText = "";

        DumpState(int seq, Function<NetlinkMessage, T> parser) {
            this.seq = seq;
            this.parser = parser;
        }

        void accept(NetlinkMessage message) {
            if (message.seq() != seq || done) {
                return;
            }
            if ((message.flags() & Netlink.NLM_F_DUMP_INTR) != 0) {
                interrupted = true;
            }
            switch (message.type()) {
                case Netlink.NLMSG_DONE, Netlink.NLMSG_ERROR -> {
                    done = true;
                    errno = message.errno();
                    extAckText = message.extendedAck();
                }
                case Netlink.NLMSG_NOOP, Netlink.NLMSG_OVERRUN -> {}
                default -> {
                    T value = parser.apply(message);
                    if (value != null) {
                        results.add(value);
                    }
                }
            }
        }
    }
}
