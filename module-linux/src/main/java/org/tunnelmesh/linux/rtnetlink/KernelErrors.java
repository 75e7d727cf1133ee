package org.tunnelmesh.linux.rtnetlink;

import org.tunnelmesh.ConflictException;
import org.tunnelmesh.KernelException;
import org.tunnelmesh.KernelSupportException;
import org.tunnelmesh.PermissionDeniedException;
import org.tunnelmesh.TunnelMeshException;
import org.tunnelmesh.linux.netlink.Errno;
import org.tunnelmesh.linux.netlink.NetlinkException;

/** Maps a kernel error on a request to the API's exceptions, with a message a person can act on. */
public final class KernelErrors {
    private KernelErrors() {
    }

    public static TunnelMeshException translate(NetlinkException e) {
        String what = RequestDescriber.describe(e.failedRequest());
        return translate(e, what);
    }

    public static TunnelMeshException translate(NetlinkException e, String what) {
        int errno = e.errno();
        String kernelSays = e.extendedAck().isEmpty() ? "" : " (kernel: " + e.extendedAck() + ")";
        String others = e.failures() > 1 ? "; " + (e.failures() - 1) + " more request(s) of the same batch failed too" : "";
        String base = what + " failed: " + Errno.name(errno) + " " + Errno.text(errno) + kernelSays + others;
        KernelException cause = new KernelException(base, errno, Errno.name(errno), e.extendedAck());
        return switch (errno) {
            case Errno.EPERM, Errno.EACCES -> new PermissionDeniedException(base
                    + ". The process needs CAP_NET_ADMIN in this network namespace (run as root or grant the capability)", cause);
            case Errno.EEXIST -> new ConflictException(base + (RequestDescriber.isKeylessIpipLink(e.failedRequest())
                    ? ". An ipip device with neither local nor remote set would duplicate the fallback device tunl0,"
                    + " which the ipip module creates in every namespace and which already receives all IPIP"
                    + " not claimed by another device; the kernel allows only one. Use tunl0 (SHARED mode), or set local/remote"
                    : ". Something else already holds this; remove it or choose another value"), cause);
            case Errno.EOPNOTSUPP, Errno.EAFNOSUPPORT, Errno.EPROTONOSUPPORT -> new KernelSupportException(base
                    + ". This kernel lacks the feature (for ipip: CONFIG_NET_IPIP / modprobe ipip)", cause);
            default -> cause;
        };
    }
}
