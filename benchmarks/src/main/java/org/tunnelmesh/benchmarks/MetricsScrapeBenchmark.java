package org.tunnelmesh.benchmarks;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.jmx.remote.Credentials;
import org.tunnelmesh.jmx.remote.SecureJolokiaEndpoint;
import org.tunnelmesh.linux.LinuxTunnelMesh;
import org.tunnelmesh.micrometer.TunnelMeshMetrics;

/**
 * What a Prometheus scrape of a mesh costs with per-peer series, by the number of peers: the scrape as the node
 * serves it (text format 0.0.4 from a {@link PrometheusMeterRegistry} bound by {@link TunnelMeshMetrics}, one kernel
 * read of the IPIP filter's counters), its size, and the same over HTTP with basic auth through the hardened endpoint
 * the node uses. Then 20,000 peers with the binder's default limit. In the kernel lab, namespace node1:
 * {@code lab/benchmark metrics [PEERS...]} (default 1,000 5,000 10,000 20,000).
 *
 * <p>The peers are gateways that never carry traffic (as in {@link IpipFilterBenchmark}): their counters are zero,
 * which prints as "0.0" - a busy peer's "123456789.0" is some bytes longer per series.
 */
public final class MetricsScrapeBenchmark {
    private static final String NS = "node1";
    private static final int ROUNDS = 10;
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final Credentials LOGIN = Credentials.of("operator", "bench-secret".toCharArray());

    private MetricsScrapeBenchmark() {}

    public static void main(String[] args) throws Exception {
        int[] sizes = args.length > 0
                ? Arrays.stream(args).mapToInt(Integer::parseInt).toArray()
                : new int[] {1_000, 5_000, 10_000, 20_000};
        int largest = Arrays.stream(sizes).max().orElseThrow();
        Configurator.setAllLevels("org.tunnelmesh", Level.WARN);
        List<Peer> peers = IpipFilterBenchmark.peers(largest);
        System.out.printf(
                Locale.ROOT,
                "metrics scrape benchmark in namespace %s, %d CPU(s), Java %s: SHARED mode, IPIP filter on, %d rounds"
                        + " per size (one kernel read each)%n",
                NS,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                ROUNDS);
        HttpClient http = HttpClient.newHttpClient();
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(), List.of());
                SecureJolokiaEndpoint endpoint = SecureJolokiaEndpoint.start(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), LOGIN, null)) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            TunnelMeshMetrics metrics = TunnelMeshMetrics.builder(mesh)
                    .peerSeriesLimit(Integer.MAX_VALUE)
                    .build();
            metrics.bindTo(registry);
            serve(endpoint, registry);
            URI uri = URI.create("http://127.0.0.1:" + endpoint.address().getPort() + "/metrics");
            System.out.printf(
                    Locale.ROOT,
                    "%7s %8s %9s | %-28s | %-28s | %s%n",
                    "peers",
                    "series",
                    "bytes",
                    "scrape in process p50 / max",
                    "GET /metrics p50 / max",
                    "addPeers (meters registered)");
            int have = 0;
            for (int size : sizes) {
                long t0 = System.nanoTime();
                mesh.addPeers(peers.subList(have, size));
                double added = Figures.millisSince(t0);
                have = size;
                measure(size, registry, http, uri, added);
            }
            metrics.close();

            TunnelMeshMetrics defaults = TunnelMeshMetrics.of(mesh);
            PrometheusMeterRegistry withDefaults = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            defaults.bindTo(withDefaults);
            System.out.printf(
                    Locale.ROOT,
                    "with the default limit (%d peers): per-peer series %s%n",
                    TunnelMeshMetrics.DEFAULT_PEER_SERIES_LIMIT,
                    defaults.publishesPeerSeries() ? "published" : "withdrawn");
            measureInProcess(have, withDefaults);
            defaults.close();
            mesh.purge();
        }
    }

    private static void serve(SecureJolokiaEndpoint endpoint, PrometheusMeterRegistry registry) {
        endpoint.serveGet("/metrics", exchange -> {
            try (exchange) {
                ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
                registry.scrape(body, CONTENT_TYPE);
                exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
                exchange.sendResponseHeaders(200, body.size());
                body.writeTo(exchange.getResponseBody());
            }
        });
    }

    private static void measure(int peers, PrometheusMeterRegistry registry, HttpClient http, URI uri, double added)
            throws Exception {
        double[] inProcess = new double[ROUNDS];
        double[] overHttp = new double[ROUNDS];
        int bytes = 0;
        long series = 0;
        for (int round = -2; round < ROUNDS; round++) { // two warm-up rounds
            Thread.sleep(TunnelMeshMetrics.DEFAULT_COUNTER_MAX_AGE.toMillis() + 50); // each scrape reads the kernel
            long t0 = System.nanoTime();
            ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
            registry.scrape(out, CONTENT_TYPE);
            double scraped = Figures.millisSince(t0);
            Thread.sleep(TunnelMeshMetrics.DEFAULT_COUNTER_MAX_AGE.toMillis() + 50);
            t0 = System.nanoTime();
            HttpResponse<byte[]> response = http.send(
                    HttpRequest.newBuilder(uri)
                            .header("Authorization", "Basic " + base64("operator:bench-secret"))
                            .timeout(Duration.ofSeconds(60))
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            double fetched = Figures.millisSince(t0);
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET /metrics answered " + response.statusCode());
            }
            if (round >= 0) {
                inProcess[round] = scraped;
                overHttp[round] = fetched;
            }
            bytes = response.body().length;
            series = new String(response.body(), StandardCharsets.UTF_8)
                    .lines()
                    .filter(line -> !line.startsWith("#"))
                    .count();
        }
        System.out.printf(
                Locale.ROOT,
                "%7d %8d %9d | %10.1f ms / %8.1f ms   | %10.1f ms / %8.1f ms   | %.0f ms%n",
                peers,
                series,
                bytes,
                Figures.median(inProcess),
                Arrays.stream(inProcess).max().orElseThrow(),
                Figures.median(overHttp),
                Arrays.stream(overHttp).max().orElseThrow(),
                added);
    }

    private static void measureInProcess(int peers, PrometheusMeterRegistry registry) throws Exception {
        double[] inProcess = new double[ROUNDS];
        int bytes = 0;
        for (int round = -2; round < ROUNDS; round++) {
            Thread.sleep(TunnelMeshMetrics.DEFAULT_COUNTER_MAX_AGE.toMillis() + 50);
            long t0 = System.nanoTime();
            ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
            registry.scrape(out, CONTENT_TYPE);
            if (round >= 0) {
                inProcess[round] = Figures.millisSince(t0);
            }
            bytes = out.size();
        }
        System.out.printf(
                Locale.ROOT,
                "%7d peers: scrape %d bytes, p50 %.1f ms, max %.1f ms%n",
                peers,
                bytes,
                Figures.median(inProcess),
                Arrays.stream(inProcess).max().orElseThrow());
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static MeshConfig config() {
        return MeshConfig.builder()
                .name(NS)
                .mode(MeshMode.SHARED)
                .underlay("10.245.1.2")
                .tunnelAddress("192.168.41.0")
                .netns(NS)
                .watchKernel(false)
                .build();
    }
}
