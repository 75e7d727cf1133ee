package org.tunnelmesh;

/**
 * The kernel refused a request for another reason. Carries the errno and the kernel's own
 * explanation (the netlink extended ack), which is often the most precise hint there is.
 */
public class KernelException extends TunnelMeshException {
    private final int errno;
    private final String errnoName;
    private final String kernelMessage;

    public KernelException(String message, int errno, String errnoName, String kernelMessage) {
        super(message);
        this.errno = errno;
        this.errnoName = errnoName;
        this.kernelMessage = kernelMessage;
    }

    /** The positive errno, e.g. 17 for EEXIST. */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, e.g. {@code EEXIST}. */
    public String errnoName() {
        return errnoName;
    }

    /** The kernel's extended-ack text, or empty when the kernel gave none. */
    public String kernelMessage() {
        return kernelMessage;
    }
}
