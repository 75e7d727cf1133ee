package org.tunnelmesh.jmx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanException;
import javax.management.MBeanParameterInfo;
import javax.management.MBeanServer;
import javax.management.MBeanServerConnection;
import javax.management.MBeanServerFactory;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXConnectorServerFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.Peer;
import org.tunnelmesh.testing.InMemoryTunnelMesh;

/** What a remote JMX client (JConsole, jmxterm) sees, through a real RMI connector on loopback. */
class MeshMBeansRemoteTest {

    private static final ObjectName MESH = MeshObjectNames.mesh("lab");
    private static final String[] THREE_STRINGS = {
        String.class.getName(), String.class.getName(), String.class.getName()
    };

    private final MBeanServer server = MBeanServerFactory.newMBeanServer();
    private InMemoryTunnelMesh mesh;
    private MeshMBeans mbeans;
    private JMXConnectorServer connectorServer;
    private JMXConnector client;

    @BeforeAll
    static void keepRmiOnLoopback() {
        // the stubs RMI hands out carry this address; the machine's own name may not resolve here
        System.setProperty("java.rmi.server.hostname", "127.0.0.1");
    }

    @BeforeEach
    void connect() throws Exception {
        mesh = InMemoryTunnelMesh.open(TestMeshes.lab().build(), List.of(TestMeshes.NODE2));
        mbeans = MeshMBeans.export(mesh, server);
        connectorServer = JMXConnectorServerFactory.newJMXConnectorServer(
                new JMXServiceURL("rmi", "127.0.0.1", 0), Map.of(), server);
        connectorServer.start();
        client = JMXConnectorFactory.connect(connectorServer.getAddress());
    }

    @AfterEach
    void disconnect() throws Exception {
        client.close();
        connectorServer.stop();
        mbeans.close();
        mesh.close();
    }

    @Test
    void aRemoteClientGetsTheMessageNamingTheBadValue() {
        MBeanServerConnection connection = connection();

        MBeanException e = assertThrows(
                MBeanException.class,
                () -> connection.invoke(
                        MESH, "addPeer", new Object[] {"node3", "10.245.1.4", "192.168.42.0/25"}, THREE_STRINGS));

        assertTrue(e.getMessage().contains("192.168.42.0/25"), e.getMessage());
        assertInstanceOf(IllegalArgumentException.class, e.getTargetException());
        assertEquals(List.of("node2"), mesh.peers().stream().map(Peer::name).toList());
    }

    @Test
    void aRemoteClientSeesParameterNamesAndCanAddAPeer() throws Exception {
        MBeanServerConnection connection = connection();
        MBeanParameterInfo[] signature = Arrays.stream(
                        connection.getMBeanInfo(MESH).getOperations())
                .filter(operation -> operation.getName().equals("addPeer"))
                .findFirst()
                .orElseThrow()
                .getSignature();

        connection.invoke(MESH, "addPeer", new Object[] {"node3", "10.245.1.4", "192.168.43.0/24"}, THREE_STRINGS);

        assertArrayEquals(
                new String[] {"name", "underlay", "subnets"},
                Arrays.stream(signature).map(MBeanParameterInfo::getName).toArray());
        assertTrue(connection.isRegistered(MeshObjectNames.peer("lab", "node3")));
        assertEquals(1L, connection.getAttribute(MeshObjectNames.stats("lab"), "AddPeer.Count"));
    }

    @Test
    void aRemotePurgeWithoutTheMeshsNameIsRefusedWithTheReason() {
        MBeanServerConnection connection = connection();

        MBeanException e = assertThrows(
                MBeanException.class,
                () -> connection.invoke(MESH, "purge", new Object[] {""}, new String[] {String.class.getName()}));

        assertEquals("purge refused: confirmMeshName '' is not this mesh's name (lab)", e.getMessage());
        assertInstanceOf(IllegalArgumentException.class, e.getTargetException());
        assertEquals(List.of("node2"), mesh.peers().stream().map(Peer::name).toList());
    }

    @Test
    void aRemoteListenerGetsTheWholeEventInTheMessage() throws Exception {
        BlockingQueue<Notification> received = new LinkedBlockingQueue<>();
        connection()
                .addNotificationListener(
                        MeshObjectNames.events("lab"),
                        (notification, handback) -> received.add(notification),
                        null,
                        null);

        connection().invoke(MESH, "addPeer", new Object[] {"node3", "10.245.1.4", "192.168.43.0/24"}, THREE_STRINGS);

        Notification added = received.poll(10, TimeUnit.SECONDS);
        assertNotNull(added, "no notification within 10 s");
        assertEquals("peer node3 added: underlay 10.245.1.4, subnets 192.168.43.0/24", added.getMessage());
    }

    /**
     * Issue 24: a client whose call meets a closed mesh reads why, not jmxutils' "RuntimeException occurred while
     * invoking addPeer". A listener added before the MBeans' own hears of the close first, while the MBeans are
     * still registered: a call then meets the closed mesh, as a client's racing the close would.
     */
    @Test
    void aRemoteClientWhoseCallMeetsAClosedMeshReadsThatItIsClosed() throws Exception {
        MBeanServerConnection connection = connection();
        List<Object> seen = new java.util.ArrayList<>();
        mbeans.close();
        mesh.addListener(new org.tunnelmesh.MeshListener() {
            @Override
            public void meshClosed() {
                for (String operation : List.of("addPeer", "reconcile")) {
                    try {
                        if (operation.equals("addPeer")) {
                            connection.invoke(
                                    MESH,
                                    "addPeer",
                                    new Object[] {"node3", "10.245.1.4", "192.168.43.0/24"},
                                    THREE_STRINGS);
                        } else {
                            connection.invoke(MESH, "reconcile", new Object[0], new String[0]);
                        }
                        seen.add(operation + " succeeded");
                    } catch (Exception e) {
                        seen.add(e);
                    }
                }
            }
        });
        mbeans = MeshMBeans.export(mesh, server);

        mesh.close();

        assertEquals(2, seen.size(), seen.toString());
        for (Object outcome : seen) {
            MBeanException e = assertInstanceOf(MBeanException.class, outcome);
            assertEquals("mesh 'lab' is closed", e.getMessage());
            // a standard type, so a client without our classes deserializes it
            assertEquals(IllegalStateException.class, e.getTargetException().getClass());
            assertEquals("mesh 'lab' is closed", e.getTargetException().getMessage());
        }
        // once close() returned, the MBeans are gone
        assertThrows(
                javax.management.InstanceNotFoundException.class,
                () -> connection.invoke(MESH, "reconcile", new Object[0], new String[0]));
        assertEquals(Set.of(), connection.queryNames(new ObjectName("org.tunnelmesh:*"), null));
    }

    private MBeanServerConnection connection() {
        try {
            return client.getMBeanServerConnection();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
