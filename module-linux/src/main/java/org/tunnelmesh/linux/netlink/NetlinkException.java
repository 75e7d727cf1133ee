package org.tunnelmesh.linux.netlink;

/**
 * The kernel answered a request with an error. Knows which request of a batch failed (and how many
 * others did), so the layer above can say what it was trying to do.
 */
public final class NetlinkException extends RuntimeException {
    private final int errno;
    private final String extendedAck;
    private final int failedIndex;
    private final int failures;
    private final byte[] failedRequest;

    public NetlinkException(int errno, String extendedAck, int failedIndex, int failures, byte[] failedRequest) {
        super(Errno.name(errno) + " (" + Errno.text(errno) + ")"
                + (extendedAck.isEmpty() ? "" : ": " + extendedAck)
                + (failedIndex >= 0 ? " [request " + failedIndex + (failures > 1 ? ", and " + (failures - 1) + " more failed" : "") + "]" : ""));
        this.errno = errno;
        this.extendedAck = extendedAck;
        this.failedIndex = failedIndex;
        this.failures = failures;
        this.failedRequest = failedRequest;
    }

    /** Positive errno. */
    public int errno() {
        return errno;
    }

    /** The kernel's NLMSGERR_ATTR_MSG, or empty. */
    public String extendedAck() {
        return extendedAck;
    }

    /** Index of the first failed request in its batch; -1 for a dump or a socket error. */
    public int failedIndex() {
        return failedIndex;
    }

    /** How many requests of the batch failed. */
    public int failures() {
        return failures;
    }

    /** The bytes of the first failed request, or null. */
    public byte[] failedRequest() {
        return failedRequest;
    }
}
