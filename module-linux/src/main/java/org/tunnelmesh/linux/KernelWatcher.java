package org.tunnelmesh.linux;

import java.util.concurrent.TimeUnit;
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
 * <p>Bursts are coalesced: after the first relevant event, the watcher drains what else is
 * queued, then repairs once.
 */
final class KernelWatcher implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(KernelWatcher.class);
    private static final int POLL_MILLIS = 200;

    private final NetlinkSocket socket;
    private final Runnable repair;
    private final int ownPortId;
    private final long resyncNanos;
    private final Thread thread;
    private volatile boolean running = true;
    private boolean relevant;

    /** @param ownPortId the mesh's control socket: notifications of its own changes are not drift */
    KernelWatcher(NetlinkSocket socket, int ownPortId, String meshName, long resyncMillis, Runnable repair) {
        this.socket = socket;
        this.ownPortId = ownPortId;
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

    private void run() {
        long lastSync = System.nanoTime();
        while (running) {
            boolean overflow = false;
            try {
                if (socket.poll(this::inspect, false) && relevant) {
                    while (socket.poll(this::inspect, true)) {
                        // drain the burst, then repair once
                    }
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

    /**
     * Deletions and link changes (a device taken down or up) are what break a mesh from outside;
     * additions are either ours or harmless, and the periodic resync catches the rest. The kernel
     * stamps a notification with the port id of the socket whose request caused it: the mesh's own
     * changes are skipped (what they cause indirectly, like routes flushed with a device, has port 0).
     */
    private void inspect(NetlinkMessage message) {
        if (message.portId() == ownPortId) {
            return;
        }
        switch (message.type()) {
            case RTM_DELROUTE, RTM_DELADDR, RTM_DELLINK, RTM_DELNEXTHOP, RTM_NEWLINK -> relevant = true;
            // the IPIP filter or its clsact qdisc removed (or a filter replaced) by someone else
            case org.tunnelmesh.linux.tc.Tc.RTM_DELTFILTER, org.tunnelmesh.linux.tc.Tc.RTM_DELQDISC,
                    org.tunnelmesh.linux.tc.Tc.RTM_NEWTFILTER -> relevant = true;
            default -> {
            }
        }
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
