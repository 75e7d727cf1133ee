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

    /** Digest authentication in use (znodes readable and writable only by that user), or none. */
    String getAuthentication();

    /** Other members seen in the cluster, applied or not. */
    int getMemberCount();

    /** Members currently applied as peers. */
    int getAppliedMembers();

    /** Members skipped because their data is malformed or conflicts with another peer. */
    int getSkippedMembers();

    /** Each skipped member and why. */
    String[] getSkippedMemberReasons();

    /** Batches applied (each: the changes of one burst, all or nothing). */
    long getBatches();

    /** Batches the mesh refused (rolled back, retried later). */
    long getFailedBatches();
}
