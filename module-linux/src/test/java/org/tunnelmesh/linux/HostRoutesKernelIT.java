package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.Lab.config;
import static org.tunnelmesh.linux.Lab.ip;
import static org.tunnelmesh.linux.Lab.ipIgnoringFailure;
import static org.tunnelmesh.linux.Lab.peer;
import static org.tunnelmesh.linux.LabKernel.hasRoute;
import static org.tunnelmesh.linux.LabKernel.snapshot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.StateFileException;
import org.tunnelmesh.TunnelMeshException;
import org.tunnelmesh.internal.StateFile;

/**
 * A peer can never route the underlay, a neighbour on it (the lab's ZooKeeper server is 10.245.1.1)
 * or the default gateway into the tunnel: addPeer, open and the state file alike are refused,
 * naming the peer, the subnet and what it would take over, with the kernel unchanged.
 */
class HostRoutesKernelIT {
    @RegisterExtension
    final LabMeshes meshes = new LabMeshes();

    @TempDir
    Path dir;

    @AfterEach
    void removeTheRoutesTheTestsAdd() {
        ipIgnoringFailure(1, "route", "del", "default");
        ipIgnoringFailure(1, "route", "del", "172.16.5.0/24");
        ipIgnoringFailure(1, "link", "del", "tg0");
    }

    /** Wide subnets allowed, so that 0.0.0.0/0 meets this rule and not the /8 one. */
    private static MeshConfig wide(MeshMode mode) {
        return config(1, mode).toBuilder().allowWideSubnets(true).build();
    }

    private static <T extends TunnelMeshException> T refused(Class<T> type, String[] mustName, Executable bad) {
        Object before = snapshot(1);
        T e = assertThrows(type, bad);
        for (String name : mustName) {
            assertTrue(e.getMessage().contains(name), "message names '" + name + "': " + e.getMessage());
        }
        assertEquals(before, snapshot(1), "kernel unchanged after: " + e.getMessage());
        return e;
    }

