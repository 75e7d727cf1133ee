package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.LabKernel.hasRouteVia;
import static org.tunnelmesh.linux.LabKernel.link;
import static org.tunnelmesh.linux.LabKernel.linkNames;
import static org.tunnelmesh.linux.LabKernel.routes;
import static org.tunnelmesh.samples.LabNode.JAVA;
import static org.tunnelmesh.samples.LabNode.LOGS;
import static org.tunnelmesh.samples.LabNode.NODE_JAR;
import static org.tunnelmesh.samples.LabNode.READY_SECONDS;
import static org.tunnelmesh.samples.LabNode.sh;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.linux.LabKernel;

/**
 * The node process restarted while traffic flows: the new process adopts the kernel state the old
 * one left and changes nothing that is right, so a ping running across the restart loses nothing.
 * Restarted with one peer fewer, it removes that peer's device and route and leaves the rest.
 */
class NodeRestartKernelIT {
    private static final String NODE2_PEER = "node2@10.245.1.3=192.168.42.0/24";
    private static final String NODE3_PEER = "node3@10.245.1.4=192.168.43.0/24";

    private final List<Process> running = new ArrayList<>();

    @AfterEach
    void stopEverything() throws Exception {
        for (Process p : running) {
            p.destroy();
            p.waitFor(120, TimeUnit.SECONDS);
        }
        sh(
                "for d in tm-node2 tm-node3; do ip -n node1 link del $d 2>/dev/null; done; ip -n node1 route flush proto 87; ip -n node2 route flush proto 87; tc -n node1 qdisc del dev eth0 clsact 2>/dev/null; tc -n node1 qdisc del dev tunl0 clsact 2>/dev/null; true");
    }

    private Process startNode(String name, String underlay, String tunnelAddress, boolean purgeOnExit, String... peers)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(
                "ip",
                "netns",
                "exec",
                name,
                JAVA,
                "-XX:TieredStopAtLevel=1",
                "-jar",
                NODE_JAR.toString(),
                "--name",
                name,
                "--mode",
                "p2p",
                "--underlay",
                underlay,
                "--tunnel-address",
                tunnelAddress));
        if (purgeOnExit) {
            command.add("--purge-on-exit");
        }
        for (String peer : peers) {
            command.add("--peer");
            command.add(peer);
        }
        Files.createDirectories(LOGS);
        Path out = LOGS.resolve("restart-" + name + ".out");
        Process process = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(
                        LOGS.resolve("restart-" + name + ".log").toFile()))
                .start();
        running.add(process);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_SECONDS);
        while (!Files.readString(out).contains("READY")) {
            assertTrue(process.isAlive(), name + " exited with " + (process.isAlive() ? "" : process.exitValue()));
            assertTrue(System.nanoTime() < deadline, name + " not READY within " + READY_SECONDS + " s");
            Thread.sleep(100);
        }
        return process;
    }

    private Process startNode1(String... peers) throws Exception {
        return startNode("node1", "10.245.1.2", "192.168.41.0", false, peers);
    }

    private void stop(Process node) throws Exception {
        node.destroy(); // SIGTERM
        assertTrue(node.waitFor(120, TimeUnit.SECONDS), "node stops on SIGTERM");
        assertEquals(0, node.exitValue());
        running.remove(node);
    }

    @Test
    void aPingAcrossARestartLosesNothingAndARestartWithOnePeerFewerRemovesOnlyIt() throws Exception {
        startNode("node2", "10.245.1.3", "192.168.42.0", true, "node1@10.245.1.2=192.168.41.0/24");
        Process node1 = startNode1(NODE2_PEER, NODE3_PEER);
        LabKernel.Link node2Device = link(1, "tm-node2");

        // ping runs until interrupted; SIGINT makes it print its summary
        Process ping = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        "node1",
                        "ping",
                        "-n",
                        "-q",
                        "-i",
                        "0.1",
                        "-W",
                        "1",
                        "-I",
                        "192.168.41.0",
                        "192.168.42.0")
                .redirectErrorStream(true)
                .start();
        Thread.sleep(1000);
        stop(node1);
        node1 = startNode1(NODE2_PEER, NODE3_PEER);
        Thread.sleep(1000);
        sh("kill -INT " + ping.pid());
        String summary = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        ping.waitFor(30, TimeUnit.SECONDS);
        assertTrue(summary.contains(" 0% packet loss"), "no packet lost across the restart: " + summary);
        assertEquals(node2Device, link(1, "tm-node2"), "the device was not touched");

        stop(node1);
        startNode1(NODE2_PEER);
        assertFalse(linkNames(1).contains("tm-node3"), "node3's device is gone");
        assertEquals(List.of(), routes(1, "192.168.43.0/24"), "node3's route is gone");
        assertEquals(node2Device, link(1, "tm-node2"), "node2's device is untouched");
        assertTrue(hasRouteVia(1, "192.168.42.0/24", "tm-node2"));
    }
}
