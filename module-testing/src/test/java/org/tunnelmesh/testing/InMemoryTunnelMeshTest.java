package org.tunnelmesh.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.LinkCounters;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshListener;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TunnelDevice;

class InMemoryTunnelMeshTest {

    private final List<InMemoryTunnelMesh> opened = new ArrayList<>();

    /** One open mesh per name: each test closes what it opened. */
    private InMemoryTunnelMesh opened(InMemoryTunnelMesh mesh) {
        opened.add(mesh);
        return mesh;
    }

    @AfterEach
    void closeMeshes() {
        opened.forEach(InMemoryTunnelMesh::close);
    }

    private static final Peer NODE2 = Peer.of("node2", "10.245.1.3", "192.168.42.0/24");
    private static final Peer NODE3 = Peer.of("node3", "10.245.1.4", "192.168.43.0/24");

    private static MeshConfig config(MeshMode mode) {
        return MeshConfig.builder()
                .name("lab")
                .mode(mode)
                .underlay("10.245.1.2")
                .tunnelAddress("192.168.41.0")
                .build();
    }

    @Test
    void refusesSubnetsThatWouldTakeOverTheHostRoutesItIsGiven() {
        InMemoryTunnelMesh mesh = opened(InMemoryTunnelMesh.open(
                config(MeshMode.SHARED).toBuilder().allowWideSubnets(true).build(), List.of(NODE2)));
        mesh.addPeer(
                Peer.of("zk", "10.245.1.9", "10.245.1.1/32")); // nothing given yet: an in-memory mesh has no routes
        mesh.removePeer("zk");
        mesh.setHostRoutes(
                List.of(org.tunnelmesh.Ipv4Prefix.parse("10.245.1.0/24")),
                List.of(org.tunnelmesh.Ipv4Address.parse("172.31.1.1")));
        InvalidInputException onLink = assertThrows(
                InvalidInputException.class,
                () -> mesh.addPeers(List.of(NODE3, Peer.of("zk", "10.245.1.9", "10.245.1.1/32"))));
        assertEquals(
                "peer 'zk': subnet 10.245.1.1/32 overlaps 10.245.1.0/24, which this node reaches on-link: routed into the"
                        + " tunnel, it would cut this node off from it; a peer's subnets must lie outside the networks this node reaches"
                        + " directly",
                onLink.getMessage());
        InvalidInputException gateway =
                assertThrows(InvalidInputException.class, () -> mesh.addPeer(Peer.of("gw", "10.245.1.9", "0.0.0.0/0")));
        assertTrue(
                gateway.getMessage().startsWith("peer 'gw': subnet 0.0.0.0/0 contains 172.31.1.1, the gateway"),
                gateway.getMessage());
        assertEquals(List.of(NODE2), mesh.peers(), "nothing added, node3 neither");

        mesh.setHostRoutes(List.of(org.tunnelmesh.Ipv4Prefix.parse("10.245.1.0/24")), List.of());
        mesh.addPeer(Peer.of(
                "gw",
                "10.245.1.9",
                "0.0.0.0/0")); // a wide subnet may hold an on-link one: that one's route is more specific
    }

    @Test
    void checksPeersLikeTheKernelMeshBeforeChangingAnything() {
        InMemoryTunnelMesh mesh = opened(InMemoryTunnelMesh.open(config(MeshMode.SHARED), List.of(NODE2)));

        ConflictException sameName = assertThrows(
                ConflictException.class, () -> mesh.addPeer(Peer.of("node2", "10.245.1.9", "192.168.49.0/24")));
        ConflictException overlap = assertThrows(
                ConflictException.class,
                () -> mesh.addPeers(List.of(NODE3, Peer.of("node4", "10.245.1.5", "192.168.42.128/25"))));
        InvalidInputException ownTunnelAddress = assertThrows(
                InvalidInputException.class, () -> mesh.addPeer(Peer.of("node4", "10.245.1.5", "192.168.40.0/22")));
        InvalidInputException unknown =
                assertThrows(InvalidInputException.class, () -> mesh.removePeers(List.of("node2", "ghost")));

        assertTrue(sameName.getMessage().contains("'node2'"), sameName.getMessage());
        assertTrue(overlap.getMessage().contains("192.168.42.128/25"), overlap.getMessage());
        assertTrue(ownTunnelAddress.getMessage().contains("192.168.40.0/22"), ownTunnelAddress.getMessage());
        assertTrue(unknown.getMessage().contains("'ghost'"), unknown.getMessage());
        assertEquals(List.of(NODE2), mesh.peers());
    }

