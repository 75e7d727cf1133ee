package org.tunnelmesh;

/**
 * The kernel refused a request for another reason. Carries the errno and the kernel's own
 * explanation (the netlink extended ack), which is often the most precise hint there is.
 */
public class KernelException extends TunnelMeshException {
    /** The positive errno. */
    private final int errno;
    /** Its symbolic name. */
    private final String errnoName;
    /** The kernel's extended-ack text, or empty. */
    private final String kernelMessage;

    /**
     * @param message what was asked and what the kernel answered, as a line a person reads
     * @param errno the positive errno
     * @param errnoName its symbolic name, e.g. {@code EEXIST}
     * @param kernelMessage the kernel's extended-ack text, or empty
     */
    public KernelException(String message, int errno, String errnoName, String kernelMessage) {
        super(message);
        this.errno = errno;
        this.errnoName = errnoName;
        this.kernelMessage = kernelMessage;
    }

    /**
     * The errno the kernel answered.
     *
     * @return the positive errno, e.g. 17 for EEXIST
     */
    public int errno() {
        return errno;
    }

    /**
     * The errno's name.
     *
     * @return its symbolic name, e.g. {@code EEXIST}
     */
    public String errnoName() {
        return errnoName;
    }

    /**
     * What the kernel said about the refusal (the netlink extended ack, NLMSGERR_ATTR_MSG).
     *
     * @return the kernel's text, e.g. {@code "Nexthop device is not up"}; empty when the kernel gave none
     */
    public String kernelMessage() {
        return kernelMessage;
    }
}
