package org.tunnelmesh;

/**
 * The state file cannot be read (damaged, unreadable, another mesh's) or written. The message
 * names the file and what is wrong with it; the mesh is left as it was.
 */
public class StateFileException extends TunnelMeshException {
    /**
     * @param message what is wrong, naming the value or object, and what to do
     */
    public StateFileException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, naming the value or object, and what to do
     * @param cause the failure underneath, e.g. the {@link KernelException} with the errno
     */
    public StateFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
