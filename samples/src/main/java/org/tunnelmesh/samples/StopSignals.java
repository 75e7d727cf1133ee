package org.tunnelmesh.samples;

import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * Waits for SIGTERM or SIGINT. The node handles them itself so that, after an orderly stop, it
 * exits 0; left to the JVM, a signal ends the process with 128+signal whatever the hooks do.
 */
final class StopSignals {

    private final CountDownLatch stop = new CountDownLatch(1);

    static StopSignals install() {
        StopSignals signals = new StopSignals();
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> signals.stop.countDown());
        }
        return signals;
    }

    void await() throws InterruptedException {
        stop.await();
    }
}
