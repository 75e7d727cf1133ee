package org.tunnelmesh.linux;

import java.util.List;
import java.util.Optional;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.KernelSupportException;
import org.tunnelmesh.TunnelMeshException;
import org.tunnelmesh.linux.netlink.BatchOutcome;
import org.tunnelmesh.linux.netlink.Fou;
import org.tunnelmesh.linux.netlink.FouPort;
import org.tunnelmesh.linux.netlink.Genetlink;
import org.tunnelmesh.linux.netlink.NetlinkException;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;
import org.tunnelmesh.linux.netlink.NetlinkSocket;
import org.tunnelmesh.linux.netlink.NetlinkTransactions;
import org.tunnelmesh.linux.rtnetlink.KernelErrors;
import org.tunnelmesh.linux.syscall.Errno;

/**
 * The fou receive ports of the calling thread's network namespace, over one generic netlink socket: the family
 * {@code fou} is resolved over nlctrl once, at open. Failures leave as the API's exceptions. Not thread-safe.
 */
final class FouPorts implements AutoCloseable {
    private final NetlinkSocket socket;
    private final NetlinkTransactions transactions;
    private final int familyId;

    private FouPorts(NetlinkSocket socket, int familyId) {
        this.socket = socket;
        this.transactions = new NetlinkTransactions(socket);
        this.familyId = familyId;
    }

    /**
     * Opens a generic netlink socket and resolves the family {@code fou}.
     *
     * @throws KernelSupportException when the kernel has no fou (CONFIG_NET_FOU)
     */
    static FouPorts open() {
        NetlinkSocket socket;
        try {
            socket = NetlinkSocket.open(Genetlink.NETLINK_GENERIC);
        } catch (RuntimeException e) {
            throw KernelErrors.translate(e);
        }
        try {
            return new FouPorts(socket, resolve(new NetlinkTransactions(socket)));
        } catch (RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static int resolve(NetlinkTransactions transactions) {
        List<Integer> ids;
        try {
            ids = transactions.dump(b -> Genetlink.getFamily(b, Fou.FOU_GENL_NAME), Genetlink::familyId);
        } catch (NetlinkException e) {
            if (Errno.ENOENT.is(e.errno())) {
                throw new KernelSupportException(
                        "this kernel has no generic netlink family fou: FOU and GUE need CONFIG_NET_FOU"
                                + " (modprobe fou) and CONFIG_NET_FOU_IP_TUNNELS",
                        KernelErrors.translate(e));
            }
            throw KernelErrors.translate(e);
        } catch (RuntimeException e) {
            throw KernelErrors.translate(e);
        }
        if (ids.size() != 1) {
            throw new TunnelMeshException("nlctrl answered the request for family fou with " + ids.size() + " ids");
        }
        return ids.get(0);
    }

    /** The id nlctrl gave the family fou in this kernel. */
    int familyId() {
        return familyId;
    }

    /**
     * Opens {@code port}.
     *
     * @return true when it was opened, false when a fou port with that number was there already (the kernel says
     *     EADDRINUSE: its UDP socket is bound; the caller reads it with {@link #get} to compare)
     * @throws ConflictException when another UDP socket, not a fou port, holds the number
     */
    boolean add(FouPort port) {
        NetlinkMessageBuilder b = transactions.newBatch();
        Fou.add(b, familyId, port);
        BatchOutcome outcome = send(b);
        if (outcome.errno(0) == 0) {
            return true;
        }
        NetlinkException refused =
                outcome.exceptionUnless(errno -> Errno.EADDRINUSE.is(errno) || Errno.EEXIST.is(errno));
        if (refused != null) {
            throw KernelErrors.translate(refused);
        }
        if (get(port.port()).isPresent()) {
            return false;
        }
        throw new ConflictException("ip fou add " + port.arguments() + " failed: UDP port " + port.port()
                + " is in use by another socket in this network namespace, not a fou port;"
                + " stop it or choose another port (--encap fou:PORT or gue:PORT)");
    }

    /** What {@link #ensure} found. */
    enum Ensured {
        /** The port was not there; it is now. */
        CREATED,
        /** The port was there as wanted (a restart's adoption, or nothing to repair). */
        ADOPTED
    }

    /**
     * Makes sure {@code port} is open as wanted: opens it, or adopts the one there. Called at open and, since the fou
     * family has no multicast group to watch, again by whoever checks that a port deleted by hand is back.
     *
     * @throws ConflictException when the number is a fou port of another type or protocol, or another socket's
     */
    Ensured ensure(FouPort port) {
        if (add(port)) {
            return Ensured.CREATED;
        }
        FouPort there = get(port.port()).orElse(null);
        if (port.equals(there)) {
            return Ensured.ADOPTED;
        }
        if (there == null) { // deleted between our add and get: try once more
            return add(port) ? Ensured.CREATED : ensureExisting(port);
        }
        throw new ConflictException("ip fou add " + port.arguments() + " failed: UDP port " + port.port()
                + " is already a fou port (" + there.arguments() + ") that this mesh did not ask for;"
                + " delete it (ip fou del port " + port.port() + ") or choose another port");
    }

    private Ensured ensureExisting(FouPort port) {
        if (port.equals(get(port.port()).orElse(null))) {
            return Ensured.ADOPTED;
        }
        throw new ConflictException("UDP port " + port.port() + " keeps changing under the mesh; leave it to the mesh"
                + " or choose another port");
    }

    /**
     * Closes the port with that number.
     *
     * @return false when there was none (the kernel says EINVAL)
     */
    boolean delete(int port) {
        NetlinkMessageBuilder b = transactions.newBatch();
        Fou.delete(b, familyId, port);
        return sendOne(b, Errno.EINVAL);
    }

    /** The IPv4 port with that number, if the kernel has one. */
    Optional<FouPort> get(int port) {
        try {
            List<FouPort> found = transactions.dump(b -> Fou.get(b, familyId, port), FouPort::parse);
            return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
        } catch (NetlinkException e) {
            if (Errno.ESRCH.is(e.errno())) {
                return Optional.empty();
            }
            throw KernelErrors.translate(e);
        } catch (RuntimeException e) {
            throw KernelErrors.translate(e);
        }
    }

    /** Every IPv4 port of the namespace ({@code ip fou show}). */
    List<FouPort> list() {
        try {
            return transactions.dump(b -> Fou.dump(b, familyId), FouPort::parse);
        } catch (RuntimeException e) {
            throw KernelErrors.translate(e);
        }
    }

    private boolean sendOne(NetlinkMessageBuilder b, Errno tolerated) {
        BatchOutcome outcome = send(b);
        if (outcome.errno(0) == 0) {
            return true;
        }
        NetlinkException refused = outcome.exceptionUnless(tolerated::is);
        if (refused == null) {
            return false;
        }
        throw KernelErrors.translate(refused);
    }

    private BatchOutcome send(NetlinkMessageBuilder b) {
        try {
            return transactions.send(b);
        } catch (RuntimeException e) {
            throw KernelErrors.translate(e);
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
