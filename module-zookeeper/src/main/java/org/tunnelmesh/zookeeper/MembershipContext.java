package org.tunnelmesh.zookeeper;

import java.util.concurrent.ScheduledExecutorService;
import org.apache.curator.framework.CuratorFramework;
import org.tunnelmesh.Encapsulation;

/**
 * What the parts of a membership share: the configuration, the Curator client, the one thread that
 * does all their work, and whether ZooKeeper answers.
 */
final class MembershipContext {
    /** How long a failed registration, check of the own member or sync waits before it is tried again. */
    static final long RETRY_SECONDS = 5;

    final MembershipConfig config;
    /** This node's name, and its member's. */
    final String name;

    /** This node's encapsulation: members with another are skipped. */
    final Encapsulation encapsulation;

    final CuratorFramework client;
    final ScheduledExecutorService worker;
    /** False from SUSPENDED or LOST until CONNECTED or RECONNECTED: nothing is read or written meanwhile. */
    volatile boolean connected;

    volatile boolean closed;

    MembershipContext(
            MembershipConfig config,
            String name,
            Encapsulation encapsulation,
            CuratorFramework client,
            ScheduledExecutorService worker) {
        this.config = config;
        this.name = name;
        this.encapsulation = encapsulation;
        this.client = client;
        this.worker = worker;
    }

    /** {@code /tunnelmesh/<cluster>/members/<member>}. */
    String memberPath(String member) {
        return config.membersPath() + "/" + member;
    }
}
