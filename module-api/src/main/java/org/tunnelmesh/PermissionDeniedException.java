package org.tunnelmesh;

/**
 * The process lacks a privilege the mesh needs: a capability (CAP_NET_ADMIN for rtnetlink, CAP_BPF for the IPIP
 * filter, CAP_SYS_ADMIN to enter another network namespace) or access to a path (the lock directory). The message
 * names which, and how to grant it. What the kernel itself lacks is a {@link KernelSupportException}.
 */
public class PermissionDeniedException extends TunnelMeshException {
    /**
     * @param message what is wrong, naming the capability or path, and what to do
     */
    public PermissionDeniedException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, naming the value or object, and what to do
     * @param cause the failure underneath, e.g. the {@link KernelException} with the errno
     */
    public PermissionDeniedException(String message, Throwable cause) {
        super(message, cause);
    }
}
