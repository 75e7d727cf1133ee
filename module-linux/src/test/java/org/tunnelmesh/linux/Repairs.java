package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.tunnelmesh.linux.Lab.sleep;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.MeshListener;

/** A mesh's repair notifications as a kernel test listens to them: what was repaired, and when. */
final class Repairs implements MeshListener {
    private static final Logger log = LogManager.getLogger(Repairs.class);
    private final List<String> repairs = new CopyOnWriteArrayList<>();
    private final List<Long> repairTimes = new CopyOnWriteArrayList<>();

    @Override
    public void stateRepaired(String what) {
        repairTimes.add(System.nanoTime());
        repairs.add(what);
    }

    /** What the mesh said it repaired, in order. */
    List<String> seen() {
        return List.copyOf(repairs);
    }

    /**
     * Drifts the kernel (with {@code ip} or {@code tc}), then measures from the moment the command
     * returned to the mesh's repair notification (so the command's own start-up is not counted),
     * and checks the result.
     */
    void repairedWithinOneSecond(String what, Runnable drift, BooleanSupplier repaired) {
        int seen = repairTimes.size();
        drift.run();
        long drifted = System.nanoTime();
        long deadline = drifted + TimeUnit.SECONDS.toNanos(1);
        while (repairTimes.size() == seen && System.nanoTime() < deadline) {
            sleep(1);
        }
        if (repairTimes.size() == seen) {
            fail(what + ": no repair within 1 s");
        }
        long millis = Math.max(0, TimeUnit.NANOSECONDS.toMillis(repairTimes.get(seen) - drifted));
        log.info("repair latency for {}: {} ms after the command returned", what, millis);
        sleep(100); // a repair may take several requests; let them all land
        assertTrue(repaired.getAsBoolean(), what + " repaired: " + repairs);
    }
}
