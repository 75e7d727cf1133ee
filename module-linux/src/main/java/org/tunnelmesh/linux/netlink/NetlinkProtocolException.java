package org.tunnelmesh.linux.netlink;

/**
 * The exchange with the kernel broke down though no system call failed and the kernel refused
 * nothing: no answer within the receive timeout, or a dump interrupted by concurrent changes time
 * after time. No errno: the kernel gave none.
 */
public final class NetlinkProtocolException extends RuntimeException {
    public NetlinkProtocolException(String message) {
        super(message);
    }
}
