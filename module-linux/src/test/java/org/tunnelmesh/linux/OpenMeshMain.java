package org.tunnelmesh.linux;

import java.util.List;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.MeshMode;

/**
 * A second process for {@link MeshOwnershipKernelIT}: tries to open node1's SHARED mesh with peer
 * node2 and prints what happened on one line. Exit 3 on ConflictException, 0 when it opened.
 */
public final class OpenMeshMain {
    private OpenMeshMain() {}

    public static void main(String[] args) {
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(
                Lab.config(1, MeshMode.SHARED).toBuilder().name(args[0]).build(), List.of(Lab.peer(2)))) {
            System.out.println("OPENED " + mesh.config().name());
        } catch (ConflictException e) {
            System.out.println("CONFLICT " + e.getMessage());
            System.exit(3);
        }
    }
}
