package org.tunnelmesh.linux.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;
import org.tunnelmesh.PeerHealth;
import org.tunnelmesh.PeerHealth.State;

/** The monitor on a fake clock, with a recording socket that answers for the peers a test makes live. */
class HealthMonitorTest {
    private static final long MS = 1_000_000L;
    private static final int TUNL0 = 7;
    private static final int ETH0 = 2;

    private long now = 1_000 * MS;
    /** Probe addresses whose probes the socket answers. */
    private final Set<Integer> live = new HashSet<>();
    /** Received packets for each peer (by underlay), as the passive source reports them. */
    private final Map<Integer, Long> rx = new HashMap<>();

    private final List<long[]> sent = new ArrayList<>(); // time, address, id, slot, nonce
    private final ArrayDeque<EchoSocket.Received> inbox = new ArrayDeque<>();
    private final List<String> events = new ArrayList<>();

    private final EchoSocket socket = new EchoSocket() {
        @Override
        public int fd() {
            return -1;
        }

        @Override
        public boolean raw() {
            return true;
        }

        @Override
        public int send(int address, int id, int sequence, int slot, long nonce) {
            sent.add(new long[] {now, address, id, slot, nonce});
            if (live.contains(address)) {
                inbox.add(received(address, id, slot, nonce, TUNL0));
            }
            return 0;
        }

        @Override
        public boolean receive(Received out) {
            Received r = inbox.poll();
            if (r == null) {
                return false;
            }
            out.isReply = r.isReply;
            out.source = r.source;
            out.ifindex = r.ifindex;
            out.reply.id = r.reply.id;
            out.reply.sequence = r.reply.sequence;
            out.reply.slot = r.reply.slot;
            out.reply.nonce = r.reply.nonce;
            return true;
        }

        @Override
        public String kind() {
            return "test socket";
        }

        @Override
        public void close() {}
    };

    private static EchoSocket.Received received(int source, int id, int slot, long nonce, int ifindex) {
        EchoSocket.Received r = new EchoSocket.Received();
        r.isReply = true;
        r.source = source;
        r.reply.id = id;
        r.reply.slot = slot;
        r.reply.nonce = nonce;
        r.ifindex = ifindex;
        return r;
    }

    private HealthMonitor monitor(int rate) {
        MeshConfig config = MeshConfig.builder()
                .name("t")
                .underlay("10.245.1.2")
                .tunnelAddress("192.168.41.0")
                .probeRate(rate)
                .build();
        return new HealthMonitor(
                config,
                into -> rx.forEach(into::add),
                device -> device.equals("tunl0") ? TUNL0 : 0,
                (health, what) -> events.add(what),
                () -> now,
                socket,
                null,
                null);
    }

