package org.tunnelmesh;

/**
 * Base of every error the mesh reports. Messages are written for the person who has to act on
 * them: they name the bad value or the kernel object and say what to do where that is known.
 */
public class TunnelMeshException extends RuntimeException {
    /**
     * @param message what is wrong, naming the value or object, and what to do
     */
    public TunnelMeshException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, naming the value or object, and what to do
     * @param cause the failure underneath, e.g. the {@link KernelException} with the errno
     */
    public TunnelMeshException(String message, Throwable cause) {
        super(message, cause);
    }
}
