package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;

/**
 * The kernel lab as tests see it: namespaces node1..node4 made by lab/kernel-lab, underlay
 * 10.245.1.(1+i), and the seed's overlay 192.168.4i.0/24 with the tunnel address 192.168.4i.0.
 * Commands run inside those namespaces only.
 */
final class Lab {
    static final int NODES = 4;

    private Lab() {}

    /** Kernel tests fail (not skip) outside the lab: a skipped kernel test proves nothing. */
    static void requireLab() {
        for (int i = 1; i <= NODES; i++) {
            if (!Files.exists(Path.of("/run/netns/node" + i))) {
                fail("namespace node" + i + " is missing: kernel tests run inside the lab, "
                        + "e.g. lab/kernel-lab --nodes " + NODES + " -- mvn verify -DskipITs=false (see README)");
            }
        }
    }

    static String ns(int node) {
        return "node" + node;
    }

    static String underlay(int node) {
        return "10.245.1." + (1 + node);
    }

    static String tunnelAddress(int node) {
        return "192.168.4" + node + ".0";
    }

    static String subnet(int node) {
        return "192.168.4" + node + ".0/24";
    }

    static Peer peer(int node) {
        return Peer.of(ns(node), underlay(node), subnet(node));
    }

    /** A node's mesh, not watching the kernel: these tests drift the kernel and call reconcile() themselves. */
    static MeshConfig config(int node, MeshMode mode) {
        return watchingConfig(node, mode).toBuilder().watchKernel(false).build();
    }

    static MeshConfig watchingConfig(int node, MeshMode mode) {
        return MeshConfig.builder()
                .name(ns(node))
                .mode(mode)
                .underlay(underlay(node))
                .tunnelAddress(tunnelAddress(node))
                .netns(ns(node))
                // these tests count packets exactly: no health probes beside them (NodeHealthKernelIT tests those)
                .probeInterval(java.time.Duration.ZERO)
                .build();
    }

    record Result(int exitCode, String output) {}

    static Result exec(int node, String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns(node)));
        full.addAll(List.of(command));
        return run(full);
    }

    static Result run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("timed out: " + command);
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static String ip(int node, String... args) {
        List<String> full = new ArrayList<>(List.of("ip", "-n", ns(node)));
        full.addAll(List.of(args));
        Result r = run(full);
        assertTrue(r.exitCode() == 0, "ip " + String.join(" ", args) + " in " + ns(node) + " failed: " + r.output());
        return r.output();
    }

    /** For cleanup that may find nothing left to clean. */
    static void ipIgnoringFailure(int node, String... args) {
        List<String> full = new ArrayList<>(List.of("ip", "-n", ns(node)));
        full.addAll(List.of(args));
        run(full);
    }

    private static final Pattern RECEIVED = Pattern.compile("(\\d+) (?:packets )?received");

    /** Pings {@code to} from node {@code from} with its tunnel address as source; returns replies received. */
    static int ping(int from, String to, int count) {
        Result r = exec(
                from,
                "ping",
                "-n",
                "-q",
                "-c",
                String.valueOf(count),
                "-i",
                "0.2",
                "-W",
                "1",
                "-I",
                tunnelAddress(from),
                to);
        Matcher m = RECEIVED.matcher(r.output());
        if (!m.find()) {
            fail("unexpected ping output: " + r.output());
        }
        return Integer.parseInt(m.group(1));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
