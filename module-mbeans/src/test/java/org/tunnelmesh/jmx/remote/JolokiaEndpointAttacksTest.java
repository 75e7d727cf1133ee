package org.tunnelmesh.jmx.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.jolokia.json.parser.JSONParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;
import org.tunnelmesh.jmx.MeshMBeans;
import org.tunnelmesh.testing.InMemoryTunnelMesh;

/**
 * The attacks of issue 21 (rows 5-7 and failed logins) against a real Jolokia endpoint on loopback: the attacker
 * shares 127.0.0.1 with the operator, as a local user does.
 */
class JolokiaEndpointAttacksTest {

    private static final Credentials CREDENTIALS = Credentials.of("operator", "lab-secret".toCharArray());
    private static final String LOGIN = "operator:lab-secret";
    private static final String MESH = "org.tunnelmesh:type=Mesh,name=jolatk";
    private static final String MEMORY = "java.lang:type=Memory";
    /** A failure guard only: an answer later than this is a hang, not a slow answer. */
    private static final Duration GUARD = Duration.ofSeconds(60);

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(GUARD).build();
    private final List<Socket> attackers = new ArrayList<>();
    private InMemoryTunnelMesh mesh;
    private MeshMBeans mbeans;
    private SecureJolokiaEndpoint endpoint;
    private String base;

