package org.tunnelmesh.linux.rtnetlink;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.tunnelmesh.linux.netlink.BatchOutcome;
import org.tunnelmesh.linux.netlink.Netlink;
import org.tunnelmesh.linux.netlink.NetlinkException;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;
import org.tunnelmesh.linux.netlink.NetlinkSocket;
import org.tunnelmesh.linux.netlink.NetlinkTransactions;

/**
 * The rtnetlink operations the mesh needs, over one socket: dumps parsed into records, and batches
 * of requests. Every failure below - system call, kernel refusal, broken exchange - leaves here as
 * the API's exception ({@link KernelErrors}); only a batch's per-request refusals stay in its
 * {@link BatchOutcome}, for the caller to tolerate or translate. Not thread-safe.
 */
public final class RtnetlinkSession implements AutoCloseable {
    private final NetlinkSocket socket;
    private final NetlinkTransactions transactions;

    public RtnetlinkSession(NetlinkSocket socket) {
        this.socket = socket;
        this.transactions = new NetlinkTransactions(socket);
    }

    public static RtnetlinkSession open() {
        try {
            return new RtnetlinkSession(NetlinkSocket.open(Netlink.NETLINK_ROUTE));
        } catch (RuntimeException e) {
            throw KernelErrors.translate(e);
        }
    }

    /** The socket's netlink port id: the kernel puts it in the notifications our own requests cause. */
    public int portId() {
        return socket.portId();
    }

    public List<Link> links(boolean withStats) {
        return dump(b -> RtnetlinkRequests.dumpLinks(b, withStats), Link::parse);
    }

    /** One link by name, without counters; empty when there is none (ENODEV). */
    public java.util.Optional<Link> link(String name) {
        try {
            List<Link> found = transactions.dump(b -> RtnetlinkRequests.getLink(b, name), Link::parse);
            return found.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(found.get(0));
        } catch (NetlinkException e) {
            if (org.tunnelmesh.linux.syscall.Errno.ENODEV.is(e.errno())) {
                return java.util.Optional.empty();
            }
            throw KernelErrors.translate(e);
        }
    }

    /**
     * Links of one kind, with counters. Filtered in the kernel when the socket has strict dump
     * checking on ({@link #enableStrictDumpChecking}); filtered here as well, for older kernels.
     */
    public List<Link> linksOfKind(String kind) {
        List<Link> links = dump(b -> RtnetlinkRequests.dumpLinksOfKind(b, kind), Link::parse);
        links.removeIf(link -> !kind.equals(link.kind()));
        return links;
    }

    public boolean enableStrictDumpChecking() {
        return socket.enableStrictDumpChecking();
    }

    public List<Address> addresses() {
        return dump(RtnetlinkRequests::dumpAddresses, Address::parse);
    }

    public List<Route> routes() {
        return dump(RtnetlinkRequests::dumpRoutes, Route::parse);
    }

    /**
     * @throws org.tunnelmesh.TunnelMeshException when the kernel has no nexthop objects (before 5.3: see {@link
     *     #noNexthopObjects}), or the dump failed
     */
    public List<Nexthop> nexthops() {
        return dump(RtnetlinkRequests::dumpNexthops, Nexthop::parse);
    }

    /**
     * The nexthop objects as {@code parser} takes them (null to skip one), or none on a kernel without nexthop objects
     * (see {@link #noNexthopObjects}); any other failure throws.
     */
    public <T> List<T> nexthopsIfAny(Function<NetlinkMessage, T> parser) {
        try {
            return dump(RtnetlinkRequests::dumpNexthops, parser);
        } catch (RuntimeException e) {
            if (!noNexthopObjects(e)) {
                throw e; // interrupted by changes too often, say: an empty list would read as "every nexthop is gone"
            }
            return List.of();
        }
    }

    /**
     * Whether {@code e}, thrown by {@link #nexthops}, says that the kernel has no nexthop objects (before 5.3 it
     * refuses the request with EOPNOTSUPP), rather than that this one dump failed: one interrupted by concurrent
     * changes too often, say, after which an empty list would read as "every nexthop is gone".
     */
    public static boolean noNexthopObjects(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.tunnelmesh.KernelException k
                    && k.errno() == org.tunnelmesh.linux.syscall.Errno.EOPNOTSUPP.number()) {
                return true;
            }
        }
        return false;
    }

    /** An empty batch to fill with {@link RtnetlinkRequests} and pass to {@link #execute}. */
    public NetlinkMessageBuilder batch() {
        return transactions.newBatch();
    }

    /**
     * Sends the batch and waits for every ack.
     *
     * @throws org.tunnelmesh.TunnelMeshException for the first failed request, described as an ip command
     */
    public void execute(NetlinkMessageBuilder batch) {
        BatchOutcome outcome = send(batch);
        if (outcome.failures() > 0) {
            throw KernelErrors.translate(outcome.exception());
        }
    }

    /**
     * Sends the batch and reports each request's result without throwing for failed requests.
     *
     * @throws org.tunnelmesh.TunnelMeshException when the exchange itself fails (a system call, no answer)
     */
    public BatchOutcome send(NetlinkMessageBuilder batch) {
        try {
            return transactions.send(batch);
        } catch (RuntimeException e) {
            throw KernelErrors.translate(e);
        }
    }

    /** Runs any dump on this session's socket (the tc requests use it); failures come back translated. */
    public <T> List<T> dump(Consumer<NetlinkMessageBuilder> request, Function<NetlinkMessage, T> parser) {
        try {
            return transactions.dump(request, parser);
        } catch (RuntimeException e) {
            throw KernelErrors.translate(e);
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
