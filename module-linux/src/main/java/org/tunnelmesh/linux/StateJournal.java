package org.tunnelmesh.linux;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;
import org.tunnelmesh.StateFileException;
import org.tunnelmesh.internal.PeerTable;
import org.tunnelmesh.internal.StateFile;

/**
 * The state file as a journal of the desired peers: each change is saved before the kernel sees it
 * (write-ahead), and put back when the kernel refuses the change. Without a state file the mesh
 * lives in memory only and the journal keeps nothing. Used under the mesh's lock.
 */
final class StateJournal {
    // the mesh's logger: operators select its lines by that name
    private static final Logger log = LogManager.getLogger(LinuxTunnelMesh.class);

    /** Where the desired peer set is saved before every change, or null for memory only. */
    private final StateFile file;

    private final String meshName;
    /** Set when the state file could not be put back after a failed change: it may not match the mesh. */
    private String trouble;

    StateJournal(MeshConfig config) {
        this.file = config.stateFile() == null ? null : new StateFile(config.stateFile());
        this.meshName = config.name();
    }

    /** Whether there is a state file. */
    boolean persistent() {
        return file != null;
    }

    /** The state file; null without one. */
    Path path() {
        return file == null ? null : file.path();
    }

    /** The peers an earlier run saved; none without a state file. */
    List<Peer> read() {
        return file == null ? List.of() : file.read(meshName);
    }

    /** A refusal of the starting peers; when some came from the state file, it names the file and what to do. */
    RuntimeException notFitting(RuntimeException e, List<Peer> saved, Collection<Peer> peers) {
        if (saved.isEmpty()) {
            return e;
        }
        return new StateFileException(
                "the peers of state file " + file.path()
                        + (peers.isEmpty() ? "" : " with the given peers") + " do not fit this mesh: " + e.getMessage()
                        + "; fix or remove the file (nothing changed)",
                e);
    }

    /**
     * Saves the peer set a change is about to leave, before the kernel sees it (write-ahead).
     * Without a state file the table is not copied at all: the copy exists only to be written.
     *
     * @return the peers before the change, to put back when the kernel refuses it; null without a state file
     */
    List<Peer> saveChange(PeerTable table, Collection<Peer> adding, Collection<Peer> removing) {
        if (file == null) {
            return null;
        }
        List<Peer> before = table.peers();
        Set<String> gone = new HashSet<>();
        removing.forEach(peer -> gone.add(peer.name()));
        List<Peer> after = new ArrayList<>(before.size() + adding.size());
        for (Peer peer : before) {
            if (!gone.contains(peer.name())) {
                after.add(peer);
            }
        }
        after.addAll(adding);
        save(after);
        return before;
    }

    void save(List<Peer> peers) {
        if (file != null) {
            file.write(meshName, peers);
            trouble = null;
        }
    }

    /** Puts the file back to the peers before a change the kernel refused. */
    void restore(List<Peer> peers) {
        if (file == null) {
            return;
        }
        try {
            file.write(meshName, peers);
        } catch (StateFileException e) {
            trouble = e.getMessage() + " (after a failed change: the file may list peers the mesh does not have; "
                    + "the next successful change rewrites it)";
            log.error("{}", trouble);
        }
    }

    /** The state line of {@code diagnose()}. */
    String diagnosis(int peers) {
        if (file == null) {
            return "WARN state: not persisted (no state file): peers added or removed at runtime are lost on restart";
        }
        if (trouble != null) {
            return "FAIL state: " + trouble;
        }
        return "OK state: desired peers kept in " + file.path() + " (" + peers + " peer(s))";
    }
}
