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

    public void record(long elapsedNanos) {
        recorder.recordValue(TimeUnit.NANOSECONDS.toMicros(Math.max(0, elapsedNanos)));
    }

    public synchronized long getCount() {
        return folded().getTotalCount();
    }

    public synchronized double getMean() {
        return folded().getMean();
    }

    public synchronized long getP50() {
        return folded().getValueAtPercentile(50);
    }

    public synchronized long getP90() {
        return folded().getValueAtPercentile(90);
    }

    public synchronized long getP99() {
        return folded().getValueAtPercentile(99);
    }

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