    @Test
    void trafficCountersCoverEveryPeerAndForgetRemovedOnes() {
        InMemoryTunnelMesh mesh = opened(InMemoryTunnelMesh.open(config(MeshMode.SHARED), List.of(NODE2, NODE3)));
        mesh.setPeerCounters("node2", new org.tunnelmesh.PeerCounters(1, 104, 2, 208));
        mesh.setRejected(3, 312);

        org.tunnelmesh.TrafficCounters counters = mesh.trafficCounters();
        assertTrue(counters.filtered());
        assertEquals(new org.tunnelmesh.PeerCounters(1, 104, 2, 208), counters.peer("node2"));
        assertEquals(org.tunnelmesh.PeerCounters.ZERO, counters.peer("node3"));
        assertEquals(2, counters.peers().size());
        assertEquals(3, counters.rejectedPackets());
        assertEquals(312, counters.rejectedBytes());

        mesh.removePeer("node2");
        mesh.addPeer(NODE2);
        assertEquals(
                org.tunnelmesh.PeerCounters.ZERO,
                mesh.trafficCounters().peer("node2"),
                "a re-added peer starts from zero");
        assertEquals(
                org.tunnelmesh.TrafficCounters.UNFILTERED,
                opened(InMemoryTunnelMesh.open(config(MeshMode.SHARED).toBuilder()
                                .name("unfiltered")
                                .ipipFilter(false)
                                .build()))
                        .trafficCounters());
    }

    @Test
    void openRefusesConflictingInitialPeers() {
        assertThrows(
                ConflictException.class,
                () -> InMemoryTunnelMesh.open(
                        config(MeshMode.SHARED), List.of(NODE2, Peer.of("node3", "10.245.1.3", "192.168.43.0/24"))));
    }

    @Test
    void sharedMeshHasOneKeylessTunl0ForEveryPeer() {
        InMemoryTunnelMesh mesh = opened(InMemoryTunnelMesh.open(config(MeshMode.SHARED), List.of(NODE2, NODE3)));
        mesh.setCounters("tunl0", new LinkCounters(1, 2, 3, 4, 5, 6, 7, 8));

        List<TunnelDevice> devices = mesh.devices();

        assertEquals(1, devices.size());
        assertEquals("tunl0", devices.get(0).name());
        assertTrue(devices.get(0).local().isAny() && devices.get(0).remote().isAny());
        assertEquals(5, devices.get(0).counters().txPackets());
        assertEquals("tunl0", mesh.deviceOf("node3"));
        assertEquals(1480, mesh.mtu());
    }

    @Test
    void pointToPointMeshHasADevicePerPeer() {
        InMemoryTunnelMesh mesh =
                opened(InMemoryTunnelMesh.open(config(MeshMode.POINT_TO_POINT), List.of(NODE2, NODE3)));

        mesh.removePeer("node2");

        List<TunnelDevice> devices = mesh.devices();
        assertEquals(
                List.of("tm-node3"), devices.stream().map(TunnelDevice::name).toList());
        assertEquals("10.245.1.2", devices.get(0).local().toString());
        assertEquals("10.245.1.4", devices.get(0).remote().toString());
        assertEquals("tm-node3", mesh.deviceOf("node3"));
        assertEquals(1, mesh.deviceDumps());
    }

    @Test
    void pointToPointDevicesAreNamedAsTheKernelMeshNamesThem() {
        Peer longName = Peer.of("datacenter-east-1", "10.245.1.5", "192.168.44.0/24");
        InMemoryTunnelMesh mesh =
                opened(InMemoryTunnelMesh.open(config(MeshMode.POINT_TO_POINT), List.of(NODE2, longName)));
        mesh.setCounters("tm-datace-726cb", new LinkCounters(1, 2, 3, 4, 5, 6, 7, 8));

        List<TunnelDevice> devices = mesh.devices();

        // the fixed value of TunnelDeviceTest: the kernel's 15 characters, a prefix and a hash of the whole name
        assertEquals(
                List.of("tm-node2", "tm-datace-726cb"),
                devices.stream().map(TunnelDevice::name).toList());
        assertEquals("tm-datace-726cb", mesh.deviceOf("datacenter-east-1"));
        assertEquals(TunnelDevice.pointToPointName("datacenter-east-1"), mesh.deviceOf("datacenter-east-1"));
        assertEquals(5, devices.get(1).counters().txPackets());
        assertTrue(devices.stream().allMatch(d -> d.name().length() < TunnelDevice.IFNAMSIZ));
    }

    @Test
    void removingAPeerKeepsTheSharedDevicesCounters() {
        InMemoryTunnelMesh mesh = opened(InMemoryTunnelMesh.open(config(MeshMode.SHARED), List.of(NODE2, NODE3)));
        mesh.setCounters("tunl0", new LinkCounters(1, 2, 3, 4, 5, 6, 7, 8));

        mesh.removePeer("node2");

        assertEquals(5, mesh.devices().get(0).counters().txPackets(), "tunl0 still carries node3");
    }

