package org.tunnelmesh;

/**
 * The state file cannot be read (damaged, unreadable, another mesh's) or written. The message
 * names the file and what is wrong with it; the mesh is left as it was.
 */
public class StateFileException extends TunnelMeshException {
    public StateFileException(String message) {
        super(message);
    }

    public StateFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
