package org.tunnelmesh.linux.health;

import java.util.Arrays;
import org.tunnelmesh.PeerHealth.State;

/**
 * Each peer's reachability with hysteresis, in primitive arrays indexed by slot (no object per peer), on a clock the
 * caller passes in nanoseconds (so tests run it on a fake one). Not thread-safe: its owner locks.
 *
 * <p>The rule, written once: a peer <em>misses</em> an interval when it is silent for one (nothing heard through the
 * mesh), and then once more for every probe it leaves unanswered for an interval. It reads {@link State#UNREACHABLE}
 * after {@code misses} missed intervals, and {@link State#REACHABLE} again at once when anything comes from it: a
 * counter that moved or one probe answered. One lost probe among answers is not a miss streak, so nothing flaps.
 * Without active probes (off, or no ICMP socket) every interval of silence is a miss. A probe that the budget could
 * not send is not a miss: a small budget slows detection, but never marks a live peer down.
 */
final class Liveness {
    static final long NEVER = Long.MIN_VALUE;

    /** What {@link #heard} and {@link #look} changed. */
    enum Change {
        NONE,
        /** UNKNOWN to REACHABLE: a new peer's first contact, not news. */
        FIRST_CONTACT,
        /** UNREACHABLE to REACHABLE. */
        BACK,
        /** UNKNOWN or REACHABLE to UNREACHABLE. */
        LOST
    }

    private final long interval;
    private final int misses;

    private State[] state = new State[0];
    /** When the peer was added: silence counts from there until it is first heard. */
    private long[] added = new long[0];

    private long[] lastHeard = new long[0];
    /** When its outstanding probe was sent, or NEVER. */
    private long[] probeSent = new long[0];

    private int[] unanswered = new int[0];
    /** The earliest time its next probe may go. */
    private long[] nextProbe = new long[0];
    /** A fixed offset in [0, interval / 4) per peer, so probes of peers heard at the same moment spread. */
    private long[] phase = new long[0];
    /** Last answered probe's round trip in nanoseconds, or -1. */
    private long[] rtt = new long[0];

    private long[] sent = new long[0];
    private long[] answered = new long[0];

    /**
     * @param interval silence before a probe, and how long a probe waits for its answer (nanoseconds, positive)
     * @param misses   missed intervals until unreachable
     */
    Liveness(long interval, int misses) {
        if (interval <= 0 || misses < 1) {
            throw new IllegalArgumentException("interval " + interval + " ns, misses " + misses);
        }
        this.interval = interval;
        this.misses = misses;
    }

    long interval() {
        return interval;
    }

    /** Room for slots 0..capacity-1. */
    void ensureCapacity(int capacity) {
        if (capacity <= state.length) {
            return;
        }
        int n = Math.max(capacity, state.length * 2);
        state = Arrays.copyOf(state, n);
        added = Arrays.copyOf(added, n);
        lastHeard = Arrays.copyOf(lastHeard, n);
        probeSent = Arrays.copyOf(probeSent, n);
        unanswered = Arrays.copyOf(unanswered, n);
        nextProbe = Arrays.copyOf(nextProbe, n);
        phase = Arrays.copyOf(phase, n);
        rtt = Arrays.copyOf(rtt, n);
        sent = Arrays.copyOf(sent, n);
        answered = Arrays.copyOf(answered, n);
    }

    /**
     * A new peer in {@code slot}: UNKNOWN, silent since {@code now}, first probe after {@code firstProbeDelay} (spread
     * over the interval by the caller, so a thousand peers added at once are not probed at once).
     *
     * @param jitter in [0, 1): the peer's phase, as a fraction of a quarter interval
     */
    void add(int slot, long now, long firstProbeDelay, double jitter) {
        state[slot] = State.UNKNOWN;
        added[slot] = now;
        lastHeard[slot] = NEVER;
        probeSent[slot] = NEVER;
        unanswered[slot] = 0;
        nextProbe[slot] = now + firstProbeDelay;
        phase[slot] = (long) (jitter * interval / 4.0);
        rtt[slot] = -1;
        sent[slot] = 0;
        answered[slot] = 0;
    }

    /** Something came from the peer through the mesh (its counter moved, or a probe was answered). */
    Change heard(int slot, long now) {
        lastHeard[slot] = now;
        unanswered[slot] = 0;
        nextProbe[slot] = now + interval + phase[slot];
        State was = state[slot];
        state[slot] = State.REACHABLE;
        return switch (was) {
            case UNKNOWN -> Change.FIRST_CONTACT;
            case UNREACHABLE -> Change.BACK;
            case REACHABLE -> Change.NONE;
        };
    }

    /** Whether an answer now would match an outstanding probe. */
    boolean awaitingAnswer(int slot) {
        return probeSent[slot] != NEVER;
    }

    /** A probe of ours came back: its round trip is kept, and the peer is heard. */
    Change answered(int slot, long now) {
        rtt[slot] = now - probeSent[slot];
        probeSent[slot] = NEVER;
        answered[slot]++;
        return heard(slot, now);
    }

    void probeSent(int slot, long now) {
        probeSent[slot] = now;
        sent[slot]++;
        nextProbe[slot] = now + interval;
    }

    /**
     * Whether the peer should be probed now: silent past its next probe time and no probe outstanding. Asked only while
     * probing is on.
     */
    boolean dueForProbe(int slot, long now) {
        return probeSent[slot] == NEVER && now - nextProbe[slot] >= 0;
    }

    long nextProbe(int slot) {
        return nextProbe[slot];
    }

    /**
     * Times out an outstanding probe and gives the verdict on silence.
     *
     * @param probing whether active probes are on (else each interval of silence is a miss)
     */
    Change look(int slot, long now, boolean probing) {
        if (probeSent[slot] != NEVER && now - probeSent[slot] >= interval) {
            if (lastHeard[slot] == NEVER || lastHeard[slot] - probeSent[slot] < 0) {
                unanswered[slot]++;
            }
            probeSent[slot] = NEVER;
        }
        if (state[slot] != State.UNREACHABLE && missed(slot, now, probing) >= misses) {
            state[slot] = State.UNREACHABLE;
            return Change.LOST;
        }
        return Change.NONE;
    }

    /** Intervals missed in a row by now: the first of silence, then each unanswered probe (or each interval, passive). */
    int missed(int slot, long now, boolean probing) {
        long silent = now - silentSince(slot);
        if (probing) {
            return (silent >= interval ? 1 : 0) + unanswered[slot];
        }
        return (int) Math.min(Integer.MAX_VALUE, silent / interval);
    }

    /** When the current silence began: the last time heard, or when added if never. */
    long silentSince(int slot) {
        return lastHeard[slot] == NEVER ? added[slot] : lastHeard[slot];
    }

    State state(int slot) {
        return state[slot];
    }

    long lastHeard(int slot) {
        return lastHeard[slot];
    }

    long rttNanos(int slot) {
        return rtt[slot];
    }

    int unanswered(int slot) {
        return unanswered[slot];
    }

    long sent(int slot) {
        return sent[slot];
    }

    long answeredCount(int slot) {
        return answered[slot];
    }
}
