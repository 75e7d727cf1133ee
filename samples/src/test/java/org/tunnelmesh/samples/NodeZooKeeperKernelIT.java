package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.LabKernel.routes;
import static org.tunnelmesh.linux.LabKernel.snapshot;
import static org.tunnelmesh.samples.LabNode.sh;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.AuthInfo;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.linux.LabKernel;

/**
 * Nodes that take their peers from ZooKeeper, on a real kernel, against a ZooKeeper server process
 * in the guest's root namespace on the lab bridge (10.245.1.1:2181), reachable from every node
 * namespace and from nowhere else: three nodes without any --peer converge to a full ping mesh; a
 * name already taken is refused; a garbage member and a subnet thief change nothing; a stopped node
 * disappears from the others; with ZooKeeper killed the pings go on, and a node killed and started
 * again keeps its last known members; with ZooKeeper back a node joins.
 */
class NodeZooKeeperKernelIT {
    private static final String ZK_ADDRESS = "10.245.1.1";
    private static final int ZK_PORT = 2181;
    private static final String CONNECT = ZK_ADDRESS + ":" + ZK_PORT;
    private static final String MEMBERS = "/tunnelmesh/lab/members/";
    private static final long CONVERGE_SECONDS = 120;
    private static final Path WORK = LabNode.LOGS.resolveSibling("it-zookeeper");

    private final LabNode node1 = new LabNode("node1", "10.245.1.2", "192.168.41.0");
    private final LabNode node2 = new LabNode("node2", "10.245.1.3", "192.168.42.0");
    private final LabNode node3 = new LabNode("node3", "10.245.1.4", "192.168.43.0");
    private final List<LabNode> nodes = List.of(node1, node2, node3);
    private ZooKeeperProcess zookeeper;
    private CuratorFramework admin;

    @BeforeEach
    void startZooKeeper() throws Exception {
        // the lab's bridge is in this (the guest's root) namespace; the server listens on its address
        assertTrue(
                sh("ip link show labbr0").contains("labbr0"),
                "no lab bridge labbr0 here: run this through lab/kernel-lab (UML)");
        sh("ip addr replace " + ZK_ADDRESS + "/24 dev labbr0");
        sh("rm -rf " + WORK);
        Files.createDirectories(WORK);
        zookeeper = new ZooKeeperProcess(ZK_PORT, WORK.resolve("data"), LabNode.LOGS.resolve("zookeeper.log"));
        zookeeper.start();
        admin = CuratorFrameworkFactory.newClient(CONNECT, 10_000, 5_000, new RetryNTimes(20, 500));
        admin.start();
        assertTrue(admin.blockUntilConnected(120, TimeUnit.SECONDS), "ZooKeeper answers on " + CONNECT);
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (LabNode node : nodes) {
            node.kill();
        }
        admin.close();
        zookeeper.kill();
        sh("ip addr del " + ZK_ADDRESS
                + "/24 dev labbr0; for n in node1 node2 node3; do ip -n $n route flush proto 87; "
                + "ip -n $n nexthop flush 2>/dev/null; ip -n $n addr flush dev tunl0; done; true");
    }

    private List<String> options(LabNode node, int subnetOctet) {
        return List.of(
                "--zookeeper",
                CONNECT,
                "--cluster",
                "lab",
                "--subnets",
                "192.168." + subnetOctet + ".0/24",
                "--state-file",
                WORK.resolve(node.name + ".json").toString());
    }

    private void startMember(LabNode node, int subnetOctet) throws Exception {
        node.start(options(node, subnetOctet));
    }

    private static Set<String> peerNames(LabNode node) throws Exception {
        Set<String> names = new TreeSet<>();
        for (Object name : (List<?>) node.read(node.meshMBean(), "PeerNames")) {
            names.add((String) name);
        }
        return names;
    }

    private static Object membership(LabNode node, String attribute) throws Exception {
        return node.read("org.tunnelmesh:type=Membership,name=" + node.name, attribute);
    }

