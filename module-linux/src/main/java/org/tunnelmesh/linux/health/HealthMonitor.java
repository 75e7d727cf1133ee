package org.tunnelmesh.linux.health;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;
import org.tunnelmesh.PeerHealth;
import org.tunnelmesh.PeerHealth.State;
import org.tunnelmesh.linux.syscall.Errno;
import org.tunnelmesh.linux.syscall.Native;
import org.tunnelmesh.linux.syscall.NativeIoException;
import org.tunnelmesh.linux.syscall.Wakeup;

/**
 * Watches every peer's health on one thread for the whole mesh (no thread per peer), see {@link Liveness} for the
 * rule. Each look (every quarter interval, at most 250 ms apart) reads the passive source once - the IPIP filter's
 * per-peer counters, or the point-to-point devices' - and a peer whose received packets moved is heard. Peers silent
 * for an interval are probed: an ICMP echo to {@link Peer#probeAddress()}, which the kernel routes through the tunnel
 * like data, so the answer comes back encapsulated and counted against the peer. Probes are spread (each peer has its
 * own phase) and paced by a token bucket of {@link MeshConfig#probeRate()} packets per second for the whole mesh;
 * silent peers not known to be down go first, the unreachable ones get what budget is left (to see them come back).
 *
 * <p>An answer counts only when all of these hold: it is an echo reply of our size and checksum, with our identifier
 * (raw socket), for a slot with a probe outstanding, carrying that probe's 64-bit nonce (drawn for each probe: an
 * off-path forger cannot guess it), from the probed address, and arrived on the device that carries that peer's
 * traffic (IP_PKTINFO: tunl0 in SHARED mode, the peer's own device point-to-point). A plain (not tunnelled) reply sent
 * to the underlay arrives on the underlay device and is refused; what arrives on tunl0 came through the IPIP filter,
 * which passes peers only. In SHARED mode one peer could still answer for another whose probe it saw on the path - as
 * it could forge that peer's data; point-to-point, the device's fixed remote ties the answer to the peer.
 *
 * <p>No ICMP socket (neither CAP_NET_RAW nor a group in {@code net.ipv4.ping_group_range}): one WARN, and passive
 * liveness only; diagnose() says so. Nothing in a probe or a look allocates per peer: state is in primitive arrays by
 * slot, buffers are allocated once.
 */
