package org.tunnelmesh.jmx;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One read of the kernel shared by every MBean that shows part of it (the devices, the IPIP filter's counters, the ESP
 * states): a client reading them all costs one read, and no value is older than the maximum age. Nothing waits for
 * another reader: two that find the snapshot stale both read, and the newer read is kept.
 *
 * @param <T> what one read gives
 */
final class Snapshots<T> {

    private record Snapshot<T>(T value, long takenAtNanos) {}

    private final Supplier<T> kernel;
    private final long maxAgeNanos;
    private final LongSupplier nanoClock;
    private final AtomicReference<Snapshot<T>> latest = new AtomicReference<>();

    Snapshots(Supplier<T> kernel, long maxAgeNanos, LongSupplier nanoClock) {
        this.kernel = kernel;
        this.maxAgeNanos = maxAgeNanos;
        this.nanoClock = nanoClock;
    }

    /** What the kernel said no longer than the maximum age ago. */
    T current() {
        Snapshot<T> snapshot = latest.get();
        if (snapshot != null && nanoClock.getAsLong() - snapshot.takenAtNanos() < maxAgeNanos) {
            return snapshot.value();
        }
        return refresh();
    }

    /** What the kernel says now. */
    T refresh() {
        long takenAt = nanoClock.getAsLong(); // before the read, so the age errs on the old side
        Snapshot<T> fresh = new Snapshot<>(kernel.get(), takenAt);
        latest.accumulateAndGet(
                fresh,
                (kept, offered) -> kept == null || offered.takenAtNanos() - kept.takenAtNanos() >= 0 ? offered : kept);
        return fresh.value();
    }
}
