package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jolokia.json.parser.JSONParser;

/**
 * One tunnelmesh node process in a lab namespace, as the state file and ZooKeeper kernel tests
 * drive it: started with its options, READY awaited, managed over Jolokia with curl inside its
 * namespace, stopped with SIGTERM or killed with SIGKILL.
 */
final class LabNode {
    static final Path NODE_JAR = Path.of(System.getProperty("tunnelmesh.nodeJar", "target/tunnelmesh-node.jar"));
    static final Path LOGS = Path.of(System.getProperty("tunnelmesh.itLogs", "target/it-logs"));
    static final String JAVA = ProcessHandle.current().info().command().orElse("java");
    /** The lab's guest has one slow CPU: a node takes about a minute to start there. */
    static final long READY_SECONDS = 360;

    static final int JOLOKIA_PORT = 8778;
    static final String USER = "operator";
    static final String PASSWORD = "lab-secret";

    final String name;
    /** The lab namespace it runs in: its name, unless told otherwise. */
    final String netns;

    final String underlay;
    final String tunnelAddress;
    private Process process;
    private Path out;
    private Path err;

    LabNode(String name, String underlay, String tunnelAddress) {
        this(name, name, underlay, tunnelAddress);
    }

    LabNode(String name, String netns, String underlay, String tunnelAddress) {
        this.name = name;
        this.netns = netns;
        this.underlay = underlay;
        this.tunnelAddress = tunnelAddress;
    }

    /** Its namespace's number, as the lab helpers take it: node3 is 3. */
    int labNode() {
        return Integer.parseInt(netns.substring("node".length()));
    }

    /** The options that open the management endpoint, with its credentials: in one place, so they change in one place. */
    static List<String> management() {
        return List.of("--jolokia", "127.0.0.1:" + JOLOKIA_PORT, "--user", USER);
    }

    /** Starts the node with {@code --name --underlay --tunnel-address}, the management options and {@code options}. */
    Process launch(List<String> options) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                "ip",
                "netns",
                "exec",
                netns,
                JAVA,
                "-XX:TieredStopAtLevel=1",
                "-jar",
                NODE_JAR.toString(),
                "--name",
                name,
                "--underlay",
                underlay,
                "--tunnel-address",
                tunnelAddress));
        command.addAll(management());
        command.addAll(options);
        Files.createDirectories(LOGS);
        out = LOGS.resolve(netns + "-" + name + ".out");
        err = LOGS.resolve(netns + "-" + name + ".log");
        Files.writeString(
                err,
                "$ " + String.join(" ", command) + "\n",
                StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()));
        builder.environment()
                .put("TUNNELMESH_PASSWORD", PASSWORD); // the password as a systemd unit's Environment= gives it
        process = builder.start();
        return process;
    }

    /** Starts the node and waits for its READY line. */
    LabNode start(List<String> options) throws Exception {
        launch(options);
        awaitReady();
        return this;
    }

    void awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_SECONDS);
        while (!Files.readString(out).contains("READY")) {
            assertTrue(
                    process.isAlive(),
                    name + " exited with " + (process.isAlive() ? "" : process.exitValue()) + ": " + tail());
            assertTrue(System.nanoTime() < deadline, name + " not READY within " + READY_SECONDS + " s: " + tail());
            Thread.sleep(100);
        }
    }

    /** Waits for the process to end (after a start that must fail) and returns its exit status. */
    int awaitExit() throws InterruptedException {
        assertTrue(process.waitFor(READY_SECONDS, TimeUnit.SECONDS), name + " did not exit");
        return process.exitValue();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** SIGTERM, and the exit that follows. */
    void stop() throws Exception {
        if (alive()) {
            process.destroy();
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), name + " stops on SIGTERM");
        }
    }

    /** SIGKILL: no shutdown hook, no chance to save anything. */
    void kill() throws Exception {
        if (alive()) {
            // the JVM is a child of "ip netns exec", which execs it: the pid is the JVM's
            process.destroyForcibly();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), name + " dies on SIGKILL");
        }
    }

    /** What the node wrote to stdout (READY, or nothing). */
    String stdout() throws IOException {
        return out == null || !Files.exists(out) ? "" : Files.readString(out);
    }

    /** What the node wrote to stderr (its log, and the one-line reason it did not start). */
    String log() throws IOException {
        return err == null || !Files.exists(err) ? "" : Files.readString(err);
    }

    String tail() throws IOException {
        if (err == null || !Files.exists(err)) {
            return "(no log)";
        }
        List<String> lines = Files.readAllLines(err);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    }

    /** Runs a Jolokia operation on this node's mesh; returns the response. */
    Map<String, Object> exec(String operation, String... arguments) throws Exception {
        StringBuilder args = new StringBuilder();
        for (String a : arguments) {
            args.append(args.length() == 0 ? "" : ",").append('"').append(a).append('"');
        }
        return jolokia("{\"type\":\"exec\",\"mbean\":\"" + meshMBean() + "\",\"operation\":\"" + operation
                + "\",\"arguments\":[" + args + "]}");
    }

    /** Reads an attribute of an MBean of this node (the mesh's by default). */
    Object read(String mbean, String attribute) throws Exception {
        Map<String, Object> response =
                jolokia("{\"type\":\"read\",\"mbean\":\"" + mbean + "\",\"attribute\":\"" + attribute + "\"}");
        assertTrue(
                Long.valueOf(200).equals(response.get("status"))
                        || Integer.valueOf(200).equals(response.get("status")),
                "read " + mbean + " " + attribute + ": " + response);
        return response.get("value");
    }

    String meshMBean() {
        return "org.tunnelmesh:type=Mesh,name=" + name;
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> jolokia(String request) throws Exception {
        String answer = sh("ip netns exec " + netns + " curl -sS --max-time 20 -u " + USER + ":" + PASSWORD
                + " -H 'Content-Type: application/json' -d '" + request + "' http://127.0.0.1:" + JOLOKIA_PORT
                + "/jolokia/");
        try {
            return new JSONParser().parse(answer, Map.class);
        } catch (Exception e) {
            throw new AssertionError("Jolokia on " + name + " answered " + request + " with: " + answer, e);
        }
    }

    /** One ping through the tunnel, from this node's tunnel address; true when answered. */
    boolean pings(LabNode to) throws Exception {
        Process p = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        netns,
                        "ping",
                        "-n",
                        "-c",
                        "1",
                        "-W",
                        "2",
                        "-I",
                        tunnelAddress,
                        to.tunnelAddress)
                .redirectErrorStream(true)
                .start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    static String sh(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", command)
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(120, TimeUnit.SECONDS);
        return output;
    }
}
