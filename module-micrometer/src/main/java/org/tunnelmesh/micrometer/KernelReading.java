package org.tunnelmesh.micrometer;

import io.micrometer.core.instrument.Clock;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One kernel read shared by every meter that a scrape asks: the first meter asked reads, the others take the same
 * value until it is older than the maximum age, so a scrape of 80,000 series costs one dump, not one per series.
 * Nothing waits for another reader (a listener of the mesh may run with the mesh's lock held, and a reader that
 * waited on it would deadlock); readers arriving together at an expired value may each read once. A failed read
 * (a closed mesh, a kernel error) is kept too, as null: the meters then show NaN for that scrape, and the next scrape
 * tries again - one failure per scrape, not one per series, and one warning until a read succeeds.
 *
 * <p>The age is not checked on every use. Reading the clock is a system call where the kernel offers no vDSO (the
 * lab's user-mode-linux kernel: 15 us a call), and a scrape of 20,000 peers asks 80,000 values: 1.2 s of clock. So
 * a reading checks its age on each of its first {@value #CHECK_EVERY} uses and then on every {@value #CHECK_EVERY}th:
 * a small mesh's scrape is always fresh, and a large one's next scrape takes at most {@value #CHECK_EVERY} - 1 values
 * from the previous reading (counters never go back: those series lag one scrape) before it is replaced.
 */
final class KernelReading<T> {

    /** Uses between two checks of a reading's age, after its first ones. */
    static final int CHECK_EVERY = 64;

    private record Taken<T>(T value, long atNanos, AtomicInteger uses) {}

    private static final Logger log = LogManager.getLogger(KernelReading.class);

    private final String what;
    private final Supplier<T> kernel;
    private final long maxAgeNanos;
    private final Clock clock;
    private final AtomicReference<Taken<T>> latest = new AtomicReference<>();

    private volatile boolean failing;

    /** @param what what is read, for the log: e.g. "the traffic counters of mesh edge" */
    KernelReading(String what, Supplier<T> kernel, long maxAgeNanos, Clock clock) {
        this.what = what;
        this.kernel = kernel;
        this.maxAgeNanos = maxAgeNanos;
        this.clock = clock;
    }

    /** The value read no longer than the maximum age ago, or null when that read failed. */
    T current() {
        Taken<T> taken = latest.get();
        if (taken != null) {
            int use = taken.uses().incrementAndGet();
            boolean check = use <= CHECK_EVERY || use % CHECK_EVERY == 0;
            if (!check || clock.monotonicTime() - taken.atNanos() < maxAgeNanos) {
                return taken.value();
            }
        }
        long at = clock.monotonicTime(); // before the read, so the age errs on the old side
        T value;
        try {
            value = kernel.get();
            failing = false;
        } catch (RuntimeException e) {
            if (!failing) {
                log.warn("cannot read {} for the meters (they show NaN until a read succeeds): {}", what, e.toString());
            }
            failing = true;
            value = null;
        }
        Taken<T> fresh = new Taken<>(value, at, new AtomicInteger(1));
        latest.accumulateAndGet(
                fresh, (kept, offered) -> kept == null || offered.atNanos() - kept.atNanos() >= 0 ? offered : kept);
        return fresh.value();
    }
}
