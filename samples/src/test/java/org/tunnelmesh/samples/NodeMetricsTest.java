package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.PeerCounters;
import org.tunnelmesh.micrometer.TunnelMeshMetrics;
import org.tunnelmesh.testing.InMemoryTunnelMesh;

/** The node's {@code --metrics} with an in-memory mesh: the options, and /metrics on the Jolokia server. */
class NodeMetricsTest {

    private static final String USER = "operator";
    private static final String PASSWORD = "s3cret";
    private static final Map<String, String> ENVIRONMENT = Map.of("TUNNELMESH_PASSWORD", PASSWORD);

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<InMemoryTunnelMesh> opened = new ArrayList<>();
    private TunnelMeshNode node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private static String[] args(String name, String... more) {
        return Stream.concat(
                        Stream.of(
                                "--name",
                                name,
                                "--underlay",
                                "10.245.1.2",
                                "--tunnel-address",
                                "192.168.41.0",
                                "--peer",
                                "node2@10.245.1.3=192.168.42.0/24",
                                "--user",
                                USER),
                        Stream.of(more))
                .toArray(String[]::new);
    }

    private String start(String name, String... more) {
        node = TunnelMeshNode.start(
                NodeOptions.parse(ENVIRONMENT, args(name, more)),
                (config, peers) -> {
                    InMemoryTunnelMesh mesh = InMemoryTunnelMesh.open(config, peers);
                    opened.add(mesh);
                    return mesh;
                },
                ManagementFactory.getPlatformMBeanServer());
        node.afterReady();
        return "http://127.0.0.1:" + node.jolokia().address().getPort();
    }

    @Test
    void metricsWithoutJolokiaIsRefusedWithTwoNamingWhatToAdd() {
        StartupFailure failure = assertThrows(
                StartupFailure.class,
                () -> NodeOptions.parse(ENVIRONMENT, args("m1", "--jmx-port", "9010", "--metrics")));

        assertEquals(2, failure.exitStatus());
        assertEquals(
                "--metrics serves /metrics on the Jolokia HTTP server: give --jolokia [HOST:]PORT too",
                failure.oneLine());
    }

    @Test
    void badPeerSeriesLimitsAreRefusedWithTwo() {
        StartupFailure withoutMetrics = assertThrows(
                StartupFailure.class,
                () -> NodeOptions.parse(
                        ENVIRONMENT, args("m2", "--jolokia", "127.0.0.1:0", "--metrics-peer-series", "10")));
        StartupFailure negative = assertThrows(
                StartupFailure.class,
                () -> NodeOptions.parse(
                        ENVIRONMENT,
                        args("m2", "--jolokia", "127.0.0.1:0", "--metrics", "--metrics-peer-series", "-3")));
        StartupFailure notANumber = assertThrows(
                StartupFailure.class,
                () -> NodeOptions.parse(
                        ENVIRONMENT,
                        args("m2", "--jolokia", "127.0.0.1:0", "--metrics", "--metrics-peer-series", "many")));

        assertEquals(2, withoutMetrics.exitStatus());
        assertEquals("--metrics-peer-series is given without --metrics", withoutMetrics.oneLine());
        assertTrue(negative.oneLine().contains("-3"), negative.oneLine());
        assertTrue(notANumber.oneLine().contains("'many'"), notANumber.oneLine());
    }

    @Test
    void theDefaultsAreOffAndTheBindersLimit() {
        assertFalse(NodeOptions.parse(ENVIRONMENT, args("m3", "--jolokia", "127.0.0.1:0"))
                .metrics());
        NodeOptions on = NodeOptions.parse(ENVIRONMENT, args("m3", "--jolokia", "127.0.0.1:0", "--metrics"));
        assertTrue(on.metrics());
        assertEquals(TunnelMeshMetrics.DEFAULT_PEER_SERIES_LIMIT, on.metricsPeerSeries());
    }

    @Test
    void metricsAreServedBehindTheJolokiaLogin() throws Exception {
        String base = start("m4", "--jolokia", "127.0.0.1:0", "--metrics");
        opened.get(0).setPeerCounters("node2", new PeerCounters(5, 500, 6, 600));

        HttpResponse<String> anonymous = get(base + "/metrics", null);
        HttpResponse<String> wrong = get(base + "/metrics", basic(USER, "wrong"));
        HttpResponse<String> scrape = get(base + "/metrics", basic(USER, PASSWORD));

        assertEquals(401, anonymous.statusCode());
        assertEquals(401, wrong.statusCode());
        assertFalse(anonymous.body().contains("tunnelmesh_"), anonymous.body());
        assertEquals(200, scrape.statusCode(), scrape.body());
        assertEquals(
                "text/plain; version=0.0.4; charset=utf-8",
                scrape.headers().firstValue("Content-Type").orElse(""));
        assertTrue(scrape.body().contains("tunnelmesh_peers{mesh=\"m4\"} 1.0\n"), scrape.body());
        assertTrue(
                scrape.body().contains("tunnelmesh_peer_receive_packets_total{mesh=\"m4\",peer=\"node2\"} 5.0\n"),
                scrape.body());
    }

    @Test
    void aPeerAddedOverJolokiaIsTimedAndGetsItsSeries() throws Exception {
        String base = start("m5", "--jolokia", "127.0.0.1:0", "--metrics");
        HttpResponse<String> added = http.send(
                HttpRequest.newBuilder(URI.create(base + "/jolokia/"))
                        .header("Authorization", basic(USER, PASSWORD))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"type\":\"exec\",\"mbean\":\"org.tunnelmesh:type=Mesh,name=m5\",\"operation\":"
                                        + "\"addPeer\",\"arguments\":[\"node3\",\"10.245.1.4\",\"192.168.43.0/24\"]}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(added.body().contains("\"status\":200"), added.body());

        String scrape = get(base + "/metrics", basic(USER, PASSWORD)).body();

        assertTrue(
                scrape.contains("tunnelmesh_operation_duration_seconds_count{mesh=\"m5\",operation=\"add_peer\"} 1\n"),
                scrape);
        assertTrue(scrape.contains("tunnelmesh_peer_transmit_packets_total{mesh=\"m5\",peer=\"node3\"} 0.0\n"), scrape);
    }

    @Test
    void withoutMetricsThereIsNoMetricsPath() throws Exception {
        String base = start("m6", "--jolokia", "127.0.0.1:0");

        assertEquals(404, get(base + "/metrics", basic(USER, PASSWORD)).statusCode());
    }

    private HttpResponse<String> get(String url, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
