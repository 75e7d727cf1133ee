package org.tunnelmesh.zookeeper;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.apache.curator.framework.AuthInfo;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TunnelMesh;
import org.tunnelmesh.TunnelMeshException;

/**
 * Takes a mesh's peers from a cluster in ZooKeeper: this node announces itself as an ephemeral
 * member znode, and every other member becomes a peer (CONTRACT.md: {@code /tunnelmesh/<cluster>/members/<name>}).
 *
 * <p>Changes arrive as bursts (a node starting, a session expiring); each burst is gathered for
 * {@link MembershipConfig#coalesce()} and applied as one batch, all or nothing, through the
 * mesh's own API - so MBeans, notifications and the state file see it as they see a JMX call. A
 * member is skipped with a WARN and counted (never applied) when its znode is not ephemeral (not a
 * live session's), its data is over {@link MemberData#MAX_BYTES} or malformed, a subnet of it holds
 * a ZooKeeper server, its encapsulation is not this node's ({@link MeshConfig#encapsulation()}; a member without one
 * is plain IPIP), it clashes with another peer (the older member, by czxid, keeps a contested
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
public final class ZooKeeperMembership implements MembershipMXBean, AutoCloseable {
    private static final Logger log = LogManager.getLogger(ZooKeeperMembership.class);

    private final MembershipContext ctx;
    private final MembershipConfig config;
    private final String name;
    private final CuratorFramework client;
    /** This node's member znode: registered, taken over, repaired. */
    private final OwnMember own;
    /** The other members, read in bounded requests, and the watches that say when to read again. */
    private final MemberReader reader;
    /** The members made the mesh's peers, a batch at a time. */
    private final MemberSync sync;

    private volatile ConnectionState connectionState;
    /** Connection events before this is set are the start's own business (it registers itself). */
    private volatile boolean started;

    private ZooKeeperMembership(MeshConfig meshConfig, MembershipConfig config) {
        this.config = config;
        this.name = meshConfig.name();
        String memberPath = config.membersPath() + "/" + name;
        byte[] memberData = MemberData.encode(
                meshConfig.underlay(),
                config.subnets(),
                meshConfig.tunnelAddress(),
                meshConfig.encapsulation(),
                meshConfig.encryptionKeyFile() != null);
        ZooKeeperServers servers = new ZooKeeperServers(config.connect());
        String ownRefusal =
                ZooKeeperServers.refusal(new Peer(name, meshConfig.underlay(), config.subnets()), servers.resolve());
        if (ownRefusal != null) {
            throw new InvalidInputException(
                    ownRefusal + ": every other node would skip this one; announce other --subnets");
        }
        CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
                .connectString(config.connect())
                .sessionTimeoutMs((int) config.sessionTimeout().toMillis())
                .connectionTimeoutMs((int) Math.min(config.sessionTimeout().toMillis(), 5000))
                // operations give up after a few seconds; the connection itself is retried for ever
                .retryPolicy(new ExponentialBackoffRetry(250, 3, 2000));
        if (config.authenticated()) {
            List<AuthInfo> identities = new ArrayList<>();
            identities.add(new AuthInfo(
                    "digest", (config.digestUser() + ":" + config.digestPassword()).getBytes(StandardCharsets.UTF_8)));
            if (config.ownIdentity()) {
                identities.add(new AuthInfo(
                        "digest",
                        (config.clusterUser() + ":" + config.clusterPassword()).getBytes(StandardCharsets.UTF_8)));
            }
            builder.authorization(identities).aclProvider(OwnMember.acls(config, memberPath));
        }
        this.client = builder.build();
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "tunnelmesh-membership-" + name);
            t.setDaemon(true);
            return t;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.ctx = new MembershipContext(config, name, meshConfig.encapsulation(), client, executor);
        this.own = new OwnMember(ctx, memberData);
        this.reader = new MemberReader(ctx, this::scheduleSync);
        this.sync = new MemberSync(ctx, reader, servers);
    }

    /**
     * Joins the cluster. Waits up to {@link MembershipConfig#joinTimeout()} for ZooKeeper; when it
     * answers, registers this node's member at once, and when it does not, goes on with the peers
     * the mesh already has (restored from its state file) and registers once it answers.
     *
     * @param mesh the mesh to change (its MBeans, if exported, count the latency of these changes too)
     * @param config how to join
     * @return the membership; close it to leave the cluster (the mesh keeps its peers)
     * @throws ConflictException when a live member of the same name has other data (nothing changed)
     * @throws InvalidInputException as {@link #connect}
     * @throws IllegalStateException when ZooKeeper answers but refuses the member: NoAuth (wrong digest user or
     *     password, or the parents' ACL), or the member keeps changing under this node
     * @throws org.tunnelmesh.TunnelMeshException when the thread is interrupted while waiting for ZooKeeper
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
     * @param meshConfig the configuration the mesh will be opened with: its name is the member's, its underlay the
     *     address announced
     * @param config how to join
     * @return the membership, registered when ZooKeeper answered within {@link MembershipConfig#joinTimeout()}
     * @throws ConflictException when a live member of the same name has other data
     * @throws InvalidInputException when this node's own subnets hold a ZooKeeper server, or its member data is over 1024 bytes
     * @throws IllegalStateException when ZooKeeper answers but refuses the member: NoAuth (wrong digest user or
     *     password, or the parents' ACL), or the member keeps changing under this node
     * @throws org.tunnelmesh.TunnelMeshException when the thread is interrupted while waiting for ZooKeeper
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
     *
     * @param mesh the mesh to change; the one whose configuration went to {@link #connect}
     */
    public void follow(TunnelMesh mesh) {
        sync.follow(mesh);
        log.info(
                "member '{}' of cluster '{}' on {}: {} {}, {} last known member(s)",
                name,
                config.cluster(),
                config.connect(),
                mesh.config().underlay(),
                config.subnets(),
                sync.appliedCount());
    }

    private void start() {
        if (!config.authenticated()) {
            log.warn(
                    "ZooKeeper membership without authentication: the member znodes under {} are world-writable, so anyone "
                            + "who reaches {} can route this node's traffic; configure digest authentication",
                    config.membersPath(),
                    config.connect());
        } else if (!config.ownIdentity()) {
            log.warn(
                    "ZooKeeper identity '{}' is the whole cluster's: any node can rewrite another's member; give each node an "
                            + "identity of its own (--zookeeper-auth-file: this node's USER:PASSWORD, then the cluster's)",
                    config.digestUser());
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
            ctx.connected = true;
            own.register(true);
            own.checkParentAcl();
            started = true;
        } else {
            started = true;
            if (client.getZookeeperClient().isConnected()) {
                stateChanged(ConnectionState.CONNECTED); // it answered just after the wait
            }
            log.warn(
                    "ZooKeeper {} does not answer: keeping the last known members of cluster '{}' and joining when it answers",
                    config.connect(),
                    config.cluster());
        }
    }

    /** Curator's connection states: fail-static while ZooKeeper is away, register and compare everything when it is back. */
    private void stateChanged(ConnectionState state) {
        connectionState = state;
        switch (state) {
            case SUSPENDED, LOST -> {
                ctx.connected = false;
                if (state == ConnectionState.LOST) {
                    own.lost();
                }
                ctx.worker.execute(sync::releaseControlPlane);
                log.warn(
                        "ZooKeeper connection {}: fail-static, the mesh keeps its {} member peer(s) as they are",
                        state,
                        sync.appliedCount());
            }
            case CONNECTED, RECONNECTED -> {
                if (!started) {
                    return;
                }
                ctx.connected = true;
                log.info("ZooKeeper connection {}: registering and resynchronising in full", state);
                reader.readAllNext();
                ctx.worker.execute(() -> {
                    own.registerQuietly();
                    sync.schedule(); // reads all members, and so sets every watch again
                });
            }
            default -> {}
        }
    }

    /** What the reader's watches call; the sync is made after the reader, so not a reference to it. */
    private void scheduleSync() {
        sync.schedule();
    }

    /** {@return the name to register this MXBean under: {@code org.tunnelmesh:type=Membership,name=<mesh>}} */
    public ObjectName objectName() {
        try {
            return new ObjectName("org.tunnelmesh:type=Membership,name=" + name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@return the peers this membership manages now, by name} */
    public Map<String, Peer> appliedMembers() {
        return sync.applied();
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
        return own.path();
    }

    @Override
    public String getConnectionState() {
        ConnectionState state = connectionState;
        return state == null ? "NOT_CONNECTED" : state.name();
    }

    @Override
    public boolean isRegistered() {
        return own.registered() && ctx.connected;
    }

    @Override
    public String getAuthentication() {
        if (!config.authenticated()) {
            return "none (member znodes are world-writable)";
        }
        if (!config.ownIdentity()) {
            return "digest " + config.digestUser()
                    + " (one identity for the whole cluster: any node can rewrite another's member)";
        }
        return "digest " + config.digestUser() + " (this node's own: it alone writes its member), cluster "
                + config.clusterUser() + " (lists, creates and reads members)";
    }

    @Override
    public String getReadError() {
        return reader.readError();
    }

    @Override
    public long getMemberRepairs() {
        return own.repairs();
    }

    @Override
    public int getMemberCount() {
        return sync.memberCount();
    }

    @Override
    public int getAppliedMembers() {
        return sync.appliedCount();
    }

    @Override
    public int getSkippedMembers() {
        return sync.skipped().size();
    }

    @Override
    public String[] getSkippedMemberReasons() {
        return sync.skipped().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> e.getValue())
                .toArray(String[]::new);
    }

    @Override
    public long getBatches() {
        return sync.batches();
    }

    @Override
    public long getFailedBatches() {
        return sync.failedBatches();
    }

    /** Leaves the cluster (the member znode goes with the session); the mesh and its peers stay as they are. */
    @Override
    public void close() {
        if (ctx.closed) {
            return;
        }
        ctx.closed = true;
        ctx.worker.shutdown(); // a batch under way finishes: the mesh never sees half of one
        try {
            ctx.worker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
        log.info("left cluster '{}'", config.cluster());
    }
}
