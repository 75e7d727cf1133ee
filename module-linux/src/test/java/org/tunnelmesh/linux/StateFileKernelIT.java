package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.Lab.config;
import static org.tunnelmesh.linux.Lab.ip;
import static org.tunnelmesh.linux.Lab.ipIgnoringFailure;
import static org.tunnelmesh.linux.Lab.peer;
import static org.tunnelmesh.linux.LabKernel.routeDestinations;
import static org.tunnelmesh.linux.LabKernel.routes;
import static org.tunnelmesh.linux.LabKernel.snapshot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.StateFileException;
import org.tunnelmesh.internal.StateFile;

/**
 * The state file with the Linux mesh: written before each change, put back when the kernel refuses
 * one, restored at open together with the given peers; a damaged one, or one whose peers clash
 * with the given ones, fails the open with the kernel unchanged.
 */
class StateFileKernelIT {
    @RegisterExtension
    final LabMeshes meshes = new LabMeshes();

    @TempDir
    Path dir;

    private MeshConfig withFile(MeshMode mode) {
        return config(1, mode).toBuilder().stateFile(dir.resolve("node1.json")).build();
    }

    private List<Peer> saved() {
        return new StateFile(dir.resolve("node1.json")).read("node1");
    }

    @Test
    void everyChangeIsSavedAndAKernelRefusalPutsTheFileBack() {
        LinuxTunnelMesh mesh = meshes.open(withFile(MeshMode.POINT_TO_POINT), 2);
        assertEquals(List.of(peer(2)), saved(), "the start set is saved at open");
        mesh.addPeer(peer(3));
        assertEquals(List.of(peer(2), peer(3)), saved());
        mesh.removePeer("node2");
        assertEquals(List.of(peer(3)), saved());

        // a foreign device holding node6's device name: the kernel refuses, the file is as before
        ip(1, "link", "add", "tm-node6", "type", "veth", "peer", "name", "tm-other");
        try {
            assertThrows(
                    ConflictException.class,
                    () -> mesh.addPeers(List.of(
                            Peer.of("node5", "10.245.1.6", "192.168.45.0/24"),
                            Peer.of("node6", "10.245.1.7", "192.168.46.0/24"))));
            assertEquals(List.of(peer(3)), saved());
        } finally {
            ip(1, "link", "del", "tm-node6");
        }
        mesh.purge();
        assertEquals(List.of(), saved());
    }

    @Test
    void openRestoresTheFilePlusTheGivenPeersAfterAWipe() {
        LinuxTunnelMesh mesh = meshes.open(withFile(MeshMode.SHARED));
        mesh.addPeer(peer(2));
        meshes.closeLeavingState(mesh);
        // a reboot-like wipe: deleting the nexthops takes their routes along
        ip(1, "nexthop", "flush");
        ipIgnoringFailure(1, "route", "flush", "proto", "87");
        assertEquals(List.of(), routes(1, "192.168.42.0/24"));

        // node3 given at open joins node2 from the file; a given node2 with another subnet would replace the saved one
        mesh = meshes.open(withFile(MeshMode.SHARED), 3);
        assertEquals(
                List.of("node2", "node3"), mesh.peers().stream().map(Peer::name).toList());
        assertEquals(List.of("192.168.42.0/24"), routeDestinations(1, "192.168.42.0/24"), "node2's route is back");
        assertEquals(List.of(peer(2), peer(3)), saved());
    }

    @Test
    void aDamagedFileOrOneThatClashesWithTheGivenPeersChangesNothing() throws Exception {
        Path file = dir.resolve("node1.json");
        Object before = snapshot(1);
        Files.writeString(
                file,
                "{\"format\":\"tunnelmesh-state\",\"version\":1,\"mesh\":\"node1\",\"peers\":[\n{\"name\":\"node2\"");
        StateFileException damaged =
                assertThrows(StateFileException.class, () -> LinuxTunnelMesh.open(withFile(MeshMode.SHARED)));
        assertTrue(
                damaged.getMessage().startsWith("state file " + file + " is damaged: not valid JSON: "),
                damaged.getMessage());
        assertEquals(before, snapshot(1));

        Files.write(file, StateFile.encode("node1", List.of(Peer.of("node9", "10.245.1.9", "192.168.42.0/25"))));
        StateFileException clash = assertThrows(
                StateFileException.class, () -> LinuxTunnelMesh.open(withFile(MeshMode.SHARED), List.of(peer(2))));
        assertTrue(
                clash.getMessage()
                        .startsWith("the peers of state file " + file + " with the given peers do not fit this mesh: "),
                clash.getMessage());
        assertTrue(clash.getMessage().contains("192.168.42.0/24"), clash.getMessage());
        assertEquals(before, snapshot(1));
    }
}
