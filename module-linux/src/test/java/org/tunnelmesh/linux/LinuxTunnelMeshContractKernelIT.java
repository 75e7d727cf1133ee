package org.tunnelmesh.linux;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TunnelMesh;
import org.tunnelmesh.testing.TunnelMeshContract;

/** The TunnelMesh contract (the tests InMemoryTunnelMesh passes too) against the kernel: node1's mesh, SHARED. */
class LinuxTunnelMeshContractKernelIT extends TunnelMeshContract {

    @BeforeEach
    void inTheLab() {
        Lab.requireLab();
    }

    @Override
    protected TunnelMesh open(MeshConfig config, List<Peer> peers) {
        return LinuxTunnelMesh.open(config, peers);
    }

    @Override
    protected MeshConfig config() {
        return Lab.config(1, MeshMode.SHARED).toBuilder().name("contract").build();
    }

    /** After the contract closed its meshes, what they left in node1's kernel goes too. */
    @AfterEach
    void purgeWhatTheMeshesLeft() {
        closeMeshes();
        try (LinuxTunnelMesh leftover = LinuxTunnelMesh.open(config())) {
            leftover.purge();
        }
    }
}
