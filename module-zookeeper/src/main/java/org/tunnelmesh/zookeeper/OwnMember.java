package org.tunnelmesh.zookeeper;

import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.tunnelmesh.ConflictException;

/**
 * This node's own member znode: created, taken over from an earlier session of this node, watched,
 * and repaired when someone else rewrites or deletes it.
 *
 * <p>Not Curator's {@code PersistentNode}: when the znode exists it takes it as its own and writes
 * its data over it, whoever's session owns it - another live node using our name would be
 * overwritten instead of refused.
 */
@SuppressWarnings(
        "FutureReturnValueIgnored") // the worker's tasks catch and log their own failures: no future holds one
final class OwnMember {
    // the membership's logger: operators select its lines by that name
    private static final Logger log = LogManager.getLogger(ZooKeeperMembership.class);

    private final MembershipContext ctx;
    private final CuratorFramework client;
    private final String path;
    private final byte[] data;
    /** A watch on this node's own member: a rewrite or a delete by anyone else is repaired. */
    private final Watcher changed = this::changed;

    private volatile boolean registered;
    private final AtomicLong repairs = new AtomicLong();

    OwnMember(MembershipContext ctx, byte[] data) {
        this.ctx = ctx;
        this.client = ctx.client;
        this.path = ctx.memberPath(ctx.name);
        this.data = data;
    }

    String path() {
        return path;
    }

    /** Whether the member is in place as far as this node knows (a lost session takes it away). */
    boolean registered() {
        return registered;
    }

    /** Times the member was found rewritten or deleted by someone else and restored. */
    long repairs() {
        return repairs.get();
    }

    /** The session is lost, and its ephemeral member with it. */
    void lost() {
        registered = false;
    }

    /**
     * The ACLs of the znodes a node makes with digest authentication. Its member: all for the node's
     * own identity, read for the cluster's. The members' parents, when a node has to make them:
     * read and create for the cluster's identity, and no delete for anyone (deleting a child takes
     * DELETE on its parent; ephemeral members go with their session regardless). {@code /tunnelmesh}
     * itself: read and create for anyone, so that each cluster can make its own directory.
     * Explicit digest ids, not the "auth" scheme, which would give all to every identity of the session.
     */
    static ACLProvider acls(MembershipConfig config, String memberPath) {
        return new MemberAcls(config, memberPath);
    }

    private static final class MemberAcls implements ACLProvider {
        private final String memberPath;
        private final List<ACL> member;
        private final List<ACL> parents;

        MemberAcls(MembershipConfig config, String memberPath) {
            this.memberPath = memberPath;
            Id own = digestId(config.digestUser(), config.digestPassword());
            Id cluster = config.ownIdentity() ? digestId(config.clusterUser(), config.clusterPassword()) : own;
            // mutable lists: ZooKeeper asks them contains(null), which List.of refuses
            this.member = new ArrayList<>(
                    config.ownIdentity()
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
            return path.equals("/tunnelmesh")
                    ? new ArrayList<>(
                            List.of(new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.CREATE, ZooDefs.Ids.ANYONE_ID_UNSAFE)))
                    : parents;
        }
    }

