package org.tunnelmesh.samples;

import io.micrometer.core.instrument.MeterRegistry;
import javax.management.MBeanServer;
import org.tunnelmesh.TunnelMesh;
import org.tunnelmesh.jmx.MeshMBeans;
import org.tunnelmesh.micrometer.TunnelMeshMetrics;

/** A mesh's figures in a Micrometer registry, and its MBeans: the README's "Metrics (Prometheus)" snippet. */
public final class MetricsExample {
    private MetricsExample() {}

    /**
     * Binds {@code mesh} to {@code meterRegistry} and exports its MBeans to {@code server}.
     *
     * @param mesh the mesh to publish
     * @param meterRegistry where its series go
     * @param server where its MBeans go
     * @return the exported MBeans; close them to unregister
     */
    public static MeshMBeans publish(TunnelMesh mesh, MeterRegistry meterRegistry, MBeanServer server) {
        // spotless:off - the README's snippet as it is printed there
        // snippet: metrics-java
        TunnelMeshMetrics metrics = TunnelMeshMetrics.of(mesh);   // .builder(mesh).peerSeriesLimit(n).build() to change the limit
        metrics.bindTo(meterRegistry);      // the mesh's addPeer, removePeer, reconcile feed tunnelmesh_operation_duration_seconds
        // end snippet
        // spotless:on
        return MeshMBeans.export(mesh, server); // JMX calls are the mesh's calls: timed too
    }
}
