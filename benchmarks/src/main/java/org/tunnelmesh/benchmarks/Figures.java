package org.tunnelmesh.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * What every benchmark here shares: elapsed time, medians and percentiles, retained heap, and what
 * else ran on the CPU meanwhile (read from /proc: the lab's guest has one CPU).
 */
final class Figures {
    /** The kernel's clock ticks in /proc (USER_HZ): 100 on every Linux this runs on. */
    private static final long TICK_MILLIS = 10;

    private Figures() {}

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
     * What ran beside the timed code: the JVM's JIT compiler threads and its collections, and the
     * rest of the guest (its other processes and kernel threads). On the lab's one CPU each of them
     * is a pause of the caller, so a latency tail is read beside them. The JIT's share is its
     * threads' CPU time: the CompilationMXBean counts a compilation only once it has finished, so a
     * long C2 compilation that spans a timed round shows up after it.
     */
    record JvmActivity(long jitMillis, long collections, long collectionMillis, long restOfGuestMillis) {
        static JvmActivity now() {
            long count = 0;
            long millis = 0;
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                count += Math.max(0, gc.getCollectionCount());
                millis += Math.max(0, gc.getCollectionTime());
            }
            return new JvmActivity(
                    jitTicks() * TICK_MILLIS, count, millis, (guestBusyTicks() - processTicks()) * TICK_MILLIS);
        }

        /** What happened since {@code before}, as a phrase for a benchmark line. */
        String since(JvmActivity before) {
            return String.format(
                    Locale.ROOT,
                    "JIT threads on the CPU %d ms, %d collection(s) %d ms, the rest of the guest %d ms",
                    jitMillis - before.jitMillis,
                    collections - before.collections,
                    collectionMillis - before.collectionMillis,
                    Math.max(
                            0,
                            restOfGuestMillis
                                    - before.restOfGuestMillis)); // a difference of whole ticks counted apart: -1 at
            // times
        }
    }

    /**
     * Waits until the guest is quiet - half a second in which no CPU was busy for more than a tick
     * (10 ms), while this thread slept - so a timed step does not share the CPU with the kernel's
     * work deferred from the step before (a namespace's or a device's cleanup, RCU callbacks) or
     * with the JIT. Gives up after 30 s and says so.
     */
    static void awaitQuietGuest() {
        long deadline = System.nanoTime() + 30_000_000_000L;
        try {
            while (true) {
                long before = guestBusyTicks();
                Thread.sleep(500);
                long busy = guestBusyTicks() - before;
                if (busy <= 1) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    System.out.printf(
                            Locale.ROOT,
                            "(the guest did not go quiet in 30 s: %d ms busy in the last half second)%n",
                            busy * TICK_MILLIS);
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** CPU time of this process (all its threads, user and system), in ms: ticks of 10 ms. */
    static long processCpuMillis() {
        return processTicks() * TICK_MILLIS;
    }

    /** CPU time of HotSpot's compiler threads ("C1 CompilerThread0" and so on; the kernel keeps 15 characters of a name). */
    private static long jitTicks() {
        long ticks = 0;
        try (DirectoryStream<Path> threads = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path thread : threads) {
                String stat;
                try {
                    stat = Files.readString(thread.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread has ended (the JVM starts and stops compiler threads as the queue needs)
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                    ticks += cpuTicks(stat);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ticks;
    }

    private static long processTicks() {
        return cpuTicks(read("/proc/self/stat"));
    }

    /** user + nice + system + irq + softirq of the "cpu" line of /proc/stat: every CPU's busy time. */
    private static long guestBusyTicks() {
        String[] f = read("/proc/stat").lines().findFirst().orElseThrow().trim().split("\\s+");
        return Long.parseLong(f[1])
                + Long.parseLong(f[2])
                + Long.parseLong(f[3])
                + Long.parseLong(f[6])
                + Long.parseLong(f[7]);
    }

    /** utime + stime of a /proc stat line (fields 14 and 15; the name in parentheses may hold spaces). */
    static long cpuTicks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
