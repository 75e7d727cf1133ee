package org.tunnelmesh.jmx;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.tunnelmesh.TrafficCounters;

/**
 * The peers' IPIP counters as one read of the mesh's filter saw them, shared by every Peer MBean
 * and the Mesh MBean's rejected counters: a client reading them all costs one read, and no value
 * is older than the maximum age. Like {@link DeviceSnapshots}, nothing waits for another reader.
 */
final class TrafficSnapshots {

    private record Snapshot(TrafficCounters counters, long takenAtNanos) {}

    private final Supplier<TrafficCounters> kernel;
    private final long maxAgeNanos;
    private final LongSupplier nanoClock;
    private final AtomicReference<Snapshot> latest = new AtomicReference<>();

    TrafficSnapshots(Supplier<TrafficCounters> kernel, long maxAgeNanos, LongSupplier nanoClock) {
        this.kernel = kernel;
        this.maxAgeNanos = maxAgeNanos;
        this.nanoClock = nanoClock;
    }

    /** Counters read no longer than the maximum age ago. */
    TrafficCounters current() {
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
