package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.LabKernel.routes;
import static org.tunnelmesh.linux.LabKernel.snapshot;
import static org.tunnelmesh.samples.LabNode.sh;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.Peer;
import org.tunnelmesh.internal.StateFile;
import org.tunnelmesh.linux.LabKernel;

/**
 * The state file on a real kernel: a peer added over JMX (Jolokia) survives a SIGKILL of the node
 * and a reboot-like wipe of the mesh's kernel state; a peer removed over JMX stays removed; a
 * damaged file stops the node with exit status 2 and one line naming the file, kernel untouched.
 */
class NodeStateFileKernelIT {
    /** The guest's own /run: the node trusts a state file of root's only, and on the host's files the owner is whoever runs the lab. */
    private static final Path STATE_DIR = Path.of("/run/tunnelmesh-it-state");

    private static final String NODE1_PEER = "node1@10.245.1.2=192.168.41.0/24";

    private final LabNode node1 = new LabNode("node1", "10.245.1.2", "192.168.41.0");
    private final LabNode node2 = new LabNode("node2", "10.245.1.3", "192.168.42.0");
    private Path stateFile;

    @BeforeEach
    void node2KnowsNode1() throws Exception {
        assertTrue(sh("ip netns list").contains("node2"), "run this through lab/kernel-lab");
        Files.createDirectories(STATE_DIR);
        stateFile = STATE_DIR.resolve("node1.json");
        Files.deleteIfExists(stateFile);
        node2.start(List.of("--peer", NODE1_PEER, "--purge-on-exit"));
    }

    @AfterEach
    void stopAndClean() throws Exception {
        node1.kill();
        node2.stop();
        sh(
                "ip -n node1 route flush proto 87; ip -n node1 nexthop flush proto 87 2>/dev/null; ip -n node1 addr flush dev tunl0; "
                        + "ip -n node2 route flush proto 87; true");
    }

    private void startNode1() throws Exception {
        node1.start(List.of("--state-file", stateFile.toString()));
    }

    /** What a reboot leaves: no routes, no nexthops, tunl0 down without its address. */
    private static void wipeNode1() throws Exception {
        sh("ip -n node1 route flush proto 87; ip -n node1 nexthop flush 2>/dev/null; ip -n node1 addr flush dev tunl0; "
                + "ip -n node1 link set tunl0 down");
        assertEquals(List.of(), routes(1, "192.168.42.0/24"));
    }

    @Test
    void aPeerAddedOverJmxSurvivesKillAndWipeAndARemovedOneStaysRemoved() throws Exception {
        startNode1();
        assertEquals(stateFile.toAbsolutePath().normalize().toString(), node1.read(node1.meshMBean(), "StateFile"));
        assertFalse(node1.pings(node2), "no route to node2 before it is added");

        Object added =
                node1.exec("addPeer", "node2", "10.245.1.3", "192.168.42.0/24").get("status");
        assertEquals(200L, ((Number) added).longValue());
        assertEquals(
                List.of(Peer.of("node2", "10.245.1.3", "192.168.42.0/24")), new StateFile(stateFile).read("node1"));
        assertTrue(node1.pings(node2), "node1 reaches node2 after addPeer");

        node1.kill();
        wipeNode1();
        startNode1();
        assertEquals(
                List.of("192.168.42.0/24"),
                routes(1, "192.168.42.0/24").stream().map(LabKernel.Route::dst).toList(),
                "route restored from the file");
        assertTrue(node1.pings(node2), "node1 reaches node2 again after kill -9 and a wipe");
        assertEquals(List.of("node2"), List.of((Object[]) toArray(node1.read(node1.meshMBean(), "PeerNames"))));

        assertEquals(200L, ((Number) node1.exec("removePeer", "node2").get("status")).longValue());
        assertEquals(List.of(), new StateFile(stateFile).read("node1"));
        node1.kill();
        startNode1();
        assertEquals(List.of(), routes(1, "192.168.42.0/24"), "the removed peer stays removed");
        assertEquals(0L, ((Number) node1.read(node1.meshMBean(), "PeerCount")).longValue());
        assertFalse(node1.pings(node2));
    }

    @Test
    void aDamagedFileIsRefusedWithExitTwoAndTheKernelUnchanged() throws Exception {
        Files.writeString(
                stateFile,
                "{\"format\":\"tunnelmesh-state\",\"version\":1,\"mesh\":\"node1\",\"peers\":[\n"
                        + "{\"name\":\"node2\",\"underlay\":\"10.245.1.3\",\"subnets\":[\"192.168.42.0/24\"]");
        Object before = kernelOfNode1();
        node1.launch(List.of("--state-file", stateFile.toString()));
        assertEquals(2, node1.awaitExit());
        String stderr = node1.log();
        String line = stderr.lines()
                .filter(l -> l.startsWith("tunnelmesh-node: "))
                .reduce((a, b) -> b)
                .orElse("");
        assertTrue(
                line.contains("state file " + stateFile.toAbsolutePath().normalize() + " is damaged: not valid JSON: "),
                stderr);
        assertEquals(before, kernelOfNode1(), "nothing changed in the kernel");
    }

    private static Object kernelOfNode1() throws Exception {
        return snapshot(1);
    }

    private static Object[] toArray(Object jolokiaArray) {
        return ((List<?>) jolokiaArray).toArray();
    }
}
