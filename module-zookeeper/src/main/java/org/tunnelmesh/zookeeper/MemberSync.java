package org.tunnelmesh.zookeeper;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.zookeeper.KeeperException;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TunnelMesh;
import org.tunnelmesh.TunnelMeshException;
import org.tunnelmesh.internal.PeerTable;
import org.tunnelmesh.zookeeper.MemberReader.Member;

/**
 * Makes the mesh's member peers what the cluster says: reads the members once a burst of changes
 * settles, turns each into a peer or a reason to skip it, and applies the difference with what it
 * applied before as one batch through the mesh's API. Every sync and every change to the mesh runs
 * on the worker thread.
 */
@SuppressWarnings(
        "FutureReturnValueIgnored") // the worker's tasks catch and log their own failures: no future holds one
final class MemberSync {
    // the membership's logger: operators (and MembershipBenchmark's profile) select its lines by that name
    private static final Logger log = LogManager.getLogger(ZooKeeperMembership.class);

    /** A member the mesh refused, as it was then. */
    private record Refused(Peer peer, String reason) {}

    /** A member's data read once: the peer, or why it is not one. */
    private record Parsed(long mzxid, Peer peer, String error) {}

    private final MembershipContext ctx;
    private final MemberReader reader;
    private final ZooKeeperServers servers;
    private volatile TunnelMesh mesh;
    private final AtomicBoolean syncPending = new AtomicBoolean();
    /** The members this object put into the mesh, as it put them; only the worker thread changes it. */
    private final Map<String, Peer> applied = new ConcurrentHashMap<>();

    private volatile Map<String, String> skipped = Map.of();
    /** Members the mesh refused as they are now, and why; tried again when they change, and after a reconnect. */
    private final Map<String, Refused> refused = new HashMap<>();
    /** Members as last parsed, by name, with the znode version they came from: a burst re-parses only what changed. */
    private final Map<String, Parsed> parsed = new HashMap<>();

    private volatile int memberCount;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong failedBatches = new AtomicLong();

    MemberSync(MembershipContext ctx, MemberReader reader, ZooKeeperServers servers) {
        this.ctx = ctx;
        this.reader = reader;
        this.servers = servers;
    }

    /**
     * From now on the members are the mesh's peers. The peers the mesh already has, except
     * {@link MembershipConfig#fixedPeers()}, are taken as the last known members and kept until
     * ZooKeeper says otherwise.
     */
    void follow(TunnelMesh mesh) {
        if (this.mesh != null) {
            throw new IllegalStateException("membership of '" + ctx.name + "' already follows a mesh");
        }
        for (Peer peer : mesh.peers()) {
            if (!ctx.config.fixedPeers().contains(peer.name())) {
                applied.put(peer.name(), peer);
            }
        }
        this.mesh = mesh;
        ctx.worker.execute(this::releaseControlPlane); // before the first sync, which needs ZooKeeper
        schedule();
    }

    /** The peers this membership manages now, by name. */
    Map<String, Peer> applied() {
        return Map.copyOf(applied);
    }

    int appliedCount() {
        return applied.size();
    }

    /** Each member skipped at the last sync, and why. */
    Map<String, String> skipped() {
        return skipped;
    }

    /** Other members seen at the last sync, applied or not. */
    int memberCount() {
        return memberCount;
    }

    long batches() {
        return batches.get();
    }

    long failedBatches() {
        return failedBatches.get();
    }

    /**
     * Removes at once, ZooKeeper or not, the members whose subnets hold a ZooKeeper server: last
     * known members restored from a state file written before this rule, or a server whose name
     * now resolves into a member's subnet. Their routes may be what keeps this node from
     * ZooKeeper, and so from ever learning that they are gone; fail-static keeps everything else.
     */
    void releaseControlPlane() {
        TunnelMesh mesh = this.mesh;
        if (mesh == null || ctx.closed) {
            return;
        }
        Map<Ipv4Address, String> zooKeeperServers = servers.resolve();
        List<String> cutting = new ArrayList<>();
        for (Peer peer : applied.values()) {
            String refusal = ZooKeeperServers.refusal(peer, zooKeeperServers);
            if (refusal != null && mesh.peer(peer.name()).map(peer::equals).orElse(false)) {
                log.warn(
                        "removing member '{}' of cluster '{}' at once: {}", peer.name(), ctx.config.cluster(), refusal);
                cutting.add(peer.name());
            }
        }
        if (!cutting.isEmpty()) {
            try {
                mesh.removePeers(cutting);
                cutting.forEach(applied::remove);
            } catch (RuntimeException e) {
                log.error(
                        "cannot remove members {} that route ZooKeeper into the mesh: {}", cutting, e.getMessage(), e);
            }
        }
    }

