package org.tunnelmesh.samples;

import com.sun.net.httpserver.HttpExchange;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.tunnelmesh.TunnelMesh;
import org.tunnelmesh.jmx.remote.SecureJolokiaEndpoint;
import org.tunnelmesh.micrometer.TunnelMeshMetrics;

/**
 * {@code --metrics}: the mesh's meters ({@link TunnelMeshMetrics}) in a Prometheus registry of their own, served as
 * the Prometheus text format at {@value #PATH} on the Jolokia endpoint, behind its login. Only the mesh's meters:
 * the JVM's are the host's business, and an appliance that wants them binds them to its own registry.
 */
final class NodeMetrics implements AutoCloseable {

    static final String PATH = "/metrics";
    /**
     * Text format 0.0.4, whatever the client asks: every Prometheus reads it (Debian 12's 2.42 too), and promtool
     * checks it.
     */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final TunnelMeshMetrics metrics;

    private NodeMetrics(TunnelMesh mesh, int peerSeriesLimit) {
        this.metrics =
                TunnelMeshMetrics.builder(mesh).peerSeriesLimit(peerSeriesLimit).build();
        metrics.bindTo(registry);
    }

    /** Binds the mesh's meters and serves them on {@code endpoint}. */
    static NodeMetrics serve(TunnelMesh mesh, int peerSeriesLimit, SecureJolokiaEndpoint endpoint) {
        NodeMetrics served = new NodeMetrics(mesh, peerSeriesLimit);
        try {
            endpoint.serveGet(PATH, served::scrape);
        } catch (RuntimeException e) {
            served.close();
            throw e;
        }
        return served;
    }

    private void scrape(HttpExchange exchange) throws IOException {
        try (exchange) {
            // whole before the headers: a fixed length, and a failed scrape is a 500, not half a page
            ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
            registry.scrape(body, CONTENT_TYPE);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            exchange.sendResponseHeaders(200, body.size());
            body.writeTo(exchange.getResponseBody());
        }
    }

    @Override
    public void close() {
        metrics.close();
        registry.close();
    }
}
