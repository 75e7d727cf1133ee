package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.Lab.*;
import static org.tunnelmesh.linux.LabKernel.snapshot;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TunnelMeshException;
import org.tunnelmesh.linux.rtnetlink.IpipParameters;
import org.tunnelmesh.linux.rtnetlink.RtnetlinkRequests;
import org.tunnelmesh.linux.rtnetlink.RtnetlinkSession;
import org.tunnelmesh.linux.syscall.NetworkNamespace;

/** Bad input gets a clear error and leaves the kernel exactly as it was; a kernel failure midway is rolled back. */
class BadInputKernelIT {
    @RegisterExtension
    final LabMeshes meshes = new LabMeshes();

    private static void unchanged(
            int node, Class<? extends TunnelMeshException> type, String mustName, Executable bad) {
        Object before = snapshot(node);
        TunnelMeshException e = assertInstanceOf(type, assertThrows(TunnelMeshException.class, bad));
        assertTrue(e.getMessage().contains(mustName), "message names '" + mustName + "': " + e.getMessage());
        assertEquals(before, snapshot(node), "kernel unchanged after: " + e.getMessage());
    }

    @Test
    void badPeersChangeNothing() {
        for (MeshMode mode : MeshMode.values()) {
            LinuxTunnelMesh mesh = meshes.open(1, mode, 2);
            unchanged(
                    1,
                    ConflictException.class,
                    "192.168.42.128/25",
                    () -> mesh.addPeer(Peer.of("node9", "10.245.1.9", "192.168.42.128/25")));
            unchanged(
                    1,
                    ConflictException.class,
                    "node2",
                    () -> mesh.addPeer(Peer.of("node2", "10.245.1.9", "192.168.49.0/24")));
            unchanged(
                    1,
                    InvalidInputException.class,
                    "10.245.1.2",
                    () -> mesh.addPeer(Peer.of("self", "10.245.1.2", "192.168.49.0/24")));
            unchanged(
                    1,
                    ConflictException.class,
                    "10.245.1.3",
                    () -> mesh.addPeer(Peer.of("twin", "10.245.1.3", "192.168.49.0/24")));
            unchanged(
                    1,
                    InvalidInputException.class,
                    "192.168.41.0",
                    () -> mesh.addPeer(Peer.of("node9", "10.245.1.9", "192.168.40.0/22")));
            unchanged(
                    1,
                    InvalidInputException.class,
                    "192.168.49.1/24",
                    () -> mesh.addPeer(Peer.of("node9", "10.245.1.9", "192.168.49.1/24")));
            unchanged(
                    1,
                    InvalidInputException.class,
                    "10.245.0.0/16",
                    () -> mesh.addPeer(Peer.of("node9", "10.245.1.9", "10.245.0.0/16")));
            unchanged(1, InvalidInputException.class, "ghost", () -> mesh.removePeer("ghost"));
            // all-or-nothing: the good first peer is not added either
            unchanged(
                    1,
                    ConflictException.class,
                    "192.168.42.0/24",
                    () -> mesh.addPeers(List.of(
                            Peer.of("node8", "10.245.1.8", "192.168.48.0/24"),
                            Peer.of("node9", "10.245.1.9", "192.168.42.0/24"))));
            assertEquals(List.of("node2"), mesh.peers().stream().map(Peer::name).toList());
            meshes.purgeAndClose(mesh);
        }
    }

    @Test
    void badConfigurationChangesNothing() {
        unchanged(
                1,
                InvalidInputException.class,
                "10.245.1.99",
                () -> LinuxTunnelMesh.open(
                        config(1, MeshMode.SHARED).toBuilder()
                                .underlay("10.245.1.99")
                                .build(),
                        List.of(peer(2))));
        unchanged(
                1,
                InvalidInputException.class,
                "1481",
                () -> LinuxTunnelMesh.open(
                        config(1, MeshMode.SHARED).toBuilder().mtu(1481).build(), List.of(peer(2))));
        unchanged(
                1,
                ConflictException.class,
                "192.168.42.0/24",
                () -> LinuxTunnelMesh.open(
                        config(1, MeshMode.SHARED),
                        List.of(peer(2), Peer.of("node9", "10.245.1.9", "192.168.42.0/25"))));
    }

    /**
     * A foreign route in the way of the second peer's subnet: the first peer's routes are rolled back. A route through a
     * gateway, so the kernel refuses it: a device route would be an on-link subnet, refused before the kernel is asked.
     */
    @Test
    void kernelFailureMidwayIsRolledBackInShared() {
        LinuxTunnelMesh mesh = meshes.open(1, MeshMode.SHARED, 2);
        ip(1, "route", "add", "192.168.46.0/24", "via", "10.245.1.9", "dev", "eth0", "proto", "static");
        try {
            unchanged(
                    1,
                    ConflictException.class,
                    "192.168.46.0/24",
                    () -> mesh.addPeers(List.of(
                            Peer.of("node5", "10.245.1.6", "192.168.45.0/24"),
                            Peer.of("node6", "10.245.1.7", "192.168.46.0/24"))));
            assertEquals(1, mesh.peers().size());
        } finally {
            ip(1, "route", "del", "192.168.46.0/24");
        }
    }

    /** A foreign device holding the second peer's device name: the first peer's device is rolled back. */
    @Test
    void kernelFailureMidwayIsRolledBackInPointToPoint() {
        LinuxTunnelMesh mesh = meshes.open(1, MeshMode.POINT_TO_POINT, 2);
        ip(1, "link", "add", "tm-node6", "type", "veth", "peer", "name", "tm-other");
        try {
            unchanged(
                    1,
                    ConflictException.class,
                    "tm-node6",
                    () -> mesh.addPeers(List.of(
                            Peer.of("node5", "10.245.1.6", "192.168.45.0/24"),
                            Peer.of("node6", "10.245.1.7", "192.168.46.0/24"))));
            assertEquals(1, mesh.peers().size());
        } finally {
            ip(1, "link", "del", "tm-node6");
        }
    }

    @Test
    void aSecondKeylessDeviceIsRefusedWithAnExplanation() {
        try (RtnetlinkSession session = NetworkNamespace.call(ns(1), RtnetlinkSession::open)) {
            var batch = session.batch();
            RtnetlinkRequests.newIpipLink(
                    batch,
                    RtnetlinkRequests.CREATE,
                    "tunl1",
                    0,
                    new IpipParameters(0, Ipv4Address.ANY, Ipv4Address.ANY, 0, 0, true));
            Object before = snapshot(1);
            ConflictException e = assertThrows(ConflictException.class, () -> session.execute(batch));
            assertTrue(
                    e.getMessage().contains("tunl1")
                            && e.getMessage().contains("EEXIST")
                            && e.getMessage().contains("fallback device tunl0"),
                    e.getMessage());
            assertEquals(before, snapshot(1));
        }
    }

    @Test
    void aNamespaceThatDoesNotExistIsNamed() {
        MeshConfig config =
                config(1, MeshMode.SHARED).toBuilder().netns("no-such-ns").build();
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> LinuxTunnelMesh.open(config));
        assertTrue(e.getMessage().contains("no-such-ns"), e.getMessage());
    }
}
