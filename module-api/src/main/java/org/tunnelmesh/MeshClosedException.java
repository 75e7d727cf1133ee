package org.tunnelmesh;

/**
 * The mesh was closed: every operation of a closed mesh throws this, as a closed channel throws
 * {@code java.nio.channels.ClosedChannelException}. Only {@link TunnelMesh#config()},
 * {@link TunnelMesh#mtu()}, {@link TunnelMesh#removeListener} and {@link TunnelMesh#close()} still answer.
 */
public class MeshClosedException extends TunnelMeshException {
    /** @param meshName the name of the closed mesh, for the message ("mesh 'edge' is closed") */
    public MeshClosedException(String meshName) {
        super("mesh '" + meshName + "' is closed");
    }
}
