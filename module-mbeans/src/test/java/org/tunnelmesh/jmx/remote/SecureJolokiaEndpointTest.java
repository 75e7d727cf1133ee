package org.tunnelmesh.jmx.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.jolokia.json.parser.JSONParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;
import org.tunnelmesh.jmx.MeshMBeans;
import org.tunnelmesh.testing.InMemoryTunnelMesh;

/** A real Jolokia endpoint on loopback, spoken to as curl or a browser would. */
class SecureJolokiaEndpointTest {

    private static final Credentials CREDENTIALS = Credentials.of("operator", "lab-secret".toCharArray());
    private static final String MESH = "org.tunnelmesh:type=Mesh,name=jolsec";
    private static final String ADD_NODE3 = "{\"type\":\"exec\",\"mbean\":\"" + MESH
            + "\",\"operation\":\"addPeer\",\"arguments\":[\"node3\",\"10.245.1.4\",\"192.168.43.0/24\"]}";

    private final HttpClient http = HttpClient.newHttpClient();
    private InMemoryTunnelMesh mesh;
    private MeshMBeans mbeans;
    private SecureJolokiaEndpoint endpoint;
    private String base;

    @BeforeEach
    void start() throws Exception {
        MeshConfig config = MeshConfig.builder()
                .name("jolsec")
                .underlay("10.245.1.2")
                .tunnelAddress("192.168.41.0")
                .build();
        mesh = InMemoryTunnelMesh.open(config, List.of(Peer.of("node2", "10.245.1.3", "192.168.42.0/24")));
        mbeans = MeshMBeans.export(mesh, ManagementFactory.getPlatformMBeanServer());
        endpoint = SecureJolokiaEndpoint.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), CREDENTIALS, null);
        base = "http://127.0.0.1:" + endpoint.address().getPort();
    }

    @AfterEach
    void stop() {
        endpoint.close();
        mbeans.close();
        mesh.close();
    }

    @Test
    void everyPathRefusesARequestWithoutCredentials() throws Exception {
        for (String path : List.of(
                "/jolokia",
                "/jolokia/",
                "/jolokia/config",
                "/jolokia/config/",
                "/jolokia/version",
                "/jolokia/exec/" + MESH + "/purge",
                "/jolokia/read/java.lang:type=Runtime/SystemProperties")) {
            HttpResponse<String> get =
                    send(HttpRequest.newBuilder(URI.create(base + path)).GET(), null);
            HttpResponse<String> post = send(post(path, ADD_NODE3), null);

            assertEquals(401, get.statusCode(), "GET " + path + ": " + get.body());
            assertEquals(401, post.statusCode(), "POST " + path + ": " + post.body());
            assertTrue(get.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"), path);
        }
        HttpResponse<String> wrong = send(post("/jolokia/config", ADD_NODE3), "operator:wrong");

        assertEquals(401, wrong.statusCode());
        assertEquals(1, mesh.peers().size(), "nothing was added");
    }

    @Test
    void withCredentialsTheMeshIsManagedOnEveryPath() throws Exception {
        Map<String, Object> added = json(send(post("/jolokia/", ADD_NODE3), "operator:lab-secret"));
        Map<String, Object> count = json(send(
                HttpRequest.newBuilder(URI.create(base + "/jolokia/read/" + MESH + "/PeerCount"))
                        .GET(),
                "operator:lab-secret"));

        assertEquals(200, status(added), added.toString());
        assertEquals(2, ((Number) count.get("value")).intValue(), count.toString());
    }

    @Test
    void theConfigPathObeysThePolicyToo() throws Exception {
        Map<String, Object> gc = json(send(
                post("/jolokia/config", "{\"type\":\"exec\",\"mbean\":\"java.lang:type=Memory\",\"operation\":\"gc\"}"),
                "operator:lab-secret"));

        assertEquals(403, status(gc), gc.toString());
    }

    @Test
    void execAndWriteOnlyOnTheMeshAndNoSecrets() throws Exception {
        Map<String, Object> gc =
                request("{\"type\":\"exec\",\"mbean\":\"java.lang:type=Memory\",\"operation\":\"gc\"}");
        Map<String, Object> jcmd = request("{\"type\":\"exec\",\"mbean\":\"com.sun.management:type=DiagnosticCommand\","
                + "\"operation\":\"vmSystemProperties\"}");
        Map<String, Object> write = request(
                "{\"type\":\"write\",\"mbean\":\"java.lang:type=Memory\",\"attribute\":\"Verbose\",\"value\":true}");
        Map<String, Object> properties =
                request("{\"type\":\"read\",\"mbean\":\"java.lang:type=Runtime\",\"attribute\":\"SystemProperties\"}");
        Map<String, Object> arguments =
                request("{\"type\":\"read\",\"mbean\":\"java.lang:type=Runtime\",\"attribute\":\"InputArguments\"}");
        Map<String, Object> uptime =
                request("{\"type\":\"read\",\"mbean\":\"java.lang:type=Runtime\",\"attribute\":\"Uptime\"}");
        Map<String, Object> wholeRuntime = request("{\"type\":\"read\",\"mbean\":\"java.lang:type=Runtime\"}");

        assertEquals(403, status(gc), gc.toString());
        assertEquals(403, status(jcmd), jcmd.toString());
        assertEquals(403, status(write), write.toString());
        assertEquals(403, status(properties), properties.toString());
        assertEquals(403, status(arguments), arguments.toString());
        assertEquals(200, status(uptime), uptime.toString());
        // a read of every attribute fails as a whole rather than leak one: 403 at the first secret, or an
        // error at whichever unreadable attribute (BootClassPath) Jolokia meets first - never the values
        assertTrue(status(wholeRuntime) >= 400, wholeRuntime.toString());
        assertTrue(
                !wholeRuntime.toString().contains("java.home")
                        && !wholeRuntime.toString().contains("-Xm"),
                wholeRuntime.toString());
    }

    @Test
    void aForeignOriginGetsNoAccessAndNoCorsGrant() throws Exception {
        HttpResponse<String> foreign =
                send(post("/jolokia/", ADD_NODE3).header("Origin", "http://evil.example"), "operator:lab-secret");
        HttpResponse<String> preflight = send(
                HttpRequest.newBuilder(URI.create(base + "/jolokia/"))
                        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                        .header("Origin", "http://evil.example")
                        .header("Access-Control-Request-Method", "POST"),
                null);
        HttpResponse<String> own =
                send(post("/jolokia/", "{\"type\":\"version\"}").header("Origin", base), "operator:lab-secret");

        assertEquals(403, foreign.statusCode(), foreign.body());
        assertEquals(403, preflight.statusCode(), preflight.body());
        assertNull(foreign.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertNull(preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertEquals(200, own.statusCode(), own.body());
        assertEquals(1, mesh.peers().size());
    }

    @Test
    void anOversizedBodyIsRefusedUnread() throws Exception {
        // by hand: the answer comes before the body is sent, which HttpClient takes for a broken connection
        try (java.net.Socket socket = new java.net.Socket(
                InetAddress.getLoopbackAddress(), endpoint.address().getPort())) {
            socket.getOutputStream()
                    .write(("POST /jolokia/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                    + "Authorization: Basic "
                                    + Base64.getEncoder()
                                            .encodeToString("operator:lab-secret".getBytes(StandardCharsets.UTF_8))
                                    + "\r\nContent-Length: " + (JolokiaGuard.MAX_BODY_BYTES + 1) + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String statusLine = new java.io.BufferedReader(
                            new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();

            assertEquals("HTTP/1.1 413 Request Entity Too Large", statusLine);
        }
    }

    @Test
    void notificationsOnlyForTheMesh() throws Exception {
        Map<String, Object> register = request("{\"type\":\"notification\",\"command\":\"register\"}");
        String client = String.valueOf(((Map<?, ?>) register.get("value")).get("id"));
        HttpResponse<String> memory = send(
                post(
                        "/jolokia/",
                        "{\"type\":\"notification\",\"command\":\"add\",\"client\":\"" + client
                                + "\",\"mode\":\"pull\",\"mbean\":\"java.lang:type=Memory\"}"),
                "operator:lab-secret");
        HttpResponse<String> memoryByGet = send(
                HttpRequest.newBuilder(URI.create(
                                base + "/jolokia/notification/add/" + client + "/pull/java.lang:type=Memory"))
                        .GET(),
                "operator:lab-secret");
        HttpResponse<String> escaped = send(
                post(
                        "/jolokia/",
                        "{\"type\":\"notific\\u0061tion\",\"command\":\"add\",\"client\":\"" + client
                                + "\",\"mode\":\"pull\",\"mbean\":\"java.lang:type=Memory\"}"),
                "operator:lab-secret");
        Map<String, Object> events = request("{\"type\":\"notification\",\"command\":\"add\",\"client\":\"" + client
                + "\",\"mode\":\"pull\",\"mbean\":\"org.tunnelmesh:type=MeshEvents,name=jolsec\"}");

        assertEquals(200, status(register), register.toString());
        assertEquals(403, memory.statusCode(), memory.body());
        assertEquals(405, memoryByGet.statusCode(), "notifications are POST only: " + memoryByGet.body());
        assertEquals(403, escaped.statusCode(), "a JSON escape does not hide the request type: " + escaped.body());
        assertEquals(200, status(events), events.toString());
    }

    @Test
    void answersGoOutWithoutWaitingForTheClientsAck() {
        // Nagle's algorithm off on the JDK server's connections: else 40-50 ms a request on a kept-alive connection
        assertEquals("true", System.getProperty(SecureJolokiaEndpoint.NO_DELAY));
    }

    @Test
    void aPathJolokiaDoesNotServeIsNotFoundBehindTheGuard() throws Exception {
        HttpResponse<String> anonymous =
                send(HttpRequest.newBuilder(URI.create(base + "/elsewhere")).GET(), null);
        HttpResponse<String> operator =
                send(HttpRequest.newBuilder(URI.create(base + "/elsewhere")).GET(), "operator:lab-secret");

        assertEquals(401, anonymous.statusCode());
        assertEquals(404, operator.statusCode(), operator.body());
    }

    @Test
    void boundWithoutAgentARequestWaitsForIt() throws Exception {
        endpoint.close(); // one agent at a time in this JVM
        try (SecureJolokiaEndpoint bound = SecureJolokiaEndpoint.bind(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), CREDENTIALS, null)) {
            String boundBase = "http://127.0.0.1:" + bound.address().getPort();
            CompletableFuture<HttpResponse<String>> early = http.sendAsync(
                    authorized(
                                    HttpRequest.newBuilder(
                                            URI.create(boundBase + "/jolokia/read/" + MESH + "/PeerCount")),
                                    "operator:lab-secret")
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            Thread.sleep(300);

            assertFalse(early.isDone(), "answered before the agent started");
            bound.startAgent();
            Map<String, Object> answer = json(early.get(30, TimeUnit.SECONDS));
            assertEquals(200, status(answer), answer.toString());
            assertEquals(1L, ((Number) answer.get("value")).longValue());
        }
    }

    @Test
    void closedBeforeItsAgentAWaitingRequestIsLetGo() throws Exception {
        endpoint.close();
        SecureJolokiaEndpoint bound = SecureJolokiaEndpoint.bind(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), CREDENTIALS, null);
        CompletableFuture<HttpResponse<String>> early = http.sendAsync(
                authorized(
                                HttpRequest.newBuilder(URI.create(
                                        "http://127.0.0.1:" + bound.address().getPort() + "/jolokia/version")),
                                "operator:lab-secret")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        Thread.sleep(300);

        bound.close();

        // 503 (not up) or the connection dropped with the server: either way at once, not after the agent's wait
        try {
            assertEquals(503, early.get(10, TimeUnit.SECONDS).statusCode());
        } catch (ExecutionException dropped) {
            assertTrue(dropped.getCause() instanceof java.io.IOException, dropped.toString());
        }
        assertThrows(IllegalStateException.class, bound::startAgent);
    }

    /**
     * Issue 24: over Jolokia, a failed operation's error names the cause - a closed mesh, a refused peer - not
     * "RuntimeException occurred while invoking addPeer". The listener added before the MBeans' own hears of the
     * close while the MBeans are still registered, so its request meets the closed mesh.
     */
    @Test
    void aFailedOperationsErrorNamesTheCause() throws Exception {
        Map<String, Object> refused = request("{\"type\":\"exec\",\"mbean\":\"" + MESH
                + "\",\"operation\":\"addPeer\",\"arguments\":[\"node3\",\"10.245.1.3\",\"192.168.43.0/24\"]}");
        List<Map<String, Object>> closedAnswers = new ArrayList<>();
        mbeans.close();
        mesh.addListener(new org.tunnelmesh.MeshListener() {
            @Override
            public void meshClosed() {
                try {
                    closedAnswers.add(request(ADD_NODE3));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        mbeans = MeshMBeans.export(mesh, ManagementFactory.getPlatformMBeanServer());

        mesh.close();

        String refusedError = String.valueOf(refused.get("error"));
        assertTrue(refusedError.contains("10.245.1.3") && refusedError.contains("node2"), refused.toString());
        assertEquals("java.lang.IllegalArgumentException", refused.get("error_type"), refused.toString());
        assertEquals(1, closedAnswers.size());
        Map<String, Object> closed = closedAnswers.get(0);
        assertTrue(String.valueOf(closed.get("error")).contains("mesh 'jolsec' is closed"), closed.toString());
        assertEquals("java.lang.IllegalStateException", closed.get("error_type"), closed.toString());
        assertFalse(closed.toString().contains("RuntimeException occurred"), closed.toString());
    }

    private Map<String, Object> request(String body) throws Exception {
        return json(send(post("/jolokia/", body), "operator:lab-secret"));
    }

    private HttpRequest.Builder post(String path, String body) {
        return HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String userAndPassword) throws Exception {
        return http.send(authorized(request, userAndPassword).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder authorized(HttpRequest.Builder request, String userAndPassword) {
        if (userAndPassword != null) {
            request.header(
                    "Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8)));
        }
        return request;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(HttpResponse<String> response) throws Exception {
        Object parsed = new JSONParser().parse(response.body());
        if (parsed instanceof List<?> list) {
            return (Map<String, Object>) new ArrayList<>(list).get(0);
        }
        return (Map<String, Object>) parsed;
    }

    private static int status(Map<String, Object> answer) {
        return ((Number) answer.get("status")).intValue();
    }
}
