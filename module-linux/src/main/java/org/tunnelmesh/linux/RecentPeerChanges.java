package org.tunnelmesh.linux;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.tunnelmesh.Peer;

/**
 * The peers that the mesh's latest changes added or removed, each change by its number (the mesh's generation while it
 * ran): what a resync whose kernel read came before those changes leaves alone. Only changes of peers are noted; a
 * number with no note was some other change. Used under the mesh's lock.
 */
final class RecentPeerChanges {
    /** How many changes are remembered; a read older than that is made again. */
    static final int REMEMBERED = 1024;

    private record Change(long number, List<Peer> peers) {}

    private final ArrayDeque<Change> changes = new ArrayDeque<>();

    /** Notes that change {@code number} added or removed {@code peers} (none, when it was refused). */
    void note(long number, List<Peer> peers) {
        changes.addLast(new Change(number, peers));
        if (changes.size() > REMEMBERED) {
            changes.removeFirst();
        }
    }

    /**
     * The peers that changes {@code from} to {@code until - 1} added or removed, or null when one of them is not
     * noted: a change that was not of peers, or one forgotten.
     */
    List<Peer> between(long from, long until) {
        List<Peer> peers = new ArrayList<>();
        long expected = until - 1;
        for (Iterator<Change> newest = changes.descendingIterator(); newest.hasNext() && expected >= from; expected--) {
            Change change = newest.next();
            if (change.number() != expected) {
                return null;
            }
            peers.addAll(change.peers());
        }
        return expected < from ? peers : null;
    }
}
