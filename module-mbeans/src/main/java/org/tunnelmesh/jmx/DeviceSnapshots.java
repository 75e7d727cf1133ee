package org.tunnelmesh.jmx;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

    private final Snapshots<Map<String, TunnelDevice>> byName;

    DeviceSnapshots(Supplier<List<TunnelDevice>> kernel, long maxAgeNanos, LongSupplier nanoClock) {
        this.byName = new Snapshots<>(() -> byName(kernel.get()), maxAgeNanos, nanoClock);
    }

    private static Map<String, TunnelDevice> byName(List<TunnelDevice> devices) {
        Map<String, TunnelDevice> byName = new HashMap<>();
        for (TunnelDevice device : devices) {
            byName.put(device.name(), device);
        }
        return Map.copyOf(byName);
    }

    /** Devices by name, read from the kernel no longer than the maximum age ago. */
    Map<String, TunnelDevice> current() {
        return byName.current();
    }

    /** Devices by name, read from the kernel now. */
    Map<String, TunnelDevice> refresh() {
        return byName.refresh();
    }
}