    private static List<Peer> peers(int count) {
        List<Peer> peers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            peers.add(new Peer(
                    "p" + i,
                    new Ipv4Address(0x0a000000 + i + 1),
                    List.of(new Ipv4Prefix(new Ipv4Address(0xc0a80000 + i + 1), 32))));
        }
        return peers;
    }

    /** Runs the monitor's thread on the fake clock: a tick every 10 ms, answers taken 1 ms after they went. */
    private void run(HealthMonitor monitor, long millis) {
        for (long end = now + millis * MS; now < end; ) {
            monitor.tick(now);
            now += MS;
            monitor.drainReplies();
            monitor.deliverEvents();
            now += 9 * MS;
        }
    }

    @Test
    void probesStayWithinTheBudgetAndSpreadOverTime() {
        HealthMonitor monitor = monitor(100);
        List<Peer> peers = peers(1000);
        peers.forEach(p -> live.add(p.probeAddress().bits())); // idle, and they all answer
        monitor.add(peers, p -> "tunl0");
        long start = now;
        run(monitor, 20_000);
        int[] perSecond = new int[20];
        Map<Long, Integer> perTick = new HashMap<>();
        Map<Long, Integer> perPeerLater = new HashMap<>();
        for (long[] probe : sent) {
            int second = (int) ((probe[0] - start) / 1_000_000_000L);
            perSecond[second]++;
            perTick.merge(probe[0], 1, Integer::sum);
            if (second >= 10) {
                perPeerLater.merge(probe[3], 1, Integer::sum);
            }
        }
        for (int s = 0; s < 20; s++) {
            assertTrue(perSecond[s] <= 102, "second " + s + ": " + perSecond[s] + " probes, budget 100/s");
            assertTrue(perSecond[s] >= 95, "second " + s + ": the budget is used, " + perSecond[s]);
        }
        assertTrue(perTick.values().stream().allMatch(n -> n <= 2), "no burst: at most 2 probes per 10 ms tick");
        // once every peer is due, the budget goes round: 1,000 probes in 10 s reach (nearly) every peer once
        assertTrue(perPeerLater.size() >= 950, "round robin: " + perPeerLater.size() + " of 1000 peers in 10 s");
        assertTrue(
                perPeerLater.values().stream().allMatch(n -> n <= 2),
                "no peer takes the others' budget: "
                        + perPeerLater.values().stream().max(Integer::compare));
        // each is probed only every 10 s, not every interval: that is no miss, so none was ever marked down
        assertTrue(monitor.health(peers).stream().allMatch(h -> h.state() == State.REACHABLE));
        assertEquals(List.of(), events);
    }

    @Test
    void livePeersGetTheirProbesFirstAndStayReachableBesideManyDeadOnes() {
        HealthMonitor monitor = monitor(100);
        List<Peer> peers = peers(1000);
        for (int i = 0; i < 50; i++) {
            live.add(peers.get(i * 20).probeAddress().bits());
        }
        monitor.add(peers, p -> "tunl0");
        run(monitor, 60_000);
        List<PeerHealth> health = monitor.health(peers);
        for (int i = 0; i < 1000; i++) {
            PeerHealth h = health.get(i);
            if (i % 20 == 0) {
                assertEquals(State.REACHABLE, h.state(), h.toString());
                assertEquals(1.0, h.rttMillis(), 1e-9, "answered 1 ms after the probe");
            } else {
                assertEquals(State.UNREACHABLE, h.state(), h.toString());
                assertEquals(-1, h.lastHeardMillis());
            }
        }
        assertTrue(events.stream().noneMatch(e -> e.contains("reachable again")), "nothing flapped: " + events.size());
        assertEquals(950, events.size(), "one unreachable event per dead peer");
    }

    @Test
    void theUnreachableEventTellsTheStoryAndTheReachableOneToo() {
        HealthMonitor monitor = monitor(100);
        List<Peer> peers = peers(1);
        int address = peers.get(0).probeAddress().bits();
        live.add(address);
        monitor.add(peers, p -> "tunl0");
        run(monitor, 2_000);
        assertEquals(State.REACHABLE, monitor.health("p0").orElseThrow().state());
        live.clear();
        run(monitor, 6_000);
        assertEquals(1, events.size(), events.toString());
        String lost = events.get(0);
        assertTrue(
                lost.matches(
                        "peer 'p0' \\(underlay 10\\.0\\.0\\.1\\) unreachable: nothing came from it through the mesh"
                                + " for [34]\\.\\d s, 2 probe\\(s\\) to 192\\.168\\.0\\.1 unanswered; 3 missed interval\\(s\\) of"
                                + " 1000 ms"),
                lost);
        live.add(address);
        run(monitor, 2_000);
        assertEquals(2, events.size());
        assertEquals(
                "peer 'p0' (underlay 10.0.0.1) reachable again: probe to 192.168.0.1 answered through tunl0 in 1.0 ms",
                events.get(1));
        assertTrue(monitor.diagnose().get(0).startsWith("OK peer health: 1 reachable, 0 unreachable"));
    }

    @Test
    void aPeerThatOnlySendsIsReachableAndNeverProbed() {
        HealthMonitor monitor = monitor(100);
        List<Peer> peers = peers(1);
        int underlay = peers.get(0).underlay().bits();
        monitor.add(peers, p -> "tunl0");
        rx.put(underlay, 0L);
        monitor.tick(now); // the baseline
        int probesBefore = sent.size();
        for (int i = 0; i < 100; i++) {
            rx.put(underlay, (long) i + 1);
            run(monitor, 250);
        }
        PeerHealth h = monitor.health("p0").orElseThrow();
        assertEquals(State.REACHABLE, h.state());
        assertTrue(h.lastHeardMillis() <= 250, h.toString());
        assertTrue(sent.size() - probesBefore <= 1, "a peer heard every look needs no probe: " + sent.size());
        rx.clear(); // it stops sending (and answers no probe)
        run(monitor, 5_000);
        assertEquals(State.UNREACHABLE, monitor.health("p0").orElseThrow().state());
    }

    @Test
    void forgedRepliesAreRefusedAndOnlyTheGenuineOneCounts() {
        HealthMonitor monitor = monitor(100);
        List<Peer> peers = peers(3);
        monitor.add(peers, p -> "tunl0");
        // until peer 1's first probe is in flight (within the first interval), and we hold its nonce
        while (sent.stream().noneMatch(p -> p[3] == 1)) {
            monitor.tick(now);
            now += 10 * MS;
        }
        long[] probe = sent.stream().filter(p -> p[3] == 1).findFirst().orElseThrow();
        int source = (int) probe[1];
        int id = (int) probe[2];
        int slot = (int) probe[3];
        long nonce = probe[4];
        List<EchoSocket.Received> forged = new ArrayList<>();
        forged.add(received(source, id ^ 1, slot, nonce, TUNL0)); // someone else's ping
        forged.add(received(source, id, slot, nonce ^ 1, TUNL0)); // the nonce guessed wrong
        forged.add(received(source, id, slot, nonce, ETH0)); // a plain reply on the underlay, not through the tunnel
        forged.add(received(peers.get(2).probeAddress().bits(), id, slot, nonce, TUNL0)); // from another address
        forged.add(received(source, id, 5000, nonce, TUNL0)); // a slot that does not exist
        forged.add(received(source, id, -1, nonce, TUNL0));
        forged.add(received(peers.get(0).probeAddress().bits(), id, 0, nonce, TUNL0)); // a slot with another nonce
        EchoSocket.Received notAReply = received(source, id, slot, nonce, TUNL0);
        notAReply.isReply = false; // an echo request, a bad checksum
        forged.add(notAReply);
        long refusedBefore = monitor.totals()[2];
        inbox.addAll(forged);
        monitor.drainReplies();
        assertEquals(forged.size(), monitor.totals()[2] - refusedBefore, "every forged reply refused");
        assertEquals(State.UNKNOWN, monitor.health("p1").orElseThrow().state());

        inbox.add(received(source, id, slot, nonce, TUNL0));
        monitor.drainReplies();
        assertEquals(State.REACHABLE, monitor.health("p1").orElseThrow().state());
        inbox.add(received(source, id, slot, nonce, TUNL0));
        monitor.drainReplies();
        assertEquals(forged.size() + 1, monitor.totals()[2] - refusedBefore, "a replayed answer matches no probe");
    }

    @Test
    void removedPeersAreForgottenAndTheirSlotsReused() {
        HealthMonitor monitor = monitor(100);
        List<Peer> peers = peers(3);
        monitor.add(peers, p -> "tunl0");
        monitor.remove(List.of(peers.get(1)));
        assertTrue(monitor.health("p1").isEmpty());
        List<Peer> more = peers(5).subList(3, 5);
        monitor.add(more, p -> "tunl0");
        assertEquals(
                4,
                monitor.health(List.of(peers.get(0), peers.get(2), more.get(0), more.get(1)))
                        .size());
        run(monitor, 5_000);
        assertTrue(
                sent.stream().noneMatch(p -> p[1] == peers.get(1).probeAddress().bits()), "no probe to p1");
    }
}
