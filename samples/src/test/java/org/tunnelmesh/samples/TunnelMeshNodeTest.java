package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.management.MBeanServer;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import org.jolokia.json.parser.JSONParser;
import org.jolokia.json.parser.ParseException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.KernelSupportException;
import org.tunnelmesh.LinkCounters;
import org.tunnelmesh.Peer;
import org.tunnelmesh.PermissionDeniedException;
import org.tunnelmesh.TunnelMesh;
import org.tunnelmesh.jmx.MeshObjectNames;
import org.tunnelmesh.testing.InMemoryTunnelMesh;

/** The node with an in-memory mesh: everything but the kernel, including Jolokia and remote JMX. */
class TunnelMeshNodeTest {

    private static final String USER = "operator";
    private static final String PASSWORD = "s3cret";
    private static final Map<String, String> ENVIRONMENT = Map.of("TUNNELMESH_PASSWORD", PASSWORD);

    private final MBeanServer platform = ManagementFactory.getPlatformMBeanServer();
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<InMemoryTunnelMesh> opened = new ArrayList<>();
    private TunnelMeshNode node;

    /** As main starts it: up to READY, then what follows READY. */
    private TunnelMeshNode start(String... args) {
        startToReady(args);
        node.afterReady();
        return node;
    }

    private TunnelMeshNode startToReady(String... args) {
        node = TunnelMeshNode.start(
                NodeOptions.parse(ENVIRONMENT, args),
                (config, peers) -> {
                    InMemoryTunnelMesh mesh = InMemoryTunnelMesh.open(config, peers);
                    opened.add(mesh);
                    return mesh;
                },
                platform);
        return node;
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    /**
     * The mesh's self-check (a dump of every route of the namespace) is logged before Jolokia's agent starts: the
     * first requests over Jolokia after READY never share the CPU with it, nor wait for it.
     */
    @Test
    void theSelfCheckIsOverBeforeJolokiasAgentStarts() throws Exception {
        List<Boolean> agentRunningAtDiagnose = new ArrayList<>();
        ObjectName jolokiaMBeans = new ObjectName("jolokia:*");
        node = TunnelMeshNode.start(
                NodeOptions.parse(
                        ENVIRONMENT,
                        "--name",
                        "unit12",
                        "--underlay",
                        "10.245.1.2",
                        "--tunnel-address",
                        "192.168.41.0",
                        "--jolokia",
                        "127.0.0.1:0",
                        "--user",
                        USER),
                (config, peers) -> {
                    InMemoryTunnelMesh mesh = InMemoryTunnelMesh.open(config, peers);
                    opened.add(mesh);
                    return (TunnelMesh) Proxy.newProxyInstance(
                            TunnelMesh.class.getClassLoader(), new Class<?>[] {TunnelMesh.class}, (proxy, m, a) -> {
                                if (m.getName().equals("diagnose")) {
                                    agentRunningAtDiagnose.add(!platform.queryNames(jolokiaMBeans, null)
                                            .isEmpty());
                                }
                                try {
                                    return m.invoke(mesh, a);
                                } catch (InvocationTargetException e) {
                                    throw e.getCause();
                                }
                            });
                },
                platform);
        assertTrue(platform.queryNames(jolokiaMBeans, null).isEmpty(), "no agent before READY");
        node.afterReady();
        assertEquals(List.of(false), agentRunningAtDiagnose);
        assertFalse(platform.queryNames(jolokiaMBeans, null).isEmpty(), "the agent after the self-check");
    }

    @Test
    void theNodeUpLineNamesTheFirstTenPeersAndCountsTheRest() {
        List<Peer> peers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            peers.add(Peer.of("p" + i, "10.245.2." + (i + 1), "10.128." + i + ".0/24"));
        }
        assertEquals("[]", TunnelMeshNode.firstNames(List.of()));
        assertEquals("[p0, p1]", TunnelMeshNode.firstNames(peers.subList(0, 2)));
        assertEquals("[p0, p1, p2, p3, p4, p5, p6, p7, p8, p9]", TunnelMeshNode.firstNames(peers.subList(0, 10)));
        assertEquals("[p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, ... 2 more]", TunnelMeshNode.firstNames(peers));
    }

