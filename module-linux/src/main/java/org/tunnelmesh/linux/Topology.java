package org.tunnelmesh.linux;

import java.util.Collection;
import java.util.List;
import org.tunnelmesh.Peer;

/**
 * How the mesh's peers become kernel state: one shared device with routes per peer, or one device
 * per peer. Called with the mesh's lock held; peers given here are already validated.
 */
interface Topology {

    /** Extra checks this shape needs against the peers it holds (e.g. device names that collide); throws before anything changes. */
    void checkAdd(Collection<Peer> adding);

    /** Adds all of {@code peers}, or none of them: a kernel failure midway is rolled back. */
    void add(List<Peer> peers);

    /** Removes the peers' kernel state; what is already gone is fine. */
    void remove(List<Peer> peers);

    /**
     * Makes the kernel match {@code peers} exactly, within what the mesh owns.
     *
     * @param snapshot the kernel as read before the lock, and the peers changed since, whose state is left alone; null
     *     to read it now
     * @return the repairs made, as ip commands
     */
    List<String> reconcile(Collection<Peer> peers, KernelSnapshot snapshot);

    /** Removes everything the mesh owns. */
    void purge();

    String deviceOf(Peer peer);

    /** The tunnel devices in use for {@code peers}. */
    List<String> devices(Collection<Peer> peers);
}
