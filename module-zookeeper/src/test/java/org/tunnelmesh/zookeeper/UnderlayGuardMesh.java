package org.tunnelmesh.zookeeper;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshListener;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TunnelDevice;
import org.tunnelmesh.TunnelMesh;
import org.tunnelmesh.testing.InMemoryTunnelMesh;

/**
 * An in-memory mesh that refuses, as the Linux mesh does, a peer whose subnets overlap the
 * underlay's on-link subnet: with {@link InvalidInputException}, the whole call, nothing changed.
 */
final class UnderlayGuardMesh implements TunnelMesh {
    private final InMemoryTunnelMesh mesh;
    private final Ipv4Prefix onLink;
    /** How many calls were refused. */
    final AtomicInteger refusals = new AtomicInteger();

    UnderlayGuardMesh(InMemoryTunnelMesh mesh, Ipv4Prefix onLink) {
        this.mesh = mesh;
        this.onLink = onLink;
    }

    @Override
    public void addPeers(Collection<Peer> peers) {
        for (Peer peer : peers) {
            for (Ipv4Prefix subnet : peer.subnets()) {
                if (subnet.overlaps(onLink)) {
                    refusals.incrementAndGet();
                    throw new InvalidInputException("peer '" + peer.name() + "': subnet " + subnet + " overlaps "
                            + onLink + ", which the underlay reaches on-link");
                }
            }
        }
        mesh.addPeers(peers);
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
    public void removePeers(Collection<String> names) {
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
    public int reconcile() {
        return mesh.reconcile();
    }

    @Override
    public void purge() {
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