    @Test
    void startedNodeShowsItsMeshOverJmx() throws Exception {
        start(
                "--name",
                "unit1",
                "--underlay",
                "10.245.1.2",
                "--tunnel-address",
                "192.168.41.0",
                "--peer",
                "node2@10.245.1.3=192.168.42.0/24");

        assertTrue(platform.isRegistered(MeshObjectNames.mesh("unit1")));
        assertTrue(platform.isRegistered(MeshObjectNames.peer("unit1", "node2")));
        assertTrue(platform.isRegistered(MeshObjectNames.device("unit1", "tunl0")));
        assertEquals(1, platform.getAttribute(MeshObjectNames.mesh("unit1"), "PeerCount"));
    }

    @Test
    void closeUnregistersAndPurgesWhenAsked() {
        start(
                "--name",
                "unit2",
                "--underlay",
                "10.245.1.2",
                "--tunnel-address",
                "192.168.41.0",
                "--peer",
                "node2@10.245.1.3=192.168.42.0/24",
                "--purge-on-exit");
        InMemoryTunnelMesh mesh = opened.get(0);

        node.close();

        assertFalse(platform.isRegistered(MeshObjectNames.mesh("unit2")));
        assertFalse(platform.isRegistered(MeshObjectNames.peer("unit2", "node2")));
        assertTrue(mesh.isClosed());
        assertEquals(List.of(), mesh.peersInKernel());
    }

    /** Issue 21 row 11: a signal while the mesh opens stops the start once the open is done, closing (and here purging) it. */
    @Test
    void aSignalDuringStartUpStopsTheNodeAndClosesWhatItOpened() {
        StopSignals signals = StopSignals.none();
        NodeOptions options = NodeOptions.parse(
                ENVIRONMENT,
                "--name",
                "unit4",
                "--underlay",
                "10.245.1.2",
                "--tunnel-address",
                "192.168.41.0",
                "--peer",
                "node2@10.245.1.3=192.168.42.0/24",
                "--purge-on-exit");
        assertThrows(
                TunnelMeshNode.Stopped.class,
                () -> TunnelMeshNode.start(
                        options,
                        (config, peers) -> {
                            InMemoryTunnelMesh mesh = InMemoryTunnelMesh.open(config, peers);
                            opened.add(mesh);
                            signals.request(); // SIGTERM, while the kernel is being changed
                            return mesh;
                        },
                        platform,
                        signals));

        assertTrue(opened.get(0).isClosed());
        assertEquals(List.of(), opened.get(0).peersInKernel(), "purged, as --purge-on-exit asks");
        assertFalse(platform.isRegistered(MeshObjectNames.mesh("unit4")));
    }

    @Test
    void aSignalWhileWaitingIsAnInterruptAndNotLeftBehind() {
        StopSignals signals = StopSignals.none();
        signals.interruptibly(() -> {
            signals.request();
            assertTrue(Thread.currentThread().isInterrupted());
        });
        assertFalse(Thread.currentThread().isInterrupted());
        assertTrue(signals.requested());
    }

    @Test
    void closeLeavesKernelStateByDefault() {
        start(
                "--name",
                "unit3",
                "--underlay",
                "10.245.1.2",
                "--tunnel-address",
                "192.168.41.0",
                "--peer",
                "node2@10.245.1.3=192.168.42.0/24");
        InMemoryTunnelMesh mesh = opened.get(0);

        node.close();

        assertTrue(mesh.isClosed());
        assertEquals(1, mesh.peersInKernel().size());
    }

