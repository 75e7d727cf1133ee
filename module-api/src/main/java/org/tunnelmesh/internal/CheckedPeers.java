package org.tunnelmesh.internal;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;

/**
 * Peers that an empty {@link PeerTable} of one configuration has accepted as a batch ({@link PeerTable#checkBatch}):
 * unchangeable, so an {@code open} given them for that configuration need not check them again. The node checks its
 * {@code --peer}s before it binds a port or joins a cluster, and the mesh's open would otherwise repeat the same work
 * for every one of 20,000 peers.
 */
public final class CheckedPeers extends AbstractList<Peer> implements RandomAccess {
    private final MeshConfig config;
    private final List<Peer> peers;

    CheckedPeers(MeshConfig config, List<Peer> peers) {
        this.config = config;
        this.peers = peers;
    }

    /**
     * Whether these peers were checked against {@code config}'s rules.
     *
     * @param config the configuration of the table about to take them
     * @return true when {@code config} equals the one they were checked for
     */
    public boolean checkedFor(MeshConfig config) {
        return this.config.equals(config);
    }

    @Override
    public Peer get(int index) {
        return peers.get(index);
    }

    @Override
    public int size() {
        return peers.size();
    }
}
