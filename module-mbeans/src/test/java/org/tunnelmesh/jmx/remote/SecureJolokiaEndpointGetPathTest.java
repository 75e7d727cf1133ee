package org.tunnelmesh.jmx.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A path served beside Jolokia ({@link SecureJolokiaEndpoint#serveGet}, as the node's {@code /metrics}) is behind the
 * same guard: a request without the login costs what one to Jolokia costs - a 401, no work - and failed logins there
 * spend the same budget.
 */
class SecureJolokiaEndpointGetPathTest {

    private static final Credentials CREDENTIALS = Credentials.of("operator", "lab-secret".toCharArray());
    private static final String LOGIN = "operator:lab-secret";

    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicInteger served = new AtomicInteger();
    private SecureJolokiaEndpoint endpoint;
    private String base;

    @BeforeEach
    void start() throws Exception {
        endpoint = SecureJolokiaEndpoint.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), CREDENTIALS, null);
        endpoint.serveGet("/metrics", exchange -> {
            served.incrementAndGet();
            byte[] body = "tunnelmesh_peers{mesh=\"lab\"} 2.0\n".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (exchange) {
                exchange.getResponseBody().write(body);
            }
        });
        base = "http://127.0.0.1:" + endpoint.address().getPort();
    }

    @AfterEach
    void stop() {
        endpoint.close();
    }

    @Test
    void withTheLoginTheHandlerAnswers() throws Exception {
        HttpResponse<String> scrape = send(get("/metrics"), LOGIN);

        assertEquals(200, scrape.statusCode(), scrape.body());
        assertEquals("tunnelmesh_peers{mesh=\"lab\"} 2.0\n", scrape.body());
        assertEquals(1, served.get());
    }

    @Test
    void withoutOrWithAWrongLoginItIs401AndTheHandlerNeverRuns() throws Exception {
        HttpResponse<String> anonymous = send(get("/metrics"), null);
        HttpResponse<String> wrong = send(get("/metrics"), "operator:wrong");
        HttpResponse<String> otherUser = send(get("/metrics"), "root:lab-secret");
        HttpResponse<String> garbage = send(get("/metrics").header("Authorization", "Basic !!!"), null);

        for (HttpResponse<String> refused : List.of(anonymous, wrong, otherUser, garbage)) {
            assertEquals(401, refused.statusCode(), refused.body());
            assertTrue(
                    refused.headers()
                            .firstValue("WWW-Authenticate")
                            .orElse("")
                            .startsWith("Basic realm=\"tunnelmesh\""),
                    refused.headers().toString());
        }
        assertEquals(0, served.get(), "a refused request does no work");
    }

    @Test
    void failedLoginsOnTheMetricsPathSpendTheSameBudgetAsJolokias() throws Exception {
        for (int i = 0; i < 30; i++) {
            int status = send(get("/metrics"), "operator:guess" + i).statusCode();
            assertTrue(status == 401 || status == 429, "guess " + i + ": " + status);
        }
        int limited = 0;
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> guess = send(get("/jolokia/version"), "operator:jolokia-guess" + i);
            if (guess.statusCode() == 429) {
                limited++;
            } else {
                assertEquals(401, guess.statusCode(), guess.body());
            }
        }
        // one bucket: Jolokia's guesses find it spent (a token refills per second); apart, the first 10 would be 401
        assertTrue(limited >= 15, "Jolokia guesses limited after the /metrics guesses: " + limited + " of 20");
        assertEquals(0, served.get());
    }

    @Test
    void itServesGetOnlyAndOnlyItsOwnPath() throws Exception {
        HttpResponse<String> post = send(
                HttpRequest.newBuilder(URI.create(base + "/metrics"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"version\"}")),
                LOGIN);
        HttpResponse<String> below = send(get("/metrics/../jolokia/version"), LOGIN);
        HttpResponse<String> longer = send(get("/metricsx"), LOGIN);
        HttpResponse<String> crossSite = send(get("/metrics").header("Sec-Fetch-Site", "cross-site"), LOGIN);
        HttpResponse<String> jsonp = send(get("/metrics?callback=steal"), LOGIN);

        assertEquals(405, post.statusCode(), post.body());
        assertTrue(post.body().contains("/metrics serves GET only"), post.body());
        assertEquals(404, below.statusCode(), below.body());
        assertEquals(404, longer.statusCode(), longer.body());
        assertEquals(403, crossSite.statusCode(), crossSite.body());
        assertEquals(400, jsonp.statusCode(), jsonp.body());
        assertEquals(0, served.get());
    }

    @Test
    void jolokiasOwnRulesStayOnItsPaths() throws Exception {
        HttpResponse<String> exec = send(get("/jolokia/exec/org.tunnelmesh:type=Mesh,name=lab/reconcile"), LOGIN);

        assertEquals(405, exec.statusCode(), exec.body());
    }

    @Test
    void aPathThatIsNotOneSegmentOrIsJolokiasIsRefused() {
        for (String path : List.of("/jolokia", "metrics", "/", "/a/b", "/Metrics", "/metrics/")) {
            IllegalArgumentException refused =
                    assertThrows(IllegalArgumentException.class, () -> endpoint.serveGet(path, exchange -> {}));
            assertTrue(refused.getMessage().contains("'" + path + "'"), refused.getMessage());
        }
    }

    private HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).GET();
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String userAndPassword) throws Exception {
        if (userAndPassword != null) {
            request.header(
                    "Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