    @Test
    void inputTheMeshRejectsExitsWithTwoAndStopsTheConnectors() throws Exception {
        NodeOptions options = NodeOptions.parse(
                ENVIRONMENT,
                "--underlay",
                "10.245.1.2",
                "--tunnel-address",
                "192.168.41.0",
                "--jolokia",
                "0",
                "--user",
                USER);

        StartupFailure notOnAnyDevice = assertThrows(
                StartupFailure.class,
                () -> TunnelMeshNode.start(
                        options,
                        (config, peers) -> {
                            throw new InvalidInputException(
                                    "underlay 10.245.1.2 is not an address of any device in this network namespace");
                        },
                        platform));
        StartupFailure conflict = assertThrows(
                StartupFailure.class,
                () -> TunnelMeshNode.start(
                        options,
                        (config, peers) -> {
                            throw new ConflictException(
                                    "peer 'node2': subnet 192.168.42.0/24 overlaps a route already in the kernel");
                        },
                        platform));

        assertEquals(2, notOnAnyDevice.exitStatus());
        assertTrue(notOnAnyDevice.oneLine().contains("10.245.1.2"), notOnAnyDevice.oneLine());
        assertEquals(2, conflict.exitStatus());
        assertTrue(conflict.oneLine().contains("192.168.42.0/24"), conflict.oneLine());
    }

    @Test
    void missingKernelSupportExitsWithOneAndAMissingPermissionWithTwo() {
        NodeOptions options = NodeOptions.parse("--underlay", "10.245.1.2", "--tunnel-address", "192.168.41.0");

        StartupFailure noIpip = assertThrows(
                StartupFailure.class,
                () -> TunnelMeshNode.start(
                        options,
                        (config, peers) -> {
                            throw new KernelSupportException("the kernel has no ipip support (modprobe ipip)");
                        },
                        platform));
        StartupFailure notRoot = assertThrows(
                StartupFailure.class,
                () -> TunnelMeshNode.start(
                        options,
                        (config, peers) -> {
                            throw new PermissionDeniedException("changing the network needs CAP_NET_ADMIN", null);
                        },
                        platform));

        assertEquals(1, noIpip.exitStatus());
        assertTrue(noIpip.oneLine().contains("ipip"));
        assertEquals(
                2, notRoot.exitStatus(), "a missing capability is the operator's to fix: not restarted by systemd");
        assertTrue(notRoot.oneLine().contains("CAP_NET_ADMIN"));
    }

    @Test
    void aBusyPortFailsWithOneBeforeTheMeshIsOpened() throws IOException {
        try (ServerSocket busy = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            NodeOptions options = NodeOptions.parse(
                    ENVIRONMENT,
                    "--underlay",
                    "10.245.1.2",
                    "--tunnel-address",
                    "192.168.41.0",
                    "--jmx-port",
                    Integer.toString(busy.getLocalPort()),
                    "--user",
                    USER);
            AtomicBoolean opened = new AtomicBoolean();

            StartupFailure failure = assertThrows(
                    StartupFailure.class,
                    () -> TunnelMeshNode.start(
                            options,
                            (config, peers) -> {
                                opened.set(true);
                                return InMemoryTunnelMesh.open(config, peers);
                            },
                            platform));

            assertEquals(1, failure.exitStatus());
            assertTrue(failure.oneLine().contains("127.0.0.1:" + busy.getLocalPort()), failure.oneLine());
            assertFalse(opened.get());
        }
    }

