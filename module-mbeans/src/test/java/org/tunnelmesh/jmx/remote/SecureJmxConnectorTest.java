package org.tunnelmesh.jmx.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.rmi.Remote;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.UnicastRemoteObject;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.MBeanServer;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;
import org.tunnelmesh.jmx.MeshMBeans;
import org.tunnelmesh.jmx.MeshObjectNames;
import org.tunnelmesh.testing.InMemoryTunnelMesh;

/** A real RMI connector on loopback, on the platform MBeanServer, as the node serves it. */
class SecureJmxConnectorTest {

    private static final String[] THREE_STRINGS = {
        String.class.getName(), String.class.getName(), String.class.getName()
    };
    private static final ObjectName MESH = MeshObjectNames.mesh("jmxsec");
    private static final Credentials CREDENTIALS = Credentials.of("operator", "lab-secret".toCharArray());

    private final MBeanServer platform = ManagementFactory.getPlatformMBeanServer();
    private InMemoryTunnelMesh mesh;
    private MeshMBeans mbeans;
    private SecureJmxConnector connector;
    private int port;

    @BeforeEach
    void start() throws Exception {
        MeshConfig config = MeshConfig.builder()
                .name("jmxsec")
                .underlay("10.245.1.2")
                .tunnelAddress("192.168.41.0")
                .build();
        mesh = InMemoryTunnelMesh.open(config, List.of(Peer.of("node2", "10.245.1.3", "192.168.42.0/24")));
        mbeans = MeshMBeans.export(mesh, platform);
        try (ServerSocket probe = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        connector = SecureJmxConnector.start(InetAddress.getLoopbackAddress(), port, platform, CREDENTIALS, null);
    }

    @AfterEach
    void stop() throws Exception {
        connector.close();
        mbeans.close();
        mesh.close();
    }

    @Test
    void refusesAClientWithoutOrWithWrongCredentials() {
        assertThrows(
                SecurityException.class,
                () -> JMXConnectorFactory.connect(connector.url()).close());
        assertThrows(SecurityException.class, () -> connect("operator", "wrong").close());
        assertThrows(
                SecurityException.class, () -> connect("admin", "lab-secret").close());
    }

    @Test
    void withCredentialsTheMeshCanBeReadAndChanged() throws Exception {
        try (JMXConnector client = connect("operator", "lab-secret")) {
            MBeanServerConnection connection = client.getMBeanServerConnection();

            connection.invoke(MESH, "addPeer", new Object[] {"node3", "10.245.1.4", "192.168.43.0/24"}, THREE_STRINGS);

            assertEquals(2, connection.getAttribute(MESH, "PeerCount"));
            assertTrue(connection.isRegistered(MeshObjectNames.peer("jmxsec", "node3")));
            assertEquals(
                    List.of("node2", "node3"),
                    mesh.peers().stream().map(Peer::name).toList());
        }
    }

    @Test
    void refusesWhatRunsCodeOrChangesTheJvm() throws Exception {
        try (JMXConnector client = connect("operator", "lab-secret")) {
            MBeanServerConnection connection = client.getMBeanServerConnection();
            ObjectName diagnostic = new ObjectName("com.sun.management:type=DiagnosticCommand");
            ObjectName mlet = new ObjectName("tunnelmesh.test:type=MLet");

            SecurityException jcmd = assertThrows(
                    SecurityException.class,
                    () -> connection.invoke(diagnostic, "vmSystemProperties", new Object[0], new String[0]));
            assertThrows(
                    SecurityException.class,
                    () -> connection.invoke(
                            diagnostic, "jvmtiAgentLoad", new Object[] {new String[] {"/tmp/agent.so"}}, new String[] {
                                String[].class.getName()
                            }));
            assertThrows(SecurityException.class, () -> connection.createMBean("javax.management.loading.MLet", mlet));
            assertThrows(SecurityException.class, () -> connection.unregisterMBean(MESH));
            assertThrows(
                    SecurityException.class,
                    () -> connection.setAttribute(
                            new ObjectName("java.lang:type=Memory"), new Attribute("Verbose", true)));
            assertThrows(
                    SecurityException.class,
                    () -> connection.invoke(
                            new ObjectName("com.sun.management:type=HotSpotDiagnostic"),
                            "dumpHeap",
                            new Object[] {"/tmp/x.hprof", true},
                            new String[] {String.class.getName(), boolean.class.getName()}));

            assertTrue(jcmd.getMessage().contains("DiagnosticCommand"), jcmd.getMessage());
            assertFalse(platform.isRegistered(mlet));
            assertTrue(platform.isRegistered(MESH));
        }
    }

    @Test
    void readsPassButSecretsDoNot() throws Exception {
        try (JMXConnector client = connect("operator", "lab-secret")) {
            MBeanServerConnection connection = client.getMBeanServerConnection();
            ObjectName runtime = new ObjectName("java.lang:type=Runtime");

            assertThrows(SecurityException.class, () -> connection.getAttribute(runtime, "SystemProperties"));
            String[] arguments = (String[]) connection.getAttribute(runtime, "InputArguments");
            AttributeList bulk =
                    connection.getAttributes(runtime, new String[] {"Uptime", "SystemProperties", "InputArguments"});

            // JConsole's VM Summary renders nothing when InputArguments fails: it reads a placeholder instead
            assertEquals(List.of(ManagementAccess.HIDDEN), Arrays.asList(arguments));
            assertEquals(
                    List.of("Uptime", "InputArguments"),
                    bulk.asList().stream().map(Attribute::getName).toList());
            assertEquals(List.of(ManagementAccess.HIDDEN), Arrays.asList((String[])
                    bulk.asList().get(1).getValue()));
            assertTrue(connection.getAttribute(new ObjectName("java.lang:type=Memory"), "HeapMemoryUsage") != null);
            assertTrue(connection.queryNames(null, null).contains(MESH));
        }
    }

    @Test
    void garbageCollectionAndThreadReadsStayAvailableForTheConsolesTabs() throws Exception {
        try (JMXConnector client = connect("operator", "lab-secret")) {
            MBeanServerConnection connection = client.getMBeanServerConnection();
            ObjectName threading = new ObjectName("java.lang:type=Threading");

            connection.invoke(new ObjectName("java.lang:type=Memory"), "gc", null, null);
            Object infos = connection.invoke(
                    threading, "getThreadInfo", new Object[] {new long[] {1L}}, new String[] {long[].class.getName()});

            assertTrue(infos.getClass().isArray());
            assertThrows(
                    SecurityException.class, () -> connection.invoke(threading, "resetPeakThreadCount", null, null));
        }
    }

    @Test
    void queriesWithFiltersAreEvaluatedUnderThePolicy() throws Exception {
        try (JMXConnector client = connect("operator", "lab-secret")) {
            MBeanServerConnection connection = client.getMBeanServerConnection();
            ObjectName runtime = new ObjectName("java.lang:type=Runtime");

            java.util.Set<ObjectName> running = connection.queryNames(
                    runtime,
                    javax.management.Query.gt(javax.management.Query.attr("Uptime"), javax.management.Query.value(0L)));
            java.util.Set<ObjectName> meshes = connection.queryNames(
                    null,
                    javax.management.Query.eq(
                            javax.management.Query.attr("Mode"), javax.management.Query.value("SHARED")));

            assertEquals(java.util.Set.of(runtime), running);
            assertEquals(java.util.Set.of(MESH), meshes);
        }
    }

    @Test
    void theRegistryIsReadOnly() throws Exception {
        Registry registry = LocateRegistry.getRegistry("127.0.0.1", port);
        Remote impostor = new Remote() {};
        Remote exported = UnicastRemoteObject.exportObject(impostor, 0);
        try {
            assertTrue(connector.registryReadOnly(), "the test JVM has the export, so the registry must be read-only");
            assertEquals(List.of(SecureJmxConnector.REGISTRY_NAME), Arrays.asList(registry.list()));
            assertThrows(
                    java.rmi.RemoteException.class, () -> registry.rebind(SecureJmxConnector.REGISTRY_NAME, exported));
            assertThrows(java.rmi.RemoteException.class, () -> registry.bind("other", exported));
            assertThrows(java.rmi.RemoteException.class, () -> registry.unbind(SecureJmxConnector.REGISTRY_NAME));

            connect("operator", "lab-secret").close();
        } finally {
            UnicastRemoteObject.unexportObject(impostor, true);
        }
    }

    @Test
    void deserializesOnlyJmxTypes() throws Exception {
        try (JMXConnector client = connect("operator", "lab-secret")) {
            MBeanServerConnection connection = client.getMBeanServerConnection();

            // a serializable type outside the filter, as a gadget chain's first link would be
            Exception e = assertThrows(
                    Exception.class,
                    () -> connection.invoke(
                            MESH,
                            "addPeer",
                            new Object[] {new java.net.URL("http://127.0.0.1/"), "10.245.1.4", "192.168.43.0/24"},
                            THREE_STRINGS));

            assertTrue(String.valueOf(rootMessage(e)).contains("REJECTED"), String.valueOf(rootMessage(e)));
            assertEquals(1, mesh.peers().size());
        }
    }

    private JMXConnector connect(String user, String password) throws Exception {
        return JMXConnectorFactory.connect(
                connector.url(), Map.of(JMXConnector.CREDENTIALS, new String[] {user, password}));
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        StringBuilder all = new StringBuilder();
        while (root != null) {
            all.append(root).append(" / ");
            root = root.getCause();
        }
        return all.toString();
    }
}
