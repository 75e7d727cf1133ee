package org.tunnelmesh.jmx;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * How long one kind of call took, in microseconds, since the mesh was exported. Recording is
 * lock-free ({@link Recorder}); readers fold the latest interval into the running total.
 * {@link MeshStats} publishes its figures as {@code AddPeer.P99} and the like.
 */
public final class LatencyStat {

    private static final int SIGNIFICANT_DIGITS = 3;

    private final Recorder recorder = new Recorder(SIGNIFICANT_DIGITS);
    private final Histogram total = new Histogram(SIGNIFICANT_DIGITS);
    private Histogram interval;

    /**
     * Records one call.
     *
     * @param elapsedNanos how long it took, nanoseconds (kept in microseconds; a negative value counts as 0)
     */
    public void record(long elapsedNanos) {
        recorder.recordValue(TimeUnit.NANOSECONDS.toMicros(Math.max(0, elapsedNanos)));
    }

    /** {@return the calls recorded so far} */
    public synchronized long getCount() {
        return folded().getTotalCount();
    }

    /** {@return their mean duration, microseconds (NaN before the first call)} */
    public synchronized double getMean() {
        return folded().getMean();
    }

    /** {@return the median duration, microseconds (0 before the first call)} */
    public synchronized long getP50() {
        return folded().getValueAtPercentile(50);
    }

    /** {@return the 90th percentile duration, microseconds} */
    public synchronized long getP90() {
        return folded().getValueAtPercentile(90);
    }

    /** {@return the 99th percentile duration, microseconds} */
    public synchronized long getP99() {
        return folded().getValueAtPercentile(99);
    }

    /** {@return the longest duration, microseconds (to HdrHistogram's 3 significant digits, as every figure here)} */
    public synchronized long getMax() {
        return folded().getMaxValue();
    }

    // callers hold the lock: the recorder hands out its interval, the total absorbs it
    private Histogram folded() {
        interval = recorder.getIntervalHistogram(interval);
        total.add(interval);
        return total;
    }
}