    @Test
    void jolokiaWantsCredentials() throws Exception {
        String url = startWithJolokia("unit4");

        HttpResponse<String> anonymous = http.send(
                HttpRequest.newBuilder(URI.create(url + "version")).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> wrongPassword = http.send(
                HttpRequest.newBuilder(URI.create(url + "version"))
                        .header("Authorization", basic(USER, "wrong"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(401, anonymous.statusCode());
        assertEquals(401, wrongPassword.statusCode());
        assertEquals(200, jolokia(url, Map.of("type", "version")).get("status"));
    }

    @Test
    void jolokiaReadsAndExecutesOnTheMesh() throws Exception {
        String url = startWithJolokia("unit5");
        opened.get(0).setCounters("tunl0", new LinkCounters(0, 0, 0, 0, 42, 4200, 0, 0));
        Thread.sleep(300);

        Map<String, Object> added = jolokia(
                url,
                Map.of(
                        "type",
                        "exec",
                        "mbean",
                        "org.tunnelmesh:type=Mesh,name=unit5",
                        "operation",
                        "addPeer",
                        "arguments",
                        List.of("node3", "10.245.1.4", "192.168.43.0/24")));
        Map<String, Object> txPackets = jolokia(
                url,
                Map.of(
                        "type",
                        "read",
                        "mbean",
                        "org.tunnelmesh:type=TunnelDevice,mesh=unit5,name=tunl0",
                        "attribute",
                        "TxPackets"));
        Map<String, Object> peerCount = jolokia(
                url, Map.of("type", "read", "mbean", "org.tunnelmesh:type=Mesh,name=unit5", "attribute", "PeerCount"));

        assertEquals(200, added.get("status"), added.toString());
        assertTrue(platform.isRegistered(MeshObjectNames.peer("unit5", "node3")));
        assertEquals(42L, ((Number) txPackets.get("value")).longValue());
        assertEquals(2L, ((Number) peerCount.get("value")).longValue());
    }

    @Test
    void jolokiaReportsABadArgumentByItsValue() throws Exception {
        String url = startWithJolokia("unit6");

        Map<String, Object> rejected = jolokia(
                url,
                Map.of(
                        "type",
                        "exec",
                        "mbean",
                        "org.tunnelmesh:type=Mesh,name=unit6",
                        "operation",
                        "addPeer",
                        "arguments",
                        List.of("node3", "10.245.1.4", "192.168.42.0/23")));

        assertTrue(((Number) rejected.get("status")).intValue() >= 400, rejected.toString());
        assertTrue(String.valueOf(rejected.get("error")).contains("192.168.42.0/23"), rejected.toString());
        assertEquals(1, opened.get(0).peers().size());
    }

    @Test
    void jolokiaListShowsRealParameterNames() throws Exception {
        String url = startWithJolokia("unit7");

        Map<String, Object> list =
                jolokia(url, Map.of("type", "list", "path", "org.tunnelmesh/name=unit7,type=Mesh/op"));

        Map<?, ?> addPeer = (Map<?, ?>) ((Map<?, ?>) list.get("value")).get("addPeer");
        List<?> args = (List<?>) addPeer.get("args");

        assertEquals(
                List.of("name", "underlay", "subnets"),
                args.stream().map(arg -> ((Map<?, ?>) arg).get("name")).toList());
        assertTrue(args.stream()
                .allMatch(arg -> !String.valueOf(((Map<?, ?>) arg).get("desc")).isBlank()));
    }

    @Test
    void jolokiaPolicyAllowsExecOnlyOnTheMeshAndHidesDangerousMBeans() throws Exception {
        String url = startWithJolokia("unit8");

        Map<String, Object> gc =
                jolokia(url, Map.of("type", "exec", "mbean", "java.lang:type=Memory", "operation", "gc"));
        Map<String, Object> heapDump = jolokia(
                url,
                Map.of(
                        "type",
                        "exec",
                        "mbean",
                        "com.sun.management:type=HotSpotDiagnostic",
                        "operation",
                        "dumpHeap",
                        "arguments",
                        List.of("/tmp/heap.hprof", true)));
        Map<String, Object> jfr = jolokia(
                url,
                Map.of(
                        "type",
                        "read",
                        "mbean",
                        "jdk.management.jfr:type=FlightRecorder",
                        "attribute",
                        "Configurations"));
        Map<String, Object> logging = jolokia(
                url, Map.of("type", "read", "mbean", "java.util.logging:type=Logging", "attribute", "LoggerNames"));
        Map<String, Object> write = jolokia(
                url, Map.of("type", "write", "mbean", "java.lang:type=Memory", "attribute", "Verbose", "value", true));
        Map<String, Object> heap =
                jolokia(url, Map.of("type", "read", "mbean", "java.lang:type=Memory", "attribute", "HeapMemoryUsage"));

        assertEquals(403, gc.get("status"), gc.toString());
        assertEquals(403, heapDump.get("status"), heapDump.toString());
        assertEquals(403, jfr.get("status"), jfr.toString());
        assertEquals(403, logging.get("status"), logging.toString());
        assertEquals(403, write.get("status"), write.toString());
        assertEquals(200, heap.get("status"), heap.toString());
    }

    @Test
    void jolokiaAnswersARequestMadeBeforeReadyOnceItsAgentStarts() throws Exception {
        startToReady(
                "--name",
                "unit11",
                "--underlay",
                "10.245.1.2",
                "--tunnel-address",
                "192.168.41.0",
                "--jolokia",
                "127.0.0.1:0",
                "--user",
                USER);
        String url = "http://127.0.0.1:" + node.jolokia().address().getPort() + "/jolokia/";
        CompletableFuture<HttpResponse<String>> early = http.sendAsync(
                HttpRequest.newBuilder(URI.create(url + "version"))
                        .header("Authorization", basic(USER, PASSWORD))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        Thread.sleep(300);

        assertFalse(early.isDone(), "answered before Jolokia's agent started");
        node.afterReady();
        HttpResponse<String> answer = early.get(30, TimeUnit.SECONDS);
        assertEquals(200, answer.statusCode(), answer.body());
        assertTrue(answer.body().contains("\"agent\""), answer.body());
    }

    @Test
    void jolokiaStopsWithTheNode() throws Exception {
        String url = startWithJolokia("unit9");

        node.close();

        assertThrows(
                ConnectException.class,
                () -> http.send(
                        HttpRequest.newBuilder(URI.create(url + "version")).build(),
                        HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void remoteJmxServesTheMeshOnLoopback() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        start(
                "--name",
                "unit10",
                "--underlay",
                "10.245.1.2",
                "--tunnel-address",
                "192.168.41.0",
                "--jmx-port",
                Integer.toString(port),
                "--user",
                USER);
        opened.get(0).setCounters("tunl0", new LinkCounters(0, 0, 0, 0, 7, 700, 0, 0));
        Thread.sleep(300);

        assertThrows(
                SecurityException.class,
                () -> JMXConnectorFactory.connect(node.jmx().url()).close());
        try (JMXConnector connector = JMXConnectorFactory.connect(
                node.jmx().url(), Map.of(JMXConnector.CREDENTIALS, new String[] {USER, PASSWORD}))) {
            MBeanServerConnection connection = connector.getMBeanServerConnection();
            assertEquals(7L, connection.getAttribute(MeshObjectNames.device("unit10", "tunl0"), "TxPackets"));
        }
    }

    private String startWithJolokia(String name) {
        start(
                "--name",
                name,
                "--underlay",
                "10.245.1.2",
                "--tunnel-address",
                "192.168.41.0",
                "--peer",
                "node2@10.245.1.3=192.168.42.0/24",
                "--jolokia",
                "127.0.0.1:0",
                "--user",
                USER);
        return "http://127.0.0.1:" + node.jolokia().address().getPort() + "/jolokia/";
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> jolokia(String url, Map<String, Object> request) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Authorization", basic(USER, PASSWORD))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json(request)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        Map<String, Object> body;
        try {
            body = new JSONParser().parse(response.body(), Map.class);
        } catch (ParseException e) {
            throw new AssertionError("HTTP " + response.statusCode() + ", not JSON: " + response.body(), e);
        }
        body.put("status", ((Number) body.get("status")).intValue());
        return body;
    }

    private static String json(Object value) {
        if (value instanceof Map<?, ?> map) {
            List<String> fields = new ArrayList<>();
            map.forEach((key, item) -> fields.add(json(key) + ":" + json(item)));
            return "{" + String.join(",", fields) + "}";
        }
        if (value instanceof List<?> list) {
            return "["
                    + String.join(
                            ",", list.stream().map(TunnelMeshNodeTest::json).toList()) + "]";
        }
        if (value instanceof String text) {
            return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
        return String.valueOf(value);
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
