package org.tunnelmesh;

/**
 * The process lacks a privilege the mesh needs: a capability (CAP_NET_ADMIN for rtnetlink, CAP_BPF for the IPIP
 * filter, CAP_SYS_ADMIN to enter another network namespace) or access to a path (the lock directory). The message
 * names which, and how to grant it. What the kernel itself lacks is a {@link KernelSupportException}.
 */
public class PermissionDeniedException extends TunnelMeshException {
    public PermissionDeniedException(String message) {
        super(message);
    }

    public PermissionDeniedException(String message, Throwable cause) {
        super(message, cause);
    }
}
