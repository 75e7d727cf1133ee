package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.LabKernel.snapshot;
import static org.tunnelmesh.samples.LabNode.sh;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.Peer;
import org.tunnelmesh.internal.StateFile;

/**
 * The node never routes its own underlay segment into the tunnel - not 10.245.1.1 (where the lab's
 * ZooKeeper server lives), not the rest of 10.245.1.0/24 - whether the peer comes from {@code --peer},
 * the state file or {@code addPeer} over JMX: exit 2 with one line naming the peer, the subnet and
 * what it overlaps, or an error answer, and the kernel unchanged.
 */
class NodeHostRoutesKernelIT {
    private static final Path STATE_DIR = LabNode.LOGS.resolveSibling("it-state");

    private final LabNode node1 = new LabNode("node1", "10.245.1.2", "192.168.41.0");

    @BeforeEach
    void inTheLab() throws Exception {
        assertTrue(sh("ip netns list").contains("node1"), "run this through lab/kernel-lab");
    }

    @AfterEach
    void stopAndClean() throws Exception {
        node1.stop();
        sh(
                "ip -n node1 route flush proto 87; ip -n node1 nexthop flush proto 87 2>/dev/null; ip -n node1 addr flush dev tunl0; "
                        + "ip -n node1 link set tunl0 down; tc -n node1 qdisc del dev eth0 clsact 2>/dev/null; true");
    }

    /** The node's last "tunnelmesh-node: " line, after it exited with 2; the kernel must be as before. */
    private String refusedAtStart(List<String> options) throws Exception {
        Object before = snapshot(1);
        node1.launch(options);
        assertEquals(2, node1.awaitExit(), node1.tail());
        assertEquals(before, snapshot(1), "nothing changed in the kernel");
        List<String> lines = node1.log()
                .lines()
                .filter(l -> l.startsWith("tunnelmesh-node: "))
                .toList();
        assertTrue(!lines.isEmpty(), node1.log());
        return lines.get(lines.size() - 1);
    }

    @Test
    void aPeerOptionOnTheUnderlaySegmentExitsTwoWithOneLine() throws Exception {
        String line = refusedAtStart(List.of("--peer", "x@10.245.1.3=10.245.1.1/32"));
        assertTrue(
                line.contains(
                        "peer 'x': subnet 10.245.1.1/32 overlaps 10.245.1.0/24, which this node reaches on-link on eth0"
                                + " (the underlay)"),
                line);
    }

    @Test
    void aStateFileWithSuchAPeerExitsTwoWithOneLine() throws Exception {
        Files.createDirectories(STATE_DIR);
        Path stateFile = STATE_DIR.resolve("node1-host-routes.json");
        Files.write(stateFile, StateFile.encode("node1", List.of(Peer.of("node9", "10.245.1.9", "10.245.1.128/25"))));
        String line = refusedAtStart(List.of("--state-file", stateFile.toString()));
        assertTrue(
                line.contains("state file " + stateFile.toAbsolutePath().normalize())
                        && line.contains("peer 'node9': subnet 10.245.1.128/25" + " overlaps 10.245.1.0/24")
                        && line.contains("fix or remove the file"),
                line);
    }

    @Test
    void addPeerOverJmxIsRefusedAndChangesNothing() throws Exception {
        node1.start(List.of("--peer", "node2@10.245.1.3=192.168.42.0/24", "--purge-on-exit"));
        Object before = snapshot(1);
        Map<String, Object> refused = node1.exec("addPeer", "zk", "10.245.1.9", "10.245.1.1/32");
        assertNotEquals(200L, ((Number) refused.get("status")).longValue(), refused.toString());
        assertTrue(
                String.valueOf(refused.get("error")).contains("subnet 10.245.1.1/32 overlaps 10.245.1.0/24"),
                refused.toString());
        assertEquals(before, snapshot(1), "nothing changed in the kernel");
        assertEquals(1L, ((Number) node1.read(node1.meshMBean(), "PeerCount")).longValue());
    }
}
