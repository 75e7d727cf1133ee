package org.tunnelmesh.linux.rtnetlink;

import org.tunnelmesh.ConflictException;
import org.tunnelmesh.KernelException;
import org.tunnelmesh.KernelSupportException;
import org.tunnelmesh.PermissionDeniedException;
import org.tunnelmesh.TunnelMeshException;
import org.tunnelmesh.linux.netlink.MalformedMessageException;
import org.tunnelmesh.linux.netlink.NetlinkException;
import org.tunnelmesh.linux.netlink.NetlinkProtocolException;
import org.tunnelmesh.linux.syscall.Errno;
import org.tunnelmesh.linux.syscall.NativeIoException;

/**
 * The one place where what went wrong below - a failed system call, a request the kernel refused,
 * an exchange that broke down - becomes the API's exceptions, with a message a person can act on.
 */
public final class KernelErrors {
    private KernelErrors() {}

    /**
     * Any failure of the netlink layer as the API's exception; anything else (a closed socket, a
     * bug) is returned as it is.
     */
    public static RuntimeException translate(RuntimeException e) {
        if (e instanceof NetlinkException n) {
            return translate(n);
        }
        if (e instanceof NativeIoException n) {
            return translate(n);
        }
        if (e instanceof NetlinkProtocolException || e instanceof MalformedMessageException) {
            return new TunnelMeshException("talking rtnetlink to the kernel failed: " + e.getMessage(), e);
        }
        return e;
    }

    /** A refused request, described from the request object its batch kept. */
    public static TunnelMeshException translate(NetlinkException e) {
        return translate(e, RequestDescriber.describe(e.request()));
    }

    public static TunnelMeshException translate(NetlinkException e, String what) {
        int errno = e.errno();
        String kernelSays = e.extendedAck().isEmpty() ? "" : " (kernel: " + e.extendedAck() + ")";
        String others =
                e.failures() > 1 ? "; " + (e.failures() - 1) + " more request(s) of the same batch failed too" : "";
        String base = what + " failed: " + Errno.name(errno) + " " + Errno.text(errno) + kernelSays + others;
        KernelException cause = new KernelException(base, errno, Errno.name(errno), e.extendedAck());
        Errno known = Errno.of(errno);
        if (known == null) {
            return cause;
        }
        return switch (known) {
            case EPERM, EACCES ->
                new PermissionDeniedException(
                        base
                                + ". The process needs CAP_NET_ADMIN in this network namespace (run as root or grant the capability)",
                        cause);
            case EEXIST ->
                new ConflictException(
                        base
                                + (RequestDescriber.isKeylessIpipLink(e.request())
                                        ? ". An ipip device with neither local nor remote set would duplicate the fallback device tunl0,"
                                                + " which the ipip module creates in every namespace and which already receives all IPIP"
                                                + " not claimed by another device; the kernel allows only one. Use tunl0 (SHARED mode), or set local/remote"
                                        : ". Something else already holds this; remove it or choose another value"),
                        cause);
            case EINVAL ->
                RequestDescriber.isEncapsulatedIpipLink(e.request())
                        ? new KernelSupportException(
                                base + ". This kernel cannot put IPIP into UDP: it lacks CONFIG_NET_FOU_IP_TUNNELS"
                                        + " (Debian's user-mode-linux kernel, for one); use a kernel built with it, or"
                                        + " plain IPIP (--encap none)",
                                cause)
                        : cause;
            case EOPNOTSUPP, EAFNOSUPPORT, EPROTONOSUPPORT ->
                new KernelSupportException(
                        base + ". This kernel lacks the feature (for ipip: CONFIG_NET_IPIP / modprobe ipip)", cause);
            default -> cause;
        };
    }

    /** A failed system call: the kernel refused the call itself (no extended ack: there was no netlink exchange). */
    public static TunnelMeshException translate(NativeIoException e) {
        int errno = e.errno();
        String base = e.call() + " failed: " + Errno.name(errno) + " " + Errno.text(errno);
        KernelException cause = new KernelException(base, errno, Errno.name(errno), "");
        Errno known = Errno.of(errno);
        if (known == Errno.EPERM || known == Errno.EACCES) {
            String capability =
                    e.call().startsWith("setns") ? "CAP_SYS_ADMIN (to enter a network namespace)" : "CAP_NET_ADMIN";
            return new PermissionDeniedException(
                    base + ". The process needs " + capability + " (run as root or grant the capability)", cause);
        }
        if (known == Errno.EPROTONOSUPPORT || known == Errno.EAFNOSUPPORT) {
            return new KernelSupportException(base + ". This kernel lacks netlink for this protocol", cause);
        }
        if (known == Errno.ENOBUFS) {
            return new KernelException(
                    base + ": the kernel dropped answers because the socket's receive buffer was full;"
                            + " the outcome of the batch is unknown, and the next reconcile repairs what differs",
                    errno,
                    Errno.name(errno),
                    "");
        }
        return cause;
    }
}
