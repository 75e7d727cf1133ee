package org.tunnelmesh.linux;

import java.util.List;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.TunnelMeshException;

/**
 * A second process for {@link MeshOwnershipKernelIT} and {@link BpfPermissionKernelIT}: tries to
 * open node1's SHARED mesh with peer node2 and prints what happened on one line. Exit 3 on
 * ConflictException, 4 on any other TunnelMeshException, 0 when it opened. With a second argument
 * {@code here} it opens the mesh in its own network namespace (no setns, so no CAP_SYS_ADMIN).
 */
public final class OpenMeshMain {
    private OpenMeshMain() {}

    public static void main(String[] args) {
        var config = Lab.config(1, MeshMode.SHARED).toBuilder().name(args[0]);
        if (args.length > 1 && args[1].equals("here")) {
            config.netns(null);
        }
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config.build(), List.of(Lab.peer(2)))) {
            System.out.println("OPENED " + mesh.config().name());
        } catch (ConflictException e) {
            System.out.println("CONFLICT " + e.getMessage());
            System.exit(3);
        } catch (TunnelMeshException e) {
            System.out.println("FAILED " + e.getMessage());
            System.exit(4);
        }
    }
}
