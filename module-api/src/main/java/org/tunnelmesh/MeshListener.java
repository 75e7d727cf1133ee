package org.tunnelmesh;

import java.util.List;

/**
 * Told about changes to the mesh, whichever way they came (Java API, JMX, repair). Called after
 * the change is in the kernel and the mesh's lock is released, one event at a time in the order
 * of the changes, before the call that made the change returns; usually on the thread that made
 * it (another caller's thread may deliver it first). A listener may call back into the mesh.
 *
 * <p>A change of many peers (addPeers, removePeers, purge) comes as one {@link #peersAdded} or
 * {@link #peersRemoved} event, so a listener can handle 20,000 peers at once; by default those
 * call {@link #peerAdded} or {@link #peerRemoved} once per peer.
 */
public interface MeshListener {
    default void peerAdded(Peer peer) {}

    default void peerRemoved(Peer peer) {}

    /** The peers one change added, in the order given. */
    default void peersAdded(List<Peer> peers) {
        peers.forEach(this::peerAdded);
    }

    /** The peers one change removed. */
    default void peersRemoved(List<Peer> peers) {
        peers.forEach(this::peerRemoved);
    }

    /**
     * A peer became {@link PeerHealth.State#UNREACHABLE} (also from {@link PeerHealth.State#UNKNOWN}: never heard),
     * or reachable again after being unreachable (the first contact of a new peer is not news and is not told).
     * Called on the mesh's health thread, outside the mesh's lock.
     *
     * @param what one line that tells the story alone: the peer, its underlay, when it was last heard from, the probes
     *     missed, or what brought it back
     */
    default void peerHealthChanged(PeerHealth health, String what) {}

    /** The kernel had drifted from the mesh's state and was repaired; {@code what} says how. */
    default void stateRepaired(String what) {}
}
