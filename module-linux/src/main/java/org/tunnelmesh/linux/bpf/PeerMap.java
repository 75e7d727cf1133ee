package org.tunnelmesh.linux.bpf;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tunnelmesh.linux.syscall.BpfSyscall;
import org.tunnelmesh.linux.syscall.BpfSyscall.BpfException;
import org.tunnelmesh.linux.syscall.Errno;

/**
 * The peer map the filter programs read: a BPF hash map from a peer's underlay IPv4 address (4
 * bytes, network order, as in the packet) to its counters (four u64: rx packets, rx bytes, tx
 * packets, tx bytes). It holds peers only: what the filter drops is counted in
 * {@link RejectedCounters}, a map no packet's address can reach.
 *
 * <p>Changes and reads go in batches (BPF_MAP_*_BATCH, kernel 5.6+): one system call for any
 * number of peers, which is what keeps 10,000 peers cheap.
 */
public final class PeerMap implements AutoCloseable {
    static final int KEY_SIZE = 4;
    static final int VALUE_SIZE = 32;
    static final int RX_PACKETS = 0;
    static final int RX_BYTES = 8;
    static final int TX_PACKETS = 16;
    static final int TX_BYTES = 24;

    private final int fd;
    private final int maxEntries;
    private boolean closed;
    /** Buffers of readAll, kept: the whole map fits them, so a read is one call and no allocation. */
    private ByteBuffer readKeys;

    private ByteBuffer readValues;

    private PeerMap(int fd, int maxEntries) {
        this.fd = fd;
        this.maxEntries = maxEntries;
    }

    /** Counters of one key, as the programs left them. */
    public record Counters(long rxPackets, long rxBytes, long txPackets, long txBytes) {
        public static final Counters ZERO = new Counters(0, 0, 0, 0);
    }

    /**
     * Creates an empty map with room for {@code maxPeers} peers. The kernel
     * preallocates every element (about 90 bytes each): a map allocating per element
     * (BPF_F_NO_PREALLOC) takes them from a per-CPU cache that is refilled only between system
     * calls, so one batch update of a few hundred peers fails with ENOMEM (seen on 6.1).
     *
     * @throws BpfException EPERM without CAP_BPF/CAP_SYS_ADMIN, EINVAL/ENOSYS without BPF
     */
    public static PeerMap create(String name, int maxPeers) {
        ByteBuffer attr = Bpf.attr();
        attr.putInt(0, Bpf.BPF_MAP_TYPE_HASH);
        attr.putInt(4, KEY_SIZE);
        attr.putInt(8, VALUE_SIZE);
        attr.putInt(12, maxPeers);
        Bpf.putName(attr, 28, name);
        int fd = BpfSyscall.call(Bpf.BPF_MAP_CREATE, attr, Bpf.ATTR_SIZE, "bpf(BPF_MAP_CREATE) of a hash map");
        PeerMap map = new PeerMap(fd, maxPeers);
        try {
            // the first batch call: a kernel before 5.6 (no batch operations) refuses it with EINVAL
            map.keys();
        } catch (RuntimeException e) {
            map.close();
            throw e;
        }
        return map;
    }

    public int fd() {
        return fd;
    }

    /** Room for peers. */
    public int maxPeers() {
        return maxEntries;
    }

    /**
     * Adds keys with zero counters, all or none: when the kernel refuses one (e.g. E2BIG, the map
     * is full), the keys this call added are deleted again before the exception.
     */
    public void add(List<Integer> addresses) {
        put(addresses, null);
    }

    /** Adds keys with the given counters (a bigger map taking over from a full one), all or none. */
    public void putAll(Map<Integer, Counters> entries) {
        put(new ArrayList<>(entries.keySet()), entries);
    }

    private void put(List<Integer> addresses, Map<Integer, Counters> counters) {
        if (addresses.isEmpty()) {
            return;
        }
        ByteBuffer keys = keys(addresses);
        ByteBuffer values = Bpf.direct(addresses.size() * VALUE_SIZE);
        if (counters != null) {
            for (int i = 0; i < addresses.size(); i++) {
                Counters c = counters.get(addresses.get(i));
                int v = i * VALUE_SIZE;
                values.putLong(v + RX_PACKETS, c.rxPackets())
                        .putLong(v + RX_BYTES, c.rxBytes())
                        .putLong(v + TX_PACKETS, c.txPackets())
                        .putLong(v + TX_BYTES, c.txBytes());
            }
        }
        // elem_flags of a batch update may only be BPF_F_LOCK (generic_map_update_batch): BPF_ANY.
        // The mesh adds only addresses not in the map (PeerTable keeps underlays unique).
        ByteBuffer attr = batchAttr(keys, values, addresses.size(), Bpf.BPF_ANY);
        try {
            BpfSyscall.call(
                    Bpf.BPF_MAP_UPDATE_BATCH,
                    attr,
                    Bpf.ATTR_SIZE,
                    "bpf(BPF_MAP_UPDATE_BATCH) of " + addresses.size() + " peer(s)");
        } catch (BpfException e) {
            int done = attr.getInt(32); // the kernel reports how many it took
            if (done > 0) {
                remove(addresses.subList(0, Math.min(done, addresses.size())));
            }
            throw e;
        } finally {
            Reference.reachabilityFence(keys);
            Reference.reachabilityFence(values);
        }
    }

