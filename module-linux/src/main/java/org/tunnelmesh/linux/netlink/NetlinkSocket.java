package org.tunnelmesh.linux.netlink;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A netlink socket that sends batches of requests and matches every ack to its request by
 * sequence number. Not thread-safe: one owner at a time.
 *
 * <p>Extended acks are on, so errors carry the kernel's own explanation; acks are capped
 * (NETLINK_CAP_ACK) because we keep every request ourselves and need not read it back.
 *
 * <p>Only the kernel is listened to: any local process may send a datagram to our port id (a
 * forged ack or event), so a datagram whose sender port is not 0 is dropped.
 */
public final class NetlinkSocket implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(NetlinkSocket.class);

    private static final int RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;
    private static final int SEND_BUFFER_BYTES = 1024 * 1024;
    /** Big enough for any datagram the kernel sends us: dump skbs are at most 32 KiB plus header. */
    private static final int RECEIVE_CAPACITY = 256 * 1024;
    private static final int TIMEOUT_SECONDS = 60;
    private static final int DUMP_ATTEMPTS = 10;

    private final int fd;
    private final int portId;
    private final ByteBuffer receiveBuffer;
    private final Pointer receivePointer;
    private final NetlinkMessageBuilder requests = new NetlinkMessageBuilder(ChunkLimits.MAX_BYTES);
    /** Chunks of a batch sized to the buffers the kernel granted, so no ack is dropped. */
    private ChunkLimits chunks;
    private final byte[] sender = new byte[SOCKADDR_NL_LENGTH];
    private final int[] senderLength = new int[1];
    private long foreignDatagrams;
    private int nextSeq;
    private boolean closed;

    private static final int SOCKADDR_NL_LENGTH = 12;

    private NetlinkSocket(int fd, int portId, ChunkLimits chunks) {
        this.fd = fd;
        this.portId = portId;
        this.chunks = chunks;
        this.receiveBuffer = ByteBuffer.allocateDirect(RECEIVE_CAPACITY).order(ByteOrder.nativeOrder());
        this.receivePointer = com.sun.jna.Native.getDirectBufferPointer(receiveBuffer);
        this.nextSeq = (int) (System.nanoTime() & 0x3fffffff) + 1;
    }

    /** Null when netlink sockets can be opened here, else why not. */
    public static Throwable unavailabilityCause() {
        return Native.unavailabilityCause();
    }

    /** Opens a socket of the given netlink protocol in the calling thread's network namespace. */
    public static NetlinkSocket open(int protocol) {
        return open(protocol, RECEIVE_BUFFER_BYTES, true);
    }

    /**
     * @param receiveBuffer bytes of receive buffer to ask for
     * @param force ask with SO_RCVBUFFORCE first (past rmem_max, with CAP_NET_ADMIN); tests say
     *        false to get what an unprivileged process would
     * @throws NativeIoException naming the call that failed
     */
    static NetlinkSocket open(int protocol, int receiveBuffer, boolean force) {
        Throwable cause = Native.unavailabilityCause();
        if (cause != null) {
            throw new IllegalStateException("netlink is not available: " + cause.getMessage(), cause);
        }
        int fd;
        try {
            fd = Native.socket(Native.AF_NETLINK, Native.SOCK_RAW | Native.SOCK_CLOEXEC, protocol);
        } catch (LastErrorException e) {
            throw new NativeIoException("socket(AF_NETLINK, " + protocol + ")", e.getErrorCode());
        }
        try {
            if (force) {
                setBuffer(fd, Native.SO_RCVBUFFORCE, Native.SO_RCVBUF, receiveBuffer);
            } else {
                setSocketOption(fd, Native.SO_RCVBUF, "SO_RCVBUF", receiveBuffer);
            }
            setBuffer(fd, Native.SO_SNDBUFFORCE, Native.SO_SNDBUF, SEND_BUFFER_BYTES);
            setNetlinkOption(fd, Netlink.NETLINK_EXT_ACK, "NETLINK_EXT_ACK", 1);
            setNetlinkOption(fd, Netlink.NETLINK_CAP_ACK, "NETLINK_CAP_ACK", 1);
            // a kernel that never answers becomes a timeout, not a hang
            setReceiveTimeout(fd, TIMEOUT_SECONDS * 1000);
            byte[] address = new byte[SOCKADDR_NL_LENGTH];
            address[0] = (byte) Native.AF_NETLINK;
            call("bind", () -> Native.bind(fd, address, address.length));
            int[] length = {address.length};
            call("getsockname", () -> Native.getsockname(fd, address, length));
            int portId = ByteBuffer.wrap(address, 4, 4).order(ByteOrder.nativeOrder()).getInt();
            ChunkLimits chunks = ChunkLimits.forBuffers(intOption(fd, Native.SO_RCVBUF), intOption(fd, Native.SO_SNDBUF));
            if (chunks.maxMessages() < ChunkLimits.MAX_MESSAGES) {
                log.debug("netlink receive buffer of {} bytes: batches go out {} requests at a time",
                        intOption(fd, Native.SO_RCVBUF), chunks.maxMessages());
            }
            return new NetlinkSocket(fd, portId, chunks);
        } catch (RuntimeException e) {
            Native.close(fd);
            throw e;
        }
    }

    /** Runs a libc call, turning its failure into a {@link NativeIoException} that names it. */
    private static void call(String name, Runnable call) {
        try {
            call.run();
        } catch (LastErrorException e) {
            throw new NativeIoException(name, e.getErrorCode());
        }
    }

    private static void setBuffer(int fd, int forceOption, int option, int bytes) {
        try {
            // the *FORCE variants pass the rmem_max/wmem_max caps, with CAP_NET_ADMIN
            Native.setsockopt(fd, Native.ABI.solSocket(), forceOption, new int[] {bytes}, 4);
        } catch (LastErrorException e) {
            setSocketOption(fd, option, option == Native.SO_RCVBUF ? "SO_RCVBUF" : "SO_SNDBUF", bytes);
        }
    }

    private static void setSocketOption(int fd, int option, String name, int value) {
        call("setsockopt(" + name + ")", () -> Native.setsockopt(fd, Native.ABI.solSocket(), option, new int[] {value}, 4));
    }

    private static void setNetlinkOption(int fd, int option, String name, int value) {
        call("setsockopt(" + name + ")", () -> Native.setsockopt(fd, Native.SOL_NETLINK, option, new int[] {value}, 4));
    }

    private static void setReceiveTimeout(int fd, int millis) {
        byte[] timeval = Native.ABI.timeval(millis);
        call("setsockopt(SO_RCVTIMEO)", () -> Native.setsockopt(fd, Native.ABI.solSocket(), Native.ABI.soRcvtimeo(), timeval, timeval.length));
    }

    /** A SOL_SOCKET option as the kernel holds it (for buffers: what it granted, doubled for its bookkeeping). */
    private static int intOption(int fd, int option) {
        int[] value = {0};
        call("getsockopt", () -> Native.getsockopt(fd, Native.ABI.solSocket(), option, value, new int[] {4}));
        return value[0];
    }

    /** The limits one send of a batch keeps to. */
    ChunkLimits chunkLimits() {
        return chunks;
    }

    /** For tests: other limits than the buffers call for (to show what too big a chunk does). */
    void useChunkLimits(ChunkLimits limits) {
        this.chunks = limits;
    }

    /** For tests: the descriptor, to send from it as another process would. */
    int fd() {
        return fd;
    }

    /** Asks the kernel to check dump requests strictly, so header fields filter the dump. */
    public boolean enableStrictDumpChecking() {
        try {
            setNetlinkOption(fd, Netlink.NETLINK_GET_STRICT_CHK, "NETLINK_GET_STRICT_CHK", 1);
            return true;
        } catch (NativeIoException e) {
            return false;
        }
    }

    /**
     * Joins a multicast group (RTNLGRP_*) to receive events.
     *
     * @throws NativeIoException when the kernel has no such group
     */
    public void joinGroup(int group) {
        setNetlinkOption(fd, Netlink.NETLINK_ADD_MEMBERSHIP, "NETLINK_ADD_MEMBERSHIP " + group, group);
    }

    /**
     * For event sockets: has the kernel drop the notifications that requests of the socket with
     * {@code portId} cause (a socket filter on nlmsg_pid), so a process's own changes neither fill
     * this socket's buffer nor wake its reader.
     *
     * @throws NativeIoException when the kernel refuses the filter
     */
    public void dropNotificationsCausedBy(int portId) {
        ensureOpen();
        byte[] program = SocketFilter.droppingPortId(portId, ByteOrder.nativeOrder());
        call("setsockopt(SO_ATTACH_FILTER)", () -> Native.attachFilter(fd, program, program.length / SocketFilter.INSTRUCTION_BYTES));
    }

    /** How long a blocking {@link #poll} waits before it returns false (tests; the mesh waits with {@link #await}). */
    void setReceiveTimeout(int millis) {
        setReceiveTimeout(fd, millis);
    }

    /** What {@link #await} saw. */
    public enum Readiness {
        /** A datagram (or an error, such as ENOBUFS after an overflow) waits to be read with {@link #poll}. */
        READABLE,
        /** The wakeup was signalled. */
        WOKEN,
        /** Neither, within the time given. */
        TIMED_OUT
    }

    /**
     * Waits until this socket has something to read or {@code wakeup} is signalled: poll(2) on both,
     * so a reader can wait without a timeout and still be stopped at once.
     *
     * @param timeoutMillis -1 to wait as long as it takes
     */
    public Readiness await(Wakeup wakeup, int timeoutMillis) {
        ensureOpen();
        byte[] pollfds = new byte[16];
        ByteBuffer b = ByteBuffer.wrap(pollfds).order(ByteOrder.nativeOrder());
        b.putInt(fd).putShort(Native.POLLIN).putShort((short) 0);
        b.putInt(wakeup.fd()).putShort(Native.POLLIN).putShort((short) 0);
        if (pollFds(pollfds, 2, timeoutMillis) == 0) {
            return Readiness.TIMED_OUT;
        }
        if (b.getShort(14) != 0) {
            return Readiness.WOKEN;
        }
        return Readiness.READABLE;
    }

    /**
     * For event sockets: whether a datagram (or an error such as ENOBUFS) waits to be read, without waiting: poll(2)
     * with a timeout of 0. Cheaper than a non-blocking {@link #poll} that finds nothing, whose EAGAIN costs an exception.
     */
    public boolean readable() {
        ensureOpen();
        byte[] pollfds = new byte[8];
        ByteBuffer.wrap(pollfds).order(ByteOrder.nativeOrder()).putInt(fd).putShort(Native.POLLIN).putShort((short) 0);
        return pollFds(pollfds, 1, 0) > 0;
    }

    /** poll(2) on struct pollfd entries. EINTR waits again for the whole timeout: a signal can only lengthen a wait. */
    static int pollFds(byte[] pollfds, int count, int timeoutMillis) {
        while (true) {
            try {
                return Native.poll(pollfds, count, timeoutMillis);
            } catch (LastErrorException e) {
                if (!Errno.EINTR.is(e.getErrorCode())) {
                    throw new NativeIoException("poll", e.getErrorCode());
                }
            }
        }
    }

    /**
     * For event sockets: receives one datagram and hands its messages to {@code consumer}.
     *
     * A datagram that does not come from the kernel is dropped unread (and counts as arrived).
     *
     * @param nonBlocking return at once when nothing is queued
     * @return false when nothing arrived (within the receive timeout)
     * @throws NativeIoException from recvfrom; ENOBUFS when events were lost because the buffer overflowed
     */
    public boolean poll(Consumer<NetlinkMessage> consumer, boolean nonBlocking) {
        ensureOpen();
        long received;
        while (true) {
            try {
                senderLength[0] = sender.length;
                received = Native.recvfrom(fd, receivePointer, RECEIVE_CAPACITY, Native.MSG_TRUNC | (nonBlocking ? Native.MSG_DONTWAIT : 0),
                        sender, senderLength);
                break;
            } catch (LastErrorException e) {
                if (Errno.EAGAIN.is(e.getErrorCode())) {
                    return false;
                }
                if (!Errno.EINTR.is(e.getErrorCode())) {
                    throw new NativeIoException("recvfrom", e.getErrorCode());
                }
            }
        }
        int senderPort = ByteBuffer.wrap(sender, 4, 4).order(ByteOrder.nativeOrder()).getInt();
        if (senderLength[0] < SOCKADDR_NL_LENGTH || senderPort != 0) {
            if (foreignDatagrams++ == 0) {
                log.warn("dropped a netlink datagram from port {} (not the kernel): only the kernel may answer or notify", senderPort);
            }
            return true;
        }
        if (received > RECEIVE_CAPACITY) {
            throw new MalformedMessageException("netlink datagram of " + received + " bytes truncated to " + RECEIVE_CAPACITY);
        }
        NetlinkMessage.forEach(receiveBuffer, (int) received, consumer);
        return true;
    }

    public int portId() {
        return portId;
    }

    /** Datagrams dropped because a process, not the kernel, sent them. */
    public long foreignDatagrams() {
        return foreignDatagrams;
    }

    /** The socket's request builder, emptied and numbered on from the last batch. */
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
        ensureOpen();
        int count = batch.messageCount();
        nextSeq = batch.firstSeq() + count;
        int limit = batch.length();
        Pointer base = com.sun.jna.Native.getDirectBufferPointer(batch.buffer());
        BatchOutcome acks = new BatchOutcome(batch, count);
        batch.forgetRequests(); // the outcome has them; the socket's builder would otherwise keep a 40,000-request open alive
        int index = 0;
        while (index < count) {
            int chunkStart = index;
            int startOffset = batch.messageOffset(chunkStart);
            int chunkEnd = chunkStart + 1;
            while (chunkEnd < count && chunkEnd - chunkStart < chunks.maxMessages()
                    && endOf(batch, chunkEnd, limit) - startOffset <= chunks.maxBytes()) {
                chunkEnd++;
            }
            send(base.share(startOffset), endOf(batch, chunkEnd - 1, limit) - startOffset);
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
        ensureOpen();
        for (int attempt = 1; ; attempt++) {
            NetlinkMessageBuilder batch = newBatch();
            request.accept(batch);
            if (batch.messageCount() != 1) {
                throw new IllegalArgumentException("a dump is one request, not " + batch.messageCount());
            }
            nextSeq = batch.firstSeq() + 1;
            DumpState<T> state = new DumpState<>(batch.firstSeq(), parser);
            send(com.sun.jna.Native.getDirectBufferPointer(batch.buffer()), batch.length());
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
                throw new NetlinkProtocolException((what == null ? "a dump" : what.command()) + " was interrupted by concurrent changes "
                        + DUMP_ATTEMPTS + " times in a row (NLM_F_DUMP_INTR)");
            }
            log.debug("dump interrupted by a concurrent change; starting over");
        }
    }

    private void receive(Consumer<NetlinkMessage> consumer) {
        if (!poll(consumer, false)) {
            throw new NetlinkProtocolException("the kernel did not answer within " + TIMEOUT_SECONDS + " s");
        }
    }

    private void send(Pointer pointer, int length) {
        long sent;
        try {
            sent = Native.send(fd, pointer, length, 0);
        } catch (LastErrorException e) {
            throw new NativeIoException("send of " + length + " bytes", e.getErrorCode());
        }
        if (sent != length) {
            // a netlink datagram goes whole or not at all (netlink_sendmsg)
            throw new IllegalStateException("netlink send took " + sent + " of " + length + " bytes");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("netlink socket is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Native.close(fd);
        }
    }

    /** Reads the error code and extended-ack text of an NLMSG_ERROR or a dump's NLMSG_DONE. */
    static int errorOf(NetlinkMessage message, String[] extAck) {
        ByteBuffer b = message.buffer();
        int at = message.payloadOffset();
        extAck[0] = "";
        if (message.payloadLength() < 4) {
            throw new MalformedMessageException("netlink error/done message without an error code");
        }
        int error = -b.getInt(at);
        if ((message.flags() & Netlink.NLM_F_ACK_TLVS) == 0) {
            return error;
        }
        int tlvStart = at + 4;
        if (message.type() == Netlink.NLMSG_ERROR) {
            boolean capped = (message.flags() & Netlink.NLM_F_CAPPED) != 0;
            int requestLength = message.payloadLength() >= 4 + Netlink.NLMSG_HDRLEN ? b.getInt(at + 4) : -1;
            int echoed = capped ? Netlink.NLMSG_HDRLEN : Netlink.align(requestLength);
            if (requestLength < Netlink.NLMSG_HDRLEN || echoed < Netlink.NLMSG_HDRLEN || echoed > message.end() - tlvStart) {
                throw new MalformedMessageException("netlink error echoes a request of " + requestLength
                        + " bytes that does not fit its " + message.payloadLength() + "-byte payload");
            }
            tlvStart += echoed;
        }
        if (tlvStart < message.end()) {
            NetlinkAttributes tlvs = NetlinkAttributes.parse(b, tlvStart, message.end(), Netlink.NLMSGERR_ATTR_OFFS);
            String text = tlvs.string(Netlink.NLMSGERR_ATTR_MSG);
            extAck[0] = text == null ? "" : text;
        }
        return error;
    }

    private static final class DumpState<T> {
        final int seq;
        final Function<NetlinkMessage, T> parser;
        final List<T> results = new ArrayList<>();
        final String[] extAck = {""};
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
                case Netlink.NLMSG_DONE -> {
                    done = true;
                    errno = errorOf(message, extAck);
                    extAckText = extAck[0];
                }
                case Netlink.NLMSG_ERROR -> {
                    done = true;
                    errno = errorOf(message, extAck);
                    extAckText = extAck[0];
                }
                case Netlink.NLMSG_NOOP, Netlink.NLMSG_OVERRUN -> {
                }
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
