package org.tunnelmesh.linux;

import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.Peer;

/**
 * A resync's read of the kernel, made before it takes the mesh's lock, and what tells under the lock whether that read
 * can still be compared with the peers. At 20,000 peers the read is 40,000 routes and nexthops: a change that waited for
 * it (a resync every 30 s, an operator's addPeer) would wait a second while the code is still cold.
 *
 * <p>The read is on a socket of its own. It is good under the lock if every change of the mesh since it began only
 * added or removed peers ({@link RecentPeerChanges}): those peers are left alone by the comparison ({@link
 * KernelSnapshot}). After any other change (a purge, a reconcile's repairs, new keys) the reconcile reads again under
 * the lock.
 */
final class ResyncReads implements AutoCloseable {
    // the mesh's logger: operators select the mesh's lines by that name
    private static final Logger log = LogManager.getLogger(LinuxTunnelMesh.class);

    /** The kernel as read from {@code generation} of the mesh's changes on: what changes from then on did, it may lack. */
    record Read(long generation, KernelState state) {}

    private final KernelReader reader;
    private final MeshChanges changes;
    private final RecentPeerChanges recentChanges = new RecentPeerChanges();

    ResyncReads(KernelReader reader, MeshChanges changes) {
        this.reader = reader;
        this.changes = changes;
    }

    /**
     * Without the mesh's lock: the kernel's links, addresses, routes and nexthops. Null when the read fails (a mesh
     * closed under it, dumps interrupted again and again): the reconcile then reads under the lock.
     */
    Read read() {
        long generation = changes.generation(); // before the read: a change running now counts as after it
        try {
            return new Read(generation, reader.state());
        } catch (RuntimeException e) {
            log.debug(
                    "resync: reading the kernel before the lock failed ({}); it reads under the lock", e.getMessage());
            return null;
        }
    }

    /** Under the lock: notes the peers the running change adds or removes (none when it was refused). */
    void noteChange(List<Peer> peers) {
        recentChanges.note(changes.generation(), peers);
    }

    /**
     * Under the lock: what a reconcile may compare with, or null to read the kernel again now (no read, or a change
     * other than of peers since it, or one no longer noted).
     */
    KernelSnapshot current(Read read) {
        if (read == null) {
            return null;
        }
        // this reconcile's own number is generation(): the changes between are the read's up to the one before it
        List<Peer> changed = recentChanges.between(read.generation(), changes.generation());
        if (changed == null) {
            log.debug("resync: a change other than of peers came after its read; it reads again under the lock");
            return null;
        }
        return new KernelSnapshot(read.state(), changed);
    }

    /** The socket's reader: tests hold its lock to stop a resync in its read. */
    KernelReader reader() {
        return reader;
    }

    @Override
    public void close() {
        reader.close();
    }
}
