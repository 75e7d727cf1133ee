package org.tunnelmesh.jmx;

import org.weakref.jmx.Managed;
import org.weakref.jmx.Nested;

/**
 * Latency of the mesh's operations ({@code org.tunnelmesh:type=MeshStats,name=<mesh>}): eighteen
 * figures kept apart from the Mesh MBean, so that one shows the mesh itself first.
 */
@ManagedDescription(description = "Latency of the mesh's addPeer, removePeer and reconcile calls (JMX and Java API), microseconds")
public final class ManagedMeshStats {

    private final MeasuredTunnelMesh mesh;

    ManagedMeshStats(MeasuredTunnelMesh mesh) {
        this.mesh = mesh;
    }

    @Managed(description = "Latency of addPeer calls (JMX and Java API), microseconds")
    @Nested
    public LatencyStat getAddPeer() {
        return mesh.addPeerLatency();
    }

    @Managed(description = "Latency of removePeer calls (JMX and Java API), microseconds")
    @Nested
    public LatencyStat getRemovePeer() {
        return mesh.removePeerLatency();
    }

    @Managed(description = "Latency of reconcile calls (JMX and Java API), microseconds")
    @Nested
    public LatencyStat getReconcile() {
        return mesh.reconcileLatency();
    }
}
