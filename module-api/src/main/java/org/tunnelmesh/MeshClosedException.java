package org.tunnelmesh;

/**
 * The mesh was closed: every operation of a closed mesh throws this, as a closed channel throws
 * {@code java.nio.channels.ClosedChannelException}. Only {@link TunnelMesh#config()},
 * {@link TunnelMesh#mtu()}, {@link TunnelMesh#removeListener} and {@link TunnelMesh#close()} still answer.
 */
public class MeshClosedException extends TunnelMeshException {
    public MeshClosedException(String meshName) {
        super("mesh '" + meshName + "' is closed");
    }
}