    @Test
    void listenersHearOfEveryChange() {
        InMemoryTunnelMesh mesh = opened(InMemoryTunnelMesh.open(config(MeshMode.SHARED)));
        List<String> heard = new ArrayList<>();
        mesh.addListener(new MeshListener() {
            @Override
            public void peerAdded(Peer peer) {
                heard.add("added " + peer.name());
            }

            @Override
            public void peerRemoved(Peer peer) {
                heard.add("removed " + peer.name());
            }

            @Override
            public void stateRepaired(String what) {
                heard.add("repaired " + what);
            }
        });

        mesh.addPeers(List.of(NODE2, NODE3));
        mesh.removePeer("node2");
        mesh.drift("tunl0 was down");
        assertEquals(1, mesh.reconcile());
        assertEquals(0, mesh.reconcile());
        mesh.purge();

        assertEquals(
                List.of("added node2", "added node3", "removed node2", "repaired tunl0 was down", "removed node3"),
                heard);
        assertEquals(List.of(), mesh.peers());
    }

    @Test
    void aListenerCanTakeEachChangeOfManyPeersAsOneEvent() {
        InMemoryTunnelMesh mesh = opened(InMemoryTunnelMesh.open(config(MeshMode.SHARED)));
        List<String> heard = new ArrayList<>();
        mesh.addListener(new MeshListener() {
            @Override
            public void peersAdded(List<Peer> peers) {
                heard.add("added " + peers.stream().map(Peer::name).toList());
            }

            @Override
            public void peersRemoved(List<Peer> peers) {
                heard.add("removed " + peers.stream().map(Peer::name).toList());
            }
        });

        mesh.addPeers(List.of(NODE2, NODE3));
        mesh.removePeer("node2");
        mesh.purge();
        mesh.purge();

        assertEquals(List.of("added [node2, node3]", "removed [node2]", "removed [node3]"), heard);
    }

    @Test
    void aClosedMeshRefusesChanges() {
        InMemoryTunnelMesh mesh = opened(InMemoryTunnelMesh.open(config(MeshMode.SHARED)));

        mesh.close();

        assertTrue(mesh.isClosed());
        assertThrows(org.tunnelmesh.MeshClosedException.class, () -> mesh.addPeer(NODE2));
        assertEquals(List.of(), mesh.peersInKernel(), "close leaves what the mesh held");
    }

    @Test
    void closeLeavesThePeersInTheKernelUnlessPurgedFirst() {
        InMemoryTunnelMesh left = opened(InMemoryTunnelMesh.open(config(MeshMode.SHARED), List.of(NODE2)));
        left.close();
        InMemoryTunnelMesh purged = opened(InMemoryTunnelMesh.open(config(MeshMode.SHARED), List.of(NODE2)));
        purged.purge();
        purged.close();

        assertEquals(List.of(NODE2), left.peersInKernel());
        assertEquals(List.of(), purged.peersInKernel());
    }

    /** The scope of "one open mesh": its name, in this JVM. */
    @Test
    void aSecondOpenOfTheSameNameIsRefusedAnotherNameIsAnotherMesh() {
        InMemoryTunnelMesh first = opened(InMemoryTunnelMesh.open(config(MeshMode.SHARED), List.of(NODE2)));

        ConflictException e =
                assertThrows(ConflictException.class, () -> InMemoryTunnelMesh.open(config(MeshMode.POINT_TO_POINT)));
        assertTrue(e.getMessage().startsWith("mesh 'lab' is open already in this JVM"), e.getMessage());
        opened(InMemoryTunnelMesh.open(
                config(MeshMode.SHARED).toBuilder().name("other").build()));
        // a refused open with bad peers does not take the name either
        first.close();
        assertThrows(
                ConflictException.class, () -> InMemoryTunnelMesh.open(config(MeshMode.SHARED), List.of(NODE2, NODE2)));
        opened(InMemoryTunnelMesh.open(config(MeshMode.SHARED)));
    }

    /** What a test sets is what the next read returns: no cache to wait out. */
    @Test
    void countersATestSetsAreReadAtOnce() {
        InMemoryTunnelMesh mesh = opened(InMemoryTunnelMesh.open(config(MeshMode.SHARED), List.of(NODE2)));
        mesh.devices();

        mesh.setCounters("tunl0", new LinkCounters(1, 2, 0, 0, 3, 4, 0, 0));

        assertEquals(
                new LinkCounters(1, 2, 0, 0, 3, 4, 0, 0), mesh.devices().get(0).counters());
    }
}
