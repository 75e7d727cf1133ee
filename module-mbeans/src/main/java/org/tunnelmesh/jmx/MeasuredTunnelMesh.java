package org.tunnelmesh.jmx;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshListener;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TunnelDevice;
import org.tunnelmesh.TunnelMesh;

/**
 * A {@link TunnelMesh} that times {@code addPeer}, {@code removePeer} and {@code reconcile}.
 * Calls that fail are not counted: a rejected argument says nothing about how long the kernel
 * takes; nor are the bulk calls, whose one figure for a batch of any size would mislead. Use this instance from Java too, and the figures {@link MeshMBeans} publishes cover
 * every caller, not just JMX.
 */
public final class MeasuredTunnelMesh implements TunnelMesh {

    private final TunnelMesh delegate;
    private final LatencyStat addPeerLatency = new LatencyStat();
    private final LatencyStat removePeerLatency = new LatencyStat();
    private final LatencyStat reconcileLatency = new LatencyStat();

    private MeasuredTunnelMesh(TunnelMesh delegate) {
        this.delegate = delegate;
    }

    /** Wraps {@code mesh}, unless it is measured already. */
    public static MeasuredTunnelMesh of(TunnelMesh mesh) {
        if (mesh == null) {
            throw new NullPointerException("mesh");
        }
        return mesh instanceof MeasuredTunnelMesh measured ? measured : new MeasuredTunnelMesh(mesh);
    }

    public LatencyStat addPeerLatency() {
        return addPeerLatency;
    }

    public LatencyStat removePeerLatency() {
        return removePeerLatency;
    }

    public LatencyStat reconcileLatency() {
        return reconcileLatency;
    }

    @Override
    public void addPeer(Peer peer) {
        long start = System.nanoTime();
        delegate.addPeer(peer);
        addPeerLatency.record(System.nanoTime() - start);
    }

    @Override
    public void removePeer(String name) {
        long start = System.nanoTime();
        delegate.removePeer(name);
        removePeerLatency.record(System.nanoTime() - start);
    }

    @Override
    public int reconcile() {
        long start = System.nanoTime();
        int repairs = delegate.reconcile();
        reconcileLatency.record(System.nanoTime() - start);
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
    public org.tunnelmesh.TrafficCounters trafficCounters() {
        return delegate.trafficCounters();
    }

    @Override
    public List<org.tunnelmesh.PeerHealth> peerHealth() {
        return delegate.peerHealth();
    }

    @Override
    public java.util.Optional<org.tunnelmesh.PeerHealth> peerHealth(String name) {
        return delegate.peerHealth(name);
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