    private static void refusedAsInput(String[] mustName, Executable bad) {
        InvalidInputException e = refused(InvalidInputException.class, mustName, bad);
        assertTrue(e.getMessage().startsWith("peer '"), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(MeshMode.class)
    void addPeerCannotTakeTheUnderlaySegmentOrTheDefaultGateway(MeshMode mode) {
        LinuxTunnelMesh mesh = meshes.open(wide(mode), 2);
        for (String subnet : List.of("10.245.1.1/32", "10.245.1.128/25", "10.245.1.64/26")) {
            refusedAsInput(
                    new String[] {
                        "'node9'",
                        subnet,
                        "overlaps 10.245.1.0/24",
                        "on-link on eth0 (the underlay)",
                        "cut this node off"
                    },
                    () -> mesh.addPeer(Peer.of("node9", "10.245.1.9", subnet)));
        }
        // a batch: the good peer is not added either
        refusedAsInput(
                new String[] {"'node9'", "10.245.1.1/32"},
                () -> mesh.addPeers(List.of(
                        Peer.of("node8", "10.245.1.8", "192.168.48.0/24"),
                        Peer.of("node9", "10.245.1.9", "192.168.49.0/24,10.245.1.1/32"))));

        // a default route through a neighbour on the segment: 0.0.0.0/0 would take it over
        ip(1, "route", "add", "default", "via", "10.245.1.1", "dev", "eth0");
        refusedAsInput(
                new String[] {
                    "'node9'", "0.0.0.0/0", "contains 10.245.1.1", "gateway of this node's default route", "eth0"
                },
                () -> mesh.addPeer(Peer.of("node9", "10.245.1.9", "0.0.0.0/0")));

        // a gateway outside every on-link subnet (as some clouds give it): only the gateway rule can see it
        ip(1, "route", "replace", "default", "via", "172.16.9.1", "dev", "eth0", "onlink");
        refusedAsInput(
                new String[] {"'node9'", "172.16.9.0/24", "contains 172.16.9.1", "default route"},
                () -> mesh.addPeer(Peer.of("node9", "10.245.1.9", "172.16.9.0/24")));
        mesh.addPeer(Peer.of("node8", "10.245.1.8", "172.16.8.0/24")); // beside it: fine
        ip(1, "route", "del", "default");
        mesh.addPeer(Peer.of("node9", "10.245.1.9", "172.16.9.0/24")); // the gateway gone, the subnet is free
        assertEquals(
                List.of("node2", "node8", "node9"),
                mesh.peers().stream().map(Peer::name).toList());
    }

    /** Routes read once, kept while nothing changes, read again when someone else's route comes or a device goes. */
    @Test
    void theGuardSeesRoutesThatComeAndGoAfterOpenWithoutReadingThemForEveryPeer() {
        LinuxTunnelMesh mesh = meshes.open(config(1, MeshMode.SHARED), 2);
        long reads = mesh.hostRouteReads();
        assertEquals(1, reads, "one dump for the open");
        mesh.addPeer(peer(3));
        mesh.addPeer(peer(4));
        assertEquals(reads, mesh.hostRouteReads(), "nothing changed in the routes: no dump per addPeer");

        // a device route added after open: seen by the next addPeer
        ip(1, "route", "add", "172.16.5.0/24", "dev", "eth0", "proto", "static");
        refusedAsInput(
                new String[] {"172.16.5.0/24", "on-link on eth0"},
                () -> mesh.addPeer(Peer.of("node9", "10.245.1.9", "172.16.5.0/24")));
        ip(1, "route", "del", "172.16.5.0/24");

        // a subnet on a device of its own; the device deleted takes its route without a notification
        ip(1, "link", "add", "tg0", "type", "veth", "peer", "name", "tg1");
        ip(1, "addr", "add", "172.20.0.1/24", "dev", "tg0");
        ip(1, "link", "set", "tg0", "up");
        refusedAsInput(
                new String[] {"172.20.0.0/24", "on-link on tg0:"},
                () -> mesh.addPeer(Peer.of("node9", "10.245.1.9", "172.20.0.0/24")));
        ip(1, "link", "del", "tg0");
        mesh.addPeer(Peer.of("node9", "10.245.1.9", "172.20.0.0/24"));
        assertTrue(hasRoute(1, "172.20.0.0/24", "87"));
        assertTrue(
                mesh.diagnose()
                        .contains("OK host routes: no peer subnet overlaps the 1 subnet(s) this namespace reaches"
                                + " on-link or holds one of its 0 default gateway(s)"),
                mesh.diagnose().toString());

        // a route that comes after the peer: diagnose() says so
        ip(1, "link", "add", "tg0", "type", "veth", "peer", "name", "tg1");
        ip(1, "addr", "add", "172.20.0.1/25", "dev", "tg0");
        ip(1, "link", "set", "tg0", "up");
        assertTrue(
                mesh.diagnose().stream()
                        .anyMatch(l -> l.startsWith("FAIL host routes: peer 'node9': subnet 172.20.0.0/24 overlaps"
                                + " 172.20.0.0/25, which this node reaches on-link on tg0:")),
                mesh.diagnose().toString());
    }

    @Test
    void openWithSuchAPeerChangesNothing() {
        refusedAsInput(
                new String[] {"'node9'", "10.245.1.1/32", "10.245.1.0/24", "eth0 (the underlay)"},
                () -> LinuxTunnelMesh.open(
                        config(1, MeshMode.SHARED), List.of(peer(2), Peer.of("node9", "10.245.1.9", "10.245.1.1/32"))));
        meshes.open(1, MeshMode.SHARED, 2); // and the refused open left no lock behind
    }

    @Test
    void aStateFileWithSuchAPeerIsRefusedAndChangesNothing() throws Exception {
        Path file = dir.resolve("node1.json");
        Files.write(
                file, StateFile.encode("node1", List.of(peer(2), Peer.of("node9", "10.245.1.9", "10.245.1.128/25"))));
        MeshConfig withFile =
                config(1, MeshMode.SHARED).toBuilder().stateFile(file).build();
        StateFileException e = refused(
                StateFileException.class,
                new String[] {"'node9'", "10.245.1.128/25", "overlaps 10.245.1.0/24", "fix or remove the file"},
                () -> LinuxTunnelMesh.open(withFile));
        assertTrue(
                e.getMessage().startsWith("the peers of state file " + file + " do not fit this mesh: peer 'node9': "),
                e.getMessage());
        assertEquals(
                List.of(peer(2), Peer.of("node9", "10.245.1.9", "10.245.1.128/25")),
                new StateFile(file).read("node1"),
                "the file is left as it was");
    }
}
