package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.LabKernel.hasRoute;
import static org.tunnelmesh.linux.LabKernel.link;
import static org.tunnelmesh.linux.LabKernel.qdiscKinds;
import static org.tunnelmesh.linux.LabKernel.qdiscs;
import static org.tunnelmesh.linux.LabKernel.routes;
import static org.tunnelmesh.samples.LabNode.JAVA;
import static org.tunnelmesh.samples.LabNode.NODE_JAR;
import static org.tunnelmesh.samples.LabNode.READY_SECONDS;
import static org.tunnelmesh.samples.LabNode.sh;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node that may not load BPF (CAP_BPF and CAP_SYS_ADMIN dropped from its bounding set, so root
 * loses them at exec) refuses to start with the IPIP filter, says what is missing and how to turn
 * the filter off, and changes nothing; with {@code --no-ipip-filter} the same process starts.
 */
class NodeIpipFilterKernelIT {

    private Process running;

    @AfterEach
    void stop() throws Exception {
        if (running != null) {
            running.destroy();
            running.waitFor(120, TimeUnit.SECONDS);
        }
        sh(
                "ip -n node1 route flush proto 87; ip -n node1 nexthop flush proto 87; tc -n node1 qdisc del dev eth0 clsact; tc -n node1 qdisc del dev tunl0 clsact; true");
    }

    private static List<String> withoutBpfCapabilities(String... nodeArgs) {
        List<String> command = new java.util.ArrayList<>(List.of(
                "ip",
                "netns",
                "exec",
                "node1",
                "setpriv",
                "--bounding-set=-bpf,-sys_admin",
                "--",
                JAVA,
                "-XX:TieredStopAtLevel=1",
                "-jar",
                NODE_JAR.toString(),
                "--name",
                "node1",
                "--underlay",
                "10.245.1.2",
                "--tunnel-address",
                "192.168.41.0",
                "--peer",
                "node2@10.245.1.3=192.168.42.0/24",
                "--purge-on-exit"));
        command.addAll(List.of(nodeArgs));
        return command;
    }

    @Test
    void withoutCapBpfTheNodeSaysWhatIsMissingAndHowToGoWithoutTheFilter() throws Exception {
        List<Object> before = List.of(routes(1), link(1, "tunl0"), qdiscs(1, "eth0"));
        Process node = new ProcessBuilder(withoutBpfCapabilities())
                .redirectErrorStream(true)
                .start();
        String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(node.waitFor(READY_SECONDS, TimeUnit.SECONDS));

        assertEquals(2, node.exitValue(), "a missing capability is the setup's fault, as bad options are: " + out);
        assertFalse(out.contains("READY"), out);
        assertEquals(
                1, out.lines().filter(l -> l.contains("CAP_BPF")).count(), "one line names the capability: " + out);
        assertTrue(out.contains("tunnelmesh-node: this process lacks CAP_BPF"), out);
        assertTrue(out.contains("--no-ipip-filter"), "says how to turn the filter off: " + out);
        assertEquals(before, List.of(routes(1), link(1, "tunl0"), qdiscs(1, "eth0")), "nothing changed in the kernel");
    }

    @Test
    void withNoIpipFilterTheSameProcessStarts() throws Exception {
        Path out = Files.createTempFile(Path.of("target"), "node-no-filter", ".out");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_SECONDS);
        startUntilReady(withoutBpfCapabilities("--no-ipip-filter"), out, deadline);
        assertTrue(hasRoute(1, "192.168.42.0/24", "87"));
        assertFalse(qdiscKinds(1, "eth0").contains("clsact"), "no filter installed");
        // the node logs its self-check right after READY
        while (!Files.readString(out).contains("WARN ipip filter: off")) {
            assertTrue(System.nanoTime() < deadline, "diagnose says so: " + Files.readString(out));
            Thread.sleep(100);
        }
    }

    /** Starts the node with its output in {@code out} and waits for its READY line until {@code deadline} (System.nanoTime). */
    private void startUntilReady(List<String> command, Path out, long deadline) throws Exception {
        running = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        while (!Files.readString(out).contains("READY")) {
            assertTrue(running.isAlive(), "exited: " + Files.readString(out));
            assertTrue(System.nanoTime() < deadline, "not READY within " + READY_SECONDS + " s");
            Thread.sleep(100);
        }
    }

    /** Echo requests node {@code ns}'s ICMP took in (Icmp InEchos of its /proc/net/snmp). */
    private static long icmpInEchos(String ns) throws Exception {
        String[] lines = sh("ip netns exec " + ns + " cat /proc/net/snmp").split("\n");
        for (int i = 0; i + 1 < lines.length; i++) {
            if (lines[i].startsWith("Icmp:") && lines[i + 1].startsWith("Icmp:")) {
                List<String> names = List.of(lines[i].trim().split("\\s+"));
                return Long.parseLong(lines[i + 1].trim().split("\\s+")[names.indexOf("InEchos")]);
            }
        }
        throw new AssertionError("no Icmp lines in /proc/net/snmp of " + ns);
    }

    /**
     * Issue 21 row 9, against the node: tunl0 takes IPIP from any link, and the filter used to sit
     * on the underlay device only. node4 - no peer - gets a second link to node1 and tunnels a ping
     * to node1's tunnel address over it (its tunl0, node1's underlay routed through that link): node1
     * decapsulates it, but the inner packet never reaches its IP layer.
     */
    @Test
    void ipipArrivingOnAnotherLinkIsNotDelivered() throws Exception {
        Path out = Files.createTempFile(Path.of("target"), "node-filter", ".out");
        startUntilReady(
                List.of(
                        "ip",
                        "netns",
                        "exec",
                        "node1",
                        JAVA,
                        "-XX:TieredStopAtLevel=1",
                        "-jar",
                        NODE_JAR.toString(),
                        "--name",
                        "node1",
                        "--underlay",
                        "10.245.1.2",
                        "--tunnel-address",
                        "192.168.41.0",
                        "--peer",
                        "node2@10.245.1.3=192.168.42.0/24",
                        "--purge-on-exit"),
                out,
                System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_SECONDS));
        try {
            String setup = sh(
                    "ip -n node1 link add uplink2 type veth peer name uplink2 netns node4 && ip -n node1 link set uplink2 up"
                            + " && ip -n node4 link set uplink2 up && ip -n node4 link set tunl0 up"
                            + " && ip -n node4 addr add 192.168.44.0/32 dev tunl0 && ip -n node4 route add 10.245.1.2/32 dev uplink2"
                            + " && ip -n node4 route add 192.168.41.0/32 via 10.245.1.2 dev tunl0 onlink && echo SETUP-OK");
            assertTrue(setup.contains("SETUP-OK"), setup);
            long echos = icmpInEchos("node1");
            sh("ip netns exec node4 ping -n -q -c 3 -i 0.2 -W 1 -I 192.168.44.0 192.168.41.0");
            assertEquals(echos, icmpInEchos("node1"), "no echo request reached node1's ICMP");
            String qdisc = sh("tc -n node1 -s qdisc show dev tunl0");
            assertTrue(qdisc.contains("clsact") && qdisc.contains("dropped 3"), "dropped at tunl0's filter: " + qdisc);
        } finally {
            sh("ip -n node1 link del uplink2; ip -n node4 route del 192.168.41.0/32; ip -n node4 addr flush dev tunl0;"
                    + " ip -n node4 link set tunl0 down; true");
        }
    }
}
