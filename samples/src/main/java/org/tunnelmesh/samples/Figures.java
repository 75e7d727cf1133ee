package org.tunnelmesh.samples;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;

/** The arithmetic every benchmark here shares: elapsed time, medians and percentiles, retained heap. */
final class Figures {
    private Figures() {
    }

    static double millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /** The value {@code percent}% of the way up the sorted values (nearest rank). */
    static double percentile(double[] values, int percent) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, sorted.length * percent / 100)];
    }

    /** Heap in use after a few full collections: what the live objects retain. */
    static long usedHeapAfterGc() {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }

    /** How many of the values are above {@code limit}. */
    static long countAbove(double[] values, double limit) {
        return Arrays.stream(values).filter(v -> v > limit).count();
    }

    /**
     * What the JVM did beside the timed code: its JIT compiling and its collections. On the lab's one
     * CPU either is a pause of the caller, so a latency tail is read beside them.
     */
    record JvmActivity(long compileMillis, long collections, long collectionMillis) {
        static JvmActivity now() {
            long count = 0;
            long millis = 0;
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                count += Math.max(0, gc.getCollectionCount());
                millis += Math.max(0, gc.getCollectionTime());
            }
            return new JvmActivity(ManagementFactory.getCompilationMXBean().getTotalCompilationTime(), count, millis);
        }

        /** What happened since {@code before}, as a phrase for a benchmark line. */
        String since(JvmActivity before) {
            return String.format(Locale.ROOT, "JIT compiling %d ms, %d collection(s) %d ms", compileMillis - before.compileMillis,
                    collections - before.collections, collectionMillis - before.collectionMillis);
        }
    }
}
