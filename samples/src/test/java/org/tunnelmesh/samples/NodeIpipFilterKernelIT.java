package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.samples.LabKernel.hasRoute;
import static org.tunnelmesh.samples.LabKernel.link;
import static org.tunnelmesh.samples.LabKernel.qdiscKinds;
import static org.tunnelmesh.samples.LabKernel.qdiscs;
import static org.tunnelmesh.samples.LabKernel.routes;

import java.io.IOException;
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
    private static final Path NODE_JAR = Path.of(System.getProperty("tunnelmesh.nodeJar", "target/tunnelmesh-node.jar"));
    private static final String JAVA = ProcessHandle.current().info().command().orElse("java");
    private static final long READY_SECONDS = 360;

    private Process running;

    @AfterEach
    void stop() throws Exception {
        if (running != null) {
            running.destroy();
            running.waitFor(120, TimeUnit.SECONDS);
        }
        sh("ip -n node1 route flush proto 87; ip -n node1 nexthop flush proto 87; tc -n node1 qdisc del dev eth0 clsact; true");
    }

    private static List<String> withoutBpfCapabilities(String... nodeArgs) {
        List<String> command = new java.util.ArrayList<>(List.of("ip", "netns", "exec", "node1",
                "setpriv", "--bounding-set=-bpf,-sys_admin", "--", JAVA, "-XX:TieredStopAtLevel=1", "-jar", NODE_JAR.toString(),
                "--name", "node1", "--underlay", "10.245.1.2", "--tunnel-address", "192.168.41.0",
                "--peer", "node2@10.245.1.3=192.168.42.0/24", "--purge-on-exit"));
        command.addAll(List.of(nodeArgs));
        return command;
    }

    @Test
    void withoutCapBpfTheNodeSaysWhatIsMissingAndHowToGoWithoutTheFilter() throws Exception {
        List<Object> before = List.of(routes("node1"), link("node1", "tunl0"), qdiscs("node1", "eth0"));
        Process node = new ProcessBuilder(withoutBpfCapabilities()).redirectErrorStream(true).start();
        String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(node.waitFor(READY_SECONDS, TimeUnit.SECONDS));

        assertEquals(1, node.exitValue(), out);
        assertFalse(out.contains("READY"), out);
        assertTrue(out.contains("EPERM"), out);
        assertTrue(out.contains("CAP_BPF"), "names the capability: " + out);
        assertTrue(out.contains("--no-ipip-filter"), "says how to turn the filter off: " + out);
        assertEquals(before, List.of(routes("node1"), link("node1", "tunl0"), qdiscs("node1", "eth0")),
                "nothing changed in the kernel");
    }

    @Test
    void withNoIpipFilterTheSameProcessStarts() throws Exception {
        Path out = Files.createTempFile(Path.of("target"), "node-no-filter", ".out");
        running = new ProcessBuilder(withoutBpfCapabilities("--no-ipip-filter")).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_SECONDS);
        while (!Files.readString(out).contains("READY")) {
            assertTrue(running.isAlive(), "exited: " + Files.readString(out));
            assertTrue(System.nanoTime() < deadline, "not READY within " + READY_SECONDS + " s");
            Thread.sleep(100);
        }
        assertTrue(hasRoute("node1", "192.168.42.0/24", "87"));
        assertFalse(qdiscKinds("node1", "eth0").contains("clsact"), "no filter installed");
        // the node logs its self-check right after READY
        while (!Files.readString(out).contains("WARN ipip filter: off")) {
            assertTrue(System.nanoTime() < deadline, "diagnose says so: " + Files.readString(out));
            Thread.sleep(100);
        }
    }

    private static String sh(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }
}
