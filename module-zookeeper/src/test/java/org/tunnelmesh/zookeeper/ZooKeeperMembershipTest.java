package org.tunnelmesh.zookeeper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.Encapsulation;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshListener;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TunnelMesh;
import org.tunnelmesh.testing.InMemoryTunnelMesh;

/**
 * Membership against a real ZooKeeper server in this JVM (Curator's TestingServer), with meshes
 * in memory: what each node's mesh holds after members come, go, misbehave, and ZooKeeper fails.
 */
class ZooKeeperMembershipTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private TestingServer server;
    private CuratorFramework admin;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void startZooKeeper() throws Exception {
        server = new TestingServer(true);
        admin = client(null);
    }

    @AfterEach
    void stopAll() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        admin.close();
        server.close();
    }

    private CuratorFramework client(String digest) throws InterruptedException {
        CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
                .connectString(server.getConnectString())
                .retryPolicy(new RetryOneTime(100))
                .sessionTimeoutMs(10_000);
        if (digest != null) {
            builder.authorization("digest", digest.getBytes(StandardCharsets.UTF_8));
        }
        CuratorFramework client = builder.build();
        client.start();
        assertTrue(client.blockUntilConnected(20, TimeUnit.SECONDS));
        return client;
    }

    /**
     * Node i: underlay 10.245.1.(1+i), tunnel 192.168.(40+i).0, serving 192.168.(40+i).0/24; closed after the test
     * (one open in-memory mesh per name).
     */
    private InMemoryTunnelMesh mesh(int i, Peer... peers) {
        InMemoryTunnelMesh mesh = InMemoryTunnelMesh.open(
                MeshConfig.builder()
                        .name("node" + i)
                        .underlay("10.245.1." + (1 + i))
                        .tunnelAddress("192.168." + (40 + i) + ".0")
                        .build(),
                List.of(peers));
        closing.add(mesh);
        return mesh;
    }

    private static Peer peerOf(int i) {
        return Peer.of("node" + i, "10.245.1." + (1 + i), "192.168." + (40 + i) + ".0/24");
    }

    private MembershipConfig.Builder config(int i) {
        return MembershipConfig.builder()
                .connect(server.getConnectString())
                .cluster("lab")
                .subnets("192.168." + (40 + i) + ".0/24")
                .sessionTimeout(Duration.ofSeconds(4))
                .joinTimeout(Duration.ofSeconds(10));
    }

    private ZooKeeperMembership join(TunnelMesh mesh, MembershipConfig config) {
        ZooKeeperMembership membership = ZooKeeperMembership.join(mesh, config);
        closing.add(membership);
        return membership;
    }

    private static Map<String, Peer> peersOf(TunnelMesh mesh) {
        return mesh.peers().stream().collect(Collectors.toMap(Peer::name, p -> p, (a, b) -> a, TreeMap::new));
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT.toSeconds() + " s: " + what);
            }
            Thread.sleep(20);
        }
    }

    private void createMember(String name, String data) throws Exception {
        admin.create()
                .creatingParentsIfNeeded()
                .withMode(CreateMode.EPHEMERAL)
                .forPath("/tunnelmesh/lab/members/" + name, data.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void threeNodesEachTakeTheOtherTwoAsPeersAndALeavingOneIsRemoved() throws Exception {
        InMemoryTunnelMesh[] meshes = {mesh(1), mesh(2), mesh(3)};
        List<ZooKeeperMembership> members = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            members.add(join(meshes[i], config(i + 1).build()));
        }
        for (int i = 0; i < 3; i++) {
            InMemoryTunnelMesh mesh = meshes[i];
            int self = i + 1;
            Map<String, Peer> expected = new TreeMap<>();
            for (int j = 1; j <= 3; j++) {
                if (j != self) {
                    expected.put("node" + j, peerOf(j));
                }
            }
            await("node" + self + " has the other two", () -> peersOf(mesh).equals(expected));
        }
        assertEquals(
                "{\"underlay\":\"10.245.1.3\",\"subnets\":[\"192.168.42.0/24\"]}",
                new String(admin.getData().forPath("/tunnelmesh/lab/members/node2"), StandardCharsets.UTF_8));
        assertTrue(members.get(0).isRegistered());
        assertEquals(2, members.get(0).getMemberCount());
        assertEquals(2, members.get(0).getAppliedMembers());

        members.get(2).close(); // node3 leaves: its session ends, its member goes
        await("node3 removed from node1", () -> peersOf(meshes[0]).keySet().equals(Set.of("node2")));
        await("node3 removed from node2", () -> peersOf(meshes[1]).keySet().equals(Set.of("node1")));
        assertEquals(
                2,
                meshes[2].peers().size(),
                "the node that left keeps its peers (fail-static), it only stops following");
    }

    @Test
    void aGarbageMemberAndASubnetThiefAreSkippedCountedAndChangeNothing() throws Exception {
        InMemoryTunnelMesh node1 = mesh(1);
        ZooKeeperMembership membership = join(node1, config(1).build());
        join(mesh(2), config(2).build());
        await("node2 applied", () -> peersOf(node1).keySet().equals(Set.of("node2")));
        List<String> changes = new ArrayList<>();
        node1.addListener(new MeshListener() {
            @Override
            public void peerAdded(Peer peer) {
                changes.add("+" + peer.name());
            }

            @Override
            public void peerRemoved(Peer peer) {
                changes.add("-" + peer.name());
            }
        });

        createMember("garbage", "{\"underlay\":\"10.245.1.9\",\"subnets\":[\"192.168.49.0/24\"");
        createMember("thief", "{\"underlay\":\"10.245.1.8\",\"subnets\":[\"192.168.42.128/25\"]}");
        createMember("wrongtype", "{\"underlay\":7,\"subnets\":[]}");
        await("three skipped", () -> membership.getSkippedMembers() == 3);
        assertEquals(Map.of("node2", peerOf(2)), peersOf(node1));
        assertEquals(List.of(), changes, "nothing was added or removed");
        String[] reasons = membership.getSkippedMemberReasons();
        assertTrue(reasons[0].startsWith("member 'garbage': not valid JSON: "), reasons[0]);
        assertEquals("peer 'thief': subnet 192.168.42.128/25 overlaps 192.168.42.0/24 of peer 'node2'", reasons[1]);
        assertEquals("member 'wrongtype': \"underlay\" is missing or not a string", reasons[2]);

        // a good member in the same cluster is still applied
        createMember(
                "node4",
                "{\"underlay\":\"10.245.1.5\",\"subnets\":[\"192.168.44.0/24\"],\"comment\":\"later versions may add keys\"}");
        await("node4 applied", () -> peersOf(node1).containsKey("node4"));
        admin.delete().forPath("/tunnelmesh/lab/members/thief");
        admin.delete().forPath("/tunnelmesh/lab/members/garbage");
        await("two skips gone", () -> membership.getSkippedMembers() == 1);
    }

    @Test
    void membersOfAnotherEncapsulationAreSkippedAndCountedWithTheirReason() throws Exception {
        InMemoryTunnelMesh node1 = InMemoryTunnelMesh.open(MeshConfig.builder()
                .name("node1")
                .underlay("10.245.1.2")
                .tunnelAddress("192.168.41.0")
                .encapsulation(Encapsulation.fou(5555))
                .build());
        closing.add(node1);
        ZooKeeperMembership membership = join(node1, config(1).build());
        // node1 announces its encapsulation
        String own = new String(admin.getData().forPath("/tunnelmesh/lab/members/node1"), StandardCharsets.UTF_8);
        assertTrue(own.contains("\"encapsulation\":\"FOU:5555\""), own);

        join(mesh(2), config(2).build()); // plain IPIP: its data has no encapsulation
        createMember(
                "gue",
                "{\"underlay\":\"10.245.1.6\",\"subnets\":[\"192.168.46.0/24\"],\"encapsulation\":\"GUE:5555\"}");
        createMember(
                "otherport",
                "{\"underlay\":\"10.245.1.7\",\"subnets\":[\"192.168.47.0/24\"],\"encapsulation\":\"FOU:6000\"}");
        createMember(
                "same",
                "{\"underlay\":\"10.245.1.8\",\"subnets\":[\"192.168.48.0/24\"],\"encapsulation\":\"fou:5555\"}");
        await("the same encapsulation applied", () -> peersOf(node1).containsKey("same"));
        await("three skipped", () -> membership.getSkippedMembers() == 3);
        assertEquals(Set.of("same"), peersOf(node1).keySet());
        assertEquals(
                List.of(
                        "member 'gue' uses encapsulation GUE:5555, this node FOU:5555: neither would understand the"
                                + " other's packets; give every node the same --encap",
                        "member 'node2' uses encapsulation NONE, this node FOU:5555: neither would understand the"
                                + " other's packets; give every node the same --encap",
                        "member 'otherport' uses encapsulation FOU:6000, this node FOU:5555: neither would understand"
                                + " the other's packets; give every node the same --encap"),
                List.of(membership.getSkippedMemberReasons()));

        // the member switches to ours: applied, no longer counted
        admin.setData()
                .forPath(
                        "/tunnelmesh/lab/members/otherport",
                        "{\"underlay\":\"10.245.1.7\",\"subnets\":[\"192.168.47.0/24\"],\"encapsulation\":\"FOU:5555\"}"
                                .getBytes(StandardCharsets.UTF_8));
        await("otherport applied", () -> peersOf(node1).containsKey("otherport"));
        await("two skipped", () -> membership.getSkippedMembers() == 2);
    }

    @Test
    void theOlderMemberKeepsAContestedSubnetEvenWhenTheThiefSortsFirst() throws Exception {
        InMemoryTunnelMesh node1 = mesh(1);
        createMember("zeta", "{\"underlay\":\"10.245.1.20\",\"subnets\":[\"10.20.0.0/16\"]}");
        createMember("alpha", "{\"underlay\":\"10.245.1.21\",\"subnets\":[\"10.20.5.0/24\"]}");
        ZooKeeperMembership membership = join(node1, config(1).build());
        await(
                "one applied, one skipped",
                () -> membership.getSkippedMembers() == 1 && node1.peers().size() == 1);
        assertEquals(Set.of("zeta"), peersOf(node1).keySet());
    }

    @Test
    void aLiveMemberWithTheSameNameAndOtherDataIsRefusedAtStart() throws Exception {
        createMember("node1", "{\"underlay\":\"10.245.1.77\",\"subnets\":[\"192.168.77.0/24\"]}");
        InMemoryTunnelMesh node1 = mesh(1);
        ConflictException e = assertThrows(
                ConflictException.class,
                () -> ZooKeeperMembership.join(node1, config(1).build()));
        assertTrue(
                e.getMessage()
                        .startsWith("member name 'node1' is taken in cluster 'lab' by a live member with other data "
                                + "{\"underlay\":\"10.245.1.77\",\"subnets\":[\"192.168.77.0/24\"]}"),
                e.getMessage());
        assertEquals(List.of(), node1.peers());
    }

    @Test
    void aMemberLeftByAnEarlierSessionOfThisNodeIsTakenOver() throws Exception {
        createMember("node1", "{\"underlay\":\"10.245.1.2\",\"subnets\":[\"192.168.41.0/24\"]}");
        ZooKeeperMembership membership = join(mesh(1), config(1).build());
        assertTrue(membership.isRegistered());
        long owner =
                admin.checkExists().forPath("/tunnelmesh/lab/members/node1").getEphemeralOwner();
        assertFalse(
                owner == admin.getZookeeperClient().getZooKeeper().getSessionId(), "the member is now the node's own");
    }

    @Test
    void aBurstIsAppliedAsOneBatch() throws Exception {
        InMemoryTunnelMesh node1 = mesh(1);
        ZooKeeperMembership membership =
                join(node1, config(1).coalesce(Duration.ofMillis(500)).build());
        await("cache ready", () -> membership.getConnectionState().equals("CONNECTED"));
        Thread.sleep(600);
        long before = membership.getBatches();
        List<CuratorOp> ops = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            ops.add(admin.transactionOp()
                    .create()
                    .withMode(CreateMode.EPHEMERAL)
                    .forPath(
                            "/tunnelmesh/lab/members/m" + i,
                            ("{\"underlay\":\"10.9.0." + (i + 1) + "\",\"subnets\":[\"10.10." + i + ".0/24\"]}")
                                    .getBytes(StandardCharsets.UTF_8)));
        }
        admin.transaction().forOperations(ops);
        // the batch is counted just after the mesh has the peers: wait for both
        await("50 members applied", () -> node1.peers().size() == 50 && membership.getBatches() > before);
        assertEquals(before + 1, membership.getBatches(), "one batch for the burst");
    }

    @Test
    void aMemberWhoseDataChangesOrThatComesBackWithOtherDataIsAppliedAsItIsNow() throws Exception {
        InMemoryTunnelMesh node1 = mesh(1);
        join(node1, config(1).build());
        createMember("node2", "{\"underlay\":\"10.245.1.3\",\"subnets\":[\"192.168.42.0/24\"]}");
        createMember("node3", "{\"underlay\":\"10.245.1.4\",\"subnets\":[\"192.168.43.0/24\"]}");
        await("two peers", () -> peersOf(node1).keySet().equals(Set.of("node2", "node3")));

        admin.setData()
                .forPath(
                        "/tunnelmesh/lab/members/node2",
                        "{\"underlay\":\"10.245.1.3\",\"subnets\":[\"192.168.42.0/24\",\"10.42.0.0/16\"]}"
                                .getBytes(StandardCharsets.UTF_8));
        await(
                "node2's new subnet",
                () -> Peer.of("node2", "10.245.1.3", "192.168.42.0/24,10.42.0.0/16")
                        .equals(peersOf(node1).get("node2")));
        admin.delete().forPath("/tunnelmesh/lab/members/node3");
        createMember("node3", "{\"underlay\":\"10.245.1.14\",\"subnets\":[\"192.168.43.0/24\"]}");
        await(
                "node3 as it came back",
                () -> Peer.of("node3", "10.245.1.14", "192.168.43.0/24")
                        .equals(peersOf(node1).get("node3")));
        assertEquals(
                Peer.of("node2", "10.245.1.3", "192.168.42.0/24,10.42.0.0/16"),
                peersOf(node1).get("node2"));
    }

    @Test
    void failStaticWhileZooKeeperIsDownThenAFullResync() throws Exception {
        InMemoryTunnelMesh node1 = mesh(1);
        ZooKeeperMembership membership = join(node1, config(1).build());
        join(mesh(2), config(2).build());
        createMember("node3", "{\"underlay\":\"10.245.1.4\",\"subnets\":[\"192.168.43.0/24\"]}");
        await("two peers", () -> node1.peers().size() == 2);

        server.stop();
        await("suspended", () -> !membership.getConnectionState().equals("CONNECTED"));
        Thread.sleep(6000); // longer than the session timeout: Curator declares the session LOST
        assertEquals(
                Set.of("node2", "node3"),
                peersOf(node1).keySet(),
                "fail-static: nothing removed while ZooKeeper is away");

        server.restart();
        // node3's session (the admin client's) and node2's may have expired; node2 re-registers, node3 is gone for good
        admin.close();
        admin = client(null);
        await(
                "resynchronised: node2 back, node3 gone",
                () -> peersOf(node1).keySet().equals(Set.of("node2")));
        await("registered again", membership::isRegistered);
        createMember("node4", "{\"underlay\":\"10.245.1.5\",\"subnets\":[\"192.168.44.0/24\"]}");
        await("a new member joins after the outage", () -> peersOf(node1).containsKey("node4"));
    }

    @Test
    void aNodeStartedWhileZooKeeperIsDownKeepsItsLastKnownMembers() throws Exception {
        InMemoryTunnelMesh node1 = mesh(1, peerOf(2), peerOf(3), Peer.of("fixed", "10.245.1.30", "10.30.0.0/16"));
        server.stop();
        ZooKeeperMembership membership = join(
                node1,
                config(1)
                        .fixedPeers(Set.of("fixed"))
                        .joinTimeout(Duration.ofSeconds(1))
                        .build());
        assertFalse(membership.isRegistered());
        assertEquals(2, membership.getAppliedMembers());
        Thread.sleep(1000);
        assertEquals(Set.of("fixed", "node2", "node3"), peersOf(node1).keySet());

        server.restart();
        admin.close();
        admin = client(null);
        createMember("node2", "{\"underlay\":\"10.245.1.3\",\"subnets\":[\"192.168.42.0/24\"]}");
        await(
                "node3 (not a member) removed, node2 kept, the fixed peer untouched",
                () -> peersOf(node1).keySet().equals(Set.of("fixed", "node2")));
        await("registered once ZooKeeper answers", membership::isRegistered);
    }

    @Test
    void aMemberNamedLikeAFixedPeerIsSkipped() throws Exception {
        InMemoryTunnelMesh node1 = mesh(1, Peer.of("edge", "10.245.1.30", "10.30.0.0/16"));
        ZooKeeperMembership membership =
                join(node1, config(1).fixedPeers(Set.of("edge")).build());
        createMember("edge", "{\"underlay\":\"10.245.1.31\",\"subnets\":[\"10.31.0.0/16\"]}");
        await("skipped", () -> membership.getSkippedMembers() == 1);
        assertArrayEquals(new String[] {"peer 'edge' already exists"}, membership.getSkippedMemberReasons());
        assertEquals(
                Peer.of("edge", "10.245.1.30", "10.30.0.0/16"),
                node1.peer("edge").orElseThrow());
    }

    @Test
    void withDigestAuthOnlyTheClusterUserCanReadOrWriteMembers() throws Exception {
        InMemoryTunnelMesh node1 = mesh(1);
        InMemoryTunnelMesh node2 = mesh(2);
        join(node1, config(1).digest("mesh", "s3cret").build());
        join(node2, config(2).digest("mesh", "s3cret").build());
        await("node1 has node2", () -> peersOf(node1).keySet().equals(Set.of("node2")));

        assertThrows(
                KeeperException.NoAuthException.class,
                () -> createMember("intruder", "{\"underlay\":\"10.245.1.66\",\"subnets\":[\"192.168.66.0/24\"]}"));
        assertThrows(
                KeeperException.NoAuthException.class, () -> admin.getData().forPath("/tunnelmesh/lab/members/node2"));
        try (CuratorFramework wrong = client("mesh:wrong")) {
            assertThrows(
                    KeeperException.NoAuthException.class,
                    () -> wrong.getChildren().forPath("/tunnelmesh/lab/members"));
        }
        try (CuratorFramework right = client("mesh:s3cret")) {
            assertEquals(
                    Set.of("node1", "node2"), Set.copyOf(right.getChildren().forPath("/tunnelmesh/lab/members")));
        }
    }

    private static String json(String underlay, String subnets) {
        return "{\"underlay\":\"" + underlay + "\",\"subnets\":[\"" + subnets.replace(",", "\",\"") + "\"]}";
    }

    /** The data of a znode as the admin reads it; null when there is none. */
    private String dataOf(String path) {
        try {
            return new String(admin.getData().forPath(path), StandardCharsets.UTF_8);
        } catch (Exception e) {
            return null;
        }
    }

    @Test
    void aPersistentZnodeIsNoMemberEvenWhenItIsOlderThanTheLiveOne() throws Exception {
        admin.create()
                .creatingParentsIfNeeded()
                .withMode(CreateMode.PERSISTENT)
                .forPath(
                        "/tunnelmesh/lab/members/squatter",
                        json("10.245.1.66", "192.168.42.0/24").getBytes(StandardCharsets.UTF_8));
        join(mesh(2), config(2).build());
        InMemoryTunnelMesh node1 = mesh(1);
        ZooKeeperMembership membership = join(node1, config(1).build());
        await("node2 applied", () -> peersOf(node1).keySet().equals(Set.of("node2")));
        assertArrayEquals(
                new String[] {"member 'squatter' is not ephemeral (a persistent znode is nobody's live member)"},
                membership.getSkippedMemberReasons());
    }

    @Test
    void aContestedSubnetGoesToTheOlderMemberOnEveryNodeWhatEverEachAppliedFirst() throws Exception {
        InMemoryTunnelMesh node1 = mesh(1);
        join(node1, config(1).build());
        createMember("alpha", "{\"underlay\":"); // older, not valid yet
        createMember("beta", json("10.245.1.22", "10.20.0.0/16"));
        await("node1 applies beta", () -> peersOf(node1).keySet().equals(Set.of("beta")));
        admin.setData()
                .forPath(
                        "/tunnelmesh/lab/members/alpha",
                        json("10.245.1.21", "10.20.5.0/24").getBytes(StandardCharsets.UTF_8));
        InMemoryTunnelMesh node3 = mesh(3);
        join(node3, config(3).build());
        await("node3 applies alpha", () -> peersOf(node3).keySet().equals(Set.of("alpha", "node1")));
        await("node1 too", () -> peersOf(node1).keySet().equals(Set.of("alpha", "node3")));
    }

    @Test
    void oversizedMembersAreSkippedUnreadAndTheOthersStillApplied() throws Exception {
        for (int i = 0; i < 20; i++) {
            String data = json("10.245.1." + (100 + i), "10.50." + i + ".0/24");
            createMember(
                    "big" + i,
                    data.substring(0, data.length() - 1) + ",\"pad\":\"" + "x".repeat(60_000 - data.length() - 9)
                            + "\"}");
        }
        join(mesh(2), config(2).build());
        InMemoryTunnelMesh node1 = mesh(1);
        ZooKeeperMembership membership = join(node1, config(1).build());
        await("node2 applied", () -> peersOf(node1).keySet().equals(Set.of("node2")));
        await("twenty skipped", () -> membership.getSkippedMembers() == 20);
        assertEquals(
                "member 'big0': data of 60000 bytes is over the limit of 1024 bytes",
                membership.getSkippedMemberReasons()[0]);
        assertEquals("", membership.getReadError());
        assertEquals("CONNECTED", membership.getConnectionState(), "the session never dropped");
    }

    @Test
    void aNodeThatCannotReadTheMemberListSaysSoAndRecovers() throws Exception {
        InMemoryTunnelMesh node1 = mesh(1);
        ZooKeeperMembership membership = join(node1, config(1).build());
        createMember("node2", json("10.245.1.3", "192.168.42.0/24"));
        await("node2 applied", () -> peersOf(node1).keySet().equals(Set.of("node2")));
        // a list of children over the client's 1 MB packet limit: 5000 names of 250 characters
        List<String> flood = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            flood.add(String.format("f%04d", i) + "x".repeat(245));
        }
        for (int first = 0; first < flood.size(); first += 200) {
            List<CuratorOp> ops = new ArrayList<>();
            for (String name : flood.subList(first, first + 200)) {
                ops.add(admin.transactionOp()
                        .create()
                        .withMode(CreateMode.EPHEMERAL)
                        .forPath("/tunnelmesh/lab/members/" + name, new byte[0]));
            }
            admin.transaction().forOperations(ops);
        }
        await("the read error is shown", () -> !membership.getReadError().isEmpty());
        assertTrue(
                membership.getReadError().startsWith("cannot read the members of cluster 'lab' ("),
                membership.getReadError());
        assertTrue(membership.getReadError().contains("jute.maxbuffer"), membership.getReadError());
        assertEquals(Set.of("node2"), peersOf(node1).keySet(), "fail-static meanwhile");

        for (int first = 0; first < flood.size(); first += 200) {
            List<CuratorOp> ops = new ArrayList<>();
            for (String name : flood.subList(first, first + 200)) {
                ops.add(admin.transactionOp().delete().forPath("/tunnelmesh/lab/members/" + name));
            }
            admin.transaction().forOperations(ops);
        }
        createMember("node3", json("10.245.1.4", "192.168.43.0/24"));
        await("read again", () -> peersOf(node1).keySet().equals(Set.of("node2", "node3")));
        assertEquals("", membership.getReadError());
    }

    @Test
    void aMemberTheMeshRefusesIsSkippedWithItsReasonOnceAndTheOthersAreApplied() throws Exception {
        UnderlayGuardMesh node1 = new UnderlayGuardMesh(mesh(1), Ipv4Prefix.parse("10.245.1.0/24"));
        ZooKeeperMembership membership =
                join(node1, config(1).coalesce(Duration.ofMillis(300)).build());
        await("connected", () -> membership.getConnectionState().equals("CONNECTED"));
        List<CuratorOp> burst = new ArrayList<>();
        burst.add(admin.transactionOp()
                .create()
                .withMode(CreateMode.EPHEMERAL)
                .forPath(
                        "/tunnelmesh/lab/members/node2",
                        json("10.245.1.3", "192.168.42.0/24").getBytes(StandardCharsets.UTF_8)));
        burst.add(admin.transactionOp()
                .create()
                .withMode(CreateMode.EPHEMERAL)
                .forPath(
                        "/tunnelmesh/lab/members/underlay",
                        json("10.245.1.9", "10.245.1.128/28").getBytes(StandardCharsets.UTF_8)));
        burst.add(admin.transactionOp()
                .create()
                .withMode(CreateMode.EPHEMERAL)
                .forPath(
                        "/tunnelmesh/lab/members/node3",
                        json("10.245.1.4", "192.168.43.0/24").getBytes(StandardCharsets.UTF_8)));
        admin.transaction().forOperations(burst);
        await("node2 and node3 applied", () -> peersOf(node1).keySet().equals(Set.of("node2", "node3")));
        await("the refused one skipped", () -> membership.getSkippedMembers() == 1);
        assertArrayEquals(
                new String[] {
                    "peer 'underlay': subnet 10.245.1.128/28 overlaps 10.245.1.0/24, which the underlay reaches on-link"
                },
                membership.getSkippedMemberReasons());
        assertEquals(0, membership.getFailedBatches());
        int refusals = node1.refusals.get();

        // the next burst does not ask the mesh again for the same member
        createMember("node4", json("10.245.1.5", "192.168.44.0/24"));
        await("node4 applied", () -> peersOf(node1).containsKey("node4"));
        assertEquals(refusals, node1.refusals.get());
        // changed, it is asked again
        admin.setData()
                .forPath(
                        "/tunnelmesh/lab/members/underlay",
                        json("10.245.1.9", "192.168.49.0/24").getBytes(StandardCharsets.UTF_8));
        await("applied once it is fine", () -> peersOf(node1).containsKey("underlay"));
        assertEquals(0, membership.getSkippedMembers());
    }

    @Test
    void aNodeRestoresItsMemberWhenSomeoneRewritesOrDeletesIt() throws Exception {
        InMemoryTunnelMesh node2 = mesh(2);
        ZooKeeperMembership membership = join(node2, config(2).build());
        String path = "/tunnelmesh/lab/members/node2";
        String own = json("10.245.1.3", "192.168.42.0/24");
        admin.setData().forPath(path, json("10.245.1.66", "192.168.42.0/24").getBytes(StandardCharsets.UTF_8));
        await("rewrite repaired", () -> own.equals(dataOf(path)));

        admin.delete().forPath(path);
        await("delete repaired", () -> dataOf(path) != null);
        assertEquals(own, new String(admin.getData().forPath(path), StandardCharsets.UTF_8));
        assertTrue(admin.checkExists().forPath(path).getEphemeralOwner() != 0, "ephemeral again");
        await("counted", () -> membership.getMemberRepairs() == 2);
        assertTrue(membership.isRegistered());
    }

    @Test
    void withOwnIdentitiesOnlyTheNodeWritesItsMemberAndTheClusterReadsIt() throws Exception {
        InMemoryTunnelMesh node1 = mesh(1);
        InMemoryTunnelMesh node2 = mesh(2);
        ZooKeeperMembership membership = join(
                node1,
                config(1).digest("node1", "pw1").clusterDigest("mesh", "c1").build());
        join(node2, config(2).digest("node2", "pw2").clusterDigest("mesh", "c1").build());
        await("node1 has node2", () -> peersOf(node1).keySet().equals(Set.of("node2")));
        await("node2 has node1", () -> peersOf(node2).keySet().equals(Set.of("node1")));
        String path = "/tunnelmesh/lab/members/node1";
        byte[] forged = json("10.245.1.66", "192.168.41.0/24").getBytes(StandardCharsets.UTF_8);

        // node2's identity (with the cluster's, as every node holds it) can neither rewrite nor delete node1's member
        try (CuratorFramework other = client(null)) {
            other.getZookeeperClient()
                    .getZooKeeper()
                    .addAuthInfo("digest", "node2:pw2".getBytes(StandardCharsets.UTF_8));
            other.getZookeeperClient().getZooKeeper().addAuthInfo("digest", "mesh:c1".getBytes(StandardCharsets.UTF_8));
            assertEquals(
                    json("10.245.1.2", "192.168.41.0/24"),
                    new String(other.getData().forPath(path), StandardCharsets.UTF_8));
            assertThrows(
                    KeeperException.NoAuthException.class, () -> other.setData().forPath(path, forged));
            assertThrows(
                    KeeperException.NoAuthException.class, () -> other.delete().forPath(path));
            assertThrows(
                    KeeperException.NoAuthException.class, () -> other.delete().forPath("/tunnelmesh/lab/members"));
        }
        // without the cluster's identity nothing can be listed, read or created
        assertThrows(
                KeeperException.NoAuthException.class, () -> admin.getChildren().forPath("/tunnelmesh/lab/members"));
        assertThrows(
                KeeperException.NoAuthException.class, () -> admin.getData().forPath(path));
        assertThrows(
                KeeperException.NoAuthException.class,
                () -> createMember("intruder", json("10.245.1.66", "192.168.66.0/24")));
        assertEquals(
                "digest node1 (this node's own: it alone writes its member), cluster mesh (lists, creates and reads members)",
                membership.getAuthentication());

        // node1's own identity (a stale copy of the node, say) rewrites it: node1 restores it
        try (CuratorFramework self = client("node1:pw1")) {
            self.setData().forPath(path, forged);
        }
        await("restored", () -> membership.getMemberRepairs() == 1);
        assertEquals(Set.of("node1"), peersOf(node2).keySet());
        assertEquals(
                Peer.of("node1", "10.245.1.2", "192.168.41.0/24"),
                peersOf(node2).get("node1"));
    }

    @Test
    void aMemberOfAnEarlierSessionThatThisNodeMayNotDeleteIsTakenOverWhenItExpires() throws Exception {
        join(
                mesh(2),
                config(2)
                        .digest("node2", "pw2")
                        .clusterDigest("mesh", "c1")
                        .build()); // makes the parents, with their ACL
        CuratorFramework earlier = client(null);
        earlier.getZookeeperClient().getZooKeeper().addAuthInfo("digest", "node1:pw1".getBytes(StandardCharsets.UTF_8));
        earlier.getZookeeperClient().getZooKeeper().addAuthInfo("digest", "mesh:c1".getBytes(StandardCharsets.UTF_8));
        earlier.create()
                .withMode(CreateMode.EPHEMERAL)
                .withACL(List.of(new org.apache.zookeeper.data.ACL(
                        org.apache.zookeeper.ZooDefs.Perms.ALL,
                        new org.apache.zookeeper.data.Id(
                                "digest",
                                org.apache.zookeeper.server.auth.DigestAuthenticationProvider.generateDigest(
                                        "node1:pw1")))))
                .forPath(
                        "/tunnelmesh/lab/members/node1",
                        json("10.245.1.2", "192.168.41.0/24").getBytes(StandardCharsets.UTF_8));
        ZooKeeperMembership membership = join(
                mesh(1),
                config(1).digest("node1", "pw1").clusterDigest("mesh", "c1").build());
        assertFalse(membership.isRegistered(), "the earlier session's member stays: nobody may delete under members/");
        earlier.close(); // that session ends
        await("registered once it went", membership::isRegistered);
    }

    /** An IPv4 address of this host other than loopback, on which the test server answers too (it listens on all). */
    private static String hostAddress() throws Exception {
        for (java.net.NetworkInterface nic :
                java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            for (java.net.InetAddress address : java.util.Collections.list(nic.getInetAddresses())) {
                if (address instanceof java.net.Inet4Address
                        && !address.isLoopbackAddress()
                        && !address.isLinkLocalAddress()) {
                    return address.getHostAddress();
                }
            }
        }
        throw new AssertionError(
                "this host has no IPv4 address but loopback: the test needs one to reach ZooKeeper on");
    }

    @Test
    void aMemberThatRoutesTheZooKeeperServerIsSkipped() throws Exception {
        String host = hostAddress();
        InMemoryTunnelMesh node1 = mesh(1);
        ZooKeeperMembership membership =
                join(node1, config(1).connect(host + ":" + server.getPort()).build());
        createMember("node2", json("10.245.1.3", "192.168.42.0/24"));
        createMember("zk", json("10.245.1.9", host + "/32"));
        await(
                "node2 applied, zk skipped",
                () -> peersOf(node1).keySet().equals(Set.of("node2")) && membership.getSkippedMembers() == 1);
        assertEquals(
                "member 'zk': subnet " + host + "/32 holds ZooKeeper server " + host + " (" + host + ":"
                        + server.getPort() + "); a member cannot route the cluster's control plane into the mesh",
                membership.getSkippedMemberReasons()[0]);
    }

    @Test
    void aNodeWhoseOwnSubnetsHoldTheZooKeeperServerIsRefusedAtStart() throws Exception {
        String host = hostAddress();
        InMemoryTunnelMesh node1 = mesh(1);
        InvalidInputException e = assertThrows(
                InvalidInputException.class,
                () -> ZooKeeperMembership.join(
                        node1,
                        config(1)
                                .connect(host + ":" + server.getPort())
                                .subnets("192.168.41.0/24," + host + "/32")
                                .build()));
        assertEquals(
                "member 'node1': subnet " + host + "/32 holds ZooKeeper server " + host + " (" + host + ":"
                        + server.getPort()
                        + "); a member cannot route the cluster's control plane into the mesh: every other node would skip this one; "
                        + "announce other --subnets",
                e.getMessage());
        assertEquals(
                List.of(),
                admin.getChildren().forPath("/").stream()
                        .filter("tunnelmesh"::equals)
                        .toList(),
                "nothing registered");
    }

    @Test
    void aLastKnownMemberThatRoutesTheZooKeeperServerIsRemovedWithoutWaitingForZooKeeper() throws Exception {
        String host = hostAddress();
        Peer zk = Peer.of("zk", "10.245.1.9", host + "/32");
        InMemoryTunnelMesh node1 = mesh(1, peerOf(2), zk); // restored from a state file written before the rule
        server.stop();
        join(
                node1,
                config(1)
                        .connect(host + ":" + server.getPort())
                        .joinTimeout(Duration.ofSeconds(1))
                        .build());
        await(
                "zk removed while ZooKeeper is unreachable",
                () -> peersOf(node1).keySet().equals(Set.of("node2")));
    }

    @Test
    void badSettingsAreNamed() {
        assertEquals(
                "ZooKeeper connect string 'zk1:2181,oops': 'oops' is not host:port",
                assertThrows(
                                InvalidInputException.class,
                                () -> config(1).connect("zk1:2181,oops").build())
                        .getMessage());
        assertEquals(
                "cluster name 'a/b' must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit",
                assertThrows(
                                InvalidInputException.class,
                                () -> config(1).cluster("a/b").build())
                        .getMessage());
        assertEquals(
                "a cluster member needs the subnets it serves (--subnets)",
                assertThrows(
                                InvalidInputException.class,
                                () -> config(1).subnets(List.of()).build())
                        .getMessage());
        assertEquals(
                "ZooKeeper digest authentication needs both a user and a password",
                assertThrows(
                                InvalidInputException.class,
                                () -> config(1).digest("u", null).build())
                        .getMessage());
    }
}
