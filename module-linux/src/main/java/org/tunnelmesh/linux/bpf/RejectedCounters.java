package org.tunnelmesh.linux.bpf;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import org.tunnelmesh.linux.syscall.BpfSyscall;

/**
 * What the filter dropped, counted in a map of its own: a BPF array map of one element (index 0)
 * holding four u64 - IPIP dropped at the underlay device because its source is no peer (packets,
 * bytes), and IPIP dropped at the tunnel device because it did not come in through the underlay
 * device's filter (packets, bytes).
 *
 * <p>Its own map, not a slot of the peer map: every 4-byte key of the peer map is some IPv4
 * address, so a slot there is reachable by a packet from that address (0.0.0.0 once was), while
 * the programs reach this map only with the constant index 0.
 */
public final class RejectedCounters implements AutoCloseable {
    static final int KEY_SIZE = 4;
    static final int VALUE_SIZE = 32;
    static final int UNDERLAY_PACKETS = 0;
    static final int UNDERLAY_BYTES = 8;
    static final int OFF_UNDERLAY_PACKETS = 16;
    static final int OFF_UNDERLAY_BYTES = 24;

    private final int fd;
    private boolean closed;

    private RejectedCounters(int fd) {
        this.fd = fd;
    }

    /** The counters as the programs left them. */
    public record Counts(long underlayPackets, long underlayBytes, long offUnderlayPackets, long offUnderlayBytes) {
        public static final Counts ZERO = new Counts(0, 0, 0, 0);

        public long packets() {
            return underlayPackets + offUnderlayPackets;
        }

        public long bytes() {
            return underlayBytes + offUnderlayBytes;
        }
    }

    /**
     * Creates the map; the kernel zeroes an array map's elements.
     *
     * @throws org.tunnelmesh.linux.syscall.BpfSyscall.BpfException EPERM without CAP_BPF/CAP_SYS_ADMIN, EINVAL/ENOSYS without BPF
     */
    public static RejectedCounters create(String name) {
        ByteBuffer attr = Bpf.attr();
        attr.putInt(0, Bpf.BPF_MAP_TYPE_ARRAY);
        attr.putInt(4, KEY_SIZE);
        attr.putInt(8, VALUE_SIZE);
        attr.putInt(12, 1);
        Bpf.putName(attr, 28, name);
        return new RejectedCounters(
                BpfSyscall.call(Bpf.BPF_MAP_CREATE, attr, Bpf.ATTR_SIZE, "bpf(BPF_MAP_CREATE) of an array map"));
    }

    public int fd() {
        return fd;
    }

    /** One BPF_MAP_LOOKUP_ELEM of index 0. */
    public Counts read() {
        ByteBuffer key = Bpf.direct(KEY_SIZE);
        ByteBuffer value = Bpf.direct(VALUE_SIZE);
        ByteBuffer attr = Bpf.attr();
        attr.putInt(0, fd);
        attr.putLong(8, BpfSyscall.address(key));
        attr.putLong(16, BpfSyscall.address(value));
        try {
            BpfSyscall.call(
                    Bpf.BPF_MAP_LOOKUP_ELEM, attr, Bpf.ATTR_SIZE, "bpf(BPF_MAP_LOOKUP_ELEM) of the rejected counters");
            return new Counts(
                    value.getLong(UNDERLAY_PACKETS),
                    value.getLong(UNDERLAY_BYTES),
                    value.getLong(OFF_UNDERLAY_PACKETS),
                    value.getLong(OFF_UNDERLAY_BYTES));
        } finally {
            Reference.reachabilityFence(key);
            Reference.reachabilityFence(value);
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            BpfSyscall.close(fd);
        }
    }
}
