package org.tunnelmesh;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * One node's side of an IPIP mesh, kept in the kernel. Every method that changes something
 * validates first and changes nothing on bad input; a kernel failure midway is rolled back.
 * Implementations are thread-safe.
 */
public interface TunnelMesh extends AutoCloseable {

    MeshConfig config();

    /** The tunnel MTU in effect (the configured one, or underlay MTU minus 20). */
    int mtu();

    /** Adds a peer: routes its subnets through the tunnel (and, point-to-point, creates its device). */
    default void addPeer(Peer peer) {
        addPeers(java.util.List.of(peer));
    }

    /** Adds many peers all-or-nothing: on any error none of them is added. */
    void addPeers(Collection<Peer> peers);

    /**
     * Removes a peer's routes (and device).
     *
     * @throws InvalidInputException when there is no such peer
     */
    default void removePeer(String name) {
        removePeers(java.util.List.of(name));
    }

    /** Removes many peers all-or-nothing: unknown names fail the call before anything changes. */
    void removePeers(Collection<String> names);

    /** The peers, in the order they were added. */
    List<Peer> peers();

    Optional<Peer> peer(String name);

    /** The device that carries a peer's traffic (tunl0 when SHARED). */
    String deviceOf(String peerName);

    /** The tunnel devices the mesh uses, with counters read from the kernel now. */
    List<TunnelDevice> devices();

    /**
     * Every peer's IPIP counters and the rejected packets, read from the kernel now in one read
     * (the mesh's IPIP filter on the underlay device keeps them; see {@link MeshConfig#ipipFilter()}).
     * Wrappers of a mesh must pass this on; the default is for implementations that keep none.
     */
    default TrafficCounters trafficCounters() {
        throw new UnsupportedOperationException(getClass().getName() + " keeps no per-peer counters");
    }

    /**
     * Every peer's health (reachable or not, when last heard from, the last probe's round trip), in the order of
     * {@link #peers()}, from memory: no system call. Wrappers of a mesh must pass this on; the default is for
     * implementations that watch no health.
     */
    default List<PeerHealth> peerHealth() {
        throw new UnsupportedOperationException(getClass().getName() + " watches no peer health");
    }

    /** One peer's health; empty for a name not (or no longer) in the mesh. */
    default Optional<PeerHealth> peerHealth(String name) {
        return peerHealth().stream().filter(h -> h.name().equals(name)).findFirst();
    }

    /**
     * Compares the kernel with the mesh's desired state and repairs the difference: missing
     * routes, devices, addresses, up state; leftovers it owns but no longer wants.
     *
     * @return the number of repairs made (0 when the kernel already matched)
     */
    int reconcile();

    /**
     * Removes every peer and everything this mesh owns from the kernel. The mesh stays open but
     * idle - {@link #reconcile()} repairs nothing - until a peer is added again.
     */
    void purge();

    /** Readable lines about what the kernel offers and what may stop traffic. */
    List<String> diagnose();

    void addListener(MeshListener listener);

    void removeListener(MeshListener listener);

    /** Stops watching and frees resources; kernel state is left in place so traffic keeps flowing. */
    @Override
    void close();
}
