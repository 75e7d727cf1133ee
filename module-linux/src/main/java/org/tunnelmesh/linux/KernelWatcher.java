package org.tunnelmesh.linux;

import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.*;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.netlink.NetlinkSocket;
import org.tunnelmesh.linux.netlink.NetlinkSocket.Readiness;
import org.tunnelmesh.linux.syscall.Errno;
import org.tunnelmesh.linux.syscall.NativeIoException;
import org.tunnelmesh.linux.syscall.Wakeup;

/**
 * Watches rtnetlink events and triggers a repair as soon as something the mesh relies on is
 * deleted or taken down by someone else (NetworkManager, an operator, a script). A full resync
 * on a timer is the safety net, and runs at once after the event socket overflowed (ENOBUFS:
 * events were lost, so only a full comparison can tell what changed).
 *
 * <p>Only events that concern the mesh count ({@link MeshEventFilter}). Storms are coalesced:
 * after a relevant event the watcher waits until {@value #DEBOUNCE_MILLIS} ms pass without
 * another (at most {@value #MAX_DELAY_MILLIS} ms in all), then repairs once.
 *
 * <p>The thread waits in poll(2) on the socket and a {@link Wakeup}, with no timeout but the next
 * resync: {@link #close} signals the wakeup and joins the thread, which closes the socket itself on
 * its way out - so no thread is ever inside a socket that another closes.
 */
