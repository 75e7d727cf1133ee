package org.tunnelmesh.jmx;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.tunnelmesh.EncryptionCounters;

/**
 * The peers' ESP counters as one dump of the mesh's states saw them, shared by every Peer MBean: a client reading them
 * all costs one dump, and no value is older than the maximum age. Like {@link TrafficSnapshots}, nothing waits for
 * another reader.
 */
final class EncryptionSnapshots {

    private record Snapshot(Map<String, EncryptionCounters> counters, long takenAtNanos) {}

    private final Supplier<Map<String, EncryptionCounters>> kernel;
    private final long maxAgeNanos;
    private final LongSupplier nanoClock;
    private final AtomicReference<Snapshot> latest = new AtomicReference<>();

    EncryptionSnapshots(Supplier<Map<String, EncryptionCounters>> kernel, long maxAgeNanos, LongSupplier nanoClock) {
        this.kernel = kernel;
        this.maxAgeNanos = maxAgeNanos;
        this.nanoClock = nanoClock;
    }

    /** A peer's counters read no longer than the maximum age ago; zero for a peer the read did not have. */
    EncryptionCounters peer(String name) {
        return current().getOrDefault(name, EncryptionCounters.ZERO);
    }

    private Map<String, EncryptionCounters> current() {
        Snapshot snapshot = latest.get();
        if (snapshot != null && nanoClock.getAsLong() - snapshot.takenAtNanos() < maxAgeNanos) {
            return snapshot.counters();
        }
        long takenAt = nanoClock.getAsLong(); // before the read, so the age errs on the old side
        Snapshot fresh = new Snapshot(kernel.get(), takenAt);
        latest.accumulateAndGet(
                fresh,
                (kept, offered) -> kept == null || offered.takenAtNanos() - kept.takenAtNanos() >= 0 ? offered : kept);
        return fresh.counters();
    }
}
