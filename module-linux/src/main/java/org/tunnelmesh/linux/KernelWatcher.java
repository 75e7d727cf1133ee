package org.tunnelmesh.linux;

import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.linux.netlink.Errno;
import org.tunnelmesh.linux.netlink.NetlinkException;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.netlink.NetlinkSocket;

import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.*;

/**
 * Watches rtnetlink events and triggers a repair as soon as something the mesh relies on is
 * deleted or taken down by someone else (NetworkManager, an operator, a script). A full resync
 * on a timer is the safety net, and runs at once after the event socket overflowed (ENOBUFS:
 * events were lost, so only a full comparison can tell what changed).
 *
 * <p>Only events that concern the mesh count ({@link MeshEventFilter}). Storms are coalesced:
 * after a relevant event the watcher waits until {@value #DEBOUNCE_MILLIS} ms pass without
 * another (at most {@value #MAX_DELAY_MILLIS} ms in all), then repairs once.
 */
final class KernelWatcher implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(KernelWatcher.class);
    private static final int POLL_MILLIS = 200;
    static final int DEBOUNCE_MILLIS = 50;
    static final int MAX_DELAY_MILLIS = 300;

    private final NetlinkSocket socket;
    private final Runnable repair;
    private final Predicate<NetlinkMessage> concerns;
    private final int ownPortId;
    private final long resyncNanos;
    private final Thread thread;
    private volatile boolean running = true;
    private boolean relevant;
    /** Relevant events seen so far, to tell whether one more arrived while debouncing. */
    private long relevantCount;
    /** Repairs started (events, overflow, or timer): for tests that check what does and does not trigger one. */
    private volatile long repairs;

    /** @param ownPortId the mesh's control socket: notifications of its own changes are not drift */
    KernelWatcher(NetlinkSocket socket, int ownPortId, Predicate<NetlinkMessage> concerns, String meshName, long resyncMillis,
                  Runnable repair) {
        this.socket = socket;
        this.ownPortId = ownPortId;
        this.concerns = concerns;
        this.repair = repair;
        this.resyncNanos = TimeUnit.MILLISECONDS.toNanos(resyncMillis);
        socket.setReceiveTimeout(POLL_MILLIS);
        for (int group : new int[] {RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_NEXTHOP, org.tunnelmesh.linux.tc.Tc.RTNLGRP_TC}) {
            try {
                socket.joinGroup(group);
            } catch (NetlinkException e) {
                log.info("cannot watch rtnetlink group {} ({}); the periodic resync covers it", group, e.getMessage());
            }
        }
        this.thread = new Thread(this::run, "tunnelmesh-watch-" + meshName);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    @SuppressWarnings("NonAtomicVolatileUpdate") // repairs: only this thread writes it, others read it
    private void run() {
        long lastSync = System.nanoTime();
        while (running) {
            boolean overflow = false;
            try {
                if (socket.poll(this::inspect, false) && relevant) {
                    debounce();
                }
            } catch (NetlinkException e) {
                if (e.errno() != Errno.ENOBUFS) {
                    if (running) {
                        log.error("kernel watch failed: {}", e.getMessage());
                    }
                    sleepQuietly();
                }
                overflow = true;
            } catch (RuntimeException e) {
                log.error("kernel watch: unreadable event: {}", e.getMessage());
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

    /** Reads on until the events stop for {@value #DEBOUNCE_MILLIS} ms, or {@value #MAX_DELAY_MILLIS} ms have passed. */
    private void debounce() {
        long start = System.nanoTime();
        long quietUntil = start + TimeUnit.MILLISECONDS.toNanos(DEBOUNCE_MILLIS);
        long latest = start + TimeUnit.MILLISECONDS.toNanos(MAX_DELAY_MILLIS);
        try {
            while (running) {
                long waitMillis = TimeUnit.NANOSECONDS.toMillis(Math.min(quietUntil, latest) - System.nanoTime());
                if (waitMillis < 1) {
                    return;
                }
                socket.setReceiveTimeout((int) waitMillis);
                long before = relevantCount;
                if (!socket.poll(this::inspect, false)) {
                    return;
                }
                if (relevantCount != before) {
                    quietUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEBOUNCE_MILLIS);
                }
            }
        } finally {
            socket.setReceiveTimeout(POLL_MILLIS);
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

    private static void sleepQuietly() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        socket.close();
    }
}
