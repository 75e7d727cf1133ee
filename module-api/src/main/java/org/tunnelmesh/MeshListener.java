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
 *
 * <p>The mesh also says how long its single changes took ({@link #timed}) and, last of all, that it was closed
 * ({@link #meshClosed}): whoever publishes the mesh (its MBeans) follows it through this listener, whichever handle
 * the application calls.
 */
public interface MeshListener {

    /** The calls whose duration a mesh reports through {@link #timed}. */
    enum Operation {
        /** A change that added one peer: {@code addPeer}, or {@code addPeers} of one. */
        ADD_PEER,
        /** A change that removed one peer: {@code removePeer}, or {@code removePeers} of one. */
        REMOVE_PEER,
        /** A {@code reconcile()} called by the application (not the mesh's own repairs). */
        RECONCILE
    }

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
     * A peer became {@link PeerHealth.State#UNREACHABLE} (also from {@link PeerHealth.State#UNKNOWN}: never heard),
     * or reachable again after being unreachable (the first contact of a new peer is not news and is not told).
     * Called on the mesh's health thread, outside the mesh's lock.
     *
     * @param health the peer's health now
     * @param what one line that tells the story alone: the peer, its underlay, when it was last heard from, the probes
     *     missed, or what brought it back
     */
    default void peerHealthChanged(PeerHealth health, String what) {}

    /**
     * The kernel had drifted from the mesh's state and was repaired. Does nothing by default.
     *
     * @param what one repair, as a line a person reads, e.g. the route that was put back
     */
    default void stateRepaired(String what) {}

    /**
     * A call succeeded and took {@code nanos}, from the call until the kernel had the change and the listeners were
     * told of it. Failed calls and bulk changes (more than one peer) are not reported.
     *
     * @param operation which call
     * @param nanos how long it took, in nanoseconds
     */
    default void timed(Operation operation, long nanos) {}

    /**
     * The mesh was closed; the last event a listener gets, once, after every other. The mesh's operations now throw
     * {@link MeshClosedException}.
     */
    default void meshClosed() {}
}
