package org.tunnelmesh.zookeeper;

import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.AuthInfo;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.ZKConfig;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TunnelMesh;
import org.tunnelmesh.TunnelMeshException;
import org.tunnelmesh.internal.PeerTable;

/**
 * Takes a mesh's peers from a cluster in ZooKeeper: this node announces itself as an ephemeral
 * member znode, and every other member becomes a peer (CONTRACT.md: {@code /tunnelmesh/<cluster>/members/<name>}).
 *
 * <p>Changes arrive as bursts (a node starting, a session expiring); each burst is gathered for
 * {@link MembershipConfig#coalesce()} and applied as one batch, all or nothing, through the
 * mesh's own API - so MBeans, notifications and the state file see it as they see a JMX call. A
 * member is skipped with a WARN and counted (never applied) when its znode is not ephemeral (not a
 * live session's), its data is over {@link MemberData#MAX_BYTES} or malformed, a subnet of it holds
 * a ZooKeeper server, it clashes with another peer (the older member, by czxid, keeps a contested
 * subnet: the same answer on every node), or the mesh refuses it. When ZooKeeper is unreachable
 * (Curator's SUSPENDED and LOST) nothing is changed - the kernel keeps routing to the last known
 * members - and on reconnect the node registers again and compares everything.
 *
 * <p>With digest authentication each node has its own identity, the only one that may write its
 * member znode, and all nodes share the cluster's identity, which may list, create and read
 * members (see {@link MembershipConfig}); a node that finds its member rewritten or deleted
 * restores it.
 *
 * <p>All changes to the mesh happen on one thread of its own.
 */
@SuppressWarnings("FutureReturnValueIgnored") // the worker's tasks catch and log their own failures: no future holds one
public final class ZooKeeperMembership implements MembershipMXBean, AutoCloseable {
    private static final Logger log = LogManager.getLogger(ZooKeeperMembership.class);
    private static final long RETRY_SECONDS = 5;
    /** Most members per read request. */
    private static final int READ_CHUNK = 500;
    /** What a member costs in a read reply besides its data: the result header, the data's length, the stat. */
    private static final int READ_OVERHEAD = 128;

    private volatile TunnelMesh mesh;
    private final MembershipConfig config;
    private final String name;
    private final String memberPath;
    private final byte[] memberData;
    private final CuratorFramework client;
    /**
     * A one-shot watch on the list of members, set again by each read: a burst of a thousand
     * members joining fires it once or twice, not a thousand times (in the lab, a notification per
     * member kept the node's connection busy for most of a second).
     */
    private final Watcher membersChanged = event -> {
        if (event.getType() != Watcher.Event.EventType.None) {
            scheduleSync();
        }
    };
    /** A one-shot watch on each member's data, set once it is read: a member whose data changes is read again. */
    private final Watcher memberChanged = event -> {
        String path = event.getPath();
        if (path != null && event.getType() == Watcher.Event.EventType.NodeDataChanged) {
            noteChanged(path.substring(path.lastIndexOf('/') + 1), event.getZxid());
            scheduleSync();
        } else if (path != null && event.getType() == Watcher.Event.EventType.NodeDeleted) {
            noteChanged(path.substring(path.lastIndexOf('/') + 1), -1); // if it is back by the next read, it is another znode
            scheduleSync();
        }
    };
    /** A watch on this node's own member: a rewrite or a delete by anyone else is repaired. */
    private final Watcher ownChanged = this::ownChanged;
    private final ZooKeeperServers servers;
    private final ScheduledExecutorService worker;
    private final AtomicBoolean syncPending = new AtomicBoolean();
    /** How many members the last read fetched (only the worker thread uses it). */
    private int lastRead;
    /** The members this object put into the mesh, as it put them; only the worker thread changes it. */
    private final Map<String, Peer> applied = new ConcurrentHashMap<>();
    private volatile Map<String, String> skipped = Map.of();
    /** Members the mesh refused as they are now, and why; tried again when they change, and after a reconnect. */
    private final Map<String, Refused> refused = new HashMap<>();
    /** Why the last read of the members failed; empty when it worked. */
    private volatile String readError = "";
    private int failedReadsInARow;
    /** Members as last parsed, by name, with the znode version they came from: a burst re-parses only what changed. */
    private final Map<String, Parsed> parsed = new HashMap<>();
    /** Members as last read, by name; only the worker thread uses it. */
    private final Map<String, Member> known = new HashMap<>();
    /** Members read whose data watch is still to be set, with the mzxid read; only the worker thread uses it. */
    private final Map<String, Long> unwatched = new HashMap<>();
    /**
     * Members whose data changed, with the zxid of the change (ZooKeeper 3.9 sends it with the
     * event): a member read at that zxid or later is not read again.
     */
    private final Map<String, Long> changedMembers = new ConcurrentHashMap<>();
    /**
     * Read every member's data at the next sync, not only new and changed ones: at the start, after
     * a reconnect (a new session has no watches) and after a failed read.
     */
    private final AtomicBoolean readAll = new AtomicBoolean(true);
    private volatile ConnectionState connectionState;
    private volatile boolean connected;
    private volatile boolean registered;
    private volatile boolean closed;
    /** Connection events before this is set are the start's own business (it registers itself). */
    private volatile boolean started;
    private volatile int memberCount;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong failedBatches = new AtomicLong();
    private final AtomicLong memberRepairs = new AtomicLong();

