package org.tunnelmesh;

/** The process may not change the network configuration: it needs CAP_NET_ADMIN in the namespace. */
public class PermissionDeniedException extends TunnelMeshException {
    public PermissionDeniedException(String message, Throwable cause) {
        super(message, cause);
    }
}
