package org.tunnelmesh.linux;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.EncryptionKeys;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Peer;
import org.tunnelmesh.linux.netlink.BatchOutcome;
import org.tunnelmesh.linux.netlink.NetlinkException;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;
import org.tunnelmesh.linux.netlink.NetlinkSocket;
import org.tunnelmesh.linux.netlink.NetlinkTransactions;
import org.tunnelmesh.linux.rtnetlink.RequestDescriber;
import org.tunnelmesh.linux.syscall.Errno;
import org.tunnelmesh.linux.syscall.NetworkNamespace;
import org.tunnelmesh.linux.xfrm.EspKeys;
import org.tunnelmesh.linux.xfrm.Xfrm;
import org.tunnelmesh.linux.xfrm.XfrmAlgoAead;
import org.tunnelmesh.linux.xfrm.XfrmErrors;
import org.tunnelmesh.linux.xfrm.XfrmPolicy;
import org.tunnelmesh.linux.xfrm.XfrmRequests;
import org.tunnelmesh.linux.xfrm.XfrmState;

/**
 * The mesh's IPsec: for every peer, ESP states (transport mode, AES-GCM, extended sequence numbers, a replay window)
 * and two policies that select the tunnel packets between the two underlays - IPIP, or UDP to the encapsulation port -
 * outbound protected, inbound required (the kernel drops the peer's tunnel packets that arrive unprotected).
 *
 * <p>What the mesh owns: the states and policies whose reqid is {@link #reqid} (one per route protocol, and the
 * {@link MeshLock} allows one mesh per protocol and namespace). Nothing else is read, changed or removed.
 *
 * <p>Keys: one outbound state per peer, with the first key; one inbound state per peer and key (every key of the
 * file, and keys removed from it during the {@link #graceMillis grace period}), so a peer may send with any key the
 * operator has put in the files. A change of keys is make-before-break: new states first, then policies, then the
 * states no longer wanted (the kernel sends with the newest of two outbound states, so a peer never lacks one).
 */