    private static void await(String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CONVERGE_SECONDS);
        while (!condition.call()) {
            assertTrue(System.nanoTime() < deadline, "not within " + CONVERGE_SECONDS + " s: " + what);
            Thread.sleep(200);
        }
    }

    private void awaitFullMesh(List<LabNode> members) throws Exception {
        for (LabNode node : members) {
            Set<String> others = new TreeSet<>();
            members.stream().filter(n -> n != node).forEach(n -> others.add(n.name));
            await(node.name + " has peers " + others, () -> peerNames(node).equals(others));
        }
        for (LabNode from : members) {
            for (LabNode to : members) {
                if (from != to) {
                    assertTrue(from.pings(to), from.name + " pings " + to.name + " through the tunnel");
                }
            }
        }
    }

    private static List<LabKernel.Route> meshRoutes(LabNode node) {
        return routes(node.labNode(), "proto", "87");
    }

    private static List<String> skipReasons(LabNode node) throws Exception {
        return ((List<?>) membership(node, "SkippedMemberReasons"))
                .stream().map(String::valueOf).toList();
    }

    /**
     * Issue 21 rows 1-3, played by an attacker with write access to ZooKeeper (no authentication
     * here): a member routing the ZooKeeper server, one routing the underlay's segment, a persistent
     * squatter older than node2 claiming node2's subnet, and twenty members of 60 kB (more than the client's 1 MB packet limit
     * together). Each is skipped with its reason; the nodes keep their session and build the mesh.
     */
    @Test
    void membersThatRouteZooKeeperSquatOrOverflowTheReadAreSkipped() throws Exception {
        admin.create()
                .creatingParentsIfNeeded()
                .withMode(CreateMode.PERSISTENT)
                .forPath(
                        MEMBERS + "squatter",
                        "{\"underlay\":\"10.245.1.9\",\"subnets\":[\"192.168.42.0/24\"]}"
                                .getBytes(StandardCharsets.UTF_8));
        admin.create()
                .withMode(CreateMode.EPHEMERAL)
                .forPath(
                        MEMBERS + "zk",
                        "{\"underlay\":\"10.245.1.8\",\"subnets\":[\"10.245.1.1/32\"]}"
                                .getBytes(StandardCharsets.UTF_8));
        // the underlay's own segment, which the mesh itself refuses (on-link): skipped with the mesh's message
        admin.create()
                .withMode(CreateMode.EPHEMERAL)
                .forPath(
                        MEMBERS + "underlay",
                        "{\"underlay\":\"10.245.1.7\",\"subnets\":[\"10.245.1.128/28\"]}"
                                .getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 20; i++) {
            String json =
                    "{\"underlay\":\"10.245.1." + (100 + i) + "\",\"subnets\":[\"10.50." + i + ".0/24\"],\"pad\":\"";
            admin.create()
                    .withMode(CreateMode.EPHEMERAL)
                    .forPath(
                            MEMBERS + "big" + i,
                            (json + "x".repeat(60_000 - json.length() - 2) + "\"}").getBytes(StandardCharsets.UTF_8));
        }
        startMember(node1, 41);
        startMember(node2, 42);
        awaitFullMesh(List.of(node1, node2));
        for (LabNode node : List.of(node1, node2)) {
            await(
                    node.name + " skips 23 members",
                    () -> ((Number) membership(node, "SkippedMembers")).longValue() == 23);
            List<String> reasons = skipReasons(node);
            assertTrue(
                    reasons.stream()
                            .anyMatch(r -> r.startsWith(
                                    "member 'zk': subnet 10.245.1.1/32 holds ZooKeeper server 10.245.1.1")),
                    node.name + ": " + reasons);
            assertTrue(
                    reasons.contains("member 'squatter' is not ephemeral (a persistent znode is nobody's live member)"),
                    node.name + ": " + reasons);
            assertTrue(
                    reasons.contains("member 'big7': data of 60000 bytes is over the limit of 1024 bytes"),
                    node.name + ": " + reasons);
            assertTrue(
                    reasons.stream().anyMatch(r -> r.contains("subnet 10.245.1.128/28 overlaps 10.245.1.0/24")),
                    node.name + ": " + reasons);
            assertEquals(
                    List.of(),
                    routes(node.labNode(), "10.245.1.128/28"),
                    node.name + " does not route its own segment into the mesh");
            assertEquals("", membership(node, "ReadError"), node.name);
            assertEquals(
                    List.of(),
                    routes(node.labNode(), "10.245.1.1/32"),
                    node.name + " does not route ZooKeeper into the mesh");
        }
        assertTrue(node1.pings(node2), "node2's subnet goes to node2, not to the squatter");

        // the node kept its session: it sees the members go
        admin.delete().forPath(MEMBERS + "zk");
        admin.delete().forPath(MEMBERS + "squatter");
        admin.delete().forPath(MEMBERS + "underlay");
        await("node1 sees three members gone", () -> ((Number) membership(node1, "SkippedMembers")).longValue() == 20);
        assertTrue((Boolean) membership(node1, "Registered"), "node1 is still registered");
        assertEquals(Set.of("node2"), peerNames(node1));
    }

    /** A client of the lab's ZooKeeper with these digest identities (USER:PASSWORD each). */
    private static CuratorFramework clientAs(String... identities) throws Exception {
        List<AuthInfo> auth = new ArrayList<>();
        for (String identity : identities) {
            auth.add(new AuthInfo("digest", identity.getBytes(StandardCharsets.UTF_8)));
        }
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(CONNECT)
                .sessionTimeoutMs(10_000)
                .connectionTimeoutMs(5_000)
                .retryPolicy(new RetryNTimes(20, 500))
                .authorization(auth)
                .build();
        client.start();
        assertTrue(client.blockUntilConnected(120, TimeUnit.SECONDS), "ZooKeeper answers on " + CONNECT);
        return client;
    }

    /**
     * Issue 21 row 4: each node has its own ZooKeeper identity and shares the cluster's. Another
     * node's identity can neither rewrite nor delete a node's member; a rewrite by the node's own
     * identity (a stale copy of it, say) is repaired by the node.
     */
    @Test
    void eachNodeAloneWritesItsMemberAndRepairsARewrite() throws Exception {
        for (LabNode node : List.of(node1, node2)) {
            Path auth = WORK.resolve(node.name + "-zookeeper-auth");
            Files.writeString(auth, node.name + ":" + node.name + "-secret\nmesh:cluster-secret\n");
            Files.setPosixFilePermissions(auth, PosixFilePermissions.fromString("rw-------"));
            List<String> options = new ArrayList<>(options(node, node == node1 ? 41 : 42));
            options.addAll(List.of("--zookeeper-auth-file", auth.toString()));
            node.start(options);
        }
        awaitFullMesh(List.of(node1, node2));
        assertEquals(
                "digest node1 (this node's own: it alone writes its member), cluster mesh (lists, creates and reads members)",
                membership(node1, "Authentication"));
        String path = MEMBERS + "node1";
        byte[] forged =
                "{\"underlay\":\"10.245.1.66\",\"subnets\":[\"192.168.41.0/24\"]}".getBytes(StandardCharsets.UTF_8);
        assertThrows(
                KeeperException.NoAuthException.class, () -> admin.getChildren().forPath("/tunnelmesh/lab/members"));
        try (CuratorFramework other = clientAs("node2:node2-secret", "mesh:cluster-secret")) {
            assertThrows(
                    KeeperException.NoAuthException.class, () -> other.setData().forPath(path, forged));
            assertThrows(
                    KeeperException.NoAuthException.class, () -> other.delete().forPath(path));
        }
        try (CuratorFramework self = clientAs("node1:node1-secret")) {
            byte[] own = self.getData().forPath(path);
            self.setData().forPath(path, forged);
            await(
                    "node1 restores its member",
                    () -> Arrays.equals(own, self.getData().forPath(path)));
        }
        assertEquals(1L, ((Number) membership(node1, "MemberRepairs")).longValue());
        await(
                "node2 has node1 as it is",
                () -> "10.245.1.2"
                        .equals(node2.read("org.tunnelmesh:type=Peer,mesh=node2,name=node1", "UnderlayAddress")));
        assertTrue(node2.pings(node1), "node2 routes node1's subnet to node1");
    }

    @Test
    void aFleetWithoutPeerOptionsBuildsItselfAndSurvivesZooKeeperFailing() throws Exception {
        startMember(node1, 41);
        startMember(node2, 42);

        // a second node named node1 (other underlay) is refused before it touches node3's kernel
        Object node3Kernel = snapshot(3);
        LabNode impostor = new LabNode("node1", "node3", "10.245.1.4", "192.168.43.0");
        impostor.launch(options(node3, 43));
        assertEquals(2, impostor.awaitExit());
        assertTrue(
                impostor.log().contains("tunnelmesh-node: member name 'node1' is taken in cluster 'lab'"),
                impostor.log());
        assertEquals(node3Kernel, snapshot(3));

        startMember(node3, 43);
        awaitFullMesh(nodes);
        assertEquals(0L, ((Number) membership(node1, "SkippedMembers")).longValue());

        // garbage and a thief of node2's subnet: skipped, counted, nothing changes
        Object routesBefore = meshRoutes(node1);
        admin.create()
                .withMode(CreateMode.EPHEMERAL)
                .forPath(MEMBERS + "garbage", "{\"underlay\":".getBytes(StandardCharsets.UTF_8));
        admin.create()
                .withMode(CreateMode.EPHEMERAL)
                .forPath(
                        MEMBERS + "thief",
                        "{\"underlay\":\"10.245.1.9\",\"subnets\":[\"192.168.42.0/25\"]}"
                                .getBytes(StandardCharsets.UTF_8));
        for (LabNode node : nodes) {
            await(
                    node.name + " skips two members",
                    () -> ((Number) membership(node, "SkippedMembers")).longValue() == 2);
        }
        assertEquals(routesBefore, meshRoutes(node1), "the kernel did not change");
        assertTrue(node1.pings(node2), "node2's subnet still goes to node2");
        admin.delete().forPath(MEMBERS + "garbage");
        admin.delete().forPath(MEMBERS + "thief");

        // a node that stops leaves the others
        node3.stop();
        await("node3 gone from node1", () -> peerNames(node1).equals(Set.of("node2")));
        await("node3 gone from node2", () -> peerNames(node2).equals(Set.of("node1")));
        assertEquals(List.of(), routes(1, "192.168.43.0/24"));

        // ZooKeeper dies: fail-static, traffic flows on through the session timeout and beyond
        Object routes = meshRoutes(node1);
        zookeeper.kill();
        await(
                "node1 sees ZooKeeper gone",
                () -> !"CONNECTED".equals(membership(node1, "ConnectionState"))
                        && !"RECONNECTED".equals(membership(node1, "ConnectionState")));
        Process ping = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        "node1",
                        "ping",
                        "-n",
                        "-q",
                        "-c",
                        "40",
                        "-i",
                        "0.5",
                        "-W",
                        "1",
                        "-I",
                        node1.tunnelAddress,
                        node2.tunnelAddress)
                .redirectErrorStream(true)
                .start();
        String summary = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        ping.waitFor(120, TimeUnit.SECONDS);
        assertTrue(summary.contains(" 0% packet loss"), "pings go on while ZooKeeper is down: " + summary);
        assertEquals(routes, meshRoutes(node1), "nothing changed while ZooKeeper was down");
        assertEquals(Set.of("node2"), peerNames(node1));

        // node1 killed and started again while ZooKeeper is still down: its state file has the last known members
        node1.kill();
        startMember(node1, 41);
        assertEquals(Set.of("node2"), peerNames(node1), "the last known members, restored from the state file");
        assertEquals(routes, meshRoutes(node1), "the restart adopted the routes as they were");
        assertTrue(node1.pings(node2), "node1 reaches node2 after a restart without ZooKeeper");

        // ZooKeeper back on its data: the nodes re-register, and a new node joins
        zookeeper.start();
        await("node1 reconnected", () -> Boolean.TRUE.equals(membership(node1, "Registered")));
        startMember(node3, 43);
        awaitFullMesh(nodes);
        assertFalse(routes(1, "192.168.43.0/24").isEmpty());
    }
}