    /** Syncs once the burst under way settles ({@link MembershipConfig#coalesce()}); a sync already due covers it. */
    void schedule() {
        if (!ctx.closed && syncPending.compareAndSet(false, true)) {
            ctx.worker.schedule(this::sync, ctx.config.coalesce().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Reads all members, compares them with what is applied, and applies the difference as one batch. */
    private void sync() {
        syncPending.set(false);
        long t0 = System.nanoTime();
        TunnelMesh mesh = this.mesh;
        if (ctx.closed || !ctx.connected || mesh == null) {
            return; // fail-static: without a live view of the cluster, the mesh stays as it is
        }
        try {
            Map<String, Peer> inMesh = new HashMap<>();
            for (Peer peer : mesh.peers()) {
                inMesh.put(peer.name(), peer);
            }
            // a member peer removed or changed over JMX is no longer ours as we applied it
            applied.entrySet().removeIf(e -> !e.getValue().equals(inMesh.get(e.getKey())));

            PeerTable table = new PeerTable(mesh.config());
            table.addAll(inMesh.values().stream()
                    .filter(p -> !applied.containsKey(p.name()))
                    .toList());
            Map<Ipv4Address, String> zooKeeperServers = servers.resolve();
            if (reader.readsAllNext()) {
                refused.clear(); // after a reconnect the mesh is asked again
            }
            List<Member> members = new ArrayList<>(reader.read());
            long t1 = System.nanoTime();
            members.removeIf(m -> m.name().equals(ctx.name));
            refused.keySet().retainAll(members.stream().map(Member::name).toList());
            // who keeps a contested subnet: the older member, by the zxid that created it - the same
            // answer on every node whatever each applied first
            members.sort(
                    Comparator.comparingLong((Member m) -> m.stat().getCzxid()).thenComparing(Member::name));
            Map<String, Peer> desired = new HashMap<>();
            Map<String, String> skipping = new HashMap<>();
            Map<String, Parsed> seen = new HashMap<>();
            for (Member member : members) {
                String memberName = member.name();
                if (member.stat().getEphemeralOwner() == 0) {
                    // a persistent znode outlives every session: nobody's live member, and older than any
                    skipping.put(
                            memberName,
                            "member '" + memberName
                                    + "' is not ephemeral (a persistent znode is nobody's live member)");
                    continue;
                }
                Parsed p = parse(memberName, member, !"NONE".equals(mesh.encryption()));
                seen.put(memberName, p);
                if (p.error() != null) {
                    skipping.put(memberName, p.error());
                    continue;
                }
                Peer peer = p.peer();
                String refusal = ZooKeeperServers.refusal(peer, zooKeeperServers);
                Refused refusedBefore = refused.get(memberName);
                if (refusal == null
                        && refusedBefore != null
                        && refusedBefore.peer().equals(peer)) {
                    refusal = refusedBefore.reason();
                }
                if (refusal != null) {
                    skipping.put(memberName, refusal);
                    continue;
                }
                try {
                    table.checkAdd(List.of(peer));
                    table.addAll(List.of(peer));
                    desired.put(memberName, peer);
                } catch (TunnelMeshException e) {
                    skipping.put(memberName, e.getMessage());
                }
            }
            parsed.keySet().retainAll(seen.keySet());
            memberCount = members.size();

            List<String> removing = new ArrayList<>();
            for (Map.Entry<String, Peer> e : applied.entrySet()) {
                if (!e.getValue().equals(desired.get(e.getKey()))) {
                    removing.add(e.getKey());
                }
            }
            List<Peer> adding = new ArrayList<>();
            for (Peer peer : desired.values()) {
                if (!peer.equals(applied.get(peer.name()))) {
                    adding.add(peer);
                }
            }
            long t2 = System.nanoTime();
            if (!removing.isEmpty() || !adding.isEmpty()) {
                apply(mesh, removing, adding);
            }
            for (Map.Entry<String, Refused> refusal : refused.entrySet()) {
                if (desired.containsKey(refusal.getKey()) && !applied.containsKey(refusal.getKey())) {
                    skipping.put(refusal.getKey(), refusal.getValue().reason()); // refused by the mesh just now
                }
            }
            for (Map.Entry<String, String> skip : skipping.entrySet()) {
                if (!skip.getValue().equals(skipped.get(skip.getKey()))) {
                    log.warn(
                            "member '{}' of cluster '{}' skipped: {}",
                            skip.getKey(),
                            ctx.config.cluster(),
                            skip.getValue());
                }
            }
            skipped = Map.copyOf(skipping);
            long t3 = System.nanoTime();
            // where a sync's time goes (MembershipBenchmark -Dprofile=true logs it)
            log.debug(
                    "sync of cluster '{}': {} members ({} read) in {} ms, parsed and checked in {} ms, batch +{} -{} in {} ms",
                    ctx.config.cluster(),
                    members.size(),
                    reader.lastRead(),
                    (t1 - t0) / 1_000_000,
                    (t2 - t1) / 1_000_000,
                    adding.size(),
                    removing.size(),
                    (t3 - t2) / 1_000_000);
        } catch (KeeperException | InterruptedException e) {
            // ZooKeeper went away while reading: fail-static, the reconnect brings a full sync
            String readError = reader.readError();
            log.warn(
                    "{}; nothing changed",
                    readError.isEmpty()
                            ? "cannot read the members of cluster '" + ctx.config.cluster() + "': " + e
                            : readError);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            } else {
                ctx.worker.schedule(this::schedule, MembershipContext.RETRY_SECONDS, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            failedBatches.incrementAndGet();
            log.error(
                    "membership batch of cluster '{}' not applied: {}; retrying in {} s",
                    ctx.config.cluster(),
                    e.getMessage(),
                    MembershipContext.RETRY_SECONDS,
                    e);
            ctx.worker.schedule(this::schedule, MembershipContext.RETRY_SECONDS, TimeUnit.SECONDS);
        }
        if (!syncPending.get()) {
            // not while the burst goes on: a session's requests are answered in order, and a
            // thousand watches set now would hold up the next read by a second in the lab
            reader.watchMembers();
        }
    }

    private Parsed parse(String memberName, Member member, boolean encrypting) {
        long mzxid = member.stat().getMzxid();
        Parsed known = parsed.get(memberName);
        if (known != null && known.mzxid() == mzxid) {
            return known;
        }
        Parsed p;
        try {
            if (member.data() == null && member.stat().getDataLength() > MemberData.MAX_BYTES) {
                throw new InvalidInputException(
                        MemberData.tooBig(memberName, member.stat().getDataLength()));
            }
            p = new Parsed(mzxid, MemberData.parse(memberName, member.data(), ctx.encapsulation, encrypting), null);
        } catch (TunnelMeshException e) {
            p = new Parsed(mzxid, null, e.getMessage());
        }
        parsed.put(memberName, p);
        return p;
    }

    /**
     * One batch: removals, then additions; when the additions fail, the removals are undone. When
     * the mesh refuses the additions as input (a peer it will not route, e.g. one whose subnets
     * overlap the underlay), they are added one by one instead: the refused ones are remembered
     * with the mesh's reason and skipped, the others applied.
     */
    private void apply(TunnelMesh mesh, List<String> removing, List<Peer> adding) {
        List<Peer> removed = removing.stream().map(applied::get).toList();
        if (!removing.isEmpty()) {
            if (removing.size() == 1) {
                mesh.removePeer(removing.get(0));
            } else {
                mesh.removePeers(removing);
            }
            removing.forEach(applied::remove);
        }
        try {
            if (adding.size() == 1) {
                mesh.addPeer(adding.get(0));
            } else if (!adding.isEmpty()) {
                mesh.addPeers(adding);
            }
        } catch (InvalidInputException | ConflictException e) {
            adding = addEach(mesh, adding);
        } catch (RuntimeException e) {
            if (!removed.isEmpty()) {
                try {
                    mesh.addPeers(removed);
                    removed.forEach(p -> applied.put(p.name(), p));
                } catch (RuntimeException undo) {
                    e.addSuppressed(undo);
                }
            }
            throw e;
        }
        adding.forEach(p -> applied.put(p.name(), p));
        batches.incrementAndGet();
        log.info(
                "cluster '{}': batch applied, {} member(s) added {}, {} removed {}",
                ctx.config.cluster(),
                adding.size(),
                names(adding),
                removing.size(),
                removing.size() > 20 ? "" : removing);
    }

    /** Adds the peers one by one; returns those the mesh took. */
    private List<Peer> addEach(TunnelMesh mesh, List<Peer> adding) {
        List<Peer> added = new ArrayList<>();
        for (Peer peer : adding) {
            try {
                mesh.addPeer(peer);
                added.add(peer);
            } catch (InvalidInputException | ConflictException e) {
                refused.put(peer.name(), new Refused(peer, e.getMessage()));
            }
        }
        return added;
    }

    private static String names(List<Peer> peers) {
        return peers.size() > 20 ? "" : peers.stream().map(Peer::name).toList().toString();
    }
}