final class MeshEncryption implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(MeshEncryption.class);

    /** The anti-replay window, in packets, with the ESN bitmap (iproute2's limit is 4096). */
    static final int REPLAY_WINDOW = 128;
    /**
     * ESP in transport mode with rfc4106(gcm(aes)): header 8 (SPI, sequence), IV 8, trailer 2 (pad length, next
     * header), padding 0-3 (to 4 bytes), ICV 16: at most 37, rounded to 40. The tunnel MTU gives it up.
     */
    static final int ESP_OVERHEAD = 40;
    /** How long inbound states of a key removed from the file stay (packets in flight, nodes a step behind). */
    static volatile long graceMillis = 10_000;
    /** The policies' priority: below the default 0 of an operator's own policies, which then win. */
    static final int PRIORITY = 0x746d;

    private final NetlinkSocket socket;
    private final NetlinkTransactions transactions;
    private final Ipv4Address local;
    private final int reqid;
    private final int tunnelProto;
    private final int tunnelPort;
    private final String netns;
    private EncryptionKeys keys;
    /** Keys no longer in the file whose inbound states stay until the deadline (System.nanoTime()). */
    private final Map<String, Retired> retired = new LinkedHashMap<>();
    /** Runs the reconcile that ends a grace period. */
    private final java.util.concurrent.ScheduledExecutorService grace =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tunnelmesh-encryption-grace");
                t.setDaemon(true);
                return t;
            });

    /** One retired key (as a set of one: no bare array in a record), and until when its inbound states stay. */
    private record Retired(EncryptionKeys key, long deadlineNanos) {}

    private MeshEncryption(
            NetlinkSocket socket,
            Ipv4Address local,
            int routeProtocol,
            int tunnelProto,
            int tunnelPort,
            String netns,
            EncryptionKeys keys) {
        this.socket = socket;
        this.transactions = new NetlinkTransactions(socket);
        this.local = local;
        this.reqid = reqid(routeProtocol);
        this.tunnelProto = tunnelProto;
        this.tunnelPort = tunnelPort;
        this.netns = netns;
        this.keys = keys;
    }

    /**
     * The IP protocol of the mesh's tunnel packets as they arrive, which the inbound policies select: IPIP, or with
     * FOU/GUE encapsulation (issue 26) {@link Xfrm#IPPROTO_UDP} to {@link #tunnelPort} the receive port. The outbound
     * policies select IPIP in both cases (see wanted()).
     */
    static int tunnelProtocol(org.tunnelmesh.MeshConfig config) {
        return config.encapsulation().encapsulates() ? Xfrm.IPPROTO_UDP : Xfrm.IPPROTO_IPIP;
    }

    /** The UDP destination port the policies select with FOU/GUE encapsulation; 0 (any) for IPIP. */
    static int tunnelPort(org.tunnelmesh.MeshConfig config) {
        return config.encapsulation().encapsulates() ? config.encapsulation().port() : 0;
    }

    /** The reqid of the mesh with that route protocol: "tm" and the protocol. */
    static int reqid(int routeProtocol) {
        return 0x746d0000 | routeProtocol;
    }

    /**
     * Opens the xfrm socket in the mesh's namespace.
     *
     * @param tunnelProto the IP protocol of the tunnel packets: {@link Xfrm#IPPROTO_IPIP}, or {@link Xfrm#IPPROTO_UDP}
     *     with FOU/GUE encapsulation
     * @param tunnelPort the UDP destination port with FOU/GUE, else 0
     */
    static MeshEncryption open(
            String netns, Ipv4Address local, int routeProtocol, int tunnelProto, int tunnelPort, EncryptionKeys keys) {
        NetlinkSocket socket;
        try {
            socket = netns == null
                    ? NetlinkSocket.open(Xfrm.NETLINK_XFRM)
                    : NetworkNamespace.call(netns, () -> NetlinkSocket.open(Xfrm.NETLINK_XFRM));
        } catch (RuntimeException e) {
            throw XfrmErrors.translate(e);
        }
        return new MeshEncryption(socket, local, routeProtocol, tunnelProto, tunnelPort, netns, keys);
    }

    /** An event socket of the namespace, joined to the state and policy groups, for a {@link KernelWatcher}. */
    NetlinkSocket openEvents() {
        try {
            return netns == null
                    ? NetlinkSocket.open(Xfrm.NETLINK_XFRM)
                    : NetworkNamespace.call(netns, () -> NetlinkSocket.open(Xfrm.NETLINK_XFRM));
        } catch (RuntimeException e) {
            throw XfrmErrors.translate(e);
        }
    }

    int portId() {
        return socket.portId();
    }

    /** Whether an xfrm event concerns the mesh: a state or policy of its reqid, or a flush (which takes them all). */
    boolean concerns(NetlinkMessage message) {
        try {
            return switch (message.type()) {
                case Xfrm.XFRM_MSG_DELSA -> ours(XfrmState.parseDeleted(message));
                case Xfrm.XFRM_MSG_NEWSA, Xfrm.XFRM_MSG_UPDSA -> ours(XfrmState.parse(message));
                case Xfrm.XFRM_MSG_DELPOLICY -> ours(XfrmPolicy.parseDeleted(message));
                case Xfrm.XFRM_MSG_NEWPOLICY, Xfrm.XFRM_MSG_UPDPOLICY -> ours(XfrmPolicy.parse(message));
                case Xfrm.XFRM_MSG_FLUSHSA, Xfrm.XFRM_MSG_FLUSHPOLICY, Xfrm.XFRM_MSG_EXPIRE -> true;
                default -> false;
            };
        } catch (RuntimeException e) {
            return true; // a message we cannot read: a resync tells
        }
    }

    /** The AEAD in use, as the kernel names it. */
    String algorithm() {
        return XfrmAlgoAead.RFC4106_GCM_AES;
    }

    EncryptionKeys keys() {
        return keys;
    }

    private boolean ours(XfrmState state) {
        return state != null
                && state.reqid() == reqid
                && state.proto() == Xfrm.IPPROTO_ESP
                && (state.src().equals(local) || state.dst().equals(local));
    }

    private boolean ours(XfrmPolicy policy) {
        return policy != null && policy.reqid() == reqid;
    }

    /** What the mesh wants in the kernel for {@code peers}: states by "dst spi", policies by selector and direction. */
    private record Wanted(Map<String, XfrmState> states, Map<String, XfrmPolicy> policies) {}

    private Wanted wanted(Collection<Peer> peers) {
        List<byte[]> inboundKeys = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            inboundKeys.add(keys.key(i));
        }
        long now = System.nanoTime();
        for (Retired r : retired.values()) {
            if (now - r.deadlineNanos < 0) {
                inboundKeys.add(r.key.key(0));
            }
        }
        byte[] sendingKey = keys.key(0);
        Map<String, XfrmState> states = new LinkedHashMap<>();
        Map<String, XfrmPolicy> policies = new LinkedHashMap<>();
        for (Peer peer : peers) {
            Ipv4Address remote = peer.underlay();
            for (byte[] key : inboundKeys) {
                EspKeys in = EspKeys.derive(key, remote, local);
                put(states, XfrmState.transportEsp(remote, local, in.spi(), reqid, in.aead(), REPLAY_WINDOW));
            }
            EspKeys out = EspKeys.derive(sendingKey, local, remote);
            put(states, XfrmState.transportEsp(local, remote, out.spi(), reqid, out.aead(), REPLAY_WINDOW));
            put(
                    policies,
                    XfrmPolicy.transportEsp(
                            remote, local, tunnelProto, tunnelPort, Xfrm.XFRM_POLICY_IN, PRIORITY, reqid));
            // out: always protocol 4, even with FOU/GUE - the tunnel looks its route (and so the policy) up with the
            // flow of IPIP, and fou_build_udp writes the UDP header without changing that flow (6.1 fou_core.c);
            // in: the kernel decodes the arriving packet's outer header, UDP to the port once it is FOU/GUE
            put(
                    policies,
                    XfrmPolicy.transportEsp(
                            local, remote, Xfrm.IPPROTO_IPIP, 0, Xfrm.XFRM_POLICY_OUT, PRIORITY, reqid));
        }
        inboundKeys.forEach(k -> Arrays.fill(k, (byte) 0));
        Arrays.fill(sendingKey, (byte) 0);
        return new Wanted(states, policies);
    }

    private static void put(Map<String, XfrmState> states, XfrmState state) {
        states.put(key(state), state);
    }

    private static void put(Map<String, XfrmPolicy> policies, XfrmPolicy policy) {
        policies.put(key(policy), policy);
    }

    private static String key(XfrmState state) {
        return state.dst() + " " + Integer.toHexString(state.spi());
    }

    private static String key(XfrmPolicy policy) {
        return policy.selector().arguments() + " " + policy.dir();
    }

    /**
     * Installs the states and policies of new peers in one batch; when any is refused, removes those that took effect
     * and throws.
     */
    void add(List<Peer> peers) {
        Wanted wanted = wanted(peers);
        NetlinkMessageBuilder b = transactions.newBatch();
        wanted.states.values().forEach(s -> XfrmRequests.newState(b, s, false));
        wanted.policies.values().forEach(p -> XfrmRequests.newPolicy(b, p, false));
        BatchOutcome outcome = send(b);
        if (outcome.failures() == 0) {
            return;
        }
        // EEXIST: left by an earlier run of this mesh (or a half-done change); the same is adopted, else refused
        Map<String, XfrmState> states = new HashMap<>();
        Map<String, XfrmPolicy> policies = new HashMap<>();
        for (XfrmState s : dumpStates()) {
            states.put(key(s), s);
        }
        for (XfrmPolicy p : dumpPolicies()) {
            policies.put(key(p), p);
        }
        NetlinkMessageBuilder undo = transactions.newBatch();
        NetlinkException refused = null;
        int index = 0;
        List<XfrmPolicy> added = new ArrayList<>();
        List<XfrmState> addedStates = new ArrayList<>();
        for (XfrmState s : wanted.states.values()) {
            if (outcome.succeeded(index)) {
                addedStates.add(s);
            } else if (!(Errno.EEXIST.is(outcome.errno(index)) && s.sameConfiguration(states.get(key(s))))) {
                refused = refused == null ? refusal(outcome, index) : refused;
            }
            index++;
        }
        for (XfrmPolicy p : wanted.policies.values()) {
            if (outcome.succeeded(index)) {
                added.add(p);
            } else if (!(Errno.EEXIST.is(outcome.errno(index)) && p.sameConfiguration(policies.get(key(p))))) {
                refused = refused == null ? refusal(outcome, index) : refused;
            }
            index++;
        }
        if (refused == null) {
            return;
        }
        added.forEach(p -> XfrmRequests.deletePolicy(undo, p.selector(), p.dir()));
        addedStates.forEach(s -> XfrmRequests.deleteState(undo, s.src(), s.dst(), s.spi()));
        if (undo.messageCount() > 0) {
            BatchOutcome undone = send(undo);
            for (int i = 0; i < undone.size(); i++) {
                if (!undone.succeeded(i)) {
                    log.error(
                            "rollback step '{}' failed: {}",
                            RequestDescriber.describe(undone.request(i)),
                            Errno.name(undone.errno(i)));
                }
            }
        }
        throw XfrmErrors.translate(refused);
    }

    private static NetlinkException refusal(BatchOutcome outcome, int index) {
        NetlinkException first = outcome.exception();
        return first.failedIndex() == index
                ? first
                : new NetlinkException(outcome.errno(index), "", index, outcome.failures(), outcome.request(index));
    }

    /** Removes the policies, then the states, of peers that go (whatever is already gone is fine). */
    void remove(List<Peer> peers) {
        Map<String, Boolean> underlays = new HashMap<>();
        peers.forEach(p -> underlays.put(p.underlay().toString(), true));
        // the dumps first: they use (and empty) the transactions' one request builder
        List<XfrmPolicy> policies = dumpPolicies();
        List<XfrmState> states = dumpStates();
        NetlinkMessageBuilder b = transactions.newBatch();
        for (XfrmPolicy p : policies) {
            if (ours(p)
                    && (underlays.containsKey(p.selector().saddr().toString())
                            || underlays.containsKey(p.selector().daddr().toString()))) {
                XfrmRequests.deletePolicy(b, p.selector(), p.dir());
            }
        }
        for (XfrmState s : states) {
            if (ours(s)
                    && (underlays.containsKey(s.src().toString())
                            || underlays.containsKey(s.dst().toString()))) {
                XfrmRequests.deleteState(b, s.src(), s.dst(), s.spi());
            }
        }
        if (b.messageCount() > 0) {
            MeshContext.throwUnlessGone(send(b));
        }
    }

    /**
     * Makes the kernel hold exactly what the mesh wants for {@code peers}: new and changed states, then policies, then
     * the removal of what is not wanted (the policies before the states they use).
     *
     * @return the changes made, as ip commands
     */
    List<String> reconcile(Collection<Peer> peers) {
        dropExpired();
        Wanted wanted = wanted(peers);
        Map<String, XfrmState> haveStates = new LinkedHashMap<>();
        for (XfrmState s : dumpStates()) {
            if (ours(s)) {
                haveStates.put(key(s), s);
            }
        }
        Map<String, XfrmPolicy> havePolicies = new LinkedHashMap<>();
        for (XfrmPolicy p : dumpPolicies()) {
            if (ours(p)) {
                havePolicies.put(key(p), p);
            }
        }
        NetlinkMessageBuilder b = transactions.newBatch();
        for (var e : wanted.states.entrySet()) {
            XfrmState have = haveStates.get(e.getKey());
            if (have == null) {
                XfrmRequests.newState(b, e.getValue(), false);
            } else if (!e.getValue().sameConfiguration(have)) {
                // UPDSA keeps the algorithm and key of a valid state: replace it
                XfrmRequests.deleteState(b, have.src(), have.dst(), have.spi());
                XfrmRequests.newState(b, e.getValue(), false);
            }
        }
        for (var e : wanted.policies.entrySet()) {
            XfrmPolicy have = havePolicies.get(e.getKey());
            if (have == null || !e.getValue().sameConfiguration(have)) {
                XfrmRequests.newPolicy(b, e.getValue(), have != null);
            }
        }
        for (var e : havePolicies.entrySet()) {
            if (!wanted.policies.containsKey(e.getKey())) {
                XfrmRequests.deletePolicy(
                        b, e.getValue().selector(), e.getValue().dir());
            }
        }
        for (var e : haveStates.entrySet()) {
            if (!wanted.states.containsKey(e.getKey())) {
                XfrmRequests.deleteState(
                        b, e.getValue().src(), e.getValue().dst(), e.getValue().spi());
            }
        }
        List<String> done = new ArrayList<>();
        if (b.messageCount() == 0) {
            return done;
        }
        BatchOutcome outcome = send(b);
        for (int i = 0; i < outcome.size(); i++) {
            if (outcome.succeeded(i)) {
                done.add(RequestDescriber.describe(outcome.request(i)));
            } else if (!MeshContext.alreadyGone(outcome.errno(i))) {
                log.error(
                        "xfrm repair '{}' failed: {}",
                        RequestDescriber.describe(outcome.request(i)),
                        Errno.name(outcome.errno(i)));
            }
        }
        var failure = outcome.exceptionUnless(MeshContext::alreadyGone);
        if (failure != null) {
            throw XfrmErrors.translate(failure);
        }
        return done;
    }

    /**
     * Takes new keys: keys no longer in the set keep their inbound states for the grace period.
     *
     * @param afterGrace run once the grace period is over: a reconcile, which removes them
     */
    void useKeys(EncryptionKeys next, Runnable afterGrace) {
        long deadline = System.nanoTime() + graceMillis * 1_000_000;
        boolean retiring = false;
        for (int i = 0; i < keys.size(); i++) {
            byte[] key = keys.key(i);
            boolean kept = false;
            for (int j = 0; j < next.size(); j++) {
                kept |= java.security.MessageDigest.isEqual(key, next.key(j));
            }
            if (!kept) {
                retired.put(keys.fingerprint(i), new Retired(EncryptionKeys.of(List.of(key)), deadline));
                retiring = true;
            }
        }
        for (int j = 0; j < next.size(); j++) {
            retired.remove(next.fingerprint(j)); // a key back in the file is simply current again
        }
        keys = next;
        if (retiring) {
            // the reconcile after the deadline finds the retired keys expired and removes their states
            var unused = grace.schedule(afterGrace, graceMillis + 50, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    private void dropExpired() {
        long now = System.nanoTime();
        retired.values().removeIf(r -> now - r.deadlineNanos >= 0);
    }

    /** Removes every state and policy of the mesh. */
    void purge() {
        retired.clear();
        List<XfrmPolicy> policies = dumpPolicies();
        List<XfrmState> states = dumpStates();
        NetlinkMessageBuilder b = transactions.newBatch();
        for (XfrmPolicy p : policies) {
            if (ours(p)) {
                XfrmRequests.deletePolicy(b, p.selector(), p.dir());
            }
        }
        for (XfrmState s : states) {
            if (ours(s)) {
                XfrmRequests.deleteState(b, s.src(), s.dst(), s.spi());
            }
        }
        if (b.messageCount() > 0) {
            MeshContext.throwUnlessGone(send(b));
        }
    }

    /** Per peer underlay: what its states counted. */
    record EspCounters(
            long txPackets, long txBytes, long rxPackets, long rxBytes, long integrityFailed, long replayDropped) {}

    /** The counters of every peer's states, by underlay, from one dump. */
    Map<Ipv4Address, EspCounters> counters() {
        Map<Ipv4Address, long[]> sums = new HashMap<>();
        for (XfrmState s : dumpStates()) {
            if (!ours(s)) {
                continue;
            }
            boolean outbound = s.src().equals(local);
            long[] c = sums.computeIfAbsent(outbound ? s.dst() : s.src(), k -> new long[6]);
            c[outbound ? 0 : 2] += s.packets();
            c[outbound ? 1 : 3] += s.bytes();
            c[4] += s.integrityFailed();
            c[5] += s.replayDropped();
        }
        Map<Ipv4Address, EspCounters> out = new HashMap<>();
        sums.forEach((k, c) -> out.put(k, new EspCounters(c[0], c[1], c[2], c[3], c[4], c[5])));
        return out;
    }

    /**
     * Tunnel packets the kernel dropped because a policy required ESP and they came without (XfrmInTmplMismatch of
     * the namespace's /proc/net/xfrm_stat; CONFIG_XFRM_STATISTICS), or -1 when the kernel does not count them.
     */
    long unprotectedDropped() {
        try {
            return netns == null ? readTmplMismatch() : NetworkNamespace.call(netns, MeshEncryption::readTmplMismatch);
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long readTmplMismatch() throws java.io.IOException {
        Path stat = Path.of("/proc/thread-self/net/xfrm_stat");
        if (!Files.exists(stat)) {
            return -1;
        }
        for (String line : Files.readAllLines(stat, StandardCharsets.US_ASCII)) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length == 2 && fields[0].equals("XfrmInTmplMismatch")) {
                return Long.parseLong(fields[1]);
            }
        }
        return -1;
    }

    /** diagnose(): the kernel's ESP support and what the mesh holds. */
    List<String> diagnose(Collection<Peer> peers) {
        List<String> lines = new ArrayList<>();
        int states = 0;
        int policies = 0;
        try {
            for (XfrmState s : dumpStates()) {
                states += ours(s) ? 1 : 0;
            }
            for (XfrmPolicy p : dumpPolicies()) {
                policies += ours(p) ? 1 : 0;
            }
            Wanted wanted = wanted(peers);
            String status = states >= wanted.states.size() && policies == wanted.policies.size() ? "OK" : "WARN";
            lines.add(status + " encryption: " + algorithm() + " (ESP transport, ESN, replay window " + REPLAY_WINDOW
                    + "), " + keys.size() + " key(s) " + keys + ", " + states + "/" + wanted.states.size()
                    + " states and "
                    + policies + "/" + wanted.policies.size() + " policies of reqid 0x" + Integer.toHexString(reqid)
                    + " in the kernel");
        } catch (RuntimeException e) {
            lines.add("FAIL encryption: cannot read the kernel's xfrm states (xfrm_user): " + e.getMessage());
        }
        try {
            for (var e : counters().entrySet()) {
                EspCounters c = e.getValue();
                if (c.integrityFailed() > 0 || c.replayDropped() > 0) {
                    lines.add("WARN encryption: peer underlay " + e.getKey() + ": " + c.integrityFailed()
                            + " packet(s) failed ESP authentication, " + c.replayDropped()
                            + " dropped as replays (a peer with another key, or forged or repeated packets)");
                }
            }
        } catch (RuntimeException e) {
            lines.add("FAIL encryption: cannot read the states' counters: " + e.getMessage());
        }
        long dropped = unprotectedDropped();
        lines.add((dropped < 0 ? "WARN" : "OK") + " encryption: unprotected tunnel packets dropped: "
                + (dropped < 0 ? "not counted (CONFIG_XFRM_STATISTICS off)" : dropped));
        return lines;
    }

    /**
     * Checks that the kernel can hold the mesh's states: adds one outbound-like state to a documentation address
     * (TEST-NET-1, never a peer) and deletes it. Fails with a KernelSupportException naming esp4 or the AEAD.
     */
    void probe() {
        EspKeys k = EspKeys.derive(keys.key(0), local, PROBE_ADDRESS);
        XfrmState state = XfrmState.transportEsp(local, PROBE_ADDRESS, k.spi(), reqid, k.aead(), REPLAY_WINDOW);
        NetlinkMessageBuilder b = transactions.newBatch();
        XfrmRequests.newState(b, state, false);
        XfrmRequests.deleteState(b, local, PROBE_ADDRESS, k.spi());
        BatchOutcome outcome = send(b);
        if (!outcome.succeeded(0) && !Errno.EEXIST.is(outcome.errno(0))) {
            throw XfrmErrors.translate(outcome.exception());
        }
    }

    private static final Ipv4Address PROBE_ADDRESS = Ipv4Address.parse("192.0.2.1");

    private List<XfrmState> dumpStates() {
        try {
            return transactions.dump(XfrmRequests::dumpStates, XfrmState::parse);
        } catch (RuntimeException e) {
            throw XfrmErrors.translate(e);
        }
    }

    private List<XfrmPolicy> dumpPolicies() {
        try {
            return transactions.dump(XfrmRequests::dumpPolicies, XfrmPolicy::parse);
        } catch (RuntimeException e) {
            throw XfrmErrors.translate(e);
        }
    }

    private BatchOutcome send(NetlinkMessageBuilder b) {
        try {
            return transactions.send(b);
        } catch (RuntimeException e) {
            throw XfrmErrors.translate(e);
        }
    }

    @Override
    public void close() {
        grace.shutdownNow();
        socket.close();
    }
}
