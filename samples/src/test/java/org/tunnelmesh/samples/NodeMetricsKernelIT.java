package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.samples.LabNode.JOLOKIA_PORT;
import static org.tunnelmesh.samples.LabNode.LOGS;
import static org.tunnelmesh.samples.LabNode.PASSWORD;
import static org.tunnelmesh.samples.LabNode.USER;
import static org.tunnelmesh.samples.LabNode.sh;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jolokia.json.parser.JSONParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code --metrics} on a real node and kernel, read by Debian's Prometheus: two nodes ping through the mesh; node1's
 * {@code /metrics} (with the login) counts node2's packets, passes {@code promtool check metrics}, and a Prometheus
 * server in node1's namespace (loopback only) scrapes it with basic auth and answers a query for node2's counter.
 */
class NodeMetricsKernelIT {

    private static final String METRICS = "http://127.0.0.1:" + JOLOKIA_PORT + "/metrics";
    private static final int PROMETHEUS_PORT = 9090;
    private static final Pattern NODE2_RECEIVED = Pattern.compile(
            "^tunnelmesh_peer_receive_packets_total\\{mesh=\"node1\",peer=\"node2\"} (\\S+)$", Pattern.MULTILINE);

    private final LabNode node1 = new LabNode("node1", "10.245.1.2", "192.168.41.0");
    private final LabNode node2 = new LabNode("node2", "10.245.1.3", "192.168.42.0");
    private Process prometheus;
    private Path prometheusDir;

    @BeforeEach
    void twoNodesWithMetrics() throws Exception {
        assertTrue(sh("ip netns list").contains("node2"), "run this through lab/kernel-lab");
        node2.start(List.of("--peer", "node1@10.245.1.2=192.168.41.0/24", "--metrics", "--purge-on-exit"));
        node1.start(List.of("--peer", "node2@10.245.1.3=192.168.42.0/24", "--metrics", "--purge-on-exit"));
    }

    @AfterEach
    void stopAll() throws Exception {
        if (prometheus != null && prometheus.isAlive()) {
            prometheus.destroy();
            prometheus.waitFor(60, TimeUnit.SECONDS);
        }
        node1.stop();
        node2.stop();
        if (prometheusDir != null) {
            sh("rm -rf '" + prometheusDir + "'");
        }
    }

    @Test
    void prometheusScrapesTheNodeAndAnswersForAPeersCounter() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertTrue(node1.pings(node2), "ping " + i + " through the mesh");
        }

        // without the login, or with a wrong one: 401, and nothing of the mesh
        assertEquals("401", curl("-o /dev/null -w '%{http_code}' " + METRICS));
        assertEquals("401", curl("-o /dev/null -w '%{http_code}' -u " + USER + ":wrong " + METRICS));

        Path scrape = Files.createTempFile("tunnelmesh-scrape", ".txt");
        assertEquals("200", curl("-o " + scrape + " -w '%{http_code}' -u " + USER + ":" + PASSWORD + " " + METRICS));
        String text = Files.readString(scrape);
        Files.copy(scrape, LOGS.resolve("node1-metrics.txt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Matcher received = NODE2_RECEIVED.matcher(text);
        assertTrue(received.find(), text);
        assertTrue(
                Double.parseDouble(received.group(1)) >= 5, "node1 counted node2's echo replies: " + received.group());
        assertTrue(text.contains("tunnelmesh_peers{mesh=\"node1\"} 1.0\n"), text);
        assertTrue(text.contains("tunnelmesh_rejected_packets_total{mesh=\"node1\"} 0.0\n"), text);
        assertTrue(text.contains("tunnelmesh_device_transmit_packets_total{device=\"tunl0\",mesh=\"node1\"}"), text);

        String lint = sh("promtool check metrics < " + scrape + "; echo \"exit=$?\"");
        assertEquals("exit=0", lint.strip(), "promtool's findings: " + lint);
        Files.delete(scrape);

        startPrometheus();
        String query = "tunnelmesh_peer_receive_packets_total{mesh=\"node1\",peer=\"node2\"}";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        double value = 0;
        String answer = "";
        while (value <= 0 && System.nanoTime() < deadline) {
            assertTrue(prometheus.isAlive(), "prometheus exited: " + Files.readString(prometheusDir.resolve("log")));
            Thread.sleep(1000);
            answer = sh("ip netns exec node1 curl -sS --max-time 10 http://127.0.0.1:" + PROMETHEUS_PORT
                    + "/api/v1/query --data-urlencode 'query=" + query + "'");
            value = sampleValue(answer);
        }
        assertTrue(value >= 5, "Prometheus' answer for " + query + ": " + answer);
    }

    private void startPrometheus() throws Exception {
        prometheusDir = Files.createTempDirectory("tunnelmesh-prometheus");
        Path password = prometheusDir.resolve("password");
        Files.writeString(password, PASSWORD + "\n");
        Path config = prometheusDir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: tunnelmesh
                    metrics_path: /metrics
                    basic_auth:
                      username: %s
                      password_file: %s
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(USER, password, JOLOKIA_PORT));
        prometheus = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        "node1",
                        "prometheus",
                        "--config.file=" + config,
                        "--storage.tsdb.path=" + prometheusDir.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + PROMETHEUS_PORT)
                .redirectErrorStream(true)
                .redirectOutput(prometheusDir.resolve("log").toFile())
                .start();
    }

    private String curl(String arguments) throws Exception {
        return sh("ip netns exec node1 curl -sS --max-time 20 " + arguments).strip();
    }

    /** The first sample's value in a Prometheus instant-query answer; 0 while there is none. */
    @SuppressWarnings("unchecked")
    private static double sampleValue(String answer) {
        try {
            Map<String, Object> parsed = new JSONParser().parse(answer, Map.class);
            Map<String, Object> data = (Map<String, Object>) parsed.get("data");
            List<Object> result = data == null ? List.of() : (List<Object>) data.get("result");
            if (result == null || result.isEmpty()) {
                return 0;
            }
            List<Object> sample = (List<Object>) ((Map<String, Object>) result.get(0)).get("value");
            return Double.parseDouble((String) sample.get(1));
        } catch (Exception notYet) {
            return 0; // not up yet, or not JSON: ask again
        }
    }
}
