package org.tunnelmesh;

/**
 * What the IPsec ESP states between this node and one peer counted ({@link MeshConfig#encryptionKeyFile()}): the
 * kernel's statistics of the peer's outbound states (sent) and inbound states (received), summed over every key the
 * mesh holds states for. The states are the mesh's own: they are made new on open and on rotation, so the counts start
 * again from 0 when the mesh is opened again or a key's states are replaced.
 *
 * @param txPackets tunnel packets protected with ESP and sent to the peer
 * @param txBytes their bytes, as the kernel's states count them
 * @param rxPackets ESP packets from the peer that passed authentication and the replay check
 * @param rxBytes their bytes
 * @param integrityFailed ESP packets from the peer's address that failed authentication: another key, or forged or
 *     changed on the way
 * @param replayFailed ESP packets from the peer's address dropped as replays (a sequence number already seen or too
 *     old for the replay window)
 */
public record EncryptionCounters(
        long txPackets, long txBytes, long rxPackets, long rxBytes, long integrityFailed, long replayFailed) {

    /** All zero: a peer nothing was exchanged with, or a mesh that does not encrypt. */
    public static final EncryptionCounters ZERO = new EncryptionCounters(0, 0, 0, 0, 0, 0);
}
