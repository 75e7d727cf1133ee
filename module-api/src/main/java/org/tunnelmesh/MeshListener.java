package org.tunnelmesh;

/**
 * Told about changes to the mesh, whichever way they came (Java API, JMX, repair). Called after
 * the change is in the kernel and the mesh's lock is released, one event at a time in the order
 * of the changes, before the call that made the change returns; usually on the thread that made
 * it (another caller's thread may deliver it first). A listener may call back into the mesh.
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
