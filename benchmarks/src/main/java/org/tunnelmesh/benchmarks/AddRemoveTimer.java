package org.tunnelmesh.benchmarks;

import java.util.Locale;

/**
 * Times one peer's add and remove, over and over, once the JIT has settled: the single-call
 * latency figures of the benchmarks (the library's, the bare mesh's, over Jolokia).
 */
final class AddRemoveTimer {
    /** An add or a remove of the extra peer. */
    interface Call {
        void run() throws Exception;
    }

    /** Warm-up steps: this many calls and at least a second each, between the bounds below. */
    private static final int WARM_UP_STEP = 500;

    private static final int MIN_WARM_UP_CALLS = 3000;
    private static final int MAX_WARM_UP_CALLS = 30_000;

    private AddRemoveTimer() {}

    /**
     * {@code calls} adds, each followed by its remove and the pause.
     *
     * @return the adds' times and the removes' times, in microseconds
     */
    static double[][] time(Call add, Call remove, int calls, long pauseMillis) throws Exception {
        double[] adds = new double[calls];
        double[] removes = new double[calls];
        for (int i = 0; i < calls; i++) {
            long t0 = System.nanoTime();
            add.run();
            long t1 = System.nanoTime();
            remove.run();
            removes[i] = (System.nanoTime() - t1) / 1000.0;
            adds[i] = (t1 - t0) / 1000.0;
            if (pauseMillis > 0) {
                Thread.sleep(pauseMillis);
            }
        }
        return new double[][] {adds, removes};
    }

    /**
     * Repeats the add and the remove in steps until the JIT has settled - a step in which its
     * threads were on the CPU for less than 1% of the step's time - and at least
     * {@link #MIN_WARM_UP_CALLS}. On the lab's one CPU a compiler thread at work takes the CPU from
     * the caller for a scheduler tick (10 ms) at a time: a fixed 3,000 calls over Jolokia still left
     * it compiling for most of the next 1,000, and so did 1,000 on the bare mesh.
     *
     * @return how many calls it took, as a phrase for the benchmark's line
     */
    static String warmUp(Call add, Call remove) throws Exception {
        int calls = 0;
        while (true) {
            Figures.JvmActivity before = Figures.JvmActivity.now();
            long t0 = System.nanoTime();
            for (int i = 0; i < WARM_UP_STEP || Figures.millisSince(t0) < 1000; i++) {
                add.run();
                remove.run();
                calls++;
            }
            long compiled = Figures.JvmActivity.now().jitMillis() - before.jitMillis();
            if (calls >= MIN_WARM_UP_CALLS && compiled < Figures.millisSince(t0) / 100) {
                return String.format(Locale.ROOT, "%d warm-up calls, the JIT settled", calls);
            }
            if (calls >= MAX_WARM_UP_CALLS) {
                return String.format(
                        Locale.ROOT,
                        "%d warm-up calls, the JIT still compiling (%d ms in the last step)",
                        calls,
                        compiled);
            }
        }
    }
}