    /**
     * Warns when the members' parent lets others than the cluster delete members, or lets anyone
     * create one: made by an older version (all for one shared identity), by hand, or by someone
     * who got there first.
     */
    void checkParentAcl() {
        MembershipConfig config = ctx.config;
        if (!config.authenticated()) {
            return;
        }
        try {
            for (ACL acl : client.getACL().forPath(config.membersPath())) {
                boolean anyone = acl.getId().equals(ZooDefs.Ids.ANYONE_ID_UNSAFE);
                if ((acl.getPerms() & (ZooDefs.Perms.DELETE | ZooDefs.Perms.WRITE | ZooDefs.Perms.ADMIN)) != 0
                        || (anyone && (acl.getPerms() & ZooDefs.Perms.CREATE) != 0)) {
                    log.warn(
                            "the ACL of {} gives {}:{} {}: {}; set it to READ and CREATE for the cluster's identity only "
                                    + "(an admin identity may keep ALL)",
                            config.membersPath(),
                            acl.getId().getScheme(),
                            acl.getId().getId(),
                            permissions(acl.getPerms()),
                            anyone ? "anyone can add members" : "that identity can delete other nodes' members");
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

    /** {@link #register} on the worker thread, after a reconnect or a loss: a failure is logged and tried again. */
    void registerQuietly() {
        if (ctx.closed) {
            return;
        }
        try {
            register(false);
        } catch (RuntimeException e) {
            log.error(
                    "cannot register member {}: {}; retrying in {} s",
                    path,
                    e.getMessage(),
                    MembershipContext.RETRY_SECONDS);
            ctx.worker.schedule(this::registerQuietly, MembershipContext.RETRY_SECONDS, TimeUnit.SECONDS);
        }
    }

    /**
     * Puts this node's ephemeral member in place. A member of the same name left by an earlier
     * session of this node (same data: a restart quicker than the session timeout) is replaced, or,
     * where this node may not delete it (authenticated: nobody may delete under members/), taken
     * over once that session expires; one with other data is another live node using our name.
     */
    synchronized void register(boolean atStart) {
        try {
            for (int attempt = 0; attempt < 3; attempt++) {
                try {
                    client.create()
                            .creatingParentContainersIfNeeded()
                            .withMode(CreateMode.EPHEMERAL)
                            .forPath(path, data);
                    registered = true;
                    log.info("registered member {}", path);
                    watch();
                    return;
                } catch (KeeperException.NodeExistsException e) {
                    Stat stat = new Stat();
                    byte[] existing;
                    try {
                        existing = client.getData().storingStatIn(stat).forPath(path);
                    } catch (KeeperException.NoNodeException gone) {
                        continue;
                    }
                    long session = client.getZookeeperClient().getZooKeeper().getSessionId();
                    if (stat.getEphemeralOwner() == session) {
                        if (!Arrays.equals(existing, data)) {
                            client.setData().forPath(path, data);
                        }
                        registered = true;
                        watch();
                        return;
                    }
                    if (!Arrays.equals(existing, data)) {
                        String message = "member name '" + ctx.name + "' is taken in cluster '" + ctx.config.cluster()
                                + "' by a live member with other data " + new String(existing, StandardCharsets.UTF_8)
                                + " (this node: " + new String(data, StandardCharsets.UTF_8)
                                + "); give this node another --name, or stop the other one";
                        if (atStart) {
                            throw new ConflictException(message);
                        }
                        throw new IllegalStateException(message);
                    }
                    try {
                        client.delete().withVersion(stat.getVersion()).forPath(path);
                        log.info("replaced member {} left by an earlier session of this node", path);
                    } catch (KeeperException.NoNodeException | KeeperException.BadVersionException raced) {
                        // gone or changed meanwhile: look again
                    } catch (KeeperException.NoAuthException notOurs) {
                        registered = false;
                        log.info(
                                "member {} of an earlier session of this node stays until that session expires; registering then",
                                path);
                        if (client.checkExists().usingWatcher(changed).forPath(path) != null) {
                            return;
                        }
                    }
                }
            }
            throw new IllegalStateException("member " + path + " keeps changing under this node");
        } catch (ConflictException | IllegalStateException e) {
            throw e;
        } catch (KeeperException.NoAuthException e) {
            throw new IllegalStateException(
                    "ZooKeeper refuses to let this node write " + path
                            + " (NoAuth): check the digest user and password, and the ACL of "
                            + ctx.config.membersPath(),
                    e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot register member " + path + ": " + e, e);
        }
    }

    private void changed(WatchedEvent event) {
        if (event.getType() != Watcher.Event.EventType.None && !ctx.closed) {
            ctx.worker.execute(this::check);
        }
    }

    /** Sets the watch on this node's own member. */
    private void watch() throws Exception {
        if (client.checkExists().usingWatcher(changed).forPath(path) == null) {
            ctx.worker.execute(this::check); // deleted already
        }
    }

    /**
     * Looks at this node's own member after a change: restores its data when someone rewrote it, and
     * registers again when it is gone. Only the node's own identity (or ZooKeeper's superuser) can
     * do either when authenticated; without authentication anyone can.
     */
    private void check() {
        if (ctx.closed || !ctx.connected) {
            return; // the reconnect registers
        }
        if (!registered) {
            registerQuietly();
            return;
        }
        try {
            Stat stat = new Stat();
            byte[] found =
                    client.getData().storingStatIn(stat).usingWatcher(changed).forPath(path);
            if (stat.getEphemeralOwner()
                    != client.getZookeeperClient().getZooKeeper().getSessionId()) {
                registered = false;
                log.warn(
                        "member {} was replaced by a znode that is not this node's ({}): registering again once it goes",
                        path,
                        new String(found, StandardCharsets.UTF_8));
            } else if (!Arrays.equals(found, data)) {
                client.setData().withVersion(stat.getVersion()).forPath(path, data);
                repairs.incrementAndGet();
                log.warn(
                        "member {} was rewritten by someone else to {}: restored",
                        path,
                        new String(found, StandardCharsets.UTF_8));
            }
        } catch (KeeperException.NoNodeException e) {
            registered = false;
            repairs.incrementAndGet();
            log.warn("member {} was deleted by someone else while this node is live: registering it again", path);
            registerQuietly();
        } catch (Exception e) {
            log.warn(
                    "cannot check member {}: {}; checking again in {} s",
                    path,
                    e.toString(),
                    MembershipContext.RETRY_SECONDS);
            ctx.worker.schedule(this::check, MembershipContext.RETRY_SECONDS, TimeUnit.SECONDS);
        }
    }
}
