package org.tunnelmesh.jmx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.Notification;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.PeerHealth.State;
import org.tunnelmesh.testing.InMemoryTunnelMesh;

/** Peer health as an operator sees it over JMX (issue 25): Peer and Mesh attributes, MeshEvents notifications. */
class PeerHealthMBeansTest {
    private static final ObjectName MESH = MeshObjectNames.mesh("lab");
    private static final ObjectName EVENTS = MeshObjectNames.events("lab");
    private static final ObjectName NODE2 = MeshObjectNames.peer("lab", "node2");
    private static final ObjectName NODE3 = MeshObjectNames.peer("lab", "node3");

    private final MBeanServer server = MBeanServerFactory.newMBeanServer();
    private InMemoryTunnelMesh mesh;
    private MeshMBeans mbeans;

    @BeforeEach
    void exportAMeshWithTwoPeers() {
        mesh = InMemoryTunnelMesh.open(TestMeshes.lab().build(), List.of(TestMeshes.NODE2, TestMeshes.NODE3));
        mbeans = MeshMBeans.export(mesh, server);
    }

    @AfterEach
    void closeEverything() {
        mbeans.close();
        mesh.close();
    }

    @Test
    void aPeerNotYetHeardIsNotReachableAndHasNoTimes() throws JMException {
        assertEquals(false, server.getAttribute(NODE2, "Reachable"));
        assertEquals(-1L, server.getAttribute(NODE2, "LastHeardMillis"));
        assertEquals(-1.0, server.getAttribute(NODE2, "RttMillis"));
        assertArrayEquals(new String[0], (String[]) server.getAttribute(MESH, "UnreachablePeers"));
    }

    @Test
    void theAttributesFollowThePeersHealth() throws JMException {
        mesh.setPeerHealth("node2", State.REACHABLE, 120, 0.75, "first contact");
        mesh.setPeerHealth("node3", State.UNREACHABLE, 4100, 0.5, "down");
        assertEquals(true, server.getAttribute(NODE2, "Reachable"));
        assertEquals(120L, server.getAttribute(NODE2, "LastHeardMillis"));
        assertEquals(0.75, server.getAttribute(NODE2, "RttMillis"));
        assertEquals(false, server.getAttribute(NODE3, "Reachable"));
        assertArrayEquals(new String[] {"node3"}, (String[]) server.getAttribute(MESH, "UnreachablePeers"));
    }

    @Test
    void unreachableAndReachableAgainAreNotificationsWhoseMessageTellsTheStory() throws JMException {
        List<Notification> seen = new CopyOnWriteArrayList<>();
        server.addNotificationListener(EVENTS, (n, handback) -> seen.add(n), null, null);
        mesh.setPeerHealth("node3", State.REACHABLE, 10, 0.5, "first contact is no news");
        String lost = "peer 'node3' (underlay 10.245.1.4) unreachable: nothing came from it through the mesh for 3.1 s,"
                + " 2 probe(s) to 192.168.43.0 unanswered; 3 missed interval(s) of 1000 ms";
        mesh.setPeerHealth("node3", State.UNREACHABLE, 3100, 0.5, lost);
        String back = "peer 'node3' (underlay 10.245.1.4) reachable again: probe to 192.168.43.0 answered through"
                + " tunl0 in 0.6 ms";
        mesh.setPeerHealth("node3", State.REACHABLE, 0, 0.6, back);

        assertEquals(
                List.of(MeshEvents.PEER_UNREACHABLE, MeshEvents.PEER_REACHABLE),
                seen.stream().map(Notification::getType).toList());
        assertEquals(
                List.of(lost, back), seen.stream().map(Notification::getMessage).toList());
        assertEquals(
                List.of("node3", "node3"),
                seen.stream().map(Notification::getUserData).toList());
        assertEquals("org.tunnelmesh.peer.unreachable", MeshEvents.PEER_UNREACHABLE);
        assertEquals("org.tunnelmesh.peer.reachable", MeshEvents.PEER_REACHABLE);
    }
}
