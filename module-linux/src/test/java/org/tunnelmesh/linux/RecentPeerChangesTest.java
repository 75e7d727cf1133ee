package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.Peer;

/** Which changes since a resync's read were changes of peers, and which peers. */
class RecentPeerChangesTest {
    private static final Peer A = Peer.of("a", "10.245.1.3", "192.168.42.0/24");
    private static final Peer B = Peer.of("b", "10.245.1.4", "192.168.43.0/24");

    private final RecentPeerChanges changes = new RecentPeerChanges();

    @Test
    void noChangeSinceTheReadLeavesNothingAlone() {
        changes.note(3, List.of(A));
        assertEquals(List.of(), changes.between(4, 4));
    }

    @Test
    void theChangesSinceTheReadGiveTheirPeersNewestFirst() {
        changes.note(3, List.of(A)); // before the read: not asked for
        changes.note(4, List.of(B));
        changes.note(5, List.of()); // a refused remove
        changes.note(6, List.of(A));
        assertEquals(List.of(A, B), changes.between(4, 7));
    }

    @Test
    void aChangeThatWasNotOfPeersInBetweenMeansReadAgain() {
        changes.note(4, List.of(A));
        // 5: a purge, a reconcile, new keys: not noted
        changes.note(6, List.of(B));
        assertNull(changes.between(4, 7));
        assertEquals(List.of(B), changes.between(6, 7), "a read after it is good");
    }

    @Test
    void aChangeAfterTheLastNotedMeansReadAgain() {
        changes.note(4, List.of(A));
        assertNull(changes.between(4, 6), "5 was not of peers");
    }

    @Test
    void changesForgottenSinceTheReadMeanReadAgain() {
        for (long n = 0; n <= RecentPeerChanges.REMEMBERED; n++) {
            changes.note(n, List.of(A));
        }
        assertNull(changes.between(0, RecentPeerChanges.REMEMBERED + 1), "change 0 is forgotten");
        assertEquals(
                RecentPeerChanges.REMEMBERED,
                changes.between(1, RecentPeerChanges.REMEMBERED + 1).size(),
                "the rest are remembered");
    }
}
