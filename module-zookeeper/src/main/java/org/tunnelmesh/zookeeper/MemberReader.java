package org.tunnelmesh.zookeeper;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.ZKConfig;
import org.apache.zookeeper.data.Stat;

/**
 * Reads the members of the cluster, and keeps the watches that say when to read them again. A read
 * fetches only the members that are new or changed since the last one (by zxid), and never a reply
 * over the client's packet limit. Only the worker thread reads.
 */
final class MemberReader {
    /** Most members per read request. */
    private static final int READ_CHUNK = 500;
    /** What a member costs in a read reply besides its data: the result header, the data's length, the stat. */
    private static final int READ_OVERHEAD = 128;

    /** A member as read from ZooKeeper; {@code data} is null when it is over the size limit, and so not read. */
    @SuppressWarnings("ArrayRecordComponent") // read once, never compared or hashed
    record Member(String name, byte[] data, Stat stat) {}

    private final MembershipContext ctx;
    private final CuratorFramework client;
    /** Called when the members may have changed: schedules a sync, which reads them. */
    private final Runnable onChange;
    /**
     * A one-shot watch on the list of members, set again by each read: a burst of a thousand
     * members joining fires it once or twice, not a thousand times (in the lab, a notification per
     * member kept the node's connection busy for most of a second).
     */
    private final Watcher membersChanged;
    /** A one-shot watch on each member's data, set once it is read: a member whose data changes is read again. */
    private final Watcher memberChanged;
    /** How many members the last read fetched. */
    private int lastRead;
    /** Why the last read of the members failed; empty when it worked. */
    private volatile String readError = "";

    private int failedReadsInARow;
    /** Members as last read, by name. */
    private final Map<String, Member> known = new HashMap<>();
    /** Members read whose data watch is still to be set, with the mzxid read. */
    private final Map<String, Long> unwatched = new HashMap<>();
    /**
     * Members whose data changed, with the zxid of the change (ZooKeeper 3.9 sends it with the
     * event): a member read at that zxid or later is not read again.
     */
    private final Map<String, Long> changedMembers = new ConcurrentHashMap<>();
    /**
     * Read every member's data at the next read, not only new and changed ones: at the start, after
     * a reconnect (a new session has no watches) and after a failed read.
     */
    private final AtomicBoolean readAll = new AtomicBoolean(true);

    MemberReader(MembershipContext ctx, Runnable onChange) {
        this.ctx = ctx;
        this.client = ctx.client;
        this.onChange = onChange;
        this.membersChanged = event -> {
            if (event.getType() != Watcher.Event.EventType.None) {
                onChange.run();
            }
        };
        this.memberChanged = event -> {
            String path = event.getPath();
            if (path != null && event.getType() == Watcher.Event.EventType.NodeDataChanged) {
                noteChanged(path.substring(path.lastIndexOf('/') + 1), event.getZxid());
                onChange.run();
            } else if (path != null && event.getType() == Watcher.Event.EventType.NodeDeleted) {
                noteChanged(
                        path.substring(path.lastIndexOf('/') + 1),
                        -1); // if it is back by the next read, it is another znode
                onChange.run();
            }
        };
    }

    /** Makes the next read fetch every member's data: a new session has no watches. */
    void readAllNext() {
        readAll.set(true);
    }

    /** Whether the next read fetches every member's data. */
    boolean readsAllNext() {
        return readAll.get();
    }

    /** How many members the last read fetched. */
    int lastRead() {
        return lastRead;
    }

    /** Why the last read of the members failed; empty when it worked. */
    String readError() {
        return readError;
    }

    /** Reads the members (see {@link #readMembers}); a failure is kept as {@link #readError}. */
    List<Member> read() throws Exception {
        List<Member> members;
        try {
            members = readMembers();
        } catch (KeeperException e) {
            failedReadsInARow++;
            readError = "cannot read the members of cluster '" + ctx.config.cluster() + "' (" + failedReadsInARow
                    + " time(s) in a row, last at "
                    + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "): " + e.getMessage()
                    + (e instanceof KeeperException.ConnectionLossException
                            ? "; a reply over the client's packet limit (jute.maxbuffer) "
                                    + "also ends the connection like this: see this node's log for \"Packet len\""
                            : "");
            throw e;
        }
        failedReadsInARow = 0;
        readError = "";
        return members;
    }

