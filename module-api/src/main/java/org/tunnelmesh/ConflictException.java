package org.tunnelmesh;

/**
 * The request contradicts state that already exists: a peer name or underlay already in the mesh,
 * overlapping subnets, or a kernel object in the way (EEXIST). Nothing was changed.
 */
public class ConflictException extends TunnelMeshException {
    public ConflictException(String message) {
        super(message);
    }

    public ConflictException(String message, Throwable cause) {
        super(message, cause);
    }
}
