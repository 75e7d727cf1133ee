package org.tunnelmesh.testing;

import java.util.ArrayList;
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
 * An embedder's decorator, as the README's TCK example names it: it writes down every change asked of the mesh and
 * forwards everything else. {@link AuditedMeshContractTest} holds it to the {@link TunnelMeshContract}.
 */
final class AuditedMesh implements TunnelMesh {
    private final TunnelMesh mesh;
    private final List<String> audit = new ArrayList<>();

    AuditedMesh(TunnelMesh mesh) {
        this.mesh = mesh;
    }

    synchronized List<String> audit() {
        return List.copyOf(audit);
    }

    private synchronized void write(String change) {
        audit.add(change);
    }

    @Override
    public MeshConfig config() {
        return mesh.config();
    }

    @Override
    public int mtu() {
        return mesh.mtu();
    }

    @Override
    public void addPeer(Peer peer) {
        write("addPeer " + peer);
        mesh.addPeer(peer);
    }

    @Override
    public void addPeers(Collection<Peer> peers) {
        write("addPeers " + peers);
        mesh.addPeers(peers);
    }

    @Override
    public void removePeer(String name) {
        write("removePeer " + name);
        mesh.removePeer(name);
    }

    @Override
    public void removePeers(Collection<String> names) {
        write("removePeers " + names);
        mesh.removePeers(names);
    }

    @Override
    public List<Peer> peers() {
        return mesh.peers();
    }

    @Override
    public Optional<Peer> peer(String name) {
        return mesh.peer(name);
    }

    @Override
    public String deviceOf(String peerName) {
        return mesh.deviceOf(peerName);
    }

    @Override
    public List<TunnelDevice> devices() {
        return mesh.devices();
    }

    @Override
    public TrafficCounters trafficCounters() {
        return mesh.trafficCounters();
    }

    @Override
    public java.util.Map<String, org.tunnelmesh.EncryptionCounters> encryptionCounters() {
        return mesh.encryptionCounters();
    }

    @Override
    public int reconcile() {
        write("reconcile");
        return mesh.reconcile();
    }

    @Override
    public void purge() {
        write("purge");
        mesh.purge();
    }

    @Override
    public List<String> diagnose() {
        return mesh.diagnose();
    }

    @Override
    public void addListener(MeshListener listener) {
        mesh.addListener(listener);
    }

    @Override
    public void removeListener(MeshListener listener) {
        mesh.removeListener(listener);
    }

    @Override
    public void close() {
        mesh.close();
    }
}
