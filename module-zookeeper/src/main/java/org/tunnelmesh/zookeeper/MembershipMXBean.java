package org.tunnelmesh.zookeeper;

/** {@code org.tunnelmesh:type=Membership,name=<mesh>}: where the peers come from and how that is going. */
public interface MembershipMXBean {
    /** {@return the ZooKeeper ensemble, {@code host:port[,host:port...]}} */
    String getConnectString();

    /** {@return the cluster's name: members live under {@code /tunnelmesh/<cluster>/members}} */
    String getCluster();

    /** {@return the znode of this node's member} */
    String getMemberPath();

    /** {@return CONNECTED, SUSPENDED, LOST, RECONNECTED, or NOT_CONNECTED before the first connection} */
    String getConnectionState();

    /** {@return whether this node's member znode is in place (false while ZooKeeper is unreachable)} */
    boolean isRegistered();

    /**
     * {@return the digest authentication in use: this node's own identity (the only one that may write its
     * member) and the cluster's (lists, creates and reads members), or one identity for the whole
     * cluster, or none}
     */
    String getAuthentication();

    /** {@return the other members seen in the cluster, applied or not} */
    int getMemberCount();

    /** {@return the members currently applied as peers} */
    int getAppliedMembers();

    /**
     * {@return the members skipped: not ephemeral, data over 1024 bytes or malformed, a subnet holding a
     * ZooKeeper server, an encapsulation other than this node's, a conflict with another peer, or refused by the mesh}
     */
    int getSkippedMembers();

    /** {@return each skipped member and why, one a line} */
    String[] getSkippedMemberReasons();

    /** {@return the batches applied (each: the changes of one burst, all or nothing)} */
    long getBatches();

    /** {@return the batches the mesh refused (rolled back, retried later)} */
    long getFailedBatches();

    /** {@return why the last read of the member list failed (it is retried); empty when it worked} */
    String getReadError();

    /** {@return the times this node found its own member rewritten or deleted by someone else and restored it} */
    long getMemberRepairs();
}
