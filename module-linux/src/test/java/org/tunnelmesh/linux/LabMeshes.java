package org.tunnelmesh.linux;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;

/**
 * The meshes a kernel test opened, purged and closed after each test so the next starts clean.
 * Registered with {@code @RegisterExtension}, it also fails every test run outside the lab.
 */
final class LabMeshes implements BeforeEachCallback, AfterEachCallback {
    private final List<LinuxTunnelMesh> open = new ArrayList<>();

    /** Node {@code node}'s mesh (not watching the kernel) with the lab peers {@code peers}. */
    LinuxTunnelMesh open(int node, MeshMode mode, int... peers) {
        return open(Lab.config(node, mode), peers);
    }

    LinuxTunnelMesh open(MeshConfig config, int... peers) {
        List<Peer> list = new ArrayList<>();
        for (int p : peers) {
            list.add(Lab.peer(p));
        }
        LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config, list);
        open.add(mesh);
        return mesh;
    }

    /** Closes a mesh the way a process exit would: its kernel state stays. */
    void closeLeavingState(LinuxTunnelMesh mesh) {
        mesh.close();
        open.remove(mesh);
    }

    void purgeAndClose(LinuxTunnelMesh mesh) {
        mesh.purge();
        closeLeavingState(mesh);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Lab.requireLab();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        purgeAll();
    }

    void purgeAll() {
        for (LinuxTunnelMesh mesh : List.copyOf(open)) {
            purgeAndClose(mesh);
        }
    }
}
