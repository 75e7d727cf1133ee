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
    /**
     * A peer was added. By default called by {@link #peersAdded} for each peer; does nothing itself.
     *
     * @param peer the peer, as it is now in the kernel
     */
    default void peerAdded(Peer peer) {}

    /**
     * A peer was removed. By default called by {@link #peersRemoved} for each peer; does nothing itself.
     *
     * @param peer the peer, as it was
     */
    default void peerRemoved(Peer peer) {}

    /**
     * The peers one change added, in the order given.
     *
     * @param peers one or more peers, unmodifiable
     */
    default void peersAdded(List<Peer> peers) {
        peers.forEach(this::peerAdded);
    }

    /**
     * The peers one change removed.
     *
     * @param peers one or more peers, unmodifiable
     */
    default void peersRemoved(List<Peer> peers) {
        peers.forEach(this::peerRemoved);
    }

    /**
     * The kernel had drifted from the mesh's state and was repaired. Does nothing by default.
     *
     * @param what one repair, as a line a person reads, e.g. the route that was put back
     */
    default void stateRepaired(String what) {}
}
