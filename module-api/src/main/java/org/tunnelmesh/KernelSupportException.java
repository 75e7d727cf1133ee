package org.tunnelmesh;

/** The running kernel lacks something the mesh needs (the ipip module, nexthop objects, ...). */
public class KernelSupportException extends TunnelMeshException {
    /**
     * @param message what is wrong, naming the value or object, and what to do
     */
    public KernelSupportException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, naming the value or object, and what to do
     * @param cause the failure underneath, e.g. the {@link KernelException} with the errno
     */
    public KernelSupportException(String message, Throwable cause) {
        super(message, cause);
    }
}
