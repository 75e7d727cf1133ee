package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.samples.LabNode.JAVA;
import static org.tunnelmesh.samples.LabNode.LOGS;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jolokia.json.parser.JSONParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The README's shell snippets run as printed, in the lab's node1 (underlay 10.245.1.2, as in the README): the node's
 * start ({@code <!-- snippet: node-start -->}: the password file, then {@code java -jar samples/target/...}), every
 * line of "Jolokia (HTTP)" ({@code jolokia-curl}) and the Metrics curl line ({@code metrics-curl}), each answer
 * checked. A README edit that breaks one of them fails here.
 *
 * <p>The README writes {@code /etc/tunnelmesh/password} and {@code ~/.netrc}; the lab guest's root is the host's, read
 * and write. So every command runs in a private mount namespace ({@code unshare --mount}) where {@code /etc} is a
 * copy of it on a tmpfs, and with {@code HOME} a directory of this test: nothing is written to the
 * host's /etc or home (checked at the end).
 *
 * <p>What differs from the README, all of it here: {@link #SUBSTITUTIONS}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
class ReadmeNodeKernelIT {
    /** Changes to the README's lines before they run: the only ones. */
    private static final Map<String, String> SUBSTITUTIONS = Map.of(
            // the Metrics curl line needs --metrics, which the README's start line leaves out
            "--password-file /etc/tunnelmesh/password", "--password-file /etc/tunnelmesh/password --metrics");

    /** The README's node and the lab's: node1, 10.245.1.2. */
    private static final String NETNS = "node1";

    private static final Path ETC_TUNNELMESH = Path.of("/etc/tunnelmesh");
    private static final long COMMAND_SECONDS = 120;
    private static final Pattern JOLOKIA_CREDENTIALS =
            Pattern.compile("machine 127\\.0\\.0\\.1 login operator password ([A-Za-z0-9+/=]{24})");

    private final boolean etcTunnelmeshBefore = Files.exists(ETC_TUNNELMESH);
    private Path scratch;
    private Path home;
    private Process namespace;
    private Process node;
    private String password;

    @Test
    @Order(1)
    void theNodeStartsWithTheReadmesCommandLine() throws Exception {
        List<String> start = ReadmeSnippets.commands(ReadmeSnippets.named("node-start"));
        assertEquals(2, start.size(), "the node-start snippet: the password file, then java -jar: " + start);
        privateMountNamespace();

        Result passwordFile = run(start.get(0));
        assertEquals(0, passwordFile.exit(), "README's `" + start.get(0) + "`: " + passwordFile.output());
        password = run("cat /etc/tunnelmesh/password").output().strip();
        assertEquals(24, password.length(), "openssl rand -base64 18 writes 24 characters: " + password);
        assertEquals(
                "-rw------- root",
                run("stat -c '%A %U' /etc/tunnelmesh/password").output().strip());

        String java = substitute(start.get(1));
        assertTrue(java.startsWith("java -jar samples/target/tunnelmesh-node.jar "), java);
        Path out = LOGS.resolve("readme-node1.out");
        Path err = LOGS.resolve("readme-node1.log");
        Files.writeString(err, "$ " + java + "\n");
        node = inNamespace(java)
                .redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LabNode.READY_SECONDS);
        while (!Files.readString(out).contains("READY")) {
            assertTrue(node.isAlive(), "the README's node exited: " + Files.readString(err));
            assertTrue(System.nanoTime() < deadline, "the README's node is not READY: " + Files.readString(err));
            Thread.sleep(100);
        }
    }

    @Test
    @Order(2)
    void everyJolokiaLineAnswersAsTheReadmeSays() throws Exception {
        List<String> lines = ReadmeSnippets.commands(ReadmeSnippets.named("jolokia-curl"));
        assertEquals(6, lines.size(), "the jolokia-curl snippet changed: check its lines here too: " + lines);

        // 1: the login into ~/.netrc, mode 600
        Result netrc = run(lines.get(0));
        assertEquals(0, netrc.exit(), lines.get(0) + ": " + netrc.output());
        Path netrcFile = home.resolve(".netrc");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(netrcFile)));
        var login = JOLOKIA_CREDENTIALS.matcher(Files.readString(netrcFile).strip());
        assertTrue(login.matches(), "~/.netrc: " + Files.readString(netrcFile));
        assertEquals(password, login.group(1));

        // 2: tunl0's TxPackets; three pings into the tunnel first, so the counter has something to count (node2 runs
        // no mesh: nothing answers, but the packets leave through tunl0)
        run("ping -n -q -c 3 -i 0.2 -W 1 -I 192.168.41.0 192.168.42.1");
        Thread.sleep(300); // past the 250 ms the counters may be cached
        Map<String, Object> counters = jolokia(lines.get(1));
        assertTrue(((Number) counters.get("value")).longValue() >= 3, lines.get(1) + ": " + counters);

        // 3: PeerNames, a String[], as jq prints the JSON array
        Result names = run(lines.get(2));
        assertEquals(0, names.exit(), lines.get(2) + ": " + names.output());
        assertEquals("[\"node2\"]", names.output().strip(), lines.get(2));

        // 4: AddPeer.P99, a number of microseconds
        assertInstanceOf(Number.class, jolokia(lines.get(3)).get("value"), lines.get(3));

        // 5: diagnose as text: per check a line that begins with OK, WARN or FAIL (long ones go on, indented)
        Result diagnose = run(lines.get(4));
        assertEquals(0, diagnose.exit(), lines.get(4) + ": " + diagnose.output());
        List<String> checks =
                diagnose.output().strip().lines().filter(l -> !l.isBlank()).toList();
        assertFalse(checks.isEmpty(), lines.get(4));
        for (String check : checks) {
            assertTrue(check.matches("(OK|WARN|FAIL) .*|    \\S.*"), lines.get(4) + " printed: " + diagnose.output());
        }
        assertTrue(checks.get(0).startsWith("OK "), diagnose.output());
        assertTrue(diagnose.output().contains("OK ipip: tunl0 present"), diagnose.output());

        // 6: addPeer node3, and node3 is a peer
        jolokia(lines.get(5));
        Map<String, Object> peers = jolokia("curl -s --netrc http://127.0.0.1:8778/jolokia/read/"
                + "org.tunnelmesh:type=Mesh,name=node1/PeerNames");
        assertEquals(List.of("node2", "node3"), peers.get("value"));
        assertTrue(
                run("ip route get 192.168.43.1").output().contains("via 10.245.1.4 dev tunl0"),
                "the kernel routes node3's subnet through the tunnel");
    }

    @Test
    @Order(3)
    void theMetricsLineServesTheMesh() throws Exception {
        List<String> lines = ReadmeSnippets.commands(ReadmeSnippets.named("metrics-curl"));
        assertEquals(1, lines.size(), "the metrics-curl snippet: " + lines);
        Result metrics = run(lines.get(0));
        assertEquals(0, metrics.exit(), lines.get(0));
        // node2 from the start line, node3 from the Jolokia block
        assertTrue(
                Pattern.compile("(?m)^tunnelmesh_peers\\{mesh=\"node1\"} 2(\\.0)?$")
                        .matcher(metrics.output())
                        .find(),
                lines.get(0) + " answered: " + metrics.output());
    }

    @AfterAll
    void stopAndLeaveNothing() throws Exception {
        try {
            if (node != null && node.isAlive()) {
                // the README's node runs without --purge-on-exit: take its kernel state away for the tests after this
                run("curl -s --netrc -H 'Content-Type: application/json' http://127.0.0.1:8778/jolokia/ -d"
                        + " '{\"type\":\"exec\",\"mbean\":\"org.tunnelmesh:type=Mesh,name=node1\",\"operation\":\"purge\","
                        + "\"arguments\":[\"node1\"]}'");
                node.descendants().forEach(ProcessHandle::destroy);
                node.destroy();
                assertTrue(node.waitFor(120, TimeUnit.SECONDS), "the README's node stops on SIGTERM");
            }
        } finally {
            if (namespace != null) {
                namespace.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            if (scratch != null) {
                deleteTree(scratch);
            }
        }
        assertEquals(
                etcTunnelmeshBefore,
                Files.exists(ETC_TUNNELMESH),
                "/etc/tunnelmesh outside the test's mount namespace (the host's)");
    }

    /**
     * A process that holds a mount namespace of this test: /etc a copy on a tmpfs. Every command enters it.
     */
    private void privateMountNamespace() throws Exception {
        assertTrue(run0("ip netns list").contains(NETNS), "run this through lab/kernel-lab --nodes 4");
        Files.createDirectories(LOGS);
        scratch = Files.createTempDirectory("readme-it");
        home = Files.createDirectory(scratch.resolve("home"));
        Path layers = Files.createDirectory(scratch.resolve("etc-layers"));
        // a copy of /etc on a tmpfs, bound over /etc in this mount namespace only (no overlayfs needed)
        String setup = "set -e; mount -t tmpfs tmpfs " + layers + "; cp -a /etc/. " + layers + "/;" + " mount --bind "
                + layers + " /etc; echo ready; exec sleep 100000";
        namespace = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c", setup)
                .redirectErrorStream(true)
                .start();
        BufferedReader said =
                new BufferedReader(new InputStreamReader(namespace.getInputStream(), StandardCharsets.UTF_8));
        String first = said.readLine();
        assertEquals("ready", first, "the private mount namespace: " + first);
    }

    private String substitute(String line) {
        String result = line;
        for (Map.Entry<String, String> s : SUBSTITUTIONS.entrySet()) {
            assertTrue(result.contains(s.getKey()), "the README's line no longer has `" + s.getKey() + "`: " + line);
            result = result.replace(s.getKey(), s.getValue());
        }
        return result;
    }

    /**
     * {@code sh -c line} in node1's network namespace and the test's mount namespace, from the checkout's root, with
     * HOME the test's, and the JDK that runs this test first on PATH (the README says {@code java}).
     */
    private ProcessBuilder inNamespace(String line) {
        ProcessBuilder builder = new ProcessBuilder(
                        "nsenter",
                        "--mount=/proc/" + namespace.pid() + "/ns/mnt",
                        // entering a mount namespace moves the working directory to its root: back to the checkout
                        "--wd=" + ReadmeSnippets.projectRoot(),
                        "--",
                        "ip",
                        "netns",
                        "exec",
                        NETNS,
                        "sh",
                        "-c",
                        line)
                .directory(ReadmeSnippets.projectRoot().toFile());
        builder.environment().put("HOME", home.toString());
        String jdk = Path.of(JAVA).getParent().toString();
        builder.environment().put("PATH", jdk + ":" + builder.environment().getOrDefault("PATH", "/usr/bin:/bin"));
        return builder;
    }

    private record Result(int exit, String output) {}

    private Result run(String line) throws Exception {
        Process p = inNamespace(line).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS), line);
        Files.writeString(
                LOGS.resolve("readme-commands.log"),
                "$ " + line + "\n" + output + "\n[exit " + p.exitValue() + "]\n",
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        return new Result(p.exitValue(), output);
    }

    /** Runs a curl line that answers Jolokia JSON; the answer, checked to be status 200. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> jolokia(String line) throws Exception {
        Result result = run(line);
        assertEquals(0, result.exit(), line + ": " + result.output());
        Map<String, Object> answer;
        try {
            answer = new JSONParser().parse(result.output(), Map.class);
        } catch (Exception e) {
            throw new AssertionError(line + " answered no JSON: " + result.output(), e);
        }
        assertEquals(200, ((Number) answer.get("status")).intValue(), line + ": " + answer);
        return answer;
    }

    private static String run0(String command) throws IOException, InterruptedException {
        return LabNode.sh(command);
    }

    private static void deleteTree(Path root) throws IOException {
        List<Path> all = new ArrayList<>();
        try (var walk = Files.walk(root)) {
            walk.forEach(all::add);
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            Files.deleteIfExists(all.get(i));
        }
    }
}
