package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.linux.netlink.Datagrams;
import org.tunnelmesh.linux.netlink.Netlink;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;
import org.tunnelmesh.linux.netlink.NetlinkSocket;

/**
 * The watcher stops because it is woken, not because a receive timed out: without a periodic
 * resync it waits with no timeout at all, so a close() that returns proves the wakeup reached it.
 * The thread is gone, and the socket closed (by that thread), once close() returns. Runs on the
 * host: joining rtnetlink groups needs no privilege. The preemptive timeouts only turn a hang into
 * a failure; nothing here measures time.
 */
class KernelWatcherTest {
    private static final Duration HANG = Duration.ofSeconds(60);

    private static KernelWatcher watcher(NetlinkSocket socket, Runnable repair) {
        return new KernelWatcher(socket, -1, message -> false, "test", 0, repair);
    }

    @Test
    void closeRightAfterStartStopsTheThreadAndClosesTheSocket() {
        NetlinkSocket socket = NetlinkSocket.open(Netlink.NETLINK_ROUTE);
        KernelWatcher watcher = watcher(socket, () -> {});
        watcher.start();
        assertTimeoutPreemptively(HANG, watcher::close);
        assertFalse(watcher.alive(), "the watcher thread is gone once close() returns");
        assertThrows(IllegalStateException.class, () -> socket.poll(m -> {}, true), "its socket is closed");
    }

    @Test
    void closeWakesAWatcherThatIsWaitingWithoutATimeout() throws Exception {
        NetlinkSocket socket = NetlinkSocket.open(Netlink.NETLINK_ROUTE);
        KernelWatcher watcher = watcher(socket, () -> {});
        watcher.start();
        // a datagram from another socket: the watcher reads it (and drops it), so it has been round its loop
        // and is back waiting in poll(2) with no timeout
        try (NetlinkSocket other = NetlinkSocket.open(Netlink.NETLINK_ROUTE)) {
            NetlinkMessageBuilder noise = new NetlinkMessageBuilder(64).reset(1);
            noise.begin(Netlink.NLMSG_NOOP, 0);
            noise.end();
            Datagrams.forge(other, socket.portId(), noise);
            assertTimeoutPreemptively(HANG, () -> {
                while (socket.foreignDatagrams() == 0) {
                    Thread.onSpinWait();
                }
            });
        }
        assertTimeoutPreemptively(HANG, watcher::close);
        assertFalse(watcher.alive());
        assertEquals(0, watcher.repairs(), "a dropped datagram is not an event");
    }

    @Test
    void closeWaitsForARepairUnderWayAndTheSocketOutlivesIt() throws Exception {
        NetlinkSocket socket = NetlinkSocket.open(Netlink.NETLINK_ROUTE);
        CountDownLatch repairing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger socketOpenDuringRepair = new AtomicInteger();
        // a periodic resync due at once: the thread goes straight into a repair and blocks there
        KernelWatcher watcher = new KernelWatcher(socket, -1, message -> false, "test", 1, () -> {
            repairing.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                socket.poll(m -> {}, true);
                socketOpenDuringRepair.set(1);
            } catch (IllegalStateException closed) {
                socketOpenDuringRepair.set(-1);
            }
        });
        watcher.start();
        repairing.await();
        Thread closer = new Thread(watcher::close);
        closer.start();
        // close() cannot finish while the repair runs: the thread is inside, and its socket must stay open
        closer.join(200);
        assertTrue(closer.isAlive(), "close() waits for the repair under way");
        assertTrue(watcher.alive());
        release.countDown();
        assertTimeoutPreemptively(HANG, () -> closer.join());
        assertFalse(watcher.alive());
        assertEquals(1, socketOpenDuringRepair.get());
        assertThrows(IllegalStateException.class, () -> socket.poll(m -> {}, true));
    }

    @Test
    void aWatcherNeverStartedClosesItsSocketOnClose() {
        NetlinkSocket socket = NetlinkSocket.open(Netlink.NETLINK_ROUTE);
        KernelWatcher watcher = watcher(socket, () -> {});
        watcher.close();
        assertThrows(IllegalStateException.class, () -> socket.poll(m -> {}, true));
    }
}
