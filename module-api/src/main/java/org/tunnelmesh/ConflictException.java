package org.tunnelmesh;

/**
 * The request contradicts state that already exists: a peer name or underlay already in the mesh,
 * overlapping subnets, or a kernel object in the way (EEXIST). Nothing was changed.
 */
public class ConflictException extends TunnelMeshException {
    /**
     * @param message what is wrong, naming the value or object, and what to do
     */
    public ConflictException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, naming the value or object, and what to do
     * @param cause the failure underneath, e.g. the {@link KernelException} with the errno
     */
    public ConflictException(String message, Throwable cause) {
        super(message, cause);
    }
}
