package org.tunnelmesh.micrometer;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshListener;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TrafficCounters;
import org.tunnelmesh.TunnelDevice;
import org.tunnelmesh.TunnelMesh;

/**
 * The mesh, with {@code addPeer}, {@code removePeer} and {@code reconcile} timed into the binder's
 * {@code tunnelmesh_operation_duration_seconds}. As tunnelmesh-mbeans' MeasuredTunnelMesh: calls that fail are not
 * timed (a rejected argument says nothing about the kernel), nor are the bulk calls (one figure for a batch of any
 * size would mislead). Everything else passes through.
 */
final class TimedTunnelMesh implements TunnelMesh {

    private final TunnelMesh delegate;
    private final TunnelMeshMetrics metrics;

    TimedTunnelMesh(TunnelMesh delegate, TunnelMeshMetrics metrics) {
        this.delegate = delegate;
        this.metrics = metrics;
    }

    @Override
    public void addPeer(Peer peer) {
        long start = System.nanoTime();
        delegate.addPeer(peer);
        metrics.recorded(TunnelMeshMetrics.Operation.ADD_PEER, System.nanoTime() - start);
    }

    @Override
    public void removePeer(String name) {
        long start = System.nanoTime();
        delegate.removePeer(name);
        metrics.recorded(TunnelMeshMetrics.Operation.REMOVE_PEER, System.nanoTime() - start);
    }

    @Override
    public int reconcile() {
        long start = System.nanoTime();
        int repairs = delegate.reconcile();
        metrics.recorded(TunnelMeshMetrics.Operation.RECONCILE, System.nanoTime() - start);
        return repairs;
    }

    @Override
    public MeshConfig config() {
        return delegate.config();
    }

    @Override
    public int mtu() {
        return delegate.mtu();
    }

    @Override
    public void addPeers(Collection<Peer> peers) {
        delegate.addPeers(peers);
    }

    @Override
    public void removePeers(Collection<String> names) {
        delegate.removePeers(names);
    }

    @Override
    public List<Peer> peers() {
        return delegate.peers();
    }

    @Override
    public Optional<Peer> peer(String name) {
        return delegate.peer(name);
    }

    @Override
    public String deviceOf(String peerName) {
        return delegate.deviceOf(peerName);
    }

    @Override
    public List<TunnelDevice> devices() {
        return delegate.devices();
    }

    @Override
    public TrafficCounters trafficCounters() {
        return delegate.trafficCounters();
    }

    @Override
    public void purge() {
        delegate.purge();
    }

    @Override
    public List<String> diagnose() {
        return delegate.diagnose();
    }

    @Override
    public void addListener(MeshListener listener) {
        delegate.addListener(listener);
    }

    @Override
    public void removeListener(MeshListener listener) {
        delegate.removeListener(listener);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