    @BeforeEach
    void start() throws Exception {
        MeshConfig config = MeshConfig.builder()
                .name("jolatk")
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
    void stop() throws IOException {
        for (Socket socket : attackers) {
            socket.close();
        }
        endpoint.close();
        mbeans.close();
        mesh.close();
    }

    // ---- row 5: slow and idle clients

    @Test
    void twoIdleConnectionsSendingOneByteDoNotDelayTheOperator() throws Exception {
        openIdleConnections(2, "P");

        assertOperatorServed("2 idle connections of one byte");
    }

    @Test
    void dozensOfIdleConnectionsDoNotDelayTheOperator() throws Exception {
        openIdleConnections(40, "P");

        assertOperatorServed("40 idle connections of one byte");
    }

    @Test
    void moreIdleConnectionsThanTheLimitDoNotLockTheOperatorOut() throws Exception {
        openIdleConnections(SecureJolokiaEndpoint.MAX_OPEN_REQUESTS + 20, "G");

        assertOperatorServed((SecureJolokiaEndpoint.MAX_OPEN_REQUESTS + 20) + " idle connections, past the limit");
    }

    @Test
    void slowBodiesFromLoggedInClientsDoNotDelayTheOperator() throws Exception {
        // the attacker knows the password here: even an operator's own stuck script must not stall the endpoint
        openIdleConnections(
                20,
                "POST /jolokia/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + "Authorization: "
                        + basic(LOGIN) + "\r\nContent-Length: 1000\r\n\r\n{");

        assertOperatorServed("20 logged-in requests with a stalled body");
    }

    @Test
    void aStalledRequestIsCutAfterItsTimeout() throws Exception {
        Socket headers = openIdleConnections(1, "GET /jolokia/version HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .get(0);
        Socket body = openIdleConnections(
                        1,
                        "POST /jolokia/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                + "Authorization: " + basic(LOGIN) + "\r\nContent-Length: 1000\r\n\r\n{")
                .get(0);

        // a GET's body is never read by Jolokia: the JDK drains it as the exchange closes, on the request's thread
        Socket getBody = openIdleConnections(
                        1,
                        "GET /jolokia/version HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "Authorization: " + basic(LOGIN)
                                + "\r\nContent-Length: 1000\r\n\r\n{")
                .get(0);

        long started = System.nanoTime();
        assertClosedByServer(headers, "headers never finished");
        assertClosedByServer(body, "body never finished");
        assertClosedByServer(getBody, "a GET's body never finished");
        System.out.printf("stalled headers and body cut after %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }

    // ---- row 6: the mesh-only notification guard

    @Test
    void noSpellingOfANotificationSubscriptionReachesAnotherDomain() throws Exception {
        String client = registerNotificationClient();
        String add = "{\"type\":\"notification\",\"command\":\"add\",\"client\":\"" + client
                + "\",\"mode\":\"pull\",\"mbean\":\"" + MEMORY + "\"}";
        List<HttpResponse<String>> attempts = List.of(
                send(post("/jolokia/", add.replace("\"notification\"", "\"NOTIFICATION\"")), LOGIN),
                send(post("/jolokia/", add.replace("\"add\"", "\"ADD\"")), LOGIN),
                send(post("/jolokia/", "[{\"type\":\"version\"}," + add + "]"), LOGIN),
                send(
                        get("/jolokia/?p="
                                + URLEncoder.encode(
                                        "/notification/add/" + client + "/pull/" + MEMORY, StandardCharsets.UTF_8)),
                        LOGIN),
                send(get("/jolokia/version?p=/notification/add/" + client + "/pull/" + MEMORY), LOGIN),
                send(get("/jolokia/%6Eotification/add/" + client + "/pull/" + MEMORY), LOGIN),
                send(get("/jolokia//notification/add/" + client + "/pull/" + MEMORY), LOGIN),
                send(get("/jolokia/NOTIFICATION/add/" + client + "/pull/" + MEMORY), LOGIN),
                send(
                        HttpRequest.newBuilder(URI.create(base + "/jolokia/"))
                                .header("Content-Type", "application/json; charset=utf-16")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(add.getBytes(StandardCharsets.UTF_16))),
                        LOGIN),
                send(
                        HttpRequest.newBuilder(URI.create(base + "/jolokia/"))
                                .header("Content-Type", "application/json;charset=UTF-16BE")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(add.getBytes(StandardCharsets.UTF_16BE))),
                        LOGIN));

        for (HttpResponse<String> attempt : attempts) {
            assertRefused(
                    attempt,
                    "subscribed to " + MEMORY + " with " + attempt.request().uri());
        }
        assertEquals(Map.of(), subscriptions(client), "the client's subscriptions after every attempt");
    }

    @Test
    void theMeshsOwnNotificationsCanStillBeSubscribed() throws Exception {
        String client = registerNotificationClient();
        Map<String, Object> added = json(send(
                post(
                        "/jolokia/",
                        "{\"type\":\"notification\",\"command\":\"add\",\"client\":\"" + client
                                + "\",\"mode\":\"pull\",\"mbean\":\"org.tunnelmesh:type=MeshEvents,name=jolatk\"}"),
                LOGIN));

        assertEquals(200, status(added), added.toString());
        assertEquals(1, subscriptions(client).size());
    }

    // ---- row 7: what a web page or a cached login could do

    @Test
    void execAndWriteAreNotServedOverGet() throws Exception {
        HttpResponse<String> exec =
                send(get("/jolokia/exec/" + MESH + "/addPeer/node3/10.245.1.4/192.168.43.0!/24"), LOGIN);
        HttpResponse<String> reconcile = send(get("/jolokia/exec/" + MESH + "/reconcile"), LOGIN);
        HttpResponse<String> write = send(get("/jolokia/write/" + MEMORY + "/Verbose/true"), LOGIN);
        HttpResponse<String> read = send(get("/jolokia/read/" + MESH + "/PeerCount"), LOGIN);

        assertRefused(exec, "GET exec");
        assertRefused(reconcile, "GET exec");
        assertRefused(write, "GET write");
        assertEquals(1, mesh.peers().size(), "no peer added by GET");
        assertEquals(200, status(json(read)), "GET read stays: " + read.body());
    }

    @Test
    void postsMustBeJson() throws Exception {
        String add = "{\"type\":\"exec\",\"mbean\":\"" + MESH
                + "\",\"operation\":\"addPeer\",\"arguments\":[\"node3\",\"10.245.1.4\"," + "\"192.168.43.0/24\"]}";
        HttpResponse<String> textPlain = send(
                HttpRequest.newBuilder(URI.create(base + "/jolokia/"))
                        .header("Content-Type", "text/plain")
                        .POST(HttpRequest.BodyPublishers.ofString(add)),
                LOGIN);
        HttpResponse<String> form = send(
                HttpRequest.newBuilder(URI.create(base + "/jolokia/"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(add)),
                LOGIN);
        HttpResponse<String> none = send(
                HttpRequest.newBuilder(URI.create(base + "/jolokia/")).POST(HttpRequest.BodyPublishers.ofString(add)),
                LOGIN);
        HttpResponse<String> utf8 = send(
                HttpRequest.newBuilder(URI.create(base + "/jolokia/"))
                        .header("Content-Type", "application/json; charset=UTF-8")
                        .POST(HttpRequest.BodyPublishers.ofString(add)),
                LOGIN);

        assertRefused(textPlain, "text/plain exec");
        assertRefused(form, "form exec");
        assertRefused(none, "exec without Content-Type");
        assertEquals(2, mesh.peers().size(), "only the application/json request added node3: " + utf8.body());
    }

    @Test
    void jsonpIsRefused() throws Exception {
        HttpResponse<String> jsonp = send(get("/jolokia/read/" + MESH + "/PeerCount?callback=steal"), LOGIN);
        HttpResponse<String> encoded = send(get("/jolokia/read/" + MESH + "/PeerCount?%63allback=steal"), LOGIN);

        assertRefused(jsonp, "JSONP");
        assertRefused(encoded, "JSONP, parameter name encoded");
        assertFalse(jsonp.body().contains("steal("), jsonp.body());
    }

    @Test
    void crossSiteRequestsAreRefused() throws Exception {
        String reconcile = "{\"type\":\"exec\",\"mbean\":\"" + MESH + "\",\"operation\":\"reconcile\"}";
        HttpResponse<String> crossSite =
                send(post("/jolokia/", reconcile).header("Sec-Fetch-Site", "cross-site"), LOGIN);
        HttpResponse<String> sameSite = send(post("/jolokia/", reconcile).header("Sec-Fetch-Site", "same-site"), LOGIN);
        HttpResponse<String> crossSiteRead =
                send(get("/jolokia/read/" + MESH + "/PeerCount").header("Sec-Fetch-Site", "cross-site"), LOGIN);
        HttpResponse<String> nullOrigin = send(post("/jolokia/", reconcile).header("Origin", "null"), LOGIN);
        HttpResponse<String> sameOrigin =
                send(post("/jolokia/", reconcile).header("Sec-Fetch-Site", "same-origin"), LOGIN);
        HttpResponse<String> typedByAUser = send(post("/jolokia/", reconcile).header("Sec-Fetch-Site", "none"), LOGIN);

        assertRefused(crossSite, "Sec-Fetch-Site: cross-site");
        assertRefused(sameSite, "Sec-Fetch-Site: same-site (another port of the same host)");
        assertRefused(crossSiteRead, "a cross-site GET");
        assertRefused(nullOrigin, "Origin: null");
        assertEquals(200, status(json(sameOrigin)), sameOrigin.body());
        assertEquals(200, status(json(typedByAUser)), typedByAUser.body());
    }

    // ---- failed logins

    @Test
    void failedLoginsAreRateLimitedAndTheOperatorGetsBackIn() throws Exception {
        int limited = 0;
        for (int i = 0; i < 50; i++) {
            HttpResponse<String> guess = send(get("/jolokia/version"), "operator:guess" + i);
            if (guess.statusCode() == 429) {
                limited++;
                assertTrue(
                        guess.headers().firstValue("Retry-After").isPresent(),
                        guess.headers().toString());
            } else {
                assertEquals(401, guess.statusCode(), guess.body());
            }
        }
        assertTrue(limited >= 30, "at most a burst of guesses is checked: " + limited + " of 50 limited");

        // the operator, on the same address, is let in once the attacker stops: within a few seconds, not locked out
        long started = System.nanoTime();
        HttpResponse<String> operator;
        do {
            Thread.sleep(100);
            operator = send(get("/jolokia/version"), LOGIN);
        } while (operator.statusCode() == 429 && System.nanoTime() - started < GUARD.toNanos());
        System.out.printf("operator back in after %d ms%n", (System.nanoTime() - started) / 1_000_000);
        assertEquals(200, operator.statusCode(), operator.body());
    }

    // ---- helpers

    /** Connections that send {@code prefix} and then nothing, kept open until the test ends. */
    private List<Socket> openIdleConnections(int count, String prefix) throws IOException, InterruptedException {
        List<Socket> opened = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Socket socket = new Socket(
                    InetAddress.getLoopbackAddress(), endpoint.address().getPort());
            attackers.add(socket);
            socket.getOutputStream().write(prefix.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            opened.add(socket);
        }
        Thread.sleep(300); // not a measurement: lets the server's dispatcher see the bytes before the operator comes
        return opened;
    }

    private void assertOperatorServed(String attack) throws Exception {
        long started = System.nanoTime();
        HttpResponse<String> read = send(get("/jolokia/read/" + MESH + "/PeerCount"), LOGIN);
        HttpResponse<String> exec = send(
                post("/jolokia/", "{\"type\":\"exec\",\"mbean\":\"" + MESH + "\",\"operation\":\"reconcile\"}"), LOGIN);
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("%s: the operator's read and exec answered in %d ms%n", attack, millis);

        assertEquals(200, status(json(read)), read.body());
        assertEquals(200, status(json(exec)), exec.body());
    }

    private static void assertClosedByServer(Socket socket, String what) throws IOException {
        socket.setSoTimeout((int) GUARD.toMillis());
        InputStream in = socket.getInputStream();
        try {
            in.readAllBytes(); // an error answer, if any, then EOF
        } catch (SocketTimeoutException e) {
            throw new AssertionError(what + ": the server kept the connection " + GUARD.toSeconds() + " s", e);
        } catch (IOException reset) {
            // closed with unread input: a reset is a close too
        }
    }

    private static void assertRefused(HttpResponse<String> response, String what) throws Exception {
        int status = response.statusCode();
        if (status == 200 && (response.body().startsWith("{") || response.body().startsWith("["))) {
            // Jolokia answers 200 and puts each request's own status in the body; a bulk is refused if any part is
            Object parsed = new JSONParser().parse(response.body());
            status = 0;
            for (Object answer : parsed instanceof List<?> list ? list : List.of(parsed)) {
                status = Math.max(status, ((Number) ((Map<?, ?>) answer).get("status")).intValue());
            }
        }
        assertTrue(status >= 400, what + " was served: " + response.statusCode() + " " + response.body());
    }

    private String registerNotificationClient() throws Exception {
        Map<String, Object> register =
                json(send(post("/jolokia/", "{\"type\":\"notification\",\"command\":\"register\"}"), LOGIN));
        assertEquals(200, status(register), register.toString());
        return String.valueOf(((Map<?, ?>) register.get("value")).get("id"));
    }

    private Map<?, ?> subscriptions(String client) throws Exception {
        Map<String, Object> list = json(send(
                post("/jolokia/", "{\"type\":\"notification\",\"command\":\"list\",\"client\":\"" + client + "\"}"),
                LOGIN));
        assertEquals(200, status(list), list.toString());
        return (Map<?, ?>) list.get("value");
    }

    private HttpRequest.Builder get(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create(base + pathAndQuery)).GET();
    }

    private HttpRequest.Builder post(String path, String body) {
        return HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String userAndPassword) throws Exception {
        request.timeout(GUARD);
        if (userAndPassword != null) {
            request.header("Authorization", basic(userAndPassword));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String userAndPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
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
