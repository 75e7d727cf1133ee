package org.tunnelmesh.jmx;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.tunnelmesh.TunnelDevice;

/**
 * The mesh's devices as one kernel dump saw them. Every device MBean reads from the same
 * snapshot, so a JMX client reading all counters of all devices costs one dump, not one per
 * attribute; a snapshot older than the maximum age is replaced on the next read.
 *
 * <p>Nothing here waits for another thread's dump: a mesh may call its listeners with its own lock
 * held, and a listener that waited on a reader that waits on the mesh would deadlock. Readers
 * arriving together at an expired snapshot may therefore each dump once.
 */
final class DeviceSnapshots {

    private record Snapshot(Map<String, TunnelDevice> byName, long takenAtNanos) {}

    private final Supplier<List<TunnelDevice>> kernel;
    private final long maxAgeNanos;
    private final LongSupplier nanoClock;
    private final AtomicReference<Snapshot> latest = new AtomicReference<>();

    DeviceSnapshots(Supplier<List<TunnelDevice>> kernel, long maxAgeNanos, LongSupplier nanoClock) {
        this.kernel = kernel;
        this.maxAgeNanos = maxAgeNanos;
        this.nanoClock = nanoClock;
    }

    /** Devices by name, read from the kernel no longer than the maximum age ago. */
    Map<String, TunnelDevice> current() {
        Snapshot snapshot = latest.get();
        if (snapshot != null && nanoClock.getAsLong() - snapshot.takenAtNanos() < maxAgeNanos) {
            return snapshot.byName();
        }
        return refresh();
    }

    /** Devices by name, read from the kernel now. */
    Map<String, TunnelDevice> refresh() {
        // stamped before the dump, so the age errs on the old side
        long takenAt = nanoClock.getAsLong();
        Map<String, TunnelDevice> byName = new HashMap<>();
        for (TunnelDevice device : kernel.get()) {
            byName.put(device.name(), device);
        }
        Snapshot fresh = new Snapshot(Map.copyOf(byName), takenAt);
        latest.accumulateAndGet(
                fresh,
                (kept, offered) -> kept == null || offered.takenAtNanos() - kept.takenAtNanos() >= 0 ? offered : kept);
        return fresh.byName();
    }
}
