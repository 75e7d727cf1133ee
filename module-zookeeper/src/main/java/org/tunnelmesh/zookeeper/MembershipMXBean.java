package org.tunnelmesh.zookeeper;

/** {@code org.tunnelmesh:type=Membership,name=<mesh>}: where the peers come from and how that is going. */
public interface MembershipMXBean {
    /** The ZooKeeper ensemble. */
    String getConnectString();

    String getCluster();

    /** The znode of this node's member. */
    String getMemberPath();

    /** CONNECTED, SUSPENDED, LOST, RECONNECTED, or NOT_CONNECTED before the first connection. */
    String getConnectionState();

    /** Whether this node's member znode is in place (false while ZooKeeper is unreachable). */
    boolean isRegistered();

    /**
     * Digest authentication in use: this node's own identity (the only one that may write its
     * member) and the cluster's (lists, creates and reads members), or one identity for the whole
     * cluster, or none.
     */
    String getAuthentication();

    /** Other members seen in the cluster, applied or not. */
    int getMemberCount();

    /** Members currently applied as peers. */
    int getAppliedMembers();

    /**
     * Members skipped: not ephemeral, data over 1024 bytes or malformed, a subnet holding a
     * ZooKeeper server, a conflict with another peer, or refused by the mesh.
     */
    int getSkippedMembers();

    /** Each skipped member and why. */
    String[] getSkippedMemberReasons();

    /** Batches applied (each: the changes of one burst, all or nothing). */
    long getBatches();

    /** Batches the mesh refused (rolled back, retried later). */
    long getFailedBatches();

    /** Why the last read of the member list failed (it is retried); empty when it worked. */
    String getReadError();

    /** Times this node found its own member rewritten or deleted by someone else and restored it. */
    long getMemberRepairs();
}
