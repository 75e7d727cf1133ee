package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tunnelmesh.internal.StateFile;

/** The node with a damaged state file: exit status 2, one line naming the file, nothing registered. */
class NodeStateFileTest {
    @TempDir
    Path dir;

    @Test
    void aDamagedStateFileExitsWithTwoNamingTheFile() throws Exception {
        Path file = dir.resolve("unit-state.json");
        Files.writeString(file, "{\"format\":\"tunnelmesh-state\",\"version\":7,\"mesh\":\"unitstate\",\"peers\":[]}");
        NodeOptions options = NodeOptions.parse(
                "--name",
                "unitstate",
                "--underlay",
                "10.245.1.2",
                "--tunnel-address",
                "192.168.41.0",
                "--state-file",
                file.toString());
        // the opener reads the state file first, as LinuxTunnelMesh.open does, before any kernel work
        StartupFailure failure = assertThrows(
                StartupFailure.class,
                () -> TunnelMeshNode.start(
                        options,
                        (config, peers) -> {
                            new StateFile(config.stateFile()).read(config.name());
                            throw new AssertionError("not reached");
                        },
                        ManagementFactory.getPlatformMBeanServer()));
        assertEquals(2, failure.exitStatus());
        assertEquals(
                "state file " + file
                        + " is damaged: version 7 is not supported (this tunnelmesh reads version 1; it was written "
                        + "by a newer tunnelmesh); fix or remove it (the mesh did not start and changed nothing)",
                failure.oneLine());
        assertFalse(ManagementFactory.getPlatformMBeanServer()
                .isRegistered(new ObjectName("org.tunnelmesh:type=Mesh,name=unitstate")));
    }
}
