package org.tunnelmesh.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LatencyStatTest {

    @Test
    void isEmptyBeforeAnyCall() {
        LatencyStat stat = new LatencyStat();

        assertEquals(0, stat.getCount());
        assertEquals(0, stat.getP99());
        assertEquals(0, stat.getMax());
    }

    @Test
    void reportsPercentilesInMicroseconds() {
        LatencyStat stat = new LatencyStat();
        for (int micros = 1; micros <= 100; micros++) {
            stat.record(TimeUnit.MICROSECONDS.toNanos(micros));
        }

        assertEquals(100, stat.getCount());
        assertEquals(50, stat.getP50());
        assertEquals(90, stat.getP90());
        assertEquals(99, stat.getP99());
        assertEquals(100, stat.getMax());
        assertEquals(50.5, stat.getMean(), 0.1);
    }

    @Test
    void keepsCountingAcrossReads() {
        LatencyStat stat = new LatencyStat();
        stat.record(TimeUnit.MILLISECONDS.toNanos(3));
        assertEquals(1, stat.getCount());

        stat.record(TimeUnit.MILLISECONDS.toNanos(7));

        assertEquals(2, stat.getCount());
        long max = stat.getMax();
        assertTrue(max >= 7000 && max <= 7010, "max " + max);
    }
}
