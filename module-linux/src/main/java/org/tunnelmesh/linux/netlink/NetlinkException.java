package org.tunnelmesh.linux.netlink;

import org.tunnelmesh.linux.syscall.Errno;
import org.tunnelmesh.linux.syscall.NativeIoException;

/**
 * The kernel refused a request: its errno and, when the kernel gave one, its own explanation
 * (the extended ack). Knows which request of a batch failed (and how many others did), so the
 * layer above can say what it was trying to do. A failed system call is a {@link NativeIoException}.
 */
public final class NetlinkException extends RuntimeException {
    private final int errno;
    private final String extendedAck;
    private final int failedIndex;
    private final int failures;
    private final NetlinkRequest request;

    /**
     * @param extendedAck the kernel's NLMSGERR_ATTR_MSG, or empty: never text of ours
     * @param request what the failed request asked, or null when its writer did not say
     */
    public NetlinkException(int errno, String extendedAck, int failedIndex, int failures, NetlinkRequest request) {
        super(Errno.name(errno) + " (" + Errno.text(errno) + ")"
                + (extendedAck.isEmpty() ? "" : ": " + extendedAck)
                + (failedIndex >= 0
                        ? " [request " + failedIndex + (failures > 1 ? ", and " + (failures - 1) + " more failed" : "")
                                + "]"
                        : ""));
        this.errno = errno;
        this.extendedAck = extendedAck;
        this.failedIndex = failedIndex;
        this.failures = failures;
        this.request = request;
    }

    /** Positive errno. */
    public int errno() {
        return errno;
    }

    /** The kernel's NLMSGERR_ATTR_MSG, or empty. */
    public String extendedAck() {
        return extendedAck;
    }

    /** Index of the first failed request in its batch; -1 for a dump. */
    public int failedIndex() {
        return failedIndex;
    }

    /** How many requests of the batch failed. */
    public int failures() {
        return failures;
    }

    /** What the first failed request asked, or null. */
    public NetlinkRequest request() {
        return request;
    }
}
