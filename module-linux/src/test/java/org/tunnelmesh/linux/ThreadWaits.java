package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/** Waits of tests that hold a monitor to stop another thread at a known point: what waits for whom. */
final class ThreadWaits {
    private ThreadWaits() {}

    /**
     * Until {@code thread} waits for {@code monitor}'s lock (and no other), at most 60 s.
     *
     * @param what the point the thread should reach, for the failure's text
     */
    static void awaitBlockedOn(Object monitor, AtomicReference<Thread> thread, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!blockedOn(monitor, thread.get())) {
            if (System.nanoTime() > deadline) {
                fail(what + " never happened: " + thread.get());
            }
            Thread.sleep(10);
        }
    }

    /** Until {@code call} completes (at most 60 s, else {@code failure}): a call that must not wait for the other. */
    static void awaitDone(Future<?> call, String failure) throws InterruptedException, ExecutionException {
        try {
            call.get(60, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            fail(failure);
        }
    }

    private static boolean blockedOn(Object monitor, Thread thread) {
        if (thread == null) {
            return false;
        }
        ThreadInfo info = ManagementFactory.getThreadMXBean().getThreadInfo(thread.getId());
        return info != null
                && info.getThreadState() == Thread.State.BLOCKED
                && info.getLockInfo() != null
                && info.getLockInfo().getIdentityHashCode() == System.identityHashCode(monitor);
    }
}
