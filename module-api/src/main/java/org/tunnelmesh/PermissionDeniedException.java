package org.tunnelmesh;

/** The process may not change the network configuration: it needs CAP_NET_ADMIN in the namespace. */
public class PermissionDeniedException extends TunnelMeshException {
    /**
     * @param message what is wrong, naming the value or object, and what to do
     * @param cause the failure underneath, e.g. the {@link KernelException} with the errno
     */
    public PermissionDeniedException(String message, Throwable cause) {
        super(message, cause);
    }
}
