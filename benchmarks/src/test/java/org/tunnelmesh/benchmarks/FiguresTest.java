package org.tunnelmesh.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FiguresTest {
    @Test
    void cpuTicksAreUtimePlusStimeWhateverTheThreadIsCalled() {
        // a compiler thread's line: the name holds a space and a ')' may sit inside it
        String stat = "4242 (C2 Compiler) x) S 1 4200 4200 0 -1 4194624 911 0 0 0 137 25 0 0 20 0 31 0 1187 0 0";
        assertEquals(162, Figures.cpuTicks(stat));
    }

    @Test
    void medianAndPercentilesOfUnsortedValues() {
        double[] values = {5, 1, 4, 2, 3};
        assertEquals(3, Figures.median(values));
        assertEquals(2.5, Figures.median(new double[] {4, 1, 2, 3}));
        assertEquals(5, Figures.percentile(values, 99));
        assertEquals(5, Figures.percentile(values, 100));
        assertEquals(1, Figures.countAbove(values, 4));
    }

    @Test
    void jvmActivityReadsThisProcess() {
        Figures.JvmActivity now = Figures.JvmActivity.now();
        assertTrue(now.jitMillis() >= 0 && now.collections() >= 0, now::toString);
    }
}
