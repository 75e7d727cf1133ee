package org.tunnelmesh;

/**
 * Told about changes to the mesh, whichever way they came (Java API, JMX, repair). Called after
 * the change is in the kernel, on the thread that made it; keep it short.
 */
public interface MeshListener {
    default void peerAdded(Peer peer) {
    }

    default void peerRemoved(Peer peer) {
    }

    /** The kernel had drifted from the mesh's state and was repaired; {@code what} says how. */
    default void stateRepaired(String what) {
    }
}