public final class HealthMonitor implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(HealthMonitor.class);
    /** Transitions logged one by one per look; more are summed up in one line (20,000 peers going down at once). */
    private static final int LOGGED_PER_LOOK = 20;

    private static final long MS = 1_000_000L;

    /** The passive source: each peer's received packets, keyed by its underlay address. */
    public interface RxSource {
        /** Fills {@code into} with the received-packet counters of every peer it knows; may throw. */
        void read(RxCounters into);
    }

    /** A buffer of (underlay, rx packets) pairs the source fills; reused, grown when needed. */
    public static final class RxCounters {
        int[] keys = new int[64];
        long[] rx = new long[64];
        int count;

        public void add(int underlay, long rxPackets) {
            if (count == keys.length) {
                keys = Arrays.copyOf(keys, count * 2);
                rx = Arrays.copyOf(rx, count * 2);
            }
            keys[count] = underlay;
            rx[count] = rxPackets;
            count++;
        }
    }

    /** A device's ifindex by name in the mesh's namespace, 0 when it is missing. */
    public interface DeviceIndex {
        int ifindex(String device);
    }

    /** Where a peer became unreachable or reachable again; called on the health thread, outside every lock. */
    public interface Events {
        void changed(PeerHealth health, String what);
    }

    private final String mesh;
    private final Duration configuredInterval;
    private final int rate;
    private final int configuredMisses;
    private final RxSource source;
    private final DeviceIndex devices;
    private final Events events;
    private final LongSupplier clock;
    private final Liveness liveness;
    /** Active probes wanted (interval > 0) and a socket to send them. */
    private final boolean probing;

    private final EchoSocket socket;
    /** Why there is no socket, for diagnose(); null when there is one or probing is off. */
    private final String noSocket;

    private final Wakeup wakeup;
    private final SplittableRandom random;
    private final int echoId;
    private final long lookPeriod;
    private final long tickPeriod;

    // slots: one per peer, reused after removal
    private final Map<String, Integer> byName = new HashMap<>();
    private final UnderlaySlots byUnderlay = new UnderlaySlots();
    private Peer[] peers = new Peer[0];
    private int[] probeAddress = new int[0];
    private String[] device = new String[0];
    private int[] ifindex = new int[0];
    /** When the ifindex was last looked up again after a reply arrived elsewhere (once an interval at most). */
    private long[] ifindexChecked = new long[0];

    private long[] nonce = new long[0];
    private long[] lastRx = new long[0];
    private int[] free = new int[0];
    private int freeCount;
    /** Slots 0..highWater-1 have been used; the scans stop there. */
    private int highWater;

    // the probe scheduler
    private double tokens;
    private long lastTick;
    private long nextLook;
    private int cursorLive;
    private int cursorDown;
    /** No live (not unreachable) peer is due before this: the live scan is skipped until then. */
    private long liveIdleUntil;

    private int sequence;

    // totals, for diagnose() and the benchmark
    private long probesSent;
    private long repliesMatched;
    private long repliesRefused;
    private long sendErrors;
    private int lastSendErrno;
    private long sourceErrors;

    private final RxCounters rx = new RxCounters();
    private final EchoSocket.Received received = new EchoSocket.Received();
    private final List<Runnable> pendingEvents = new ArrayList<>();
    private int loggedThisLook;
    private int unloggedThisLook;

    private volatile boolean closed;
    private Thread thread;

    HealthMonitor(
            MeshConfig config,
            RxSource source,
            DeviceIndex devices,
            Events events,
            LongSupplier clock,
            EchoSocket socket,
            String noSocket,
            Wakeup wakeup) {
        this.mesh = config.name();
        this.configuredInterval = config.probeInterval();
        this.rate = config.probeRate();
        this.configuredMisses = config.probeMisses();
        this.source = source;
        this.devices = devices;
        this.events = events;
        this.clock = clock;
        Duration interval =
                config.probeInterval().isZero() ? MeshConfig.DEFAULT_PROBE_INTERVAL : config.probeInterval();
        this.liveness = new Liveness(interval.toNanos(), config.probeMisses());
        this.socket = socket;
        this.probing = socket != null;
        this.noSocket = noSocket;
        this.wakeup = wakeup;
        SecureRandom seed = new SecureRandom();
        this.random = new SplittableRandom(seed.nextLong());
        this.echoId = seed.nextInt(0x10000);
        this.lookPeriod = Math.max(10 * MS, Math.min(250 * MS, interval.toNanos() / 4));
        // a probe every 1/rate s at most, in ticks of 10..100 ms: the bucket carries the rest
        this.tickPeriod = Math.max(10 * MS, Math.min(lookPeriod, Math.min(100 * MS, 1_000_000_000L / rate)));
        long now = clock.getAsLong();
        this.lastTick = now;
        this.nextLook = now;
        this.liveIdleUntil = now;
    }

    /**
     * Opens the ICMP socket (in network namespace {@code netns}, null for the caller's), and starts the health thread.
     * With {@link MeshConfig#probeInterval()} zero no socket is opened; when none can be, one WARN and passive liveness.
     */
    public static HealthMonitor start(
            MeshConfig config, RxSource source, DeviceIndex devices, Events events, String netns) {
        EchoSocket socket = null;
        String noSocket = null;
        if (!config.probeInterval().isZero()) {
            try {
                socket = netns == null
                        ? ProbeSocket.open()
                        : org.tunnelmesh.linux.syscall.NetworkNamespace.call(netns, ProbeSocket::open);
            } catch (NativeIoException e) {
                noSocket = refusal(e);
                log.warn(
                        "mesh '{}': no active health probes, passive liveness only (a peer is reachable while"
                                + " traffic comes from it): {}",
                        config.name(),
                        noSocket);
            }
        }
        Wakeup wakeup = Wakeup.open();
        HealthMonitor monitor =
                new HealthMonitor(config, source, devices, events, System::nanoTime, socket, noSocket, wakeup);
        monitor.thread = new Thread(monitor::run, "tunnelmesh-health-" + config.name());
        monitor.thread.setDaemon(true);
        monitor.thread.start();
        return monitor;
    }

    private static String refusal(NativeIoException e) {
        StringBuilder why = new StringBuilder();
        for (Throwable t : e.getSuppressed()) {
            if (t instanceof NativeIoException raw) {
                why.append(raw.getMessage())
                        .append(Errno.EPERM.is(raw.errno()) ? " (needs CAP_NET_RAW)" : "")
                        .append("; ");
            }
        }
        why.append(e.getMessage());
        if (Errno.EACCES.is(e.errno()) || Errno.EPERM.is(e.errno())) {
            why.append(" (the process's group is not in net.ipv4.ping_group_range)");
        }
        return why.append(
                        ". Give the process CAP_NET_RAW (systemd: AmbientCapabilities=CAP_NET_RAW), or allow its group"
                                + " in net.ipv4.ping_group_range, for probes of idle peers")
                .toString();
    }

    /** Starts watching {@code added}; {@code deviceOf} names the device that carries each one's traffic. */
    public synchronized void add(Collection<Peer> added, java.util.function.Function<Peer, String> deviceOf) {
        long now = clock.getAsLong();
        // sized once for the batch (free slots first, then new ones): the 10,000 peers of a node's start would
        // otherwise grow every array ten times
        ensureCapacity(highWater + Math.max(0, added.size() - freeCount));
        byUnderlay.ensureCapacity(byUnderlay.size() + added.size());
        for (Peer peer : added) {
            int slot = freeCount > 0 ? free[--freeCount] : highWater++;
            peers[slot] = peer;
            probeAddress[slot] = peer.probeAddress().bits();
            device[slot] = deviceOf.apply(peer);
            ifindex[slot] = 0;
            ifindexChecked[slot] = Liveness.NEVER;
            lastRx[slot] = -1;
            nonce[slot] = 0;
            // the first probe somewhere in the first interval: a thousand peers added at once go out spread
            liveness.add(slot, now, (long) (random.nextDouble() * liveness.interval()), random.nextDouble());
            byName.put(peer.name(), slot);
            byUnderlay.put(peer.underlay().bits(), slot);
        }
        liveIdleUntil = now; // a new peer may be due before the time the last scan found
    }

    /** Stops watching {@code removed}; their slots are reused. */
    public synchronized void remove(Collection<Peer> removed) {
        for (Peer peer : removed) {
            Integer slot = byName.remove(peer.name());
            if (slot != null) {
                byUnderlay.remove(peer.underlay().bits());
                peers[slot] = null;
                device[slot] = null;
                if (free.length == freeCount) {
                    free = Arrays.copyOf(free, Math.max(16, freeCount * 2));
                }
                free[freeCount++] = slot;
            }
        }
    }

    private void ensureCapacity(int n) {
        if (n <= peers.length) {
            return;
        }
        int size = Math.max(n, Math.max(16, peers.length * 2));
        peers = Arrays.copyOf(peers, size);
        probeAddress = Arrays.copyOf(probeAddress, size);
        device = Arrays.copyOf(device, size);
        ifindex = Arrays.copyOf(ifindex, size);
        ifindexChecked = Arrays.copyOf(ifindexChecked, size);
        nonce = Arrays.copyOf(nonce, size);
        lastRx = Arrays.copyOf(lastRx, size);
        liveness.ensureCapacity(size);
    }

    /** The health of {@code order}'s peers, in that order (peers not watched are left out). */
    public synchronized List<PeerHealth> health(List<Peer> order) {
        long now = clock.getAsLong();
        List<PeerHealth> all = new ArrayList<>(order.size());
        for (Peer peer : order) {
            Integer slot = byName.get(peer.name());
            if (slot != null) {
                all.add(snapshot(slot, now));
            }
        }
        return all;
    }

    public synchronized Optional<PeerHealth> health(String name) {
        Integer slot = byName.get(name);
        return slot == null ? Optional.empty() : Optional.of(snapshot(slot, clock.getAsLong()));
    }

    private PeerHealth snapshot(int slot, long now) {
        Peer peer = peers[slot];
        long heard = liveness.lastHeard(slot);
        long rtt = liveness.rttNanos(slot);
        return new PeerHealth(
                peer.name(),
                peer.underlay(),
                peer.probeAddress(),
                liveness.state(slot),
                heard == Liveness.NEVER ? -1 : (now - heard) / MS,
                rtt < 0 ? -1 : rtt / (double) MS,
                liveness.missed(slot, now, probing),
                liveness.sent(slot),
                liveness.answeredCount(slot));
    }

    /** diagnose() lines: how health is watched, and every unreachable peer (the first 20 by name). */
    public synchronized List<String> diagnose() {
        long now = clock.getAsLong();
        int up = 0;
        int down = 0;
        int unknown = 0;
        List<String> unreachable = new ArrayList<>();
        for (int slot = 0; slot < highWater; slot++) {
            if (peers[slot] == null) {
                continue;
            }
            switch (liveness.state(slot)) {
                case REACHABLE -> up++;
                case UNKNOWN -> unknown++;
                case UNREACHABLE -> {
                    down++;
                    unreachable.add(describeDown(slot, now));
                }
            }
        }
        List<String> lines = new ArrayList<>();
        String how;
        if (configuredInterval.isZero()) {
            how = "active probes off (probe interval 0): passive liveness only, a peer silent for "
                    + liveness.interval() / MS + " ms x " + missesNeeded() + " reads unreachable";
        } else if (socket == null) {
            how = "no ICMP socket, passive liveness only: " + noSocket;
        } else {
            how = "probing silent peers every " + liveness.interval() / MS + " ms, at most " + rate + " probe(s)/s, "
                    + missesNeeded() + " missed interval(s) to unreachable, over a " + socket.kind() + "; "
                    + probesSent + " probe(s) sent, " + repliesMatched + " answered, " + repliesRefused
                    + " reply(ies) refused (not ours, not from the probed address or not through the tunnel)"
                    + (sendErrors == 0
                            ? ""
                            : ", " + sendErrors + " send(s) failed (last " + Errno.name(lastSendErrno) + ")");
        }
        lines.add((socket == null && !configuredInterval.isZero() ? "WARN" : "OK") + " peer health: " + up
                + " reachable, " + down + " unreachable, " + unknown + " not yet known; " + how);
        if (down > 0) {
            unreachable.sort(null);
            lines.add("WARN peer health: unreachable: "
                    + String.join("; ", unreachable.subList(0, Math.min(20, unreachable.size())))
                    + (down > 20 ? "; and " + (down - 20) + " more (Mesh MBean UnreachablePeers)" : ""));
        }
        return lines;
    }

    private int missesNeeded() {
        return configuredMisses;
    }

    private String describeDown(int slot, long now) {
        Peer peer = peers[slot];
        long heard = liveness.lastHeard(slot);
        return peer.name() + " (" + peer.underlay() + ", "
                + (heard == Liveness.NEVER ? "never heard" : "last heard " + seconds(now - heard) + " ago") + ")";
    }

    // ---------------------------------------------------------------- the thread

    private void run() {
        try {
            while (!closed) {
                long now = clock.getAsLong();
                tick(now);
                deliverEvents();
                long wait = Math.max(1, (tickPeriod - (clock.getAsLong() - now)) / MS);
                int ready = socket == null
                        ? (wakeup.await((int) wait) ? 2 : 0)
                        : Native.pollIn((int) wait, socket.fd(), wakeup.fd());
                if ((ready & 1) != 0) {
                    drainReplies();
                    deliverEvents();
                }
            }
        } catch (RuntimeException | Error e) {
            if (!closed) {
                log.error("mesh '{}': the health thread failed; peer health is no longer watched", mesh, e);
            }
        }
    }

    /**
     * One step of the thread: a look when due (the passive source read outside the lock, so a big read does not hold
     * up addPeer), then the probes the budget allows.
     */
    void tick(long now) {
        boolean look;
        synchronized (this) {
            look = now - nextLook >= 0;
        }
        boolean read = look && readSource();
        synchronized (this) {
            step(now, look, read);
        }
    }

    private void step(long now, boolean look, boolean read) {
        if (look) {
            nextLook = now + lookPeriod;
            loggedThisLook = 0;
            unloggedThisLook = 0;
            if (read) {
                applySource(now);
            }
            for (int slot = 0; slot < highWater; slot++) {
                if (peers[slot] != null) {
                    changed(slot, liveness.look(slot, now, probing), now, null);
                }
            }
            if (unloggedThisLook > 0) {
                log.warn(
                        "mesh '{}': {} more peer(s) changed reachability in this look (diagnose() and the Mesh MBean's"
                                + " UnreachablePeers list them)",
                        mesh,
                        unloggedThisLook);
            }
        }
        if (probing) {
            tokens = Math.min(
                    tokens + (now - lastTick) * (double) rate / 1e9, Math.max(1, rate * 2.0 * tickPeriod / 1e9));
            lastTick = now;
            probeDue(now);
        }
    }

    /** Only the health thread (or a test in its place) reads into {@link #rx}. */
    private boolean readSource() {
        rx.count = 0;
        try {
            source.read(rx);
            return true;
        } catch (RuntimeException e) {
            // the filter's map replaced under us (it grew), or the mesh closing: the next look reads again
            synchronized (this) {
                if (sourceErrors++ == 0) {
                    log.debug("mesh '{}': reading the per-peer counters failed: {}", mesh, e.toString());
                }
            }
            return false;
        }
    }

    private void applySource(long now) {
        for (int i = 0; i < rx.count; i++) {
            int slot = byUnderlay.get(rx.keys[i]);
            if (slot < 0) {
                continue;
            }
            long packets = rx.rx[i];
            long before = lastRx[slot];
            lastRx[slot] = packets;
            // the first read of a peer is its baseline; a counter that went back (the map was replaced) is news too
            if (before >= 0 && packets != before) {
                changed(slot, liveness.heard(slot, now), now, "traffic counted from it through the mesh");
            }
        }
    }

    private void probeDue(long now) {
        if (tokens < 1 || highWater == 0) {
            return;
        }
        // first the peers that are not known to be down: they need the probes to stay reachable
        if (now - liveIdleUntil >= 0) {
            long earliest = Long.MAX_VALUE;
            boolean scannedAll = true;
            for (int n = 0; n < highWater; n++) {
                int slot = cursorLive;
                boolean live = peers[slot] != null && liveness.state(slot) != State.UNREACHABLE;
                if (live && liveness.dueForProbe(slot, now) && tokens < 1) {
                    scannedAll = false; // the cursor stays here: this one goes first at the next tick
                    break;
                }
                cursorLive = cursorLive + 1 >= highWater ? 0 : cursorLive + 1;
                if (!live) {
                    continue;
                }
                if (liveness.dueForProbe(slot, now)) {
                    probe(slot, now);
                } else if (!liveness.awaitingAnswer(slot)) {
                    earliest = Math.min(earliest, liveness.nextProbe(slot));
                } else {
                    earliest = Math.min(earliest, now + liveness.interval());
                }
            }
            liveIdleUntil = scannedAll ? (earliest == Long.MAX_VALUE ? now + lookPeriod : earliest) : now;
        }
        // what is left of the budget: the unreachable ones, round robin, to see them come back
        for (int n = 0; n < highWater && tokens >= 1; n++) {
            int slot = cursorDown;
            cursorDown = cursorDown + 1 >= highWater ? 0 : cursorDown + 1;
            if (peers[slot] != null && liveness.state(slot) == State.UNREACHABLE && liveness.dueForProbe(slot, now)) {
                probe(slot, now);
            }
        }
    }

    private void probe(int slot, long now) {
        tokens -= 1;
        nonce[slot] = random.nextLong();
        int errno = socket.send(probeAddress[slot], echoId, sequence++ & 0xffff, slot, nonce[slot]);
        // a probe that could not be sent waits for its answer like any other: it is missed
        liveness.probeSent(slot, now);
        probesSent++;
        if (errno != 0) {
            sendErrors++;
            lastSendErrno = errno;
        }
    }

    /** Takes every answer waiting on the socket. */
    synchronized void drainReplies() {
        for (int n = 0; n < 10_000 && socket.receive(received); n++) {
            long now = clock.getAsLong();
            int slot = matchingSlot(received, now);
            if (slot < 0) {
                repliesRefused++;
                continue;
            }
            repliesMatched++;
            changed(slot, liveness.answered(slot, now), now, null);
        }
    }

    /** The slot whose probe {@code r} answers, by every rule in the class comment; -1 when it answers none. */
    int matchingSlot(EchoSocket.Received r, long now) {
        if (!r.isReply || (socket != null && socket.raw() && r.reply.id != echoId)) {
            return -1;
        }
        int slot = r.reply.slot;
        if (slot < 0 || slot >= highWater || peers[slot] == null || !liveness.awaitingAnswer(slot)) {
            return -1;
        }
        if (r.reply.nonce != nonce[slot] || r.source != probeAddress[slot]) {
            return -1;
        }
        if (r.ifindex != ifindex[slot]) {
            // first answer, or the device was made again: look its index up, once an interval at most
            if (ifindexChecked[slot] != Liveness.NEVER && now - ifindexChecked[slot] < liveness.interval()) {
                return -1;
            }
            ifindexChecked[slot] = now;
            ifindex[slot] = devices.ifindex(device[slot]);
            if (r.ifindex != ifindex[slot]) {
                return -1;
            }
        }
        return slot;
    }

    private void changed(int slot, Liveness.Change change, long now, String cause) {
        if (change == Liveness.Change.NONE || change == Liveness.Change.FIRST_CONTACT) {
            return;
        }
        PeerHealth health = snapshot(slot, now);
        Peer peer = peers[slot];
        String what;
        if (change == Liveness.Change.LOST) {
            long heard = liveness.lastHeard(slot);
            long silent = now - liveness.silentSince(slot);
            what = "peer '" + peer.name() + "' (underlay " + peer.underlay() + ") unreachable: nothing came from it"
                    + " through the mesh for " + seconds(silent)
                    + (heard == Liveness.NEVER ? " (never heard since it was added)" : "")
                    + (probing
                            ? ", " + liveness.unanswered(slot) + " probe(s) to " + peer.probeAddress() + " unanswered"
                            : "; no active probes (" + (socket == null && noSocket != null ? "no ICMP socket" : "off")
                                    + "), so a silent peer reads unreachable")
                    + "; " + health.missedIntervals() + " missed interval(s) of " + liveness.interval() / MS + " ms";
        } else {
            long rtt = liveness.rttNanos(slot);
            what = "peer '" + peer.name() + "' (underlay " + peer.underlay() + ") reachable again: "
                    + (cause != null
                            ? cause
                            : "probe to " + peer.probeAddress() + " answered through " + device[slot] + " in "
                                    + String.format(Locale.ROOT, "%.1f ms", rtt / (double) MS));
        }
        if (loggedThisLook++ < LOGGED_PER_LOOK) {
            if (change == Liveness.Change.LOST) {
                log.warn("mesh '{}': {}", mesh, what);
            } else {
                log.info("mesh '{}': {}", mesh, what);
            }
        } else {
            unloggedThisLook++;
        }
        pendingEvents.add(() -> events.changed(health, what));
    }

    void deliverEvents() {
        List<Runnable> due;
        synchronized (this) {
            if (pendingEvents.isEmpty()) {
                return;
            }
            due = new ArrayList<>(pendingEvents);
            pendingEvents.clear();
        }
        for (Runnable event : due) {
            try {
                event.run();
            } catch (RuntimeException e) {
                log.error("mesh '{}': a peer health listener failed", mesh, e);
            }
        }
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }

    /** Totals since start: probes sent, answers matched, replies refused, failed sends. */
    public synchronized long[] totals() {
        return new long[] {probesSent, repliesMatched, repliesRefused, sendErrors};
    }

    @Override
    public void close() {
        closed = true;
        if (wakeup != null) {
            wakeup.signal();
        }
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            if (socket != null) {
                socket.close();
            }
            if (wakeup != null) {
                wakeup.close();
            }
        }
    }
}