    private ZooKeeperMembership(MeshConfig meshConfig, MembershipConfig config) {
        this.config = config;
        this.name = meshConfig.name();
        this.memberPath = config.membersPath() + "/" + name;
        this.memberData = MemberData.encode(meshConfig.underlay(), config.subnets());
        this.servers = new ZooKeeperServers(config.connect());
        String ownRefusal = ZooKeeperServers.refusal(new Peer(name, meshConfig.underlay(), config.subnets()), servers.resolve());
        if (ownRefusal != null) {
            throw new InvalidInputException(ownRefusal + ": every other node would skip this one; announce other --subnets");
        }
        CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
                .connectString(config.connect())
                .sessionTimeoutMs((int) config.sessionTimeout().toMillis())
                .connectionTimeoutMs((int) Math.min(config.sessionTimeout().toMillis(), 5000))
                // operations give up after a few seconds; the connection itself is retried for ever
                .retryPolicy(new ExponentialBackoffRetry(250, 3, 2000));
        if (config.authenticated()) {
            List<AuthInfo> identities = new ArrayList<>();
            identities.add(new AuthInfo("digest", (config.digestUser() + ":" + config.digestPassword()).getBytes(StandardCharsets.UTF_8)));
            if (config.ownIdentity()) {
                identities.add(new AuthInfo("digest", (config.clusterUser() + ":" + config.clusterPassword()).getBytes(StandardCharsets.UTF_8)));
            }
            builder.authorization(identities).aclProvider(new MemberAcls(config, memberPath));
        }
        this.client = builder.build();
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "tunnelmesh-membership-" + name);
            t.setDaemon(true);
            return t;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.worker = executor;
    }

    /**
     * The ACLs of the znodes a node makes with digest authentication. Its member: all for the node's
     * own identity, read for the cluster's. The members' parents, when a node has to make them:
     * read and create for the cluster's identity, and no delete for anyone (deleting a child takes
     * DELETE on its parent; ephemeral members go with their session regardless). {@code /tunnelmesh}
     * itself: read and create for anyone, so that each cluster can make its own directory.
     * Explicit digest ids, not the "auth" scheme, which would give all to every identity of the session.
     */
    private static final class MemberAcls implements ACLProvider {
        private final String memberPath;
        private final List<ACL> member;
        private final List<ACL> parents;

        MemberAcls(MembershipConfig config, String memberPath) {
            this.memberPath = memberPath;
            Id own = digestId(config.digestUser(), config.digestPassword());
            Id cluster = config.ownIdentity() ? digestId(config.clusterUser(), config.clusterPassword()) : own;
            // mutable lists: ZooKeeper asks them contains(null), which List.of refuses
            this.member = new ArrayList<>(config.ownIdentity()
                    ? List.of(new ACL(ZooDefs.Perms.ALL, own), new ACL(ZooDefs.Perms.READ, cluster))
                    : List.of(new ACL(ZooDefs.Perms.ALL, own)));
            this.parents = new ArrayList<>(List.of(new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.CREATE, cluster)));
        }

        private static Id digestId(String user, String password) {
            try {
                return new Id("digest", DigestAuthenticationProvider.generateDigest(user + ":" + password));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("ZooKeeper's digest algorithm is missing from this JVM", e);
            }
        }

        @Override
        public List<ACL> getDefaultAcl() {
            return parents;
        }

        @Override
        public List<ACL> getAclForPath(String path) {
            if (path.equals(memberPath)) {
                return member;
            }
            return path.equals("/tunnelmesh") ? new ArrayList<>(List.of(new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.CREATE, ZooDefs.Ids.ANYONE_ID_UNSAFE)))
                    : parents;
        }
    }

    /**
     * Joins the cluster. Waits up to {@link MembershipConfig#joinTimeout()} for ZooKeeper; when it
     * answers, registers this node's member at once, and when it does not, goes on with the peers
     * the mesh already has (restored from its state file) and registers once it answers.
     *
     * @param mesh the mesh to change; pass the MBeans' mesh ({@code MeshMBeans.mesh()}) so the latency histograms see the changes too
     * @throws ConflictException when a live member of the same name has other data (nothing changed)
     */
    public static ZooKeeperMembership join(TunnelMesh mesh, MembershipConfig config) {
        ZooKeeperMembership membership = connect(mesh.config(), config);
        membership.follow(mesh);
        return membership;
    }

    /**
     * The first half of {@link #join}: connects and registers this node's member, before there is a
     * mesh - so a node whose name is taken stops before it touches the kernel. Then {@link #follow}.
     *
     * @throws ConflictException when a live member of the same name has other data
     * @throws InvalidInputException when this node's own subnets hold a ZooKeeper server, or its member data is over 1024 bytes
     */
    public static ZooKeeperMembership connect(MeshConfig meshConfig, MembershipConfig config) {
        ZooKeeperMembership membership = new ZooKeeperMembership(meshConfig, config);
        try {
            membership.start();
            return membership;
        } catch (RuntimeException e) {
            membership.close();
            throw e;
        }
    }

    /**
     * The second half of {@link #join}: from now on the members are the mesh's peers. The peers the
     * mesh already has, except {@link MembershipConfig#fixedPeers()}, are taken as the last known
     * members (restored from its state file) and kept until ZooKeeper says otherwise.
     */
    public void follow(TunnelMesh mesh) {
        if (this.mesh != null) {
            throw new IllegalStateException("membership of '" + name + "' already follows a mesh");
        }
        for (Peer peer : mesh.peers()) {
            if (!config.fixedPeers().contains(peer.name())) {
                applied.put(peer.name(), peer);
            }
        }
        this.mesh = mesh;
        worker.execute(this::releaseControlPlane); // before the first sync, which needs ZooKeeper
        scheduleSync();
        log.info("member '{}' of cluster '{}' on {}: {} {}, {} last known member(s)", name, config.cluster(), config.connect(),
                mesh.config().underlay(), config.subnets(), applied.size());
    }

    private void start() {
        if (!config.authenticated()) {
            log.warn("ZooKeeper membership without authentication: the member znodes under {} are world-writable, so anyone "
                    + "who reaches {} can route this node's traffic; configure digest authentication", config.membersPath(), config.connect());
        } else if (!config.ownIdentity()) {
            log.warn("ZooKeeper identity '{}' is the whole cluster's: any node can rewrite another's member; give each node an "
                    + "identity of its own (--zookeeper-auth-file: this node's USER:PASSWORD, then the cluster's)", config.digestUser());
        }
        client.getConnectionStateListenable().addListener((c, state) -> stateChanged(state));
        client.start();
        boolean up;
        try {
            up = client.blockUntilConnected((int) config.joinTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TunnelMeshException("interrupted while joining cluster '" + config.cluster() + "'", e);
        }
        if (up) {
            connected = true;
            register(true);
            checkParentAcl();
            started = true;
        } else {
            started = true;
            if (client.getZookeeperClient().isConnected()) {
                stateChanged(ConnectionState.CONNECTED); // it answered just after the wait
            }
            log.warn("ZooKeeper {} does not answer: keeping the last known members of cluster '{}' and joining when it answers",
                    config.connect(), config.cluster());
        }
    }

    /**
     * Warns when the members' parent lets others than the cluster delete members, or lets anyone
     * create one: made by an older version (all for one shared identity), by hand, or by someone
     * who got there first.
     */
    private void checkParentAcl() {
        if (!config.authenticated()) {
            return;
        }
        try {
            for (ACL acl : client.getACL().forPath(config.membersPath())) {
                boolean anyone = acl.getId().equals(ZooDefs.Ids.ANYONE_ID_UNSAFE);
                if ((acl.getPerms() & (ZooDefs.Perms.DELETE | ZooDefs.Perms.WRITE | ZooDefs.Perms.ADMIN)) != 0
                        || (anyone && (acl.getPerms() & ZooDefs.Perms.CREATE) != 0)) {
                    log.warn("the ACL of {} gives {}:{} {}: {}; set it to READ and CREATE for the cluster's identity only "
                            + "(an admin identity may keep ALL)", config.membersPath(), acl.getId().getScheme(), acl.getId().getId(),
                            permissions(acl.getPerms()), anyone ? "anyone can add members" : "that identity can delete other nodes' members");
                }
            }
        } catch (Exception e) {
            log.warn("cannot read the ACL of {}: {}", config.membersPath(), e.toString());
        }
    }

    private static String permissions(int perms) {
        StringBuilder text = new StringBuilder();
        String[] names = {"READ", "WRITE", "CREATE", "DELETE", "ADMIN"};
        for (int bit = 0; bit < names.length; bit++) {
            if ((perms & (1 << bit)) != 0) {
                text.append(text.length() == 0 ? "" : ",").append(names[bit]);
            }
        }
        return text.toString();
    }

    private void stateChanged(ConnectionState state) {
        connectionState = state;
        switch (state) {
            case SUSPENDED, LOST -> {
                connected = false;
                if (state == ConnectionState.LOST) {
                    registered = false;
                }
                worker.execute(this::releaseControlPlane);
                log.warn("ZooKeeper connection {}: fail-static, the mesh keeps its {} member peer(s) as they are", state, applied.size());
            }
            case CONNECTED, RECONNECTED -> {
                if (!started) {
                    return;
                }
                connected = true;
                log.info("ZooKeeper connection {}: registering and resynchronising in full", state);
                readAll.set(true);
                worker.execute(() -> {
                    registerQuietly();
                    scheduleSync(); // reads all members, and so sets every watch again
                });
            }
            default -> {
            }
        }
    }

    /**
     * Removes at once, ZooKeeper or not, the members whose subnets hold a ZooKeeper server: last
     * known members restored from a state file written before this rule, or a server whose name
     * now resolves into a member's subnet. Their routes may be what keeps this node from
     * ZooKeeper, and so from ever learning that they are gone; fail-static keeps everything else.
     */
    private void releaseControlPlane() {
        TunnelMesh mesh = this.mesh;
        if (mesh == null || closed) {
            return;
        }
        Map<Ipv4Address, String> zooKeeperServers = servers.resolve();
        List<String> cutting = new ArrayList<>();
        for (Peer peer : applied.values()) {
            String refusal = ZooKeeperServers.refusal(peer, zooKeeperServers);
            if (refusal != null && mesh.peer(peer.name()).map(peer::equals).orElse(false)) {
                log.warn("removing member '{}' of cluster '{}' at once: {}", peer.name(), config.cluster(), refusal);
                cutting.add(peer.name());
            }
        }
        if (!cutting.isEmpty()) {
            try {
                mesh.removePeers(cutting);
                cutting.forEach(applied::remove);
            } catch (RuntimeException e) {
                log.error("cannot remove members {} that route ZooKeeper into the mesh: {}", cutting, e.getMessage(), e);
            }
        }
    }

    private void registerQuietly() {
        if (closed) {
            return;
        }
        try {
            register(false);
        } catch (RuntimeException e) {
            log.error("cannot register member {}: {}; retrying in {} s", memberPath, e.getMessage(), RETRY_SECONDS);
            worker.schedule(this::registerQuietly, RETRY_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** A member as read from ZooKeeper; {@code data} is null when it is over the size limit, and so not read. */
    @SuppressWarnings("ArrayRecordComponent") // read once, never compared or hashed
    private record Member(String name, byte[] data, Stat stat) {
    }

    /** A member the mesh refused, as it was then. */
    private record Refused(Peer peer, String reason) {
    }

    /** A member's data read once: the peer, or why it is not one. */
    private record Parsed(long mzxid, Peer peer, String error) {
    }

    private void noteChanged(String member, long zxid) {
        changedMembers.merge(member, zxid < 0 ? Long.MAX_VALUE : zxid, Math::max); // an older server sends no zxid: read again
    }

    /**
     * Sets the data watch of each member read since the last call, in the background, once a burst
     * is applied (not on the way to the routes). A member changed or gone between its read and its
     * watch is seen here by its stat.
     */
    private void watchMembers() {
        if (unwatched.isEmpty() || closed || !connected) {
            return;
        }
        for (Map.Entry<String, Long> member : unwatched.entrySet()) {
            String memberName = member.getKey();
            long readAt = member.getValue();
            try {
                client.checkExists().usingWatcher(memberChanged).inBackground((c, event) -> {
                    int code = event.getResultCode();
                    if (code != KeeperException.Code.OK.intValue() && code != KeeperException.Code.NONODE.intValue()) {
                        readAll.set(true); // the watch may be missing: the next sync reads and watches everything
                    } else if (event.getStat() == null) {
                        scheduleSync();
                    } else if (event.getStat().getMzxid() > readAt) {
                        noteChanged(memberName, event.getStat().getMzxid());
                        scheduleSync();
                    }
                }).forPath(config.membersPath() + "/" + memberName);
            } catch (Exception e) {
                readAll.set(true);
            }
        }
        unwatched.clear();
    }

    /**
     * Reads the members: the children, then the data of those that are new or changed since the
     * last read (all of them after a reconnect) in read-only multi requests (ZooKeeper 3.6+), so a
     * thousand members cost a few round trips, not a thousand, and a burst that spans two syncs
     * reads each member once. A member deleted in between is simply not there.
     *
     * <p>Each member's stat comes first (pipelined {@code exists}): a member over
     * {@link MemberData#MAX_BYTES} is not read, and each multi asks for at most half the client's
     * packet limit ({@code jute.maxbuffer}). A reply over that limit makes the client drop the
     * connection ("Packet len ... is out of range"), and a node that reads all members again after
     * each reconnect would do so for ever. Only a member's owner can grow it between its stat and
     * its read (the ACL); that costs one reconnect, and the next read sees its size.
     */
    private List<Member> readMembers() throws Exception {
        boolean all = readAll.getAndSet(false);
        Map<String, Long> changed = new HashMap<>();
        // taken before reading: a change seen from now on is read next time (remove returns the newest
        // zxid merged so far, atomically)
        for (String member : List.copyOf(changedMembers.keySet())) {
            Long zxid = changedMembers.remove(member);
            if (zxid != null) {
                changed.put(member, zxid);
            }
        }
        try {
            List<String> names;
            try {
                names = client.getChildren().usingWatcher(membersChanged).forPath(config.membersPath());
            } catch (KeeperException.NoNodeException e) {
                known.clear();
                if (client.checkExists().usingWatcher(membersChanged).forPath(config.membersPath()) != null) {
                    scheduleSync(); // made meanwhile
                }
                return List.of();
            }
            known.keySet().retainAll(new HashSet<>(names));
            // events lag behind reads: a member read after its change came is not read again for that change
            List<String> reading = all ? names : names.stream().filter(n -> !known.containsKey(n)
                    || changed.getOrDefault(n, 0L) > known.get(n).stat().getMzxid()).toList();
            lastRead = reading.size();
            ZooKeeper zooKeeper = client.getZookeeperClient().getZooKeeper();
            Map<String, Stat> stats = stats(zooKeeper, reading);
            long budget = zooKeeper.getClientConfig().getInt(ZKConfig.JUTE_MAXBUFFER, ZKClientConfig.CLIENT_MAX_PACKET_LENGTH_DEFAULT) / 2;
            List<String> chunk = new ArrayList<>();
            long chunkBytes = 0;
            for (String member : reading) {
                Stat stat = stats.get(member);
                if (stat == null) {
                    known.remove(member); // gone since the list was read
                } else if (stat.getDataLength() > MemberData.MAX_BYTES) {
                    known.put(member, new Member(member, null, stat));
                    unwatched.put(member, stat.getMzxid());
                } else {
                    if (chunk.size() == READ_CHUNK || chunkBytes + stat.getDataLength() + READ_OVERHEAD > budget) {
                        readData(zooKeeper, chunk);
                        chunk.clear();
                        chunkBytes = 0;
                    }
                    chunk.add(member);
                    chunkBytes += stat.getDataLength() + READ_OVERHEAD;
                }
            }
            readData(zooKeeper, chunk);
            return new ArrayList<>(known.values());
        } catch (Exception e) {
            readAll.set(true);
            throw e;
        }
    }

    /** Each member's stat, by name, in one pipelined round of {@code exists}; a member gone meanwhile has none. */
    private Map<String, Stat> stats(ZooKeeper zooKeeper, List<String> names) throws KeeperException, InterruptedException {
        Map<String, Stat> stats = new ConcurrentHashMap<>();
        AtomicReference<KeeperException.Code> failure = new AtomicReference<>();
        CountDownLatch answered = new CountDownLatch(names.size());
        for (String member : names) {
            zooKeeper.exists(config.membersPath() + "/" + member, false, (rc, path, ctx, stat) -> {
                if (rc == KeeperException.Code.OK.intValue()) {
                    stats.put(member, stat);
                } else if (rc != KeeperException.Code.NONODE.intValue()) {
                    failure.compareAndSet(null, KeeperException.Code.get(rc));
                }
                answered.countDown();
            }, null);
        }
        // a lost connection answers every pending request with CONNECTIONLOSS: the wait ends
        if (!answered.await(config.sessionTimeout().toMillis() * 2, TimeUnit.MILLISECONDS)) {
            throw KeeperException.create(KeeperException.Code.OPERATIONTIMEOUT);
        }
        if (failure.get() != null) {
            throw KeeperException.create(failure.get());
        }
        return stats;
    }

    /** Reads the data of {@code chunk} in one read-only multi. */
    private void readData(ZooKeeper zooKeeper, List<String> chunk) throws KeeperException, InterruptedException {
        if (chunk.isEmpty()) {
            return;
        }
        List<Op> reads = new ArrayList<>(chunk.size());
        for (String member : chunk) {
            reads.add(Op.getData(config.membersPath() + "/" + member));
        }
        List<OpResult> results = zooKeeper.multi(reads);
        for (int i = 0; i < chunk.size(); i++) {
            if (results.get(i) instanceof OpResult.GetDataResult data) {
                byte[] bytes = data.getData() != null && data.getData().length > MemberData.MAX_BYTES ? null : data.getData();
                known.put(chunk.get(i), new Member(chunk.get(i), bytes, data.getStat()));
                unwatched.put(chunk.get(i), data.getStat().getMzxid());
            } else {
                known.remove(chunk.get(i));
            }
        }
    }

    /**
     * Puts this node's ephemeral member in place. A member of the same name left by an earlier
     * session of this node (same data: a restart quicker than the session timeout) is replaced, or,
     * where this node may not delete it (authenticated: nobody may delete under members/), taken
     * over once that session expires; one with other data is another live node using our name.
     */
    private synchronized void register(boolean atStart) {
        try {
            for (int attempt = 0; attempt < 3; attempt++) {
                try {
                    client.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(memberPath, memberData);
                    registered = true;
                    log.info("registered member {}", memberPath);
                    watchOwn();
                    return;
                } catch (KeeperException.NodeExistsException e) {
                    Stat stat = new Stat();
                    byte[] existing;
                    try {
                        existing = client.getData().storingStatIn(stat).forPath(memberPath);
                    } catch (KeeperException.NoNodeException gone) {
                        continue;
                    }
                    long session = client.getZookeeperClient().getZooKeeper().getSessionId();
                    if (stat.getEphemeralOwner() == session) {
                        if (!Arrays.equals(existing, memberData)) {
                            client.setData().forPath(memberPath, memberData);
                        }
                        registered = true;
                        watchOwn();
                        return;
                    }
                    if (!Arrays.equals(existing, memberData)) {
                        String message = "member name '" + name + "' is taken in cluster '" + config.cluster() + "' by a live member with other data "
                                + new String(existing, StandardCharsets.UTF_8) + " (this node: " + new String(memberData, StandardCharsets.UTF_8)
                                + "); give this node another --name, or stop the other one";
                        if (atStart) {
                            throw new ConflictException(message);
                        }
                        throw new IllegalStateException(message);
                    }
                    try {
                        client.delete().withVersion(stat.getVersion()).forPath(memberPath);
                        log.info("replaced member {} left by an earlier session of this node", memberPath);
                    } catch (KeeperException.NoNodeException | KeeperException.BadVersionException raced) {
                        // gone or changed meanwhile: look again
                    } catch (KeeperException.NoAuthException notOurs) {
                        registered = false;
                        log.info("member {} of an earlier session of this node stays until that session expires; registering then",
                                memberPath);
                        if (client.checkExists().usingWatcher(ownChanged).forPath(memberPath) != null) {
                            return;
                        }
                    }
                }
            }
            throw new IllegalStateException("member " + memberPath + " keeps changing under this node");
        } catch (ConflictException | IllegalStateException e) {
            throw e;
        } catch (KeeperException.NoAuthException e) {
            throw new IllegalStateException("ZooKeeper refuses to let this node write " + memberPath
                    + " (NoAuth): check the digest user and password, and the ACL of " + config.membersPath(), e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot register member " + memberPath + ": " + e, e);
        }
    }

    private void ownChanged(WatchedEvent event) {
        if (event.getType() != Watcher.Event.EventType.None && !closed) {
            worker.execute(this::checkOwn);
        }
    }

    /** Sets the watch on this node's own member. */
    private void watchOwn() throws Exception {
        if (client.checkExists().usingWatcher(ownChanged).forPath(memberPath) == null) {
            worker.execute(this::checkOwn); // deleted already
        }
    }

    /**
     * Looks at this node's own member after a change: restores its data when someone rewrote it, and
     * registers again when it is gone. Only the node's own identity (or ZooKeeper's superuser) can
     * do either when authenticated; without authentication anyone can.
     */
    private void checkOwn() {
        if (closed || !connected) {
            return; // the reconnect registers
        }
        if (!registered) {
            registerQuietly();
            return;
        }
        try {
            Stat stat = new Stat();
            byte[] data = client.getData().storingStatIn(stat).usingWatcher(ownChanged).forPath(memberPath);
            if (stat.getEphemeralOwner() != client.getZookeeperClient().getZooKeeper().getSessionId()) {
                registered = false;
                log.warn("member {} was replaced by a znode that is not this node's ({}): registering again once it goes",
                        memberPath, new String(data, StandardCharsets.UTF_8));
            } else if (!Arrays.equals(data, memberData)) {
                client.setData().withVersion(stat.getVersion()).forPath(memberPath, memberData);
                memberRepairs.incrementAndGet();
                log.warn("member {} was rewritten by someone else to {}: restored", memberPath, new String(data, StandardCharsets.UTF_8));
            }
        } catch (KeeperException.NoNodeException e) {
            registered = false;
            memberRepairs.incrementAndGet();
            log.warn("member {} was deleted by someone else while this node is live: registering it again", memberPath);
            registerQuietly();
        } catch (Exception e) {
            log.warn("cannot check member {}: {}; checking again in {} s", memberPath, e.toString(), RETRY_SECONDS);
            worker.schedule(this::checkOwn, RETRY_SECONDS, TimeUnit.SECONDS);
        }
    }

    private void scheduleSync() {
        if (!closed && syncPending.compareAndSet(false, true)) {
            worker.schedule(this::sync, config.coalesce().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Reads all members, compares them with what is applied, and applies the difference as one batch. */
    private void sync() {
        syncPending.set(false);
        long t0 = System.nanoTime();
        TunnelMesh mesh = this.mesh;
        if (closed || !connected || mesh == null) {
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
            table.addAll(inMesh.values().stream().filter(p -> !applied.containsKey(p.name())).toList());
            Map<Ipv4Address, String> zooKeeperServers = servers.resolve();
            if (readAll.get()) {
                refused.clear(); // after a reconnect the mesh is asked again
            }
            List<Member> members;
            try {
                members = new ArrayList<>(readMembers());
            } catch (KeeperException e) {
                failedReadsInARow++;
                readError = "cannot read the members of cluster '" + config.cluster() + "' (" + failedReadsInARow + " time(s) in a row, last at "
                        + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "): " + e.getMessage()
                        + (e instanceof KeeperException.ConnectionLossException ? "; a reply over the client's packet limit (jute.maxbuffer) "
                        + "also ends the connection like this: see this node's log for \"Packet len\"" : "");
                throw e;
            }
            failedReadsInARow = 0;
            readError = "";
            long t1 = System.nanoTime();
            members.removeIf(m -> m.name().equals(name));
            refused.keySet().retainAll(members.stream().map(Member::name).toList());
            // who keeps a contested subnet: the older member, by the zxid that created it - the same
            // answer on every node whatever each applied first
            members.sort(Comparator.comparingLong((Member m) -> m.stat().getCzxid()).thenComparing(Member::name));
            Map<String, Peer> desired = new HashMap<>();
            Map<String, String> skipping = new HashMap<>();
            Map<String, Parsed> seen = new HashMap<>();
            for (Member member : members) {
                String memberName = member.name();
                if (member.stat().getEphemeralOwner() == 0) {
                    // a persistent znode outlives every session: nobody's live member, and older than any
                    skipping.put(memberName, "member '" + memberName + "' is not ephemeral (a persistent znode is nobody's live member)");
                    continue;
                }
                Parsed p = parse(memberName, member);
                seen.put(memberName, p);
                if (p.error() != null) {
                    skipping.put(memberName, p.error());
                    continue;
                }
                Peer peer = p.peer();
                String refusal = ZooKeeperServers.refusal(peer, zooKeeperServers);
                Refused refusedBefore = refused.get(memberName);
                if (refusal == null && refusedBefore != null && refusedBefore.peer().equals(peer)) {
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
                    log.warn("member '{}' of cluster '{}' skipped: {}", skip.getKey(), config.cluster(), skip.getValue());
                }
            }
            skipped = Map.copyOf(skipping);
            long t3 = System.nanoTime();
            // where a sync's time goes (MembershipBenchmark -Dprofile=true logs it)
            log.debug("sync of cluster '{}': {} members ({} read) in {} ms, parsed and checked in {} ms, batch +{} -{} in {} ms",
                    config.cluster(), members.size(), lastRead, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, adding.size(),
                    removing.size(), (t3 - t2) / 1_000_000);
        } catch (KeeperException | InterruptedException e) {
            // ZooKeeper went away while reading: fail-static, the reconnect brings a full sync
            log.warn("{}; nothing changed", readError.isEmpty() ? "cannot read the members of cluster '" + config.cluster() + "': " + e : readError);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            } else {
                worker.schedule(this::scheduleSync, RETRY_SECONDS, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            failedBatches.incrementAndGet();
            log.error("membership batch of cluster '{}' not applied: {}; retrying in {} s", config.cluster(), e.getMessage(), RETRY_SECONDS, e);
            worker.schedule(this::scheduleSync, RETRY_SECONDS, TimeUnit.SECONDS);
        }
        if (!syncPending.get()) {
            // not while the burst goes on: a session's requests are answered in order, and a
            // thousand watches set now would hold up the next read by a second in the lab
            watchMembers();
        }
    }

    private Parsed parse(String memberName, Member member) {
        long mzxid = member.stat().getMzxid();
        Parsed known = parsed.get(memberName);
        if (known != null && known.mzxid() == mzxid) {
            return known;
        }
        Parsed p;
        try {
            if (member.data() == null && member.stat().getDataLength() > MemberData.MAX_BYTES) {
                throw new InvalidInputException(MemberData.tooBig(memberName, member.stat().getDataLength()));
            }
            p = new Parsed(mzxid, MemberData.parse(memberName, member.data()), null);
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
        log.info("cluster '{}': batch applied, {} member(s) added {}, {} removed {}", config.cluster(), adding.size(),
                names(adding), removing.size(), removing.size() > 20 ? "" : removing);
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

    /** {@code org.tunnelmesh:type=Membership,name=<mesh>}. */
    public ObjectName objectName() {
        try {
            return new ObjectName("org.tunnelmesh:type=Membership,name=" + name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The peers this membership manages now, by name. */
    public Map<String, Peer> appliedMembers() {
        return Map.copyOf(applied);
    }

    @Override
    public String getConnectString() {
        return config.connect();
    }

    @Override
    public String getCluster() {
        return config.cluster();
    }

    @Override
    public String getMemberPath() {
        return memberPath;
    }

    @Override
    public String getConnectionState() {
        ConnectionState state = connectionState;
        return state == null ? "NOT_CONNECTED" : state.name();
    }

    @Override
    public boolean isRegistered() {
        return registered && connected;
    }

    @Override
    public String getAuthentication() {
        if (!config.authenticated()) {
            return "none (member znodes are world-writable)";
        }
        if (!config.ownIdentity()) {
            return "digest " + config.digestUser() + " (one identity for the whole cluster: any node can rewrite another's member)";
        }
        return "digest " + config.digestUser() + " (this node's own: it alone writes its member), cluster " + config.clusterUser()
                + " (lists, creates and reads members)";
    }

    @Override
    public String getReadError() {
        return readError;
    }

    @Override
    public long getMemberRepairs() {
        return memberRepairs.get();
    }

    @Override
    public int getMemberCount() {
        return memberCount;
    }

    @Override
    public int getAppliedMembers() {
        return applied.size();
    }

    @Override
    public int getSkippedMembers() {
        return skipped.size();
    }

    @Override
    public String[] getSkippedMemberReasons() {
        return skipped.entrySet().stream().sorted(Map.Entry.comparingByKey()).map(e -> e.getValue()).toArray(String[]::new);
    }

    @Override
    public long getBatches() {
        return batches.get();
    }

    @Override
    public long getFailedBatches() {
        return failedBatches.get();
    }

    /** Leaves the cluster (the member znode goes with the session); the mesh and its peers stay as they are. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        worker.shutdown(); // a batch under way finishes: the mesh never sees half of one
        try {
            worker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
        log.info("left cluster '{}'", config.cluster());
    }
}