    private void noteChanged(String member, long zxid) {
        changedMembers.merge(
                member, zxid < 0 ? Long.MAX_VALUE : zxid, Math::max); // an older server sends no zxid: read again
    }

    /**
     * Sets the data watch of each member read since the last call, in the background, once a burst
     * is applied (not on the way to the routes). A member changed or gone between its read and its
     * watch is seen here by its stat.
     */
    void watchMembers() {
        if (unwatched.isEmpty() || ctx.closed || !ctx.connected) {
            return;
        }
        for (Map.Entry<String, Long> member : unwatched.entrySet()) {
            String memberName = member.getKey();
            long readAt = member.getValue();
            try {
                client.checkExists()
                        .usingWatcher(memberChanged)
                        .inBackground((c, event) -> {
                            int code = event.getResultCode();
                            if (code != KeeperException.Code.OK.intValue()
                                    && code != KeeperException.Code.NONODE.intValue()) {
                                readAll.set(
                                        true); // the watch may be missing: the next sync reads and watches everything
                            } else if (event.getStat() == null) {
                                onChange.run();
                            } else if (event.getStat().getMzxid() > readAt) {
                                noteChanged(memberName, event.getStat().getMzxid());
                                onChange.run();
                            }
                        })
                        .forPath(ctx.memberPath(memberName));
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
                names = client.getChildren().usingWatcher(membersChanged).forPath(ctx.config.membersPath());
            } catch (KeeperException.NoNodeException e) {
                known.clear();
                if (client.checkExists().usingWatcher(membersChanged).forPath(ctx.config.membersPath()) != null) {
                    onChange.run(); // made meanwhile
                }
                return List.of();
            }
            known.keySet().retainAll(new HashSet<>(names));
            // events lag behind reads: a member read after its change came is not read again for that change
            List<String> reading = all
                    ? names
                    : names.stream()
                            .filter(n -> !known.containsKey(n)
                                    || changed.getOrDefault(n, 0L)
                                            > known.get(n).stat().getMzxid())
                            .toList();
            lastRead = reading.size();
            ZooKeeper zooKeeper = client.getZookeeperClient().getZooKeeper();
            Map<String, Stat> stats = stats(zooKeeper, reading);
            long budget = zooKeeper
                            .getClientConfig()
                            .getInt(ZKConfig.JUTE_MAXBUFFER, ZKClientConfig.CLIENT_MAX_PACKET_LENGTH_DEFAULT)
                    / 2;
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
    private Map<String, Stat> stats(ZooKeeper zooKeeper, List<String> names)
            throws KeeperException, InterruptedException {
        Map<String, Stat> stats = new ConcurrentHashMap<>();
        AtomicReference<KeeperException.Code> failure = new AtomicReference<>();
        CountDownLatch answered = new CountDownLatch(names.size());
        for (String member : names) {
            zooKeeper.exists(
                    ctx.memberPath(member),
                    false,
                    (rc, path, context, stat) -> {
                        if (rc == KeeperException.Code.OK.intValue()) {
                            stats.put(member, stat);
                        } else if (rc != KeeperException.Code.NONODE.intValue()) {
                            failure.compareAndSet(null, KeeperException.Code.get(rc));
                        }
                        answered.countDown();
                    },
                    null);
        }
        // a lost connection answers every pending request with CONNECTIONLOSS: the wait ends
        if (!answered.await(ctx.config.sessionTimeout().toMillis() * 2, TimeUnit.MILLISECONDS)) {
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
            reads.add(Op.getData(ctx.memberPath(member)));
        }
        List<OpResult> results = zooKeeper.multi(reads);
        for (int i = 0; i < chunk.size(); i++) {
            if (results.get(i) instanceof OpResult.GetDataResult data) {
                byte[] bytes =
                        data.getData() != null && data.getData().length > MemberData.MAX_BYTES ? null : data.getData();
                known.put(chunk.get(i), new Member(chunk.get(i), bytes, data.getStat()));
                unwatched.put(chunk.get(i), data.getStat().getMzxid());
            } else {
                known.remove(chunk.get(i));
            }
        }
    }
}