final class KernelWatcher implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(KernelWatcher.class);
    /** Pause after a failed receive (not an overflow), so a broken socket does not spin. */
    private static final int BACKOFF_MILLIS = 200;

    static final int DEBOUNCE_MILLIS = 50;
    static final int MAX_DELAY_MILLIS = 300;

    private final NetlinkSocket socket;
    private final Wakeup wakeup;
    private final Runnable repair;
    private final Predicate<NetlinkMessage> concerns;
    private final int ownPortId;
    private final long resyncNanos;
    private final Thread thread;
    private volatile boolean running = true;
    /** Guards started and finished, so the wakeup is never signalled once the thread has closed it. */
    private final Object lifecycle = new Object();

    private boolean started;
    private boolean finished;
    private boolean relevant;
    /** Relevant events seen so far, to tell whether one more arrived while debouncing. */
    private long relevantCount;
    /** A check of what raises no event (the fou port), and how often: see {@link #pollEvery}. */
    private BooleanSupplier drifted;

    private long pollNanos;
    /** Repairs started (events, overflow, or timer): for tests that check what does and does not trigger one. */
    private volatile long repairs;

    /**
     * @param socket the event socket: the watcher owns it from now on, and closes it
     * @param ownPortId the mesh's control socket: notifications of its own changes are not drift
     * @param resyncMillis 0 for no periodic resync
     */
    KernelWatcher(
            NetlinkSocket socket,
            int ownPortId,
            Predicate<NetlinkMessage> concerns,
            String meshName,
            long resyncMillis,
            Runnable repair) {
        this(socket, ownPortId, concerns, meshName, resyncMillis, repair, new int[] {
            RTNLGRP_LINK,
            RTNLGRP_IPV4_IFADDR,
            RTNLGRP_IPV4_ROUTE,
            RTNLGRP_NEXTHOP,
            org.tunnelmesh.linux.tc.Tc.RTNLGRP_TC
        });
    }

    /** @param groups the multicast groups to join on {@code socket} (of any netlink protocol: xfrm's too) */
    KernelWatcher(
            NetlinkSocket socket,
            int ownPortId,
            Predicate<NetlinkMessage> concerns,
            String meshName,
            long resyncMillis,
            Runnable repair,
            int[] groups) {
        this.socket = socket;
        this.ownPortId = ownPortId;
        this.concerns = concerns;
        this.repair = repair;
        this.resyncNanos = TimeUnit.MILLISECONDS.toNanos(resyncMillis);
        for (int group : groups) {
            try {
                socket.joinGroup(group);
            } catch (NativeIoException e) {
                log.info("cannot watch rtnetlink group {} ({}); the periodic resync covers it", group, e.getMessage());
            }
        }
        try {
            // the kernel drops them: on one CPU, waking this thread in the middle of each change stalled it for a tick
            // or two
            socket.dropNotificationsCausedBy(ownPortId);
        } catch (NativeIoException e) {
            log.info(
                    "cannot filter the mesh's own notifications in the kernel ({}); they are skipped here",
                    e.getMessage());
        }
        this.wakeup = Wakeup.open();
        this.thread = new Thread(this::run, "tunnelmesh-watch-" + meshName);
        this.thread.setDaemon(true);
    }

    /**
     * Also asks {@code drifted} every {@code millis} and repairs when it says so: for kernel state whose changes raise
     * no event (a fou port deleted by hand). Before {@link #start()}.
     */
    void pollEvery(long millis, BooleanSupplier drifted) {
        this.pollNanos = TimeUnit.MILLISECONDS.toNanos(millis);
        this.drifted = drifted;
    }

    void start() {
        synchronized (lifecycle) {
            started = true;
        }
        thread.start();
    }

    private void run() {
        try {
            watch();
        } finally {
            synchronized (lifecycle) {
                finished = true;
            }
            wakeup.close();
            socket.close();
        }
    }

    @SuppressWarnings("NonAtomicVolatileUpdate") // repairs: only this thread writes it, others read it
    private void watch() {
        long lastSync = System.nanoTime();
        long lastPoll = lastSync;
        while (running) {
            boolean overflow = false;
            try {
                Readiness ready = socket.await(wakeup, untilNext(lastSync, lastPoll));
                if (ready == Readiness.READABLE && socket.poll(this::inspect, true) && relevant) {
                    debounce();
                }
            } catch (NativeIoException e) {
                if (Errno.ENOBUFS.is(e.errno())) {
                    overflow = true;
                } else {
                    if (running) {
                        log.error("kernel watch failed: {}", e.getMessage());
                    }
                    wakeup.await(BACKOFF_MILLIS);
                }
            } catch (RuntimeException e) {
                log.error("kernel watch: unreadable event: {}", e.getMessage());
            }
            if (running && drifted != null && System.nanoTime() - lastPoll >= pollNanos) {
                lastPoll = System.nanoTime();
                if (drifted.getAsBoolean()) {
                    relevant = true;
                }
            }
            boolean due = resyncNanos > 0 && System.nanoTime() - lastSync >= resyncNanos;
            if (running && (relevant || overflow || due)) {
                relevant = false;
                lastSync = System.nanoTime();
                repairs++;
                try {
                    repair.run();
                } catch (RuntimeException e) {
                    if (running) {
                        log.error("repair failed: {}", e.getMessage());
                    }
                }
            }
        }
    }

    /** Milliseconds to wait before the resync or the poll is due; -1 (no limit) without either. */
    private int untilNext(long lastSync, long lastPoll) {
        int resync = untilResync(lastSync);
        if (drifted == null) {
            return resync;
        }
        long left = TimeUnit.NANOSECONDS.toMillis(lastPoll + pollNanos - System.nanoTime());
        int poll = (int) Math.max(0, Math.min(Integer.MAX_VALUE, left + 1));
        return resync < 0 ? poll : Math.min(resync, poll);
    }

    /** Milliseconds to wait for events before the periodic resync is due; -1 (no limit) without one. */
    private int untilResync(long lastSync) {
        if (resyncNanos <= 0) {
            return -1;
        }
        long left = TimeUnit.NANOSECONDS.toMillis(lastSync + resyncNanos - System.nanoTime());
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, left + 1));
    }

    /** Reads on until the events stop for {@value #DEBOUNCE_MILLIS} ms, or {@value #MAX_DELAY_MILLIS} ms have passed. */
    private void debounce() {
        long start = System.nanoTime();
        long quietUntil = start + TimeUnit.MILLISECONDS.toNanos(DEBOUNCE_MILLIS);
        long latest = start + TimeUnit.MILLISECONDS.toNanos(MAX_DELAY_MILLIS);
        while (running) {
            long waitMillis = TimeUnit.NANOSECONDS.toMillis(Math.min(quietUntil, latest) - System.nanoTime());
            if (waitMillis < 1 || socket.await(wakeup, (int) waitMillis) != Readiness.READABLE) {
                return; // quiet long enough, or stopping
            }
            long before = relevantCount;
            socket.poll(this::inspect, true);
            if (relevantCount != before) {
                quietUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEBOUNCE_MILLIS);
            }
        }
    }

    /**
     * The kernel stamps a notification with the port id of the socket whose request caused it: the
     * mesh's own changes are skipped (what they cause indirectly, like routes flushed with a device,
     * has port 0).
     */
    private void inspect(NetlinkMessage message) {
        if (message.portId() == ownPortId) {
            return;
        }
        if (concerns.test(message)) {
            relevant = true;
            relevantCount++;
        }
    }

    long repairs() {
        return repairs;
    }

    /** For tests: whether the thread still runs. */
    boolean alive() {
        return thread.isAlive();
    }

    /**
     * Stops the thread and returns once it is gone (a repair under way finishes first); the thread
     * closes the socket on its way out. Interrupted while waiting, it returns early and the thread
     * still closes the socket when it ends.
     */
    @Override
    public void close() {
        running = false;
        synchronized (lifecycle) {
            if (!started) {
                finished = true;
                wakeup.close();
                socket.close();
                return;
            }
            if (!finished) {
                wakeup.signal();
            }
        }
        if (Thread.currentThread() == thread) {
            return; // a repair that closed the mesh: the loop ends when it returns
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
