package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** In the lab, where meshes do run, a host application is told so before it opens one. */
class AvailabilityKernelIT {

    @BeforeEach
    void inTheLab() {
        Lab.requireLab();
    }

    @Test
    void theLabKernelCanRunAMesh() {
        assertTrue(LinuxTunnelMesh.isAvailable(), () -> String.valueOf(LinuxTunnelMesh.unavailabilityCause()));
        assertNull(LinuxTunnelMesh.unavailabilityCause());
    }
}
