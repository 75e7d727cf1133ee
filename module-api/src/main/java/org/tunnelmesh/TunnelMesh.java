package org.tunnelmesh;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One node's side of an IPIP mesh, kept in the kernel. Every method that changes something
 * validates first and changes nothing on bad input; a kernel failure midway is rolled back.
 * Implementations are thread-safe.
 *
 * <p>Every failure is a {@link TunnelMeshException} (unchecked); each method names the subclasses it throws and when.
 * Any subclass can carry a {@link KernelException} as its cause, with the kernel's errno and its own words.
 * <p>Once {@link #close() closed}, every operation throws {@link MeshClosedException}, except
 * {@link #config()}, {@link #mtu()} (fixed at open), {@link #removeListener} and {@link #close()}
 * itself. {@code org.tunnelmesh.testing}'s {@code TunnelMeshContract} is this contract as tests, for
 * an implementation or a decorator of one.
 */
public interface TunnelMesh extends AutoCloseable {

    /**
     * The configuration the mesh was opened with.
     *
     * @return the configuration
     */
    MeshConfig config();

    /**
     * The tunnel MTU in effect.
     *
     * @return bytes: the configured MTU, or the underlay device's MTU minus the encapsulation's overhead
     *     ({@link Encapsulation#overhead()}: {@value MeshConfig#IPIP_OVERHEAD} for plain IPIP) as it was when the mesh
     *     opened
     */
    int mtu();

    /**
     * Adds a peer: routes its subnets through the tunnel (and, point-to-point, creates its device). With the IPIP
     * filter on, the peer's IPIP is let in and counted from then on. Listeners are told before this returns.
     *
     * @param peer the peer ({@link Peer#of} builds one from strings)
     * @throws InvalidInputException when the peer cannot be routed here: its underlay is this node's address or inside
     *     another peer's subnet, a subnet takes over a path of the namespace (an on-link subnet, the default gateway),
     *     is reserved or wider than allowed ({@link MeshConfig#allowWideSubnets()}), or the mesh is full; nothing
     *     changed
     * @throws ConflictException when its name or underlay address is another peer's, a subnet overlaps another peer's,
     *     or a kernel object not the mesh's is in the way (EEXIST); nothing changed
     * @throws KernelSupportException when the kernel lacks what the change needs (the ipip module, BPF for the IPIP
     *     filter); the message says what to load or turn off
     * @throws PermissionDeniedException when the process lacks a capability (CAP_NET_ADMIN, CAP_BPF); the message
     *     names it
     * @throws KernelException when the kernel refused for another reason (its errno and text); what the call had
     *     changed is rolled back
     * @throws StateFileException when the mesh keeps a state file ({@link MeshConfig#stateFile()}) and it cannot be
     *     written; nothing changed
     */
    default void addPeer(Peer peer) {
        addPeers(java.util.List.of(peer));
    }

    /**
     * Adds many peers all-or-nothing: on any error none of them is added. Much faster than one call per peer (the
     * kernel changes go in batches), and listeners get one {@link MeshListener#peersAdded} event.
     *
     * @param peers one or more peers, checked against each other and against the mesh's
     * @throws InvalidInputException as {@link #addPeer}, naming the first bad peer, or when {@code peers} is empty;
     *     nothing changed
     * @throws ConflictException as {@link #addPeer}, also when two of {@code peers} clash; nothing changed
     * @throws KernelSupportException when the kernel lacks what the change needs (the ipip module, BPF for the IPIP
     *     filter); the message says what to load or turn off
     * @throws PermissionDeniedException when the process lacks a capability (CAP_NET_ADMIN, CAP_BPF); the message
     *     names it
     * @throws KernelException when the kernel refused for another reason (its errno and text); what the call had
     *     changed is rolled back
     * @throws StateFileException when the mesh keeps a state file ({@link MeshConfig#stateFile()}) and it cannot be
     *     written; nothing changed
     */
    void addPeers(Collection<Peer> peers);

    /**
     * Removes a peer's routes (and, point-to-point, its device); its IPIP is no longer let in. Listeners are told
     * before this returns.
     *
     * @param name the peer's name
     * @throws InvalidInputException when there is no such peer; nothing changed
     * @throws PermissionDeniedException when the process lacks CAP_NET_ADMIN; the message names it
     * @throws KernelException when the kernel refused a delete: the peer is gone from the mesh all the same, and the
     *     next {@link #reconcile()} removes what is left
     * @throws StateFileException when the mesh keeps a state file and it cannot be written; nothing changed
     */
    default void removePeer(String name) {
        removePeers(java.util.List.of(name));
    }

    /**
     * Removes many peers in one change: unknown names fail the call before anything changes. Listeners get one
     * {@link MeshListener#peersRemoved} event.
     *
     * @param names one or more peer names, each once
     * @throws InvalidInputException when {@code names} is empty, or names a peer the mesh does not have, or one twice;
     *     nothing changed
     * @throws PermissionDeniedException as {@link #removePeer}
     * @throws KernelException as {@link #removePeer}
     * @throws StateFileException as {@link #removePeer}
     */
    void removePeers(Collection<String> names);

    /**
     * The peers the mesh has now.
     *
     * @return the peers, in the order they were added; an unmodifiable copy
     */
    List<Peer> peers();

    /**
     * One peer, by name.
     *
     * @param name the peer's name
     * @return the peer, or empty when the mesh has no peer of that name
     */
    Optional<Peer> peer(String name);

    /**
     * The device that carries a peer's traffic.
     *
     * @param peerName the peer's name
     * @return {@value TunnelDevice#SHARED_NAME} in a SHARED mesh ({@value TunnelDevice#ENCAPSULATED_SHARED_NAME} with
     *     FOU or GUE), else the peer's own device ({@link TunnelDevice#pointToPointName})
     * @throws InvalidInputException when the mesh has no peer of that name
     */
    String deviceOf(String peerName);

    /**
     * The tunnel devices the mesh uses, with counters read from the kernel now.
     *
     * @return one entry per device: {@value TunnelDevice#SHARED_NAME} (or {@value TunnelDevice#ENCAPSULATED_SHARED_NAME}
     *     with FOU or GUE) in a SHARED mesh, one per peer point-to-point
     * @throws PermissionDeniedException when the kernel refuses the read (the message names the capability)
     * @throws KernelException when the kernel refused the read for another reason
     */
    List<TunnelDevice> devices();

    /**
     * Every peer's IPIP counters and the rejected packets, read from the kernel now in one read
     * (the mesh's IPIP filter on the underlay device keeps them; see {@link MeshConfig#ipipFilter()}).
     * Wrappers of a mesh must pass this on; the default is for implementations that keep none.
     *
     * @return the counters; {@link TrafficCounters#UNFILTERED} when the filter is off
     * @throws UnsupportedOperationException when the implementation keeps no per-peer counters (the default)
     */
    default TrafficCounters trafficCounters() {
        throw new UnsupportedOperationException(getClass().getName() + " keeps no per-peer counters");
    }

    /**
     * Every peer's health (reachable or not, when last heard from, the last probe's round trip), in the order of
     * {@link #peers()}, from memory: no system call. Wrappers of a mesh must pass this on; the default is for
     * implementations that watch no health.
     *
     * @return the health of every peer
     * @throws MeshClosedException when the mesh is closed
     * @throws UnsupportedOperationException when this implementation watches no health
     */
    default List<PeerHealth> peerHealth() {
        throw new UnsupportedOperationException(getClass().getName() + " watches no peer health");
    }

    /**
     * One peer's health.
     *
     * @param name the peer's name
     * @return its health; empty for a name not (or no longer) in the mesh
     * @throws MeshClosedException when the mesh is closed
     */
    default Optional<PeerHealth> peerHealth(String name) {
        return peerHealth().stream().filter(h -> h.name().equals(name)).findFirst();
    }

    /**
     * What protects the tunnel packets: {@code NONE}, or the AEAD of the mesh's IPsec ESP states, e.g.
     * {@code rfc4106(gcm(aes))} ({@link MeshConfig#encryptionKeyFile()}).
     *
     * @return {@code NONE} or the algorithm
     */
    default String encryption() {
        return "NONE";
    }

    /**
     * Reads the encryption key file again and applies it: states for new keys first, the first key's outbound states,
     * then (after a grace period) the removal of keys no longer in the file. A bad file changes nothing.
     *
     * @throws InvalidInputException naming the file and what is wrong with it, or when the mesh does not encrypt
     */
    default void reloadEncryptionKeys() {
        throw new InvalidInputException(getClass().getName() + " does not encrypt: it has no key file to reload");
    }

    /**
     * Tunnel packets the kernel dropped because they came from a peer without the mesh's encryption (its policy
     * requires ESP); -1 when the mesh does not encrypt or the kernel does not count them (CONFIG_XFRM_STATISTICS).
     *
     * @return the count of the mesh's network namespace
     */
    default long unprotectedRejectedPackets() {
        return -1;
    }

    /**
     * Every peer's ESP counters, read from the kernel's states now in one read (a dump of the mesh's states over
     * NETLINK_XFRM). Wrappers of a mesh must pass this on; the default is for implementations that do not encrypt.
     *
     * @return the counters by peer name; empty when the mesh does not encrypt (a peer missing from the map reads as
     *     {@link EncryptionCounters#ZERO})
     * @throws MeshClosedException when the mesh is closed
     * @throws KernelException when the kernel refused the read
     */
    default Map<String, EncryptionCounters> encryptionCounters() {
        return Map.of();
    }

    /**
     * Compares the kernel with the mesh's desired state and repairs the difference: missing
     * routes, devices, addresses, up state; leftovers it owns but no longer wants.
     *
     * @return the number of repairs made (0 when the kernel already matched, or after {@link #purge()})
     * @throws ConflictException when a kernel object not the mesh's now stands where the mesh needs one (a device of
     *     the same name, EEXIST); the message names it
     * @throws KernelSupportException when the kernel lacks what the change needs (the ipip module, BPF for the IPIP
     *     filter); the message says what to load or turn off
     * @throws PermissionDeniedException when the process lacks a capability (CAP_NET_ADMIN, CAP_BPF); the message
     *     names it
     * @throws KernelException when the kernel refused for another reason (its errno and text); the next reconcile
     *     tries again
     */
    int reconcile();

    /**
     * Removes every peer and everything this mesh owns from the kernel. The mesh stays open but
     * idle - {@link #reconcile()} repairs nothing - until a peer is added again. Listeners are told of the removed
     * peers.
     *
     * @throws PermissionDeniedException when the process lacks a capability; the message names it
     * @throws KernelException when the kernel refused a delete; what is left is listed by {@link #diagnose()}
     * @throws StateFileException when the mesh keeps a state file and it cannot be written (it is emptied first);
     *     nothing changed
     */
    void purge();

    /**
     * Readable lines about what the kernel offers and what may stop traffic: one finding a line (the kernel-backed
     * mesh starts each with {@code OK}, {@code WARN} or {@code FAIL}), with what to do where something is wrong. Reads
     * only.
     *
     * @return the lines, for a person (their wording may change between versions)
     */
    List<String> diagnose();

    /**
     * Tells a listener about every change from now on (see {@link MeshListener} for when and on which thread).
     *
     * @param listener the listener; added once per call
     * @throws MeshClosedException when the mesh is closed
     */
    void addListener(MeshListener listener);

    /**
     * Stops telling a listener; a change in progress may still reach it.
     *
     * @param listener a listener added before; nothing happens for one that was not, or when the mesh is closed
     */
    void removeListener(MeshListener listener);

    /**
     * Stops watching and frees resources; kernel state is left in place so traffic keeps flowing.
     * Listeners get {@link MeshListener#meshClosed()} before this returns (so the mesh's MBeans are
     * unregistered by then). Idempotent: closing a closed mesh does nothing and throws nothing.
     */
    @Override
    void close();
}
