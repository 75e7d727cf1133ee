package org.tunnelmesh.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.LinkCounters;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.PeerCounters;
import org.tunnelmesh.PeerHealth;
import org.tunnelmesh.TunnelMesh;
import org.tunnelmesh.testing.InMemoryTunnelMesh;
import org.tunnelmesh.testing.SeedPeers;

class TunnelMeshMetricsTest {

    private static final Peer NODE2 = Peer.of("node2", "10.245.1.3", "192.168.42.0/24");
    private static final Peer NODE3 = Peer.of("node3", "10.245.1.4", "192.168.43.0/24");

    private final MockClock clock = new MockClock();
    private final PrometheusMeterRegistry registry =
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT, new PrometheusRegistry(), clock);
    private InMemoryTunnelMesh mesh;
    private TunnelMeshMetrics metrics;

    @AfterEach
    void close() {
        if (metrics != null) {
            metrics.close();
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    private static MeshConfig.Builder config(MeshMode mode) {
        return MeshConfig.builder()
                .name("edge")
                .mode(mode)
                .underlay("10.245.1.2")
                .tunnelAddress("192.168.41.0");
    }

    private void bind(MeshMode mode, List<Peer> peers) {
        bind(config(mode).build(), peers, TunnelMeshMetrics.DEFAULT_PEER_SERIES_LIMIT);
    }

    private void bind(MeshConfig config, List<Peer> peers, int limit) {
        mesh = InMemoryTunnelMesh.open(config, peers);
        metrics = TunnelMeshMetrics.builder(mesh)
                .peerSeriesLimit(limit)
                .clock(clock)
                .build();
        metrics.bindTo(registry);
    }

    /** What Prometheus reads (text format 0.0.4), with a fresh kernel read. */
    private String scrape() {
        clock.add(Duration.ofSeconds(1));
        return registry.scrape("text/plain; version=0.0.4; charset=utf-8");
    }

    /** The sample lines of one metric, without HELP and TYPE. */
    private static Set<String> samples(String scrape, String metric) {
        return scrape.lines()
                .filter(line -> line.startsWith(metric + "{") || line.startsWith(metric + " "))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void publishesTheMeshPeersAndRejectedPacketsUnderTheirPrometheusNames() {
        bind(MeshMode.SHARED, List.of(NODE2, NODE3));
        mesh.setPeerCounters("node2", new PeerCounters(7, 700, 9, 900));
        mesh.setPeerCounters("node3", new PeerCounters(1, 100, 2, 200));
        mesh.setRejected(3, 300);
        mesh.setCounters("tunl0", new LinkCounters(11, 1100, 1, 2, 12, 1200, 3, 4));

        String scrape = scrape();

        assertEquals(Set.of("tunnelmesh_peers{mesh=\"edge\"} 2.0"), samples(scrape, "tunnelmesh_peers"));
        assertEquals(
                Set.of(
                        "tunnelmesh_peer_receive_packets_total{mesh=\"edge\",peer=\"node2\"} 7.0",
                        "tunnelmesh_peer_receive_packets_total{mesh=\"edge\",peer=\"node3\"} 1.0"),
                samples(scrape, "tunnelmesh_peer_receive_packets_total"));
        assertEquals(
                Set.of(
                        "tunnelmesh_peer_transmit_packets_total{mesh=\"edge\",peer=\"node2\"} 9.0",
                        "tunnelmesh_peer_transmit_packets_total{mesh=\"edge\",peer=\"node3\"} 2.0"),
                samples(scrape, "tunnelmesh_peer_transmit_packets_total"));
        assertEquals(
                Set.of(
                        "tunnelmesh_peer_receive_bytes_total{mesh=\"edge\",peer=\"node2\"} 700.0",
                        "tunnelmesh_peer_receive_bytes_total{mesh=\"edge\",peer=\"node3\"} 100.0"),
                samples(scrape, "tunnelmesh_peer_receive_bytes_total"));
        assertEquals(
                Set.of(
                        "tunnelmesh_peer_transmit_bytes_total{mesh=\"edge\",peer=\"node2\"} 900.0",
                        "tunnelmesh_peer_transmit_bytes_total{mesh=\"edge\",peer=\"node3\"} 200.0"),
                samples(scrape, "tunnelmesh_peer_transmit_bytes_total"));
        assertEquals(
                Set.of("tunnelmesh_rejected_packets_total{mesh=\"edge\"} 3.0"),
                samples(scrape, "tunnelmesh_rejected_packets_total"));
        assertEquals(
                Set.of("tunnelmesh_rejected_bytes_total{mesh=\"edge\"} 300.0"),
                samples(scrape, "tunnelmesh_rejected_bytes_total"));
        assertEquals(
                Set.of("tunnelmesh_device_receive_packets_total{device=\"tunl0\",mesh=\"edge\"} 11.0"),
                samples(scrape, "tunnelmesh_device_receive_packets_total"));
        assertEquals(
                Set.of("tunnelmesh_device_transmit_dropped_total{device=\"tunl0\",mesh=\"edge\"} 4.0"),
                samples(scrape, "tunnelmesh_device_transmit_dropped_total"));
        assertEquals(
                Set.of("tunnelmesh_device_receive_errors_total{device=\"tunl0\",mesh=\"edge\"} 1.0"),
                samples(scrape, "tunnelmesh_device_receive_errors_total"));
        assertTrue(scrape.contains("# TYPE tunnelmesh_peer_receive_packets_total counter\n"), scrape);
        assertTrue(scrape.contains("# TYPE tunnelmesh_peers gauge\n"), scrape);
        assertTrue(scrape.contains("# TYPE tunnelmesh_operation_duration_seconds summary\n"), scrape);
        assertEquals(
                Set.of("tunnelmesh_peer_series_enabled{mesh=\"edge\"} 1.0"),
                samples(scrape, "tunnelmesh_peer_series_enabled"));
    }

    @Test
    void everyMeterHasHelpText() {
        bind(MeshMode.POINT_TO_POINT, List.of(NODE2));
        String scrape = scrape();
        List<String> metrics = scrape.lines()
                .filter(line -> line.startsWith("# TYPE "))
                .map(line -> line.split(" ")[2])
                .toList();
        assertTrue(metrics.size() > 10, scrape);
        for (String metric : metrics) {
            assertTrue(
                    scrape.lines().anyMatch(line -> line.startsWith("# HELP " + metric + " ") && line.length() > 20),
                    metric + " has no help text: " + scrape);
        }
    }

    @Test
    void aPeerAddedOrRemovedAtRuntimeGainsOrLosesItsSeries() {
        bind(MeshMode.SHARED, List.of(NODE2));
        assertEquals(
                1, samples(scrape(), "tunnelmesh_peer_receive_packets_total").size());

        mesh.addPeer(NODE3);
        mesh.setPeerCounters("node3", new PeerCounters(5, 500, 6, 600));
        String afterAdd = scrape();
        assertTrue(
                samples(afterAdd, "tunnelmesh_peer_receive_packets_total")
                        .contains("tunnelmesh_peer_receive_packets_total{mesh=\"edge\",peer=\"node3\"} 5.0"),
                afterAdd);
        assertEquals(Set.of("tunnelmesh_peers{mesh=\"edge\"} 2.0"), samples(afterAdd, "tunnelmesh_peers"));

        mesh.removePeer("node2");
        String afterRemove = scrape();
        assertEquals(
                Set.of("tunnelmesh_peer_receive_packets_total{mesh=\"edge\",peer=\"node3\"} 5.0"),
                samples(afterRemove, "tunnelmesh_peer_receive_packets_total"));
        assertFalse(afterRemove.contains("peer=\"node2\""), afterRemove);
        assertEquals(Set.of("tunnelmesh_peers{mesh=\"edge\"} 1.0"), samples(afterRemove, "tunnelmesh_peers"));
    }

    @Test
    void pointToPointDevicesComeAndGoWithTheirPeers() {
        bind(MeshMode.POINT_TO_POINT, List.of(NODE2));
        mesh.setCounters("tm-node2", new LinkCounters(4, 400, 0, 0, 5, 500, 0, 0));
        assertEquals(
                Set.of("tunnelmesh_device_transmit_bytes_total{device=\"tm-node2\",mesh=\"edge\"} 500.0"),
                samples(scrape(), "tunnelmesh_device_transmit_bytes_total"));

        mesh.addPeer(NODE3);
        mesh.removePeer("node2");
        assertEquals(
                Set.of("tunnelmesh_device_transmit_bytes_total{device=\"tm-node3\",mesh=\"edge\"} 0.0"),
                samples(scrape(), "tunnelmesh_device_transmit_bytes_total"));
    }

    /** An encrypting mesh publishes each peer's ESP counters, from one read of the states per scrape. */
    @Test
    void anEncryptingMeshPublishesEachPeersEspCounters() {
        bind(
                config(MeshMode.SHARED)
                        .encryptionKeyFile(java.nio.file.Path.of("/etc/tunnelmesh/keys"))
                        .build(),
                List.of(NODE2, NODE3),
                TunnelMeshMetrics.DEFAULT_PEER_SERIES_LIMIT);
        mesh.setEncryptionCounters("node2", new org.tunnelmesh.EncryptionCounters(10, 1000, 11, 1100, 1, 2));
        int readsBefore = mesh.encryptionReads();

        String scrape = scrape();

        assertEquals(1, mesh.encryptionReads() - readsBefore, "one read of the states in one scrape");
        for (String[] metricAndValues : new String[][] {
            {"tunnelmesh_peer_esp_transmit_packets_total", "10.0"},
            {"tunnelmesh_peer_esp_transmit_bytes_total", "1000.0"},
            {"tunnelmesh_peer_esp_receive_packets_total", "11.0"},
            {"tunnelmesh_peer_esp_receive_bytes_total", "1100.0"},
            {"tunnelmesh_peer_esp_integrity_failures_total", "1.0"},
            {"tunnelmesh_peer_esp_replay_failures_total", "2.0"}
        }) {
            String metric = metricAndValues[0];
            assertEquals(
                    Set.of(
                            metric + "{mesh=\"edge\",peer=\"node2\"} " + metricAndValues[1],
                            metric + "{mesh=\"edge\",peer=\"node3\"} 0.0"),
                    samples(scrape, metric));
        }
    }

    /** A mesh that does not encrypt has no ESP series. */
    @Test
    void aMeshThatDoesNotEncryptHasNoEspSeries() {
        bind(MeshMode.SHARED, List.of(NODE2));
        assertFalse(scrape().contains("tunnelmesh_peer_esp_"));
    }

    @Test
    void aScrapeReadsTheKernelOnceHoweverManySeriesAsk() {
        List<Peer> peers = SeedPeers.of(200, 1);
        bind(MeshMode.POINT_TO_POINT, peers);
        int trafficBefore = mesh.trafficReads();
        int dumpsBefore = mesh.deviceDumps();

        String scrape = scrape();

        assertEquals(
                200, samples(scrape, "tunnelmesh_peer_receive_packets_total").size());
        assertEquals(
                200, samples(scrape, "tunnelmesh_device_receive_packets_total").size());
        assertEquals(1, mesh.trafficReads() - trafficBefore, "traffic reads in one scrape");
        assertEquals(1, mesh.deviceDumps() - dumpsBefore, "device dumps in one scrape");

        registry.scrape(); // within the maximum age: the same reads serve
        assertEquals(1, mesh.trafficReads() - trafficBefore);
        scrape();
        assertEquals(2, mesh.trafficReads() - trafficBefore, "a later scrape reads again");
    }

    @Test
    void aboveTheLimitThePerPeerSeriesAreWithdrawnAndComeBackBelowIt() {
        bind(config(MeshMode.SHARED).build(), List.of(NODE2), 1);
        assertEquals(
                1, samples(scrape(), "tunnelmesh_peer_receive_packets_total").size());

        mesh.addPeer(NODE3);
        String above = scrape();
        assertEquals(Set.of(), samples(above, "tunnelmesh_peer_receive_packets_total"));
        assertEquals(Set.of("tunnelmesh_peers{mesh=\"edge\"} 2.0"), samples(above, "tunnelmesh_peers"));
        assertEquals(
                Set.of("tunnelmesh_peer_series_enabled{mesh=\"edge\"} 0.0"),
                samples(above, "tunnelmesh_peer_series_enabled"));
        assertEquals(1, samples(above, "tunnelmesh_rejected_packets_total").size(), "the mesh's own series stay");
        assertFalse(metrics.publishesPeerSeries());

        mesh.removePeer("node2");
        String below = scrape();
        assertEquals(
                Set.of("tunnelmesh_peer_receive_packets_total{mesh=\"edge\",peer=\"node3\"} 0.0"),
                samples(below, "tunnelmesh_peer_receive_packets_total"));
        assertEquals(
                Set.of("tunnelmesh_peer_series_enabled{mesh=\"edge\"} 1.0"),
                samples(below, "tunnelmesh_peer_series_enabled"));
    }

    @Test
    void aMeshBoundAboveTheLimitPublishesNoPerPeerSeries() {
        bind(config(MeshMode.POINT_TO_POINT).build(), SeedPeers.of(3, 1), 2);
        String scrape = scrape();
        assertEquals(Set.of(), samples(scrape, "tunnelmesh_peer_receive_packets_total"));
        assertEquals(Set.of(), samples(scrape, "tunnelmesh_device_receive_packets_total"));
        assertEquals(Set.of("tunnelmesh_peers{mesh=\"edge\"} 3.0"), samples(scrape, "tunnelmesh_peers"));
    }

    @Test
    void theMeshsAddRemoveAndReconcileThatSucceedAreTimed() {
        bind(MeshMode.SHARED, List.of());
        TunnelMesh timed = mesh; // the mesh itself reports durations: no handle of the binder's own
        timed.addPeer(NODE2);
        timed.addPeer(NODE3);
        timed.removePeer("node3");
        timed.reconcile();
        assertThrows(InvalidInputException.class, () -> timed.removePeer("nobody")); // failed: not timed
        timed.addPeers(
                List.of(NODE3, Peer.of("node4", "10.245.1.5", "192.168.44.0/24"))); // a batch of several: not timed

        String scrape = scrape();
        assertEquals(
                Set.of(
                        "tunnelmesh_operation_duration_seconds_count{mesh=\"edge\",operation=\"add_peer\"} 2",
                        "tunnelmesh_operation_duration_seconds_count{mesh=\"edge\",operation=\"reconcile\"} 1",
                        "tunnelmesh_operation_duration_seconds_count{mesh=\"edge\",operation=\"remove_peer\"} 1"),
                samples(scrape, "tunnelmesh_operation_duration_seconds_count"));
        assertTrue(
                scrape.contains(
                        "tunnelmesh_operation_duration_seconds{mesh=\"edge\",operation=\"add_peer\",quantile=\"0.99\"}"),
                scrape);
    }

    @Test
    void aClosedMeshShowsNaNAndTheScrapeStillAnswers() {
        bind(MeshMode.SHARED, List.of(NODE2));
        mesh.close();
        String scrape = scrape();
        assertEquals(
                Set.of("tunnelmesh_peer_receive_packets_total{mesh=\"edge\",peer=\"node2\"} NaN"),
                samples(scrape, "tunnelmesh_peer_receive_packets_total"));
        assertEquals(
                Set.of("tunnelmesh_rejected_packets_total{mesh=\"edge\"} NaN"),
                samples(scrape, "tunnelmesh_rejected_packets_total"));
    }

    @Test
    void withoutTheIpipFilterThereAreNoPeerTrafficNorRejectedSeries() {
        bind(config(MeshMode.SHARED).ipipFilter(false).build(), List.of(NODE2), 10);
        String scrape = scrape();
        assertEquals(Set.of(), samples(scrape, "tunnelmesh_peer_receive_packets_total"));
        assertEquals(Set.of(), samples(scrape, "tunnelmesh_rejected_packets_total"));
        assertEquals(
                1, samples(scrape, "tunnelmesh_device_receive_packets_total").size());
        assertEquals(0, mesh.trafficReads(), "nothing to read without the filter");
    }

    @Test
    void closingRemovesEveryMeterAndStopsFollowingTheMesh() {
        SimpleMeterRegistry simple = new SimpleMeterRegistry();
        bind(MeshMode.POINT_TO_POINT, List.of(NODE2));
        metrics.bindTo(simple);
        assertFalse(simple.getMeters().isEmpty());
        assertEquals(
                1,
                simple.get("tunnelmesh.device.receive.packets")
                        .tag("device", "tm-node2")
                        .functionCounters()
                        .size(),
                "the second registry holds the peer's meters too");

        metrics.close();
        mesh.addPeer(NODE3);

        assertEquals(List.of(), simple.getMeters());
        assertEquals(List.of(), registry.getMeters());
        assertThrows(IllegalStateException.class, () -> metrics.bindTo(simple));
    }

    @Test
    void aSecondRegistryGetsThePeersAlreadyThereAndLaterOnes() {
        bind(MeshMode.SHARED, List.of(NODE2));
        SimpleMeterRegistry simple = new SimpleMeterRegistry();
        metrics.bindTo(simple);
        mesh.addPeer(NODE3);
        mesh.setPeerCounters("node3", new PeerCounters(8, 800, 0, 0));
        clock.add(Duration.ofSeconds(1));
        assertEquals(
                8.0,
                simple.get("tunnelmesh.peer.receive.packets")
                        .tag("peer", "node3")
                        .functionCounter()
                        .count());
        assertEquals(
                2,
                simple.get("tunnelmesh.peer.receive.packets").functionCounters().size());
    }

    @Test
    void peerHealthIsPublishedPerPeerAndAsACount() {
        bind(MeshMode.SHARED, List.of(NODE2, NODE3));
        mesh.setPeerHealth("node2", PeerHealth.State.REACHABLE, 10, 2.5, "node2 heard");
        mesh.setPeerHealth("node3", PeerHealth.State.UNREACHABLE, 4_000, -1, "node3 silent");

        String scrape = scrape();
        assertEquals(
                Set.of(
                        "tunnelmesh_peer_reachable{mesh=\"edge\",peer=\"node2\"} 1.0",
                        "tunnelmesh_peer_reachable{mesh=\"edge\",peer=\"node3\"} 0.0"),
                samples(scrape, "tunnelmesh_peer_reachable"));
        assertEquals(
                Set.of(
                        "tunnelmesh_peer_rtt_seconds{mesh=\"edge\",peer=\"node2\"} 0.0025",
                        "tunnelmesh_peer_rtt_seconds{mesh=\"edge\",peer=\"node3\"} NaN"),
                samples(scrape, "tunnelmesh_peer_rtt_seconds"));
        assertEquals(
                Set.of("tunnelmesh_peers_unreachable{mesh=\"edge\"} 1.0"),
                samples(scrape, "tunnelmesh_peers_unreachable"));

        mesh.setPeerHealth("node3", PeerHealth.State.REACHABLE, 0, 1.0, "node3 back");
        assertEquals(
                Set.of("tunnelmesh_peers_unreachable{mesh=\"edge\"} 0.0"),
                samples(scrape(), "tunnelmesh_peers_unreachable"));
    }

    @Test
    void badSettingsAreRefusedNamingTheValue() {
        mesh = InMemoryTunnelMesh.open(config(MeshMode.SHARED).build()); // closed after the test
        InMemoryTunnelMesh any = mesh;
        InvalidInputException limit = assertThrows(
                InvalidInputException.class,
                () -> TunnelMeshMetrics.builder(any).peerSeriesLimit(-1));
        assertTrue(limit.getMessage().contains("-1"), limit.getMessage());
        InvalidInputException age = assertThrows(
                InvalidInputException.class,
                () -> TunnelMeshMetrics.builder(any).counterMaxAge(Duration.ofMillis(-5)));
        assertTrue(age.getMessage().contains("PT-0.005S"), age.getMessage());
    }
}
