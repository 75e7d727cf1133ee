package org.tunnelmesh.linux.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.tunnelmesh.PeerHealth.State;
import org.tunnelmesh.linux.health.Liveness.Change;

/** The hysteresis on a fake clock: 1 s intervals, 3 misses to unreachable (the defaults). */
class LivenessTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;

    private final Liveness liveness = new Liveness(S, 3);

    LivenessTest() {
        liveness.ensureCapacity(4);
        liveness.add(0, 0, 0, 0);
    }

    /** Looks every 250 ms up to {@code until}, sending a probe whenever one is due (no answer comes); the changes seen. */
    private String silentUntil(long from, long until) {
        StringBuilder changes = new StringBuilder();
        for (long t = from; t <= until; t += 250 * MS) {
            Change c = liveness.look(0, t, true);
            if (c != Change.NONE) {
                changes.append(c).append('@').append(t / MS).append(' ');
            }
            if (liveness.dueForProbe(0, t)) {
                liveness.probeSent(0, t);
            }
        }
        return changes.toString().strip();
    }

    @Test
    void aNewPeerIsUnknownUntilHeardAndItsFirstContactIsNoNews() {
        assertEquals(State.UNKNOWN, liveness.state(0));
        assertEquals(Change.FIRST_CONTACT, liveness.heard(0, 100 * MS));
        assertEquals(State.REACHABLE, liveness.state(0));
        assertEquals(Change.NONE, liveness.heard(0, 200 * MS));
    }

    @Test
    void aPeerThatFallsSilentIsUnreachableAfterThreeMissedIntervals() {
        liveness.heard(0, 0);
        // silent from 0: probe at 1 s (miss 1), unanswered at 2 s (miss 2), again at 3 s (miss 3)
        assertEquals("LOST@3000", silentUntil(0, 3 * S));
        assertEquals(State.UNREACHABLE, liveness.state(0));
        assertEquals(2, liveness.unanswered(0));
        assertEquals(3, liveness.sent(0), "probes at 1, 2 and 3 s: it is still probed, to see it come back");
        assertEquals("", silentUntil(3 * S + 250 * MS, 6 * S), "told once");
    }

    @Test
    void oneLostProbeAmongAnswersDoesNotFlap() {
        liveness.heard(0, 0);
        assertEquals("", silentUntil(0, 2 * S), "silent 1 s and one probe lost: two misses, still reachable");
        assertEquals(State.REACHABLE, liveness.state(0));
        assertEquals(2, liveness.missed(0, 2 * S, true));
        // the next probe (sent at 2 s) is answered
        assertTrue(liveness.awaitingAnswer(0));
        assertEquals(Change.NONE, liveness.answered(0, 2 * S + 5 * MS));
        assertEquals(0, liveness.missed(0, 2 * S + 5 * MS, true));
        assertEquals(5 * MS, liveness.rttNanos(0));
        assertEquals("", silentUntil(2 * S + 250 * MS, 2 * S + 900 * MS));
        assertEquals(State.REACHABLE, liveness.state(0));
    }

    @Test
    void oneAnswerBringsAnUnreachablePeerBack() {
        liveness.heard(0, 0);
        silentUntil(0, 5 * S);
        assertEquals(State.UNREACHABLE, liveness.state(0));
        assertEquals(Change.NONE, liveness.look(0, 5 * S + 250 * MS, true), "told once");
        assertEquals(Change.NONE, liveness.look(0, 6 * S, true)); // the probe of 5 s times out
        assertTrue(liveness.dueForProbe(0, 6 * S));
        liveness.probeSent(0, 6 * S);
        assertEquals(Change.BACK, liveness.answered(0, 6 * S + 2 * MS));
        assertEquals(State.REACHABLE, liveness.state(0));
    }

    @Test
    void trafficBringsAnUnreachablePeerBackAndResetsTheMisses() {
        liveness.heard(0, 0);
        silentUntil(0, 5 * S);
        assertEquals(Change.BACK, liveness.heard(0, 5 * S + 100 * MS));
        assertEquals(0, liveness.unanswered(0));
        assertFalse(liveness.dueForProbe(0, 5 * S + 200 * MS), "heard: not silent, no probe");
    }

    @Test
    void trafficWhileAProbeIsOutstandingMakesItNoMiss() {
        liveness.heard(0, 0);
        liveness.probeSent(0, S);
        liveness.heard(0, S + 100 * MS);
        liveness.look(0, 2 * S, true); // the probe times out, but the peer was heard after it went
        assertEquals(0, liveness.unanswered(0));
    }

    /** Its first probe goes at once (here; the monitor spreads it over the first interval): that one unanswered, an interval of silence, the next unanswered. */
    @Test
    void aPeerNeverHeardIsUnreachableAfterThreeMissesSinceItWasAdded() {
        assertEquals("LOST@2000", silentUntil(0, 4 * S));
    }

    @Test
    void withoutProbesEveryIntervalOfSilenceIsAMiss() {
        liveness.heard(0, 0);
        assertEquals(Change.NONE, liveness.look(0, 2 * S + 999 * MS, false));
        assertEquals(2, liveness.missed(0, 2 * S + 999 * MS, false));
        assertEquals(Change.LOST, liveness.look(0, 3 * S, false));
    }

    @Test
    void aProbeTheBudgetCouldNotSendIsNoMiss() {
        liveness.heard(0, 0);
        for (long t = 0; t < 60 * S; t += 250 * MS) {
            assertEquals(Change.NONE, liveness.look(0, t, true), "never probed, so never missed more than once");
        }
        assertEquals(1, liveness.missed(0, 60 * S, true));
        assertEquals(State.REACHABLE, liveness.state(0));
    }

    @Test
    void aLateAnswerIsNotAwaited() {
        liveness.heard(0, 0);
        liveness.probeSent(0, S);
        liveness.look(0, 2 * S, true);
        assertFalse(liveness.awaitingAnswer(0), "timed out after an interval: a later reply matches nothing");
    }

    @Test
    void oneMissIsEnoughWhenConfiguredSo() {
        Liveness quick = new Liveness(S, 1);
        quick.ensureCapacity(1);
        quick.add(0, 0, 0, 0);
        quick.heard(0, 0);
        assertEquals(Change.NONE, quick.look(0, 999 * MS, true));
        assertEquals(Change.LOST, quick.look(0, S, true));
    }
}
