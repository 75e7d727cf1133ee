package org.tunnelmesh.samples;

import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * Waits for SIGTERM or SIGINT. The node handles them itself so that, after an orderly stop, it
 * exits 0; left to the JVM, a signal ends the process with 128+signal whatever the hooks do.
 *
 * <p>A signal during start-up stops the start too: the node looks at {@link #requested()} between
 * its steps, and a step that only waits (for ZooKeeper) is interrupted. Steps that change the
 * kernel are not interrupted: they end (they are bounded), and the node then closes what it opened.
 */
final class StopSignals {

    private final CountDownLatch stop = new CountDownLatch(1);
    /** The thread in an interruptible wait, or null. */
    private Thread waiting;

    static StopSignals install() {
        StopSignals signals = new StopSignals();
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> signals.request());
        }
        return signals;
    }

    /** Signals that are never sent: for a node started by a test. */
    static StopSignals none() {
        return new StopSignals();
    }

    synchronized void request() {
        stop.countDown();
        if (waiting != null) {
            waiting.interrupt();
        }
    }

    boolean requested() {
        return stop.getCount() == 0;
    }

    /** Runs {@code wait} so that a signal interrupts it; the thread is not left interrupted afterwards. */
    void interruptibly(Runnable wait) {
        synchronized (this) {
            if (requested()) {
                return;
            }
            waiting = Thread.currentThread();
        }
        try {
            wait.run();
        } finally {
            synchronized (this) {
                waiting = null;
                Thread.interrupted();
            }
        }
    }

    void await() throws InterruptedException {
        stop.await();
    }
}
