package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.samples.LabNode.JAVA;
import static org.tunnelmesh.samples.LabNode.LOGS;
import static org.tunnelmesh.samples.LabNode.NODE_JAR;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.jolokia.json.parser.JSONParser;
import org.jolokia.json.parser.ParseException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.tunnelmesh.linux.LabKernel;

/**
 * Three tunnelmesh-node processes in the lab's namespaces (lab/kernel-lab), managed the way an
 * operator would: Jolokia over HTTP with curl, remote JMX with jmxterm, ping for the traffic.
 * Every client runs inside the node's namespace ({@code ip netns exec}), because the node serves
 * on that namespace's 127.0.0.1, which this JVM (in the guest's root namespace) cannot reach.
 *
 * <p>node1 and node2 start as peers of each other, node3 with both; node3 is then added to node1
 * and node2 at runtime through Jolokia, and removed from node1 again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
class NodeJolokiaKernelIT {

    private record Node(String name, String underlay, String tunnelAddress, String subnet) {
        String peerSpec() {
            return name + "@" + underlay + "=" + subnet;
        }

        /** Its namespace's number, as the lab helpers take it: node2 is 2. */
        int labNode() {
            return Integer.parseInt(name.substring("node".length()));
        }
    }

    private static final Node NODE1 = new Node("node1", "10.245.1.2", "192.168.41.0", "192.168.41.0/24");
    private static final Node NODE2 = new Node("node2", "10.245.1.3", "192.168.42.0", "192.168.42.0/24");
    private static final Node NODE3 = new Node("node3", "10.245.1.4", "192.168.43.0", "192.168.43.0/24");

    private static final Path JMXTERM_JAR =
            Path.of(System.getProperty("tunnelmesh.jmxtermJar", "target/it-tools/jmxterm.jar"));
    // The lab's guest has one slow CPU: a node takes about a minute to start there, three at once longer.
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(6);
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);
    private static final String QUICK_START = "-XX:TieredStopAtLevel=1";
    private static final int JOLOKIA_PORT = 8778;
    private static final int JMX_PORT = 9010;
    private static final String USER = "operator";
    private static final String PASSWORD = "lab-secret";
    private static final String TUNL0_OF_NODE1 = "org.tunnelmesh:type=TunnelDevice,mesh=node1,name=tunl0";
    /** In the guest's own /run: the node trusts a password file of root's only, and on the host's files the owner is whoever runs the lab. */
    private static final Path PASSWORD_FILE = Path.of("/run/tunnelmesh-it-password");

    private final Map<Node, Process> nodes = new LinkedHashMap<>();
    private long txPacketsAfterPing;

    @BeforeAll
    void startThreeNodes() throws Exception {
        assertTrue(Files.isRegularFile(NODE_JAR), NODE_JAR + " is missing: run mvn package first");
        assertTrue(
                Files.isRegularFile(JMXTERM_JAR),
                JMXTERM_JAR + " is missing: the build copies it before integration tests");
        String namespaces = run("ip", "netns", "list").output();
        for (String namespace : List.of(NODE1.name(), NODE2.name(), NODE3.name(), "node4")) {
            assertTrue(
                    namespaces.contains(namespace),
                    "namespace " + namespace + " is missing: run this through lab/kernel-lab --nodes 4");
        }
        Files.createDirectories(LOGS);
        Files.deleteIfExists(PASSWORD_FILE);
        Files.createFile(
                PASSWORD_FILE,
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(PASSWORD_FILE, PASSWORD + "\n");

        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        start(NODE1, NODE2);
        start(NODE2, NODE1);
        start(NODE3, NODE1, NODE2);
        for (Map.Entry<Node, Process> entry : nodes.entrySet()) {
            awaitReady(entry.getKey(), entry.getValue(), deadline);
        }
    }

    private void start(Node node, Node... peers) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                "ip",
                "netns",
                "exec",
                node.name(),
                JAVA,
                QUICK_START,
                "-jar",
                NODE_JAR.toString(),
                "--name",
                node.name(),
                "--underlay",
                node.underlay(),
                "--tunnel-address",
                node.tunnelAddress(),
                "--jolokia",
                "127.0.0.1:" + JOLOKIA_PORT,
                "--user",
                USER,
                "--password-file",
                PASSWORD_FILE.toString(),
                "--jmx-port",
                Integer.toString(JMX_PORT),
                "--purge-on-exit"));
        for (Node peer : peers) {
            command.add("--peer");
            command.add(peer.peerSpec());
        }
        Process process =
                new ProcessBuilder(command).redirectError(log(node).toFile()).start();
        nodes.put(node, process);
    }

    @SuppressWarnings("FutureReturnValueIgnored") // the drain ends with the node's stdout: nothing to wait for
    private static void awaitReady(Node node, Process process, long deadline) throws Exception {
        BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String firstLine;
        try {
            firstLine = inBackground(() -> readLine(out))
                    .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(
                    node.name() + " not READY within " + READY_TIMEOUT.toSeconds() + " s: " + tail(node));
        }
        assertEquals("READY", firstLine, node.name() + " (exit " + exitOf(process) + "): " + tail(node));
        // nothing more is expected on stdout; drain it anyway so the node never blocks on a full pipe
        inBackground(() -> {
            while (readLine(out) != null) {
                // discard
            }
            return null;
        });
    }

    private static String readLine(BufferedReader reader) {
        try {
            return reader.readLine();
        } catch (IOException e) {
            return null;
        }
    }

    private static <T> CompletableFuture<T> inBackground(Supplier<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> result.complete(task.get()));
        thread.setDaemon(true);
        thread.start();
        return result;
    }

    @Test
    @Order(1)
    void theFirstTwoNodesReachEachOtherAndNotYetNode3() throws Exception {
        assertEquals(0, ping(NODE1, NODE2), "node1 -> node2 over the tunnel");
        assertEquals(List.of("node2"), read(NODE1, "org.tunnelmesh:type=Mesh,name=node1", "PeerNames"));
        assertNotEquals(0, ping(NODE1, NODE3), "node1 has no route to node3 yet");
    }

    @Test
    @Order(2)
    void node3AddedThroughJolokiaCarriesTrafficCountedOnTunl0() throws Exception {
        for (Node node : List.of(NODE1, NODE2)) {
            Map<String, Object> added = exec(
                    node,
                    "org.tunnelmesh:type=Mesh,name=" + node.name(),
                    "addPeer",
                    NODE3.name(),
                    NODE3.underlay(),
                    NODE3.subnet());
            assertEquals(200, status(added), node.name() + ": " + added);
        }
        assertEquals("tunl0", read(NODE1, "org.tunnelmesh:type=Peer,mesh=node1,name=node3", "Device"));
        long before = ((Number) read(NODE1, TUNL0_OF_NODE1, "TxPackets")).longValue();

        assertEquals(0, ping(NODE1, NODE3), "node1 -> node3 after adding it at runtime");
        Thread.sleep(300); // past the 250 ms the counters may be cached

        txPacketsAfterPing = ((Number) read(NODE1, TUNL0_OF_NODE1, "TxPackets")).longValue();
        assertTrue(
                txPacketsAfterPing >= before + 3,
                "TxPackets " + before + " -> " + txPacketsAfterPing + " after 3 pings");
        assertEquals(0, ping(NODE2, NODE3), "node2 -> node3");
    }

    @Test
    @Order(3)
    void jmxtermReadsTheSameCounterOverRemoteJmx() throws Exception {
        Result jmxterm = jmxterm("get -s -b " + TUNL0_OF_NODE1 + " TxPackets", "-u", USER, "-p", PASSWORD);

        Matcher number = Pattern.compile("(?m)^\\s*(\\d+)\\s*;?\\s*$").matcher(jmxterm.output());
        assertTrue(number.find(), "jmxterm said: " + jmxterm.output());
        assertTrue(
                Long.parseLong(number.group(1)) >= txPacketsAfterPing,
                "jmxterm " + number.group(1) + ", Jolokia " + txPacketsAfterPing);
    }

    @Test
    @Order(4)
    void remoteJmxWantsCredentialsAndRefusesWhatRunsCode() throws Exception {
        Result anonymous = jmxterm("get -s -b " + TUNL0_OF_NODE1 + " TxPackets");
        Result wrongPassword = jmxterm("get -s -b " + TUNL0_OF_NODE1 + " TxPackets", "-u", USER, "-p", "guess");
        Result jcmd = jmxterm(
                "run -b com.sun.management:type=DiagnosticCommand vmSystemProperties", "-u", USER, "-p", PASSWORD);
        Result reconcile = jmxterm("run -b org.tunnelmesh:type=Mesh,name=node1 reconcile", "-u", USER, "-p", PASSWORD);

        assertTrue(
                anonymous.output().contains("authentication failed")
                        || anonymous.output().contains("Authentication failed"),
                "jmxterm without credentials: " + anonymous.output());
        assertTrue(
                wrongPassword.output().toLowerCase(java.util.Locale.ROOT).contains("authentication failed"),
                "jmxterm with a wrong password: " + wrongPassword.output());
        assertTrue(jcmd.output().contains("access denied"), "DiagnosticCommand over JMX: " + jcmd.output());
        assertTrue(!jcmd.output().contains("java.home"), "DiagnosticCommand printed properties: " + jcmd.output());
        assertTrue(
                Pattern.compile("(?m)^\\s*0\\s*;?\\s*$")
                        .matcher(reconcile.output())
                        .find(),
                "reconcile over JMX: " + reconcile.output());
    }

    @Test
    @Order(5)
    void jolokiaRefusesStrangersOnEveryPathAndTheKernelStaysAsItWas() throws Exception {
        Object routesBefore = routes(NODE1);
        String purge =
                "{\"type\":\"exec\",\"mbean\":\"org.tunnelmesh:type=Mesh,name=node1\",\"operation\":\"purge\",\"arguments\":[\"node1\"]}";
        for (String path :
                List.of("", "config", "config/", "exec", "read/java.lang:type=Runtime/SystemProperties", "version")) {
            Result anonymous = run(
                    "ip",
                    "netns",
                    "exec",
                    NODE1.name(),
                    "curl",
                    "-sS",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code}",
                    "-H",
                    "Content-Type: application/json",
                    "-d",
                    purge,
                    jolokiaUrl() + path);
            assertEquals("401", anonymous.output().strip(), "POST /jolokia/" + path + " without credentials");
        }
        Result foreignOrigin = run(
                "ip",
                "netns",
                "exec",
                NODE1.name(),
                "curl",
                "-sS",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-u",
                USER + ":" + PASSWORD,
                "-H",
                "Origin: http://evil.example",
                "-H",
                "Content-Type: application/json",
                "-d",
                purge,
                jolokiaUrl());
        Map<String, Object> gc =
                jolokia(NODE1, "{\"type\":\"exec\",\"mbean\":\"java.lang:type=Memory\",\"operation\":\"gc\"}");
        Map<String, Object> commandLine = jolokia(
                NODE1, "{\"type\":\"read\",\"mbean\":\"java.lang:type=Runtime\",\"attribute\":\"SystemProperties\"}");

        assertEquals("403", foreignOrigin.output().strip(), "a foreign Origin with valid credentials");
        assertEquals(403, status(gc), gc.toString());
        assertEquals(403, status(commandLine), commandLine.toString());
        assertTrue(!commandLine.toString().contains("sun.java.command"), commandLine.toString());
        assertEquals(routesBefore, routes(NODE1), "node1's routes after the refused requests");
        assertEquals(0, ping(NODE1, NODE2), "node1 -> node2 still");
    }

    @Test
    @Order(6)
    void reservedSubnetsAreRefusedThroughJolokiaJmxAndTheCommandLine() throws Exception {
        Object routesBefore = routes(NODE1);

        Map<String, Object> loopback =
                exec(NODE1, "org.tunnelmesh:type=Mesh,name=node1", "addPeer", "bad1", "10.245.1.9", "127.0.0.0/24");
        Result multicast = jmxterm(
                "run -b org.tunnelmesh:type=Mesh,name=node1 addPeer bad2 10.245.1.9 224.0.0.0/4",
                "-u",
                USER,
                "-p",
                PASSWORD);
        Result commandLine = run(
                "ip",
                "netns",
                "exec",
                "node4",
                JAVA,
                QUICK_START,
                "-jar",
                NODE_JAR.toString(),
                "--name",
                "node4",
                "--underlay",
                "10.245.1.5",
                "--tunnel-address",
                "192.168.44.0",
                "--peer",
                "bad3@10.245.1.9=169.254.0.0/16");

        assertTrue(
                status(loopback) >= 400 && String.valueOf(loopback.get("error")).contains("127.0.0.0/24"),
                loopback.toString());
        assertTrue(multicast.output().contains("224.0.0.0/4"), "jmxterm: " + multicast.output());
        assertEquals(2, commandLine.exitCode(), commandLine.output());
        assertTrue(commandLine.output().contains("169.254.0.0/16"), commandLine.output());
        assertEquals(routesBefore, routes(NODE1), "node1's routes after the refused peers");
        assertEquals(List.of(), LabKernel.routes(4, "proto", "87"), "node4's routes");
        assertEquals(List.of("node2", "node3"), read(NODE1, "org.tunnelmesh:type=Mesh,name=node1", "PeerNames"));
    }

    @Test
    @Order(7)
    void aSecondNodeOnTheSameNamespaceAndProtocolIsRefused() throws Exception {
        Object routesBefore = routes(NODE1);

        Result second = run(
                "ip",
                "netns",
                "exec",
                NODE1.name(),
                JAVA,
                QUICK_START,
                "-jar",
                NODE_JAR.toString(),
                "--name",
                "intruder",
                "--underlay",
                NODE1.underlay(),
                "--tunnel-address",
                "192.168.49.0",
                "--peer",
                "node9@10.245.1.9=192.168.59.0/24");

        assertEquals(2, second.exitCode(), second.output());
        assertTrue(second.output().contains("node1"), "the refusal names the holder: " + second.output());
        assertEquals(routesBefore, routes(NODE1), "node1's routes after the refused second node");
        assertEquals(0, ping(NODE1, NODE2), "node1 -> node2 still");
    }

    @Test
    @Order(8)
    void node3RemovedThroughJolokiaStopsTrafficAndItsMBean() throws Exception {
        Map<String, Object> removed = exec(NODE1, "org.tunnelmesh:type=Mesh,name=node1", "removePeer", NODE3.name());
        assertEquals(200, status(removed), removed.toString());

        assertNotEquals(0, ping(NODE1, NODE3), "node1 -> node3 after removing it");
        Map<String, Object> peers =
                jolokia(NODE1, "{\"type\":\"search\",\"mbean\":\"org.tunnelmesh:type=Peer,mesh=node1,*\"}");
        List<String> peerNames = new ArrayList<>();
        for (Object name : (List<?>) peers.get("value")) {
            peerNames.add(new ObjectName(name.toString()).getKeyProperty("name"));
        }
        assertEquals(List.of("node2"), peerNames);
        assertEquals(0, ping(NODE1, NODE2), "node1 -> node2 still");
    }

    @Test
    @Order(9)
    void latencyFiguresAreInMeshStatsNotInTheMeshMBeanForJolokiaAndJmxterm() throws Exception {
        String stats = "org.tunnelmesh:type=MeshStats,name=node1";
        assertEquals(1L, ((Number) read(NODE1, stats, "AddPeer.Count")).longValue(), "node1 added node3 once");
        assertEquals(1L, ((Number) read(NODE1, stats, "RemovePeer.Count")).longValue(), "node1 removed node3 once");
        Map<String, Object> onMesh = jolokia(
                NODE1,
                "{\"type\":\"read\",\"mbean\":\"org.tunnelmesh:type=Mesh,name=node1\",\"attribute\":\"AddPeer.Count\"}");
        assertNotEquals(200, status(onMesh), onMesh.toString());

        Result jmxterm = jmxterm("get -s -b " + stats + " AddPeer.Count", "-u", USER, "-p", PASSWORD);
        assertTrue(
                Pattern.compile("(?m)^\\s*1\\s*;?\\s*$")
                        .matcher(jmxterm.output())
                        .find(),
                "jmxterm said: " + jmxterm.output());
    }

    @Test
    @Order(10)
    void purgeWithoutTheMeshsNameIsRefusedOverJolokiaAndJmxtermAndChangesNothing() throws Exception {
        Object routesBefore = routes(NODE1);
        String refusal = "purge refused: confirmMeshName 'node2' is not this mesh's name (node1)";

        Map<String, Object> refused = exec(NODE1, "org.tunnelmesh:type=Mesh,name=node1", "purge", "node2");
        Result jmxterm = jmxterm("run -b org.tunnelmesh:type=Mesh,name=node1 purge node2", "-u", USER, "-p", PASSWORD);

        assertNotEquals(200, status(refused), refused.toString());
        assertTrue(String.valueOf(refused.get("error")).contains(refusal), refused.toString());
        assertTrue(jmxterm.output().contains(refusal), "jmxterm said: " + jmxterm.output());
        assertEquals(routesBefore, routes(NODE1));
        assertEquals(0, ping(NODE1, NODE2), "node1 -> node2 after the refused purges");
    }

    @Test
    @Order(11)
    void purgeConfirmedWithTheMeshsNameEmptiesTheMesh() throws Exception {
        Map<String, Object> purged = exec(NODE1, "org.tunnelmesh:type=Mesh,name=node1", "purge", "node1");

        assertEquals(200, status(purged), purged.toString());
        assertEquals(List.of(), routes(NODE1));
        assertEquals(0L, ((Number) read(NODE1, "org.tunnelmesh:type=Mesh,name=node1", "PeerCount")).longValue());
        assertNotEquals(0, ping(NODE1, NODE2), "node1 -> node2 after the purge");
    }

    @Test
    @Order(12)
    void diagnoseOverJolokiaIsOneTextOfFindings() throws Exception {
        Map<String, Object> diagnosed = exec(NODE2, "org.tunnelmesh:type=Mesh,name=node2", "diagnose");

        assertEquals(200, status(diagnosed), diagnosed.toString());
        String report = (String) diagnosed.get("value");
        assertTrue(report.contains("OK ipip: tunl0 present"), report);
        for (String line : report.split("\n")) {
            assertTrue(
                    line.matches("(OK|WARN|FAIL) .*|    \\S.*"),
                    "a finding or its indented continuation: '" + line + "' in\n" + report);
        }
    }

    @Test
    @Order(13)
    void idleAndSlowConnectionsOnLoopbackDoNotDelayTheOperator() throws Exception {
        String stalledBody =
                "POST /jolokia/ HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Type: application/json\\r\\nAuthorization: Basic "
                        + java.util.Base64.getEncoder()
                                .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8))
                        + "\\r\\nContent-Length: 1000\\r\\n\\r\\n{";
        // issue 21 row 5: two idle connections of one byte each held every request 20 s in the lab
        for (Map.Entry<String, String> attack : Map.of(
                        "2 idle connections of one byte",
                        "2 P",
                        "40 idle connections of one byte",
                        "40 P",
                        "90 idle connections (past the limit of 64 being read)",
                        "90 G",
                        "20 logged-in requests with a stalled body",
                        "20 " + stalledBody)
                .entrySet()) {
            String[] countAndBytes = attack.getValue().split(" ", 2);
            // one shell holds the attacker's connections open while curl, the operator, asks beside them
            Result operator = run(
                    "ip",
                    "netns",
                    "exec",
                    NODE2.name(),
                    "bash",
                    "-c",
                    "for i in $(seq " + countAndBytes[0] + "); do "
                            + "exec {fd}<>/dev/tcp/127.0.0.1/" + JOLOKIA_PORT + "; printf '" + countAndBytes[1]
                            + "' >&$fd; done; sleep 0.5; "
                            + "curl -sS -o /dev/null -w '%{http_code} %{time_total}' --max-time 60 -u " + USER + ":"
                            + PASSWORD
                            + " -H 'Content-Type: application/json' -d '{\"type\":\"exec\",\"mbean\":\"org.tunnelmesh:type=Mesh,name=node2\","
                            + "\"operation\":\"reconcile\"}' " + jolokiaUrl());

            System.out.println(attack.getKey() + ": the operator's exec answered (HTTP code, seconds): "
                    + operator.output().strip());
            assertEquals(0, operator.exitCode(), attack.getKey() + ": curl " + operator.output());
            assertTrue(operator.output().startsWith("200 "), attack.getKey() + ": " + operator.output());
        }
    }

    @Test
    @Order(14)
    void noSpellingOfANotificationSubscriptionReachesAnotherDomain() throws Exception {
        Map<String, Object> register = jolokia(NODE2, "{\"type\":\"notification\",\"command\":\"register\"}");
        assertEquals(200, status(register), register.toString());
        String client = String.valueOf(((Map<?, ?>) register.get("value")).get("id"));
        String add = "{\"type\":\"notification\",\"command\":\"add\",\"client\":\"" + client
                + "\",\"mode\":\"pull\",\"mbean\":\"java.lang:type=Memory\"}";
        Path utf16 = LOGS.resolve("notification-utf16.json");
        Files.write(utf16, add.getBytes(StandardCharsets.UTF_16));

        // issue 21 row 6: each of these passed the mesh-only notification guard
        List<HttpAnswer> attempts = List.of(
                curl(
                        NODE2,
                        "-H",
                        "Content-Type: application/json",
                        "-d",
                        add.replace("\"notification\"", "\"NOTIFICATION\""),
                        jolokiaUrl()),
                curl(
                        NODE2,
                        "-H",
                        "Content-Type: application/json",
                        "-d",
                        add.replace("\"add\"", "\"ADD\""),
                        jolokiaUrl()),
                curl(NODE2, jolokiaUrl() + "?p=/notification/add/" + client + "/pull/java.lang:type=Memory"),
                curl(
                        NODE2,
                        "-H",
                        "Content-Type: application/json; charset=utf-16",
                        "--data-binary",
                        "@" + utf16,
                        jolokiaUrl()));
        Map<String, Object> subscriptions =
                jolokia(NODE2, "{\"type\":\"notification\",\"command\":\"list\",\"client\":\"" + client + "\"}");

        for (HttpAnswer attempt : attempts) {
            assertTrue(attempt.refused(), "a subscription to java.lang:type=Memory was served: " + attempt);
        }
        assertEquals(Map.of(), subscriptions.get("value"), "the client's subscriptions: " + subscriptions);
    }

    @Test
    @Order(15)
    void changesArePostedJsonAndNeverCrossSite() throws Exception {
        String reconcile =
                "{\"type\":\"exec\",\"mbean\":\"org.tunnelmesh:type=Mesh,name=node2\",\"operation\":\"reconcile\"}";

        // issue 21 row 7: exec over GET, JSONP, and what a web page's form or fetch can send
        HttpAnswer getExec = curl(NODE2, jolokiaUrl() + "exec/org.tunnelmesh:type=Mesh,name=node2/reconcile");
        HttpAnswer jsonp = curl(NODE2, jolokiaUrl() + "read/org.tunnelmesh:type=Mesh,name=node2/PeerCount?callback=x");
        HttpAnswer textPlain = curl(NODE2, "-H", "Content-Type: text/plain", "-d", reconcile, jolokiaUrl());
        HttpAnswer crossSite = curl(
                NODE2,
                "-H",
                "Content-Type: application/json",
                "-H",
                "Sec-Fetch-Site: cross-site",
                "-d",
                reconcile,
                jolokiaUrl());
        HttpAnswer readByGet = curl(NODE2, jolokiaUrl() + "read/org.tunnelmesh:type=Mesh,name=node2/PeerCount");

        assertTrue(getExec.refused(), "GET exec: " + getExec);
        assertTrue(jsonp.refused() && !jsonp.body().startsWith("x("), "JSONP: " + jsonp);
        assertTrue(textPlain.refused(), "text/plain exec: " + textPlain);
        assertTrue(crossSite.refused(), "Sec-Fetch-Site: cross-site: " + crossSite);
        assertTrue(
                !readByGet.refused() && readByGet.body().contains("\"value\":2"),
                "the README's GET read still works: " + readByGet);
    }

    @AfterAll
    void stopNodes() throws Exception {
        List<String> problems = new ArrayList<>();
        for (Process process : nodes.values()) {
            process.destroy(); // SIGTERM: the node purges (--purge-on-exit) and exits 0
        }
        for (Map.Entry<Node, Process> entry : nodes.entrySet()) {
            Process process = entry.getValue();
            if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                problems.add(entry.getKey().name() + " did not stop within " + COMMAND_TIMEOUT.toSeconds()
                        + " s of SIGTERM");
            } else if (process.exitValue() != 0) {
                problems.add(entry.getKey().name() + " exited " + process.exitValue() + ": " + tail(entry.getKey()));
            }
        }
        for (Node node : nodes.keySet()) {
            List<LabKernel.Route> routes = routes(node);
            if (!routes.isEmpty()) {
                problems.add(node.name() + " kept routes after --purge-on-exit: " + routes);
            }
        }
        assertEquals(List.of(), problems);
    }

    // ---- clients, each run inside the node's namespace

    private static Result jmxterm(String command, String... login) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "ip",
                "netns",
                "exec",
                NODE1.name(),
                JAVA,
                QUICK_START,
                "-jar",
                JMXTERM_JAR.toString(),
                "-l",
                "127.0.0.1:" + JMX_PORT,
                "-n",
                "-v",
                "brief"));
        args.addAll(List.of(login));
        return runWithInput(command + "\nquit\n", args.toArray(String[]::new));
    }

    /** The node's routes of our protocol, as the kernel reports them ({@code ip -j}, parsed). */
    private static List<LabKernel.Route> routes(Node node) {
        return LabKernel.routes(node.labNode(), "proto", "87");
    }

    private static String jolokiaUrl() {
        return "http://127.0.0.1:" + JOLOKIA_PORT + "/jolokia/";
    }

    private static Map<String, Object> exec(Node node, String mbean, String operation, String... arguments)
            throws Exception {
        List<String> quoted = new ArrayList<>();
        for (String argument : arguments) {
            quoted.add("\"" + argument + "\"");
        }
        return jolokia(
                node,
                "{\"type\":\"exec\",\"mbean\":\"" + mbean + "\",\"operation\":\"" + operation + "\",\"arguments\":["
                        + String.join(",", quoted) + "]}");
    }

    private static Object read(Node node, String mbean, String attribute) throws Exception {
        Map<String, Object> response =
                jolokia(node, "{\"type\":\"read\",\"mbean\":\"" + mbean + "\",\"attribute\":\"" + attribute + "\"}");
        assertEquals(200, status(response), response.toString());
        return response.get("value");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> jolokia(Node node, String request) throws Exception {
        Result curl = run(
                "ip",
                "netns",
                "exec",
                node.name(),
                "curl",
                "-sS",
                "--max-time",
                "20",
                "-u",
                USER + ":" + PASSWORD,
                "-H",
                "Content-Type: application/json",
                "-d",
                request,
                jolokiaUrl());
        try {
            return new JSONParser().parse(curl.output(), Map.class);
        } catch (ParseException e) {
            throw new AssertionError(
                    "Jolokia on " + node.name() + " answered " + request + " with: " + curl.output(), e);
        }
    }

    /** What curl saw: the HTTP code and the body. */
    private record HttpAnswer(int code, String body) {
        /** Refused by the endpoint, or by Jolokia inside a 200 (each request of a bulk has its own status). */
        boolean refused() throws ParseException, IOException {
            if (code != 200) {
                return true;
            }
            Object parsed = new JSONParser().parse(body);
            for (Object answer : parsed instanceof List<?> list ? list : List.of(parsed)) {
                if (((Number) ((Map<?, ?>) answer).get("status")).intValue() >= 400) {
                    return true;
                }
            }
            return false;
        }
    }

    private static HttpAnswer curl(Node node, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                "ip",
                "netns",
                "exec",
                node.name(),
                "curl",
                "-sS",
                "--max-time",
                "20",
                "-u",
                USER + ":" + PASSWORD,
                "-w",
                "\n%{http_code}"));
        command.addAll(List.of(arguments));
        Result curl = run(command.toArray(String[]::new));
        String output = curl.output().strip();
        int newline = output.lastIndexOf('\n');
        assertEquals(0, curl.exitCode(), "curl " + List.of(arguments) + ": " + output);
        return new HttpAnswer(
                Integer.parseInt(output.substring(newline + 1).strip()),
                newline < 0 ? "" : output.substring(0, newline));
    }

    private static int status(Map<String, Object> response) {
        return ((Number) response.get("status")).intValue();
    }

    private static int ping(Node from, Node to) throws Exception {
        return run(
                        "ip",
                        "netns",
                        "exec",
                        from.name(),
                        "ping",
                        "-c",
                        "3",
                        "-W",
                        "1",
                        "-I",
                        from.tunnelAddress(),
                        to.tunnelAddress())
                .exitCode();
    }

    private record Result(int exitCode, String output) {}

    private static Result run(String... command) throws Exception {
        return runWithInput("", command);
    }

    private static Result runWithInput(String input, String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        CompletableFuture<String> output = inBackground(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new TimeoutException(
                    String.join(" ", command) + " did not finish within " + COMMAND_TIMEOUT.toSeconds() + " s");
        }
        return new Result(process.exitValue(), output.get(10, TimeUnit.SECONDS));
    }

    private static Path log(Node node) {
        return LOGS.resolve(node.name() + ".log");
    }

    private static String exitOf(Process process) {
        return process.isAlive() ? "still running" : Integer.toString(process.exitValue());
    }

    private static String tail(Node node) {
        try {
            List<String> lines = Files.readAllLines(log(node));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