    /** Removes keys; keys already gone are fine. */
    public void remove(List<Integer> addresses) {
        int from = 0;
        while (from < addresses.size()) {
            List<Integer> rest = addresses.subList(from, addresses.size());
            ByteBuffer keys = keys(rest);
            ByteBuffer attr = batchAttr(keys, null, rest.size(), 0);
            try {
                BpfSyscall.call(
                        Bpf.BPF_MAP_DELETE_BATCH,
                        attr,
                        Bpf.ATTR_SIZE,
                        "bpf(BPF_MAP_DELETE_BATCH) of " + rest.size() + " peer(s)");
                return;
            } catch (BpfException e) {
                if (!Errno.ENOENT.is(e.errno())) {
                    throw e;
                }
                // the batch stops at the first key not there (count = keys deleted before it): go on after it
                from += attr.getInt(32) + 1;
            } finally {
                Reference.reachabilityFence(keys);
            }
        }
    }

    /**
     * Every key and its counters, read in one BPF_MAP_LOOKUP_BATCH (the buffers hold the whole map,
     * so the kernel answers in one call and ends with ENOENT).
     */
    public Map<Integer, Counters> readAll() {
        Map<Integer, Counters> all = new HashMap<>();
        lookupAll((keys, values, count) -> {
            for (int i = 0; i < count; i++) {
                int v = i * VALUE_SIZE;
                all.put(
                        keyAt(keys, i),
                        new Counters(
                                values.getLong(v + RX_PACKETS),
                                values.getLong(v + RX_BYTES),
                                values.getLong(v + TX_PACKETS),
                                values.getLong(v + TX_BYTES)));
            }
        });
        return all;
    }

    /** Receives one key's received packets. */
    public interface RxConsumer {
        void accept(int address, long rxPackets);
    }

    /**
     * Every key's received packets, from one BPF_MAP_LOOKUP_BATCH into the kept buffers: nothing allocated per peer
     * (the health monitor reads this several times a second).
     */
    public void forEachRx(RxConsumer consumer) {
        lookupAll((keys, values, count) -> {
            for (int i = 0; i < count; i++) {
                consumer.accept(keyAt(keys, i), values.getLong(i * VALUE_SIZE + RX_PACKETS));
            }
        });
    }

    /** What one BPF_MAP_LOOKUP_BATCH call returned: {@code count} keys and values from the start of the buffers. */
    private interface Batch {
        void accept(ByteBuffer keys, ByteBuffer values, int count);
    }

    private synchronized void lookupAll(Batch batch) {
        if (readKeys == null) {
            // network order, as the keys are: keyAt reads each with one getInt
            readKeys = Bpf.direct(maxEntries * KEY_SIZE).order(ByteOrder.BIG_ENDIAN);
            readValues = Bpf.direct(maxEntries * VALUE_SIZE);
        }
        ByteBuffer keys = readKeys;
        ByteBuffer values = readValues;
        ByteBuffer outBatch = Bpf.direct(8);
        ByteBuffer inBatch = null;
        try {
            while (true) {
                ByteBuffer attr = batchAttr(keys, values, maxEntries, 0);
                attr.putLong(0, inBatch == null ? 0 : BpfSyscall.address(inBatch));
                attr.putLong(8, BpfSyscall.address(outBatch));
                boolean end = false;
                try {
                    BpfSyscall.call(Bpf.BPF_MAP_LOOKUP_BATCH, attr, Bpf.ATTR_SIZE, "bpf(BPF_MAP_LOOKUP_BATCH)");
                } catch (BpfException e) {
                    if (!Errno.ENOENT.is(e.errno())) {
                        throw e;
                    }
                    end = true;
                }
                batch.accept(keys, values, attr.getInt(32));
                if (end) {
                    return;
                }
                // more than one call: go on from the token the kernel handed out
                inBatch = Bpf.direct(8).put(0, outBatch, 0, 8);
            }
        } finally {
            Reference.reachabilityFence(keys);
            Reference.reachabilityFence(values);
            Reference.reachabilityFence(outBatch);
            Reference.reachabilityFence(inBatch);
        }
    }

    private ByteBuffer batchAttr(ByteBuffer keys, ByteBuffer values, int count, int elemFlags) {
        ByteBuffer attr = Bpf.attr();
        attr.putLong(16, BpfSyscall.address(keys));
        if (values != null) {
            attr.putLong(24, BpfSyscall.address(values));
        }
        attr.putInt(32, count);
        attr.putInt(36, fd);
        attr.putLong(40, elemFlags);
        return attr;
    }

    /** Keys as the packet has them: the address's four bytes in network order. */
    private static ByteBuffer keys(List<Integer> addresses) {
        ByteBuffer keys = Bpf.direct(addresses.size() * KEY_SIZE).order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < addresses.size(); i++) {
            keys.putInt(i * KEY_SIZE, addresses.get(i));
        }
        return keys;
    }

    /** The key at {@code index} of a read: the address as an int (the buffer is in network order). */
    private static int keyAt(ByteBuffer keys, int index) {
        return keys.getInt(index * KEY_SIZE);
    }

    /** Every key now in the map: one read, no counters decoded (a reconcile needs only the keys). */
    public Set<Integer> keys() {
        Set<Integer> all = new HashSet<>();
        lookupAll((keys, values, count) -> {
            for (int i = 0; i < count; i++) {
                all.add(keyAt(keys, i));
            }
        });
        return all;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            BpfSyscall.close(fd);
        }
    }
}
