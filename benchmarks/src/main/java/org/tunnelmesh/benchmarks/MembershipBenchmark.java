package org.tunnelmesh.benchmarks;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.retry.RetryNTimes;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.zookeeper.CreateMode;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshListener;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TunnelMesh;
import org.tunnelmesh.jmx.MeshMBeans;
import org.tunnelmesh.linux.LinuxTunnelMesh;
import org.tunnelmesh.zookeeper.MembershipConfig;
import org.tunnelmesh.zookeeper.ZooKeeperMembership;

/**
 * Membership from ZooKeeper, measured in the kernel lab (run: {@code lab/benchmark-zookeeper}):
 * a node (mesh, MBeans, membership) in this process's network namespace, and a test client that
 * registers 1,000 members at once (multi requests of 100) - how long until all 1,000 are routes in
 * the kernel, a warm-up round and the median of three - then adds and removes one member at a
 * time - how long from the change in ZooKeeper to the route.
 * Member underlays are private addresses that never carry traffic (10.200.0.0/16).
 */
public final class MembershipBenchmark {
    private static final int MEMBERS = 1000;
    private static final int CHANGES = 200;
    private static final int ROUNDS = 3;

    private MembershipBenchmark() {}

    public static void main(String[] args) throws Exception {
        String connect = args.length > 0 ? args[0] : "10.245.1.1:2181";
        // --no-mbeans: the membership changes the bare mesh, to see what the MBeans cost
        boolean withMBeans = !(args.length > 1 && args[1].equals("--no-mbeans"));
        Configurator.setAllLevels("org.tunnelmesh", Level.ERROR);
        Configurator.setAllLevels("org.apache.zookeeper", Level.ERROR);
        Configurator.setAllLevels("org.apache.curator", Level.ERROR);
        if (Boolean.getBoolean("profile")) { // each sync's read, check and batch times
            Configurator.setLevel("org.tunnelmesh.zookeeper.ZooKeeperMembership", Level.DEBUG);
        }
        System.out.printf(
                Locale.ROOT,
                "tunnelmesh membership benchmark: ZooKeeper %s, %d CPU(s), Java %s%n",
                connect,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        MeshConfig config = MeshConfig.builder()
                .name("node1")
                .underlay("10.245.1.2")
                .tunnelAddress("192.168.41.0")
                .build();
        BlockingQueue<Long> changes = new LinkedBlockingQueue<>();
        AtomicLong lastAdded = new AtomicLong();
        try (LinuxTunnelMesh linux = LinuxTunnelMesh.open(config);
                MeshMBeans mbeans =
                        withMBeans ? MeshMBeans.export(linux, ManagementFactory.getPlatformMBeanServer()) : null) {
            TunnelMesh mesh = withMBeans ? mbeans.mesh() : linux;
            System.out.println(
                    withMBeans
                            ? "changes go through the MBeans' mesh (Peer MBeans, notifications, histograms)"
                            : "changes go to the bare mesh (no MBeans)");
            linux.addListener(new MeshListener() {
                @Override
                public void peerAdded(Peer peer) {
                    long now = System.nanoTime();
                    lastAdded.set(now);
                    changes.add(now);
                }

                @Override
                public void peerRemoved(Peer peer) {
                    changes.add(System.nanoTime());
                }
            });
            double[] converged = new double[ROUNDS];
            for (int round = 0; round <= ROUNDS; round++) {
                try (CuratorFramework client = client(connect);
                        ZooKeeperMembership membership = ZooKeeperMembership.join(
                                mesh,
                                MembershipConfig.builder()
                                        .connect(connect)
                                        .cluster("bench" + round)
                                        .subnets("192.168.41.0/24")
                                        .build())) {
                    Thread.sleep(1000); // the membership's first (empty) sync
                    changes.clear();
                    long start = System.nanoTime();
                    // the test client registers the members in multi requests of 100 (ZooKeeper's "transaction")
                    for (int first = 0; first < MEMBERS; first += 100) {
                        List<CuratorOp> ops = new ArrayList<>();
                        for (int i = first; i < first + 100; i++) {
                            ops.add(client.transactionOp()
                                    .create()
                                    .withMode(CreateMode.EPHEMERAL)
                                    .forPath("/tunnelmesh/bench" + round + "/members/m" + i, data(i)));
                        }
                        client.transaction().forOperations(ops);
                    }
                    double registered = millis(System.nanoTime() - start);
                    for (int i = 0; i < MEMBERS; i++) {
                        if (changes.poll(120, TimeUnit.SECONDS) == null) {
                            throw new IllegalStateException("only " + i + " members applied after 120 s");
                        }
                    }
                    double all = millis(lastAdded.get() - start);
                    for (int wait = 0; membership.getAppliedMembers() < MEMBERS && wait < 1000; wait++) {
                        Thread.sleep(10); // the batch counter moves just after the last route's event
                    }
                    System.out.printf(
                            Locale.ROOT,
                            "%s: %d members registered in %.0f ms; all %d routes in the kernel %.0f ms after the "
                                    + "first registration (%.0f ms after the last), in %d batch(es); %d mesh routes counted by ip%n",
                            round == 0 ? "warm-up" : "round " + round,
                            MEMBERS,
                            registered,
                            MEMBERS,
                            all,
                            all - registered,
                            membership.getBatches(),
                            countRoutes());
                    if (round > 0) {
                        converged[round - 1] = all;
                    }
                }
                linux.purge();
            }
            String rounds = Arrays.toString(
                    Arrays.stream(converged).mapToLong(Math::round).toArray());
            Arrays.sort(converged);
            System.out.printf(
                    Locale.ROOT,
                    "1,000 members to 1,000 routes: median of %d rounds %.0f ms, spread %.0f ms (rounds %s ms)%n",
                    ROUNDS,
                    converged[ROUNDS / 2],
                    converged[ROUNDS - 1] - converged[0],
                    rounds);

            try (CuratorFramework client = client(connect);
                    ZooKeeperMembership membership = ZooKeeperMembership.join(
                            mesh,
                            MembershipConfig.builder()
                                    .connect(connect)
                                    .cluster("changes")
                                    .subnets("192.168.41.0/24")
                                    .build())) {
                Thread.sleep(1000);
                changes.clear();
                double[] latency = new double[CHANGES];
                for (int i = 0; i < CHANGES; i++) {
                    String path = "/tunnelmesh/changes/members/x" + (i / 2);
                    long t0 = System.nanoTime();
                    if (i % 2 == 0) {
                        client.create()
                                .creatingParentsIfNeeded()
                                .withMode(CreateMode.EPHEMERAL)
                                .forPath(path, data(i / 2));
                    } else {
                        client.delete().forPath(path);
                    }
                    Long applied = changes.poll(60, TimeUnit.SECONDS);
                    if (applied == null) {
                        throw new IllegalStateException("change " + i + " not applied within 60 s");
                    }
                    latency[i] = millis(applied - t0);
                }
                Arrays.sort(latency);
                System.out.printf(
                        Locale.ROOT,
                        "member change to route (%d changes, one at a time: add, remove, ...; coalescing %d ms): "
                                + "p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                        CHANGES,
                        MembershipConfig.DEFAULT_COALESCE.toMillis(),
                        latency[CHANGES / 2],
                        latency[(int) Math.ceil(CHANGES * 0.99) - 1],
                        latency[CHANGES - 1]);
            }
            linux.purge();
        }
    }

    private static CuratorFramework client(String connect) throws InterruptedException {
        CuratorFramework client = CuratorFrameworkFactory.newClient(connect, 30_000, 10_000, new RetryNTimes(60, 1000));
        client.start();
        if (!client.blockUntilConnected(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("ZooKeeper " + connect + " does not answer");
        }
        return client;
    }

    /** Member i: underlay 10.200.(i/250).(i%250+1), subnet 10.(100+i/256).(i%256).0/24. */
    private static byte[] data(int i) {
        return ("{\"underlay\":\"10.200." + (i / 250) + "." + (i % 250 + 1) + "\",\"subnets\":[\"10." + (100 + i / 256)
                        + "." + (i % 256) + ".0/24\"]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static int countRoutes() throws Exception {
        Process ip = new ProcessBuilder("ip", "route", "show", "proto", "87")
                .redirectErrorStream(true)
                .start();
        String out = new String(ip.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        ip.waitFor();
        return (int) out.lines().count();
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }
}
