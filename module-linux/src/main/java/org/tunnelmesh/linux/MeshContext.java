package org.tunnelmesh.linux;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.Encapsulation;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.linux.netlink.BatchOutcome;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;
import org.tunnelmesh.linux.rtnetlink.KernelErrors;
import org.tunnelmesh.linux.rtnetlink.RequestDescriber;
import org.tunnelmesh.linux.rtnetlink.RtnetlinkSession;
import org.tunnelmesh.linux.rtnetlink.TunnelEncap;
import org.tunnelmesh.linux.syscall.Errno;

/** What both topologies share: the configuration, the facts found in the kernel at open, and the control session. */
final class MeshContext {
    private static final Logger log = LogManager.getLogger(MeshContext.class);

    final MeshConfig config;
    final RtnetlinkSession session;
    final int underlayIfindex;
    final String underlayDevice;
    final int mtu;

    MeshContext(MeshConfig config, RtnetlinkSession session, int underlayIfindex, String underlayDevice, int mtu) {
        this.config = config;
        this.session = session;
        this.underlayIfindex = underlayIfindex;
        this.underlayDevice = underlayDevice;
        this.mtu = mtu;
    }

    int protocol() {
        return config.routeProtocol();
    }

    /** The encapsulation the mesh's devices carry (IFLA_IPTUN_ENCAP_*), to the same port on every peer. */
    TunnelEncap encap() {
        Encapsulation e = config.encapsulation();
        return switch (e.type()) {
            case NONE -> TunnelEncap.NONE;
            case FOU -> TunnelEncap.fou(e.port());
            case GUE -> TunnelEncap.gue(e.port());
        };
    }

    /**
     * Whether {@link #repair} describes each repair that took effect as an ip command. Off while a
     * mesh opens (unless debug logging wants them): there every peer's routes are "repairs", only
     * counted, and describing 20,000 requests costs more than the rest of the Java side of sending them.
     */
    boolean describeRepairs = true;

    /** False once the kernel answered a nexthop dump with an error (before 5.3: no nexthop objects). */
    private boolean nexthopObjects = true;

    /** Links, addresses, routes and, where the kernel has them and {@code withNexthops}, nexthop objects. */
    KernelState dump(boolean withNexthops) {
        return new KernelState(
                session.links(false), session.addresses(), session.routes(), withNexthops ? nexthops() : List.of());
    }

    private List<org.tunnelmesh.linux.rtnetlink.Nexthop> nexthops() {
        if (nexthopObjects) {
            try {
                return session.nexthops();
            } catch (RuntimeException e) {
                if (!RtnetlinkSession.noNexthopObjects(e)) {
                    throw e; // a failed dump, not a kernel without nexthops: no reconcile on an empty list
                }
                nexthopObjects = false;
            }
        }
        return List.of();
    }

    /**
     * Sends a batch of repairs; failures are logged one by one and the first is thrown after all
     * acks are in (the other repairs still took effect, and the next reconcile retries).
     *
     * @return the repairs that took effect, as ip commands (null entries when {@link #describeRepairs} is off)
     */
    List<String> repair(NetlinkMessageBuilder batch) {
        List<String> done = new ArrayList<>();
        if (batch.messageCount() == 0) {
            return done;
        }
        BatchOutcome outcome = session.send(batch);
        for (int i = 0; i < outcome.size(); i++) {
            if (outcome.succeeded(i)) {
                done.add(describeRepairs ? RequestDescriber.describe(outcome.request(i)) : null);
            } else {
                log.error(
                        "repair '{}' failed: {}",
                        RequestDescriber.describe(outcome.request(i)),
                        Errno.name(outcome.errno(i)));
            }
        }
        if (outcome.failures() > 0) {
            throw KernelErrors.translate(outcome.exception());
        }
        return done;
    }

    /**
     * Sends an undo batch after a failed change. Best effort: what cannot be undone is logged, and
     * the next reconcile removes it (it carries our marks).
     */
    void rollback(NetlinkMessageBuilder undo) {
        if (undo.messageCount() == 0) {
            return;
        }
        try {
            BatchOutcome outcome = session.send(undo);
            for (int i = 0; i < outcome.size(); i++) {
                if (!outcome.succeeded(i)) {
                    log.error(
                            "rollback step '{}' failed: {}",
                            RequestDescriber.describe(outcome.request(i)),
                            Errno.name(outcome.errno(i)));
                }
            }
        } catch (RuntimeException e) {
            log.error("rollback failed: {}", e.getMessage());
        }
    }

    /**
     * Throws the first failure that is not "already gone" (deleting what is not there) - not merely the
     * batch's first failure, which may be a tolerated one hiding the real refusal.
     */
    static void throwUnlessGone(BatchOutcome outcome) {
        var failure = outcome.exceptionUnless(MeshContext::alreadyGone);
        if (failure != null) {
            throw KernelErrors.translate(failure);
        }
    }

    /** The first three of {@code items}, for a log line. */
    static List<String> first(List<String> items) {
        return items.subList(0, Math.min(3, items.size()));
    }

    /** Errnos that mean "already gone", harmless when deleting. */
    static boolean alreadyGone(int errno) {
        return Errno.ENOENT.is(errno)
                || Errno.ESRCH.is(errno)
                || Errno.ENODEV.is(errno)
                || Errno.EADDRNOTAVAIL.is(errno);
    }
}
