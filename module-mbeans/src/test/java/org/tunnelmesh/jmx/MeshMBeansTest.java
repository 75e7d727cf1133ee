package org.tunnelmesh.jmx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanException;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tunnelmesh.LinkCounters;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.testing.InMemoryTunnelMesh;

class MeshMBeansTest {

    private static final ObjectName MESH = MeshObjectNames.mesh("lab");
    private static final ObjectName EVENTS = MeshObjectNames.events("lab");
    private static final ObjectName STATS = MeshObjectNames.stats("lab");
    private static final ObjectName NODE2 = MeshObjectNames.peer("lab", "node2");
    private static final ObjectName NODE3 = MeshObjectNames.peer("lab", "node3");
    private static final ObjectName TUNL0 = MeshObjectNames.device("lab", "tunl0");
    private static final String[] THREE_STRINGS = {
        String.class.getName(), String.class.getName(), String.class.getName()
    };
    private static final String[] ONE_STRING = {String.class.getName()};
    private static final String[] ESP_COUNTERS = {
        "EspTxPackets", "EspTxBytes", "EspRxPackets", "EspRxBytes", "EspIntegrityFailures", "EspReplayFailures"
    };

    private final MBeanServer server = MBeanServerFactory.newMBeanServer();
    private InMemoryTunnelMesh mesh;
    private MeshMBeans mbeans;

    @BeforeEach
    void exportAMeshWithOnePeer() {
        open(TestMeshes.lab(), TestMeshes.NODE2);
    }

    /** Exports an in-memory mesh of {@code config} with {@code peers}, in place of the one exported before. */
    private void open(MeshConfig.Builder config, Peer... peers) {
        if (mbeans != null) {
            mbeans.close();
            mesh.close();
        }
        mesh = InMemoryTunnelMesh.open(config.build(), List.of(peers));
        mbeans = MeshMBeans.export(mesh, server);
    }

    @AfterEach
    void closeEverything() {
        mbeans.close();
        mesh.close();
    }

    @Test
    void meshMBeanHasTheContractAttributesWithDescriptions() throws JMException {
        MBeanInfo info = server.getMBeanInfo(MESH);
        Map<String, String> types = Arrays.stream(info.getAttributes())
                .collect(Collectors.toMap(MBeanAttributeInfo::getName, MBeanAttributeInfo::getType));

        assertEquals("java.lang.String", types.get("Mode"));
        assertEquals("java.lang.String", types.get("Encapsulation"));
        assertEquals("java.lang.String", types.get("UnderlayAddress"));
        assertEquals("java.lang.String", types.get("TunnelAddress"));
        assertEquals("int", types.get("Mtu"));
        assertEquals("int", types.get("PeerCount"));
        assertEquals(String[].class.getName(), types.get("PeerNames"));
        assertEquals(TabularData.class.getName(), types.get("Peers"));
        assertEquals("long", types.get("RepairCount"));
        assertEquals("java.lang.String", types.get("StateFile"));
        assertEquals("long", types.get("RejectedPackets"));
        assertEquals("long", types.get("RejectedBytes"));
        assertEquals(String[].class.getName(), types.get("UnreachablePeers"));
        assertEquals("java.lang.String", types.get("Encryption"));
        assertEquals("long", types.get("UnprotectedRejectedPackets"));
        assertTrue(
                types.keySet().stream().noneMatch(name -> name.contains(".")),
                "latency figures belong to MeshStats: " + types.keySet());
        assertEquals(15, types.size(), types.keySet().toString());
        assertDescribed(info);
        assertTrue(Arrays.stream(info.getAttributes()).noneMatch(MBeanAttributeInfo::isWritable));
    }

    @Test
    void meshStatsMBeanHoldsTheLatencyFigures() throws JMException {
        MBeanInfo info = server.getMBeanInfo(STATS);
        Map<String, String> types = attributeTypes(STATS);

        for (String call : List.of("AddPeer", "RemovePeer", "Reconcile")) {
            assertEquals("long", types.get(call + ".Count"), call);
            assertEquals("double", types.get(call + ".Mean"), call);
            assertEquals("long", types.get(call + ".P50"), call);
            assertEquals("long", types.get(call + ".P90"), call);
            assertEquals("long", types.get(call + ".P99"), call);
            assertEquals("long", types.get(call + ".Max"), call);
        }
        for (String call : List.of("AddPeer", "RemovePeer", "Reconcile")) {
            assertEquals(CompositeData.class.getName(), types.get(call), call);
        }
        assertEquals(21, types.size(), types.keySet().toString());
        assertEquals(0, info.getOperations().length);
        assertDescribed(info);
        assertTrue(Arrays.stream(info.getAttributes()).noneMatch(MBeanAttributeInfo::isWritable));
    }

    /** jmxterm reads "AddPeer.P99" as item P99 of attribute AddPeer: both forms give the same figures. */
    @Test
    void eachLatencyFigureIsAlsoAnItemOfItsCallsCompositeForJmxterm() throws JMException {
        server.invoke(MESH, "addPeer", new Object[] {"node3", "10.245.1.4", "192.168.43.0/24"}, THREE_STRINGS);
        server.invoke(MESH, "removePeer", new Object[] {"node3"}, ONE_STRING);

        for (String call : List.of("AddPeer", "RemovePeer", "Reconcile")) {
            CompositeData whole = (CompositeData) server.getAttribute(STATS, call);
            for (String figure : List.of("Count", "Mean", "P50", "P90", "P99", "Max")) {
                assertEquals(server.getAttribute(STATS, call + "." + figure), whole.get(figure), call + "." + figure);
            }
        }
        assertEquals(1L, ((CompositeData) server.getAttribute(STATS, "AddPeer")).get("Count"));
        assertEquals(0L, ((CompositeData) server.getAttribute(STATS, "Reconcile")).get("Count"));
        assertThrows(
                javax.management.AttributeNotFoundException.class, () -> server.getAttribute(STATS, "AddPeer.P42"));
        assertEquals(
                2,
                server.getAttributes(STATS, new String[] {"AddPeer.Count", "Nothing", "RemovePeer"})
                        .size());
    }

    @Test
    void operationsShowTheirRealParameterNames() throws JMException {
        MBeanInfo info = server.getMBeanInfo(MESH);
        Map<String, MBeanOperationInfo> operations = Arrays.stream(info.getOperations())
                .collect(Collectors.toMap(MBeanOperationInfo::getName, Function.identity()));

        assertEquals(
                Set.of(
                        "addPeer",
                        "addPeers",
                        "removePeer",
                        "removePeers",
                        "reconcile",
                        "purge",
                        "diagnose",
                        "reloadEncryptionKeys"),
                operations.keySet());
        assertParameters(operations.get("reloadEncryptionKeys"), "void");
        assertParameters(operations.get("addPeer"), "void", "name", "underlay", "subnets");
        assertParameters(operations.get("addPeers"), "void", "peers");
        assertParameters(operations.get("removePeer"), "void", "name");
        assertParameters(operations.get("removePeers"), "void", "names");
        assertParameters(operations.get("reconcile"), "int");
        assertParameters(operations.get("purge"), "void", "confirmMeshName");
        assertParameters(operations.get("diagnose"), String.class.getName());
    }

    @Test
    void operationsAreListedLookingFirstThenActingByName() throws JMException {
        List<String> listed = Arrays.stream(server.getMBeanInfo(MESH).getOperations())
                .map(MBeanOperationInfo::getName)
                .toList();

        assertEquals(
                List.of(
                        "diagnose",
                        "addPeer",
                        "addPeers",
                        "purge",
                        "reconcile",
                        "reloadEncryptionKeys",
                        "removePeer",
                        "removePeers"),
                listed);
    }

    @Test
    void operationsDeclareTheirImpact() throws JMException {
        Map<String, Integer> impacts = Arrays.stream(server.getMBeanInfo(MESH).getOperations())
                .collect(Collectors.toMap(MBeanOperationInfo::getName, MBeanOperationInfo::getImpact));

        assertEquals(
                Map.of(
                        "addPeer",
                        MBeanOperationInfo.ACTION,
                        "addPeers",
                        MBeanOperationInfo.ACTION,
                        "removePeer",
                        MBeanOperationInfo.ACTION,
                        "removePeers",
                        MBeanOperationInfo.ACTION,
                        "reconcile",
                        MBeanOperationInfo.ACTION,
                        "reloadEncryptionKeys",
                        MBeanOperationInfo.ACTION,
                        "purge",
                        MBeanOperationInfo.ACTION,
                        "diagnose",
                        MBeanOperationInfo.INFO),
                impacts);
    }

    private static void assertParameters(MBeanOperationInfo operation, String returnType, String... names) {
        assertEquals(returnType, operation.getReturnType(), operation.getName());
        MBeanParameterInfo[] parameters = operation.getSignature();
        assertArrayEquals(
                names,
                Arrays.stream(parameters).map(MBeanParameterInfo::getName).toArray(),
                operation.getName());
        for (MBeanParameterInfo parameter : parameters) {
            assertEquals(String.class.getName(), parameter.getType());
            assertFalse(isBlank(parameter.getDescription()), operation.getName() + "(" + parameter.getName() + ")");
        }
    }

    @Test
    void peerDeviceAndEventsMBeansAreDescribed() throws JMException {
        assertDescribed(server.getMBeanInfo(NODE2));
        assertDescribed(server.getMBeanInfo(TUNL0));
        assertFalse(isBlank(server.getMBeanInfo(EVENTS).getDescription()));

        Map<String, String> peerTypes = attributeTypes(NODE2);
        assertEquals(
                Map.of(
                        "UnderlayAddress",
                        "java.lang.String",
                        "Subnets",
                        String[].class.getName(),
                        "Device",
                        "java.lang.String",
                        "RxPackets",
                        "long",
                        "RxBytes",
                        "long",
                        "TxPackets",
                        "long",
                        "TxBytes",
                        "long",
                        "Reachable",
                        "boolean",
                        "LastHeardMillis",
                        "long",
                        "RttMillis",
                        "double"),
                peerTypes.entrySet().stream()
                        .filter(e -> !e.getKey().startsWith("Esp"))
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        for (String counter : ESP_COUNTERS) {
            assertEquals("long", peerTypes.get(counter), counter);
        }
        assertEquals(16, peerTypes.size(), peerTypes.keySet().toString());

        Map<String, String> deviceTypes = attributeTypes(TUNL0);
        assertEquals("int", deviceTypes.get("Ifindex"));
        assertEquals("java.lang.String", deviceTypes.get("Local"));
        assertEquals("java.lang.String", deviceTypes.get("Remote"));
        assertEquals("int", deviceTypes.get("Mtu"));
        assertEquals("boolean", deviceTypes.get("Up"));
        for (String counter : List.of(
                "RxPackets", "RxBytes", "RxErrors", "RxDropped", "TxPackets", "TxBytes", "TxErrors", "TxDropped")) {
            assertEquals("long", deviceTypes.get(counter), counter);
        }
        assertEquals(13, deviceTypes.size(), deviceTypes.keySet().toString());
    }

    private Map<String, String> attributeTypes(ObjectName name) throws JMException {
        return Arrays.stream(server.getMBeanInfo(name).getAttributes())
                .collect(Collectors.toMap(MBeanAttributeInfo::getName, MBeanAttributeInfo::getType));
    }

    private static void assertDescribed(MBeanInfo info) {
        assertFalse(isBlank(info.getDescription()), info.getClassName());
        for (MBeanAttributeInfo attribute : info.getAttributes()) {
            assertFalse(isBlank(attribute.getDescription()), attribute.getName());
        }
        for (MBeanOperationInfo operation : info.getOperations()) {
            assertFalse(isBlank(operation.getDescription()), operation.getName());
        }
    }

    private static boolean isBlank(String text) {
        return text == null || text.isBlank();
    }

    @Test
    void meshAttributesShowTheMesh() throws JMException {
        assertEquals("SHARED", server.getAttribute(MESH, "Mode"));
        assertEquals("10.245.1.2", server.getAttribute(MESH, "UnderlayAddress"));
        assertEquals("192.168.41.0", server.getAttribute(MESH, "TunnelAddress"));
        assertEquals(1480, server.getAttribute(MESH, "Mtu"));
        assertEquals(1, server.getAttribute(MESH, "PeerCount"));
        assertArrayEquals(new String[] {"node2"}, (String[]) server.getAttribute(MESH, "PeerNames"));

        assertEquals("10.245.1.3", server.getAttribute(NODE2, "UnderlayAddress"));
        assertArrayEquals(new String[] {"192.168.42.0/24"}, (String[]) server.getAttribute(NODE2, "Subnets"));
        assertEquals("tunl0", server.getAttribute(NODE2, "Device"));
    }

    @Test
    void encapsulationAttributeNamesTheKindAndPortAndThePeersUseTm0() throws JMException {
        assertEquals("NONE", server.getAttribute(MESH, "Encapsulation"));
        MeshConfig gueConfig =
                mesh.config().toBuilder().name("gue").encapsulation("gue:6000").build();
        try (InMemoryTunnelMesh gue =
                        InMemoryTunnelMesh.open(gueConfig, List.of(Peer.of("node3", "10.245.1.4", "192.168.43.0/24")));
                MeshMBeans exported = MeshMBeans.export(gue, server)) {
            ObjectName gueMesh = new ObjectName("org.tunnelmesh:type=Mesh,name=gue");
            assertEquals("GUE:6000", server.getAttribute(gueMesh, "Encapsulation"));
            assertEquals(1468, server.getAttribute(gueMesh, "Mtu"), "1500 - 20 (IPIP) - 8 (UDP) - 4 (GUE)");
            assertEquals(
                    "tm0",
                    server.getAttribute(new ObjectName("org.tunnelmesh:type=Peer,mesh=gue,name=node3"), "Device"));
        }
    }

    @Test
    void sharedModeShowsOneKeylessTunl0() throws JMException {
        assertEquals(Set.of(TUNL0), server.queryNames(new ObjectName("org.tunnelmesh:type=TunnelDevice,*"), null));
        assertEquals("any", server.getAttribute(TUNL0, "Local"));
        assertEquals("any", server.getAttribute(TUNL0, "Remote"));
        assertEquals(true, server.getAttribute(TUNL0, "Up"));
        assertEquals(1480, server.getAttribute(TUNL0, "Mtu"));
    }

    @Test
    void peerAndDeviceMBeansFollowTheJavaApi() throws JMException {
        open(TestMeshes.lab().mode(MeshMode.POINT_TO_POINT), TestMeshes.NODE2);
        ObjectName node3Device = MeshObjectNames.device("lab", "tm-node3");

        mesh.addPeer(Peer.of("node3", "10.245.1.4", "192.168.43.0/24"));

        assertTrue(server.isRegistered(NODE3));
        assertEquals("tm-node3", server.getAttribute(NODE3, "Device"));
        assertTrue(server.isRegistered(node3Device));
        assertEquals("10.245.1.2", server.getAttribute(node3Device, "Local"));
        assertEquals("10.245.1.4", server.getAttribute(node3Device, "Remote"));

        mesh.removePeer("node3");

        assertFalse(server.isRegistered(NODE3));
        assertFalse(server.isRegistered(node3Device));
        assertTrue(server.isRegistered(MeshObjectNames.device("lab", "tm-node2")));
    }

    @Test
    void bulkChangesThroughJmxRegisterAndUnregisterEveryPeer() throws JMException {
        server.invoke(
                MESH,
                "addPeers",
                new Object[] {"node3@10.245.1.4=192.168.43.0/24; node4@10.245.1.5=192.168.44.0/24"},
                ONE_STRING);

        assertEquals(List.of("node2", "node3", "node4"), peerMBeanNames());

        server.invoke(MESH, "removePeers", new Object[] {"node2, node4"}, ONE_STRING);

        assertEquals(List.of("node3"), peerMBeanNames());
        assertEquals(List.of("node3"), mesh.peers().stream().map(Peer::name).toList());
    }

    @Test
    void purgeThroughJmxWithTheMeshsNameLeavesNoPeerMBeans() throws JMException {
        server.invoke(MESH, "purge", new Object[] {"lab"}, ONE_STRING);

        assertEquals(List.of(), peerMBeanNames());
        assertEquals(0, server.getAttribute(MESH, "PeerCount"));
        assertTrue(server.isRegistered(MESH));
    }

    @ParameterizedTest(name = "purge(\"{0}\")")
    @MethodSource("wrongConfirmations")
    void purgeIsRefusedUnlessConfirmedWithTheMeshsName(String confirmation) throws JMException {
        Set<ObjectName> before = server.queryNames(new ObjectName("org.tunnelmesh:*"), null);
        List<Peer> peersBefore = mesh.peers();

        MBeanException e = assertThrows(
                MBeanException.class, () -> server.invoke(MESH, "purge", new Object[] {confirmation}, ONE_STRING));

        assertEquals(
                "purge refused: confirmMeshName '" + confirmation + "' is not this mesh's name (lab)", e.getMessage());
        assertInstanceOf(IllegalArgumentException.class, e.getTargetException());
        assertOnlyStandardTypes(e);
        assertEquals(peersBefore, mesh.peers());
        assertEquals(before, server.queryNames(new ObjectName("org.tunnelmesh:*"), null));
        assertEquals("tunl0", server.getAttribute(NODE2, "Device"));
    }

    static Stream<String> wrongConfirmations() {
        return Stream.of("", "LAB", "lab ", "node2", "other", null);
    }

    private List<String> peerMBeanNames() throws JMException {
        return server.queryNames(new ObjectName("org.tunnelmesh:type=Peer,mesh=lab,*"), null).stream()
                .map(name -> name.getKeyProperty("name"))
                .sorted()
                .toList();
    }

    @Test
    void oneKernelDumpServesEveryDeviceAttributeAndPeerRow() throws Exception {
        open(TestMeshes.lab().mode(MeshMode.POINT_TO_POINT), TestMeshes.NODE2);
        mesh.addPeer(Peer.of("node3", "10.245.1.4", "192.168.43.0/24"));
        Thread.sleep(MeshMBeans.COUNTER_MAX_AGE.toMillis() + 50);
        int dumpsBefore = mesh.deviceDumps();

        for (String device : List.of("tm-node2", "tm-node3")) {
            ObjectName name = MeshObjectNames.device("lab", device);
            AttributeList all = server.getAttributes(name, attributeNames(name));
            assertEquals(13, all.size());
        }
        server.getAttribute(MESH, "Peers");

        assertEquals(dumpsBefore + 1, mesh.deviceDumps());
    }

    @Test
    void countersAreNeverOlderThanTheMaximumAge() throws Exception {
        server.getAttribute(TUNL0, "TxPackets");
        mesh.setCounters("tunl0", new LinkCounters(1, 2, 3, 4, 5, 6, 7, 8));

        Thread.sleep(MeshMBeans.COUNTER_MAX_AGE.toMillis() + 50);

        AttributeList all = server.getAttributes(TUNL0, attributeNames(TUNL0));
        Map<String, Object> values =
                all.asList().stream().collect(Collectors.toMap(Attribute::getName, Attribute::getValue));
        assertEquals(1L, values.get("RxPackets"));
        assertEquals(2L, values.get("RxBytes"));
        assertEquals(3L, values.get("RxErrors"));
        assertEquals(4L, values.get("RxDropped"));
        assertEquals(5L, values.get("TxPackets"));
        assertEquals(6L, values.get("TxBytes"));
        assertEquals(7L, values.get("TxErrors"));
        assertEquals(8L, values.get("TxDropped"));
        assertEquals(2, values.get("Ifindex"));
    }

    private String[] attributeNames(ObjectName name) throws JMException {
        return Arrays.stream(server.getMBeanInfo(name).getAttributes())
                .map(MBeanAttributeInfo::getName)
                .toArray(String[]::new);
    }

    /** A mesh without a key file: Encryption NONE, and reloadEncryptionKeys() refused with a message saying why. */
    @Test
    void encryptionOfAMeshThatDoesNotEncrypt() throws Exception {
        assertEquals("NONE", server.getAttribute(MESH, "Encryption"));
        assertEquals(-1L, server.getAttribute(MESH, "UnprotectedRejectedPackets"));
        javax.management.MBeanException e = org.junit.jupiter.api.Assertions.assertThrows(
                javax.management.MBeanException.class,
                () -> server.invoke(MESH, "reloadEncryptionKeys", new Object[0], new String[0]));
        assertTrue(
                e.getCause() instanceof IllegalArgumentException, e.getCause().toString());
        assertTrue(
                e.getCause().getMessage().contains("does not encrypt"),
                e.getCause().getMessage());
    }

    /** Every Peer MBean has the ESP counters; a mesh that does not encrypt reads 0 for each. */
    @Test
    void espCountersOfAMeshThatDoesNotEncryptReadZero() throws Exception {
        mesh.setEncryptionCounters("node2", new org.tunnelmesh.EncryptionCounters(1, 2, 3, 4, 5, 6));

        assertEquals(
                List.of(0L, 0L, 0L, 0L, 0L, 0L),
                server.getAttributes(NODE2, ESP_COUNTERS).asList().stream()
                        .map(Attribute::getValue)
                        .toList());
    }

    /** Per peer, the ESP counters of one read of the states, never older than the maximum age. */
    @Test
    void espCountersComeFromOneReadOfTheStatesNeverOlderThanTheMaximumAge() throws Exception {
        open(
                TestMeshes.lab().encryptionKeyFile(java.nio.file.Path.of("/etc/tunnelmesh/keys")),
                TestMeshes.NODE2,
                TestMeshes.NODE3);
        mesh.setEncryptionCounters("node2", new org.tunnelmesh.EncryptionCounters(10, 1000, 11, 1100, 1, 2));
        mesh.setEncryptionCounters("node3", new org.tunnelmesh.EncryptionCounters(20, 2000, 21, 2100, 3, 4));
        Thread.sleep(MeshMBeans.COUNTER_MAX_AGE.toMillis() + 50);
        int readsBefore = mesh.encryptionReads();

        AttributeList node2 = server.getAttributes(NODE2, ESP_COUNTERS);
        AttributeList node3 = server.getAttributes(NODE3, ESP_COUNTERS);

        assertEquals(
                List.of(10L, 1000L, 11L, 1100L, 1L, 2L),
                node2.asList().stream().map(Attribute::getValue).toList());
        assertEquals(
                List.of(20L, 2000L, 21L, 2100L, 3L, 4L),
                node3.asList().stream().map(Attribute::getValue).toList());
        assertEquals(readsBefore + 1, mesh.encryptionReads(), "one read served every peer");

        mesh.setEncryptionCounters("node2", new org.tunnelmesh.EncryptionCounters(12, 1200, 13, 1300, 1, 2));
        Thread.sleep(MeshMBeans.COUNTER_MAX_AGE.toMillis() + 50);
        assertEquals(12L, server.getAttribute(NODE2, "EspTxPackets"));
    }

    @Test
    void peerAndRejectedCountersComeFromOneFilterReadNeverOlderThanTheMaximumAge() throws Exception {
        mesh.addPeer(Peer.of("node3", "10.245.1.4", "192.168.43.0/24"));
        mesh.setPeerCounters("node2", new org.tunnelmesh.PeerCounters(1, 104, 2, 208));
        mesh.setPeerCounters("node3", new org.tunnelmesh.PeerCounters(3, 312, 4, 416));
        mesh.setRejected(5, 520);
        Thread.sleep(MeshMBeans.COUNTER_MAX_AGE.toMillis() + 50);
        int readsBefore = mesh.trafficReads();

        AttributeList node2 =
                server.getAttributes(NODE2, new String[] {"RxPackets", "RxBytes", "TxPackets", "TxBytes"});
        AttributeList node3 =
                server.getAttributes(NODE3, new String[] {"RxPackets", "RxBytes", "TxPackets", "TxBytes"});
        AttributeList rejected = server.getAttributes(MESH, new String[] {"RejectedPackets", "RejectedBytes"});

        assertEquals(
                List.of(1L, 104L, 2L, 208L),
                node2.asList().stream().map(Attribute::getValue).toList());
        assertEquals(
                List.of(3L, 312L, 4L, 416L),
                node3.asList().stream().map(Attribute::getValue).toList());
        assertEquals(
                List.of(5L, 520L),
                rejected.asList().stream().map(Attribute::getValue).toList());
        assertEquals(readsBefore + 1, mesh.trafficReads(), "one read served every peer and the mesh");

        mesh.setPeerCounters("node2", new org.tunnelmesh.PeerCounters(7, 728, 7, 728));
        Thread.sleep(MeshMBeans.COUNTER_MAX_AGE.toMillis() + 50);
        assertEquals(7L, server.getAttribute(NODE2, "RxPackets"));
    }

    @Test
    void withoutTheFilterPeerCountersReadZero() throws Exception {
        open(TestMeshes.lab().ipipFilter(false), TestMeshes.NODE2);
        mesh.setPeerCounters("node2", new org.tunnelmesh.PeerCounters(1, 1, 1, 1));

        assertEquals(0L, server.getAttribute(NODE2, "RxPackets"));
        assertEquals(0L, server.getAttribute(MESH, "RejectedPackets"));
    }

    @Test
    void peersTableShowsEachPeerWithItsDeviceCounters() throws Exception {
        mesh.addPeer(Peer.of("node3", "10.245.1.4", "192.168.43.0/24,10.99.0.0/16"));
        mesh.setCounters("tunl0", new LinkCounters(10, 1000, 0, 0, 20, 2000, 0, 0));
        Thread.sleep(MeshMBeans.COUNTER_MAX_AGE.toMillis() + 50);

        TabularData table = (TabularData) server.getAttribute(MESH, "Peers");

        assertEquals(2, table.size());
        CompositeData node3 = table.get(new Object[] {"node3"});
        assertEquals("node3", node3.get("1 name"));
        assertEquals("10.245.1.4", node3.get("2 underlay"));
        assertEquals("192.168.43.0/24,10.99.0.0/16", node3.get("3 subnets"));
        assertEquals("tunl0", node3.get("4 device"));
        assertEquals(1000L, node3.get("5 rx bytes"));
        assertEquals(10L, node3.get("6 rx packets"));
        assertEquals(2000L, node3.get("7 tx bytes"));
        assertEquals(20L, node3.get("8 tx packets"));
    }

    /** JConsole lists a row's items in the CompositeType's (sorted) key order: that order must be a person's. */
    @Test
    void peersTableItemsSortIntoTheOrderAPersonReadsThem() throws JMException {
        TabularData table = (TabularData) server.getAttribute(MESH, "Peers");

        assertEquals(
                List.of(
                        "1 name",
                        "2 underlay",
                        "3 subnets",
                        "4 device",
                        "5 rx bytes",
                        "6 rx packets",
                        "7 tx bytes",
                        "8 tx packets"),
                List.copyOf(table.getTabularType().getRowType().keySet()));
        assertEquals(List.of("1 name"), table.getTabularType().getIndexNames());
        assertEquals(
                List.of("node2", "10.245.1.3", "192.168.42.0/24", "tunl0", 0L, 0L, 0L, 0L),
                List.copyOf(table.get(new Object[] {"node2"}).values()));
    }

    @Test
    void aBigBatchOnTheSharedDeviceDoesNotDumpPerPeer() throws JMException {
        int dumpsBefore = mesh.deviceDumps();
        List<Peer> batch = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            batch.add(Peer.of(
                    "peer" + i,
                    "10.246." + (i / 250) + "." + (i % 250 + 1),
                    "10.100." + (i / 250) + "." + (i % 250) + "/32"));
        }

        mesh.addPeers(batch);

        assertEquals(
                1001,
                server.queryNames(new ObjectName("org.tunnelmesh:type=Peer,mesh=lab,*"), null)
                        .size());
        assertEquals(dumpsBefore, mesh.deviceDumps());
    }

    @Test
    void aPointToPointBatchDumpsTheDevicesOnceEachWay() throws JMException {
        open(TestMeshes.lab().mode(MeshMode.POINT_TO_POINT), TestMeshes.NODE2);
        List<Peer> batch = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            batch.add(Peer.of(
                    "peer" + i,
                    "10.246." + (i / 250) + "." + (i % 250 + 1),
                    "10.100." + (i / 250) + "." + (i % 250) + "/32"));
        }
        int dumpsBefore = mesh.deviceDumps();

        mesh.addPeers(batch);

        assertEquals(dumpsBefore + 1, mesh.deviceDumps());
        assertEquals(
                1001,
                server.queryNames(new ObjectName("org.tunnelmesh:type=TunnelDevice,mesh=lab,*"), null)
                        .size());
        assertTrue(server.isRegistered(MeshObjectNames.device("lab", "tm-peer999")));

        mesh.removePeers(batch.stream().map(Peer::name).toList());

        assertEquals(dumpsBefore + 2, mesh.deviceDumps());
        assertEquals(
                Set.of(MeshObjectNames.device("lab", "tm-node2")),
                server.queryNames(new ObjectName("org.tunnelmesh:type=TunnelDevice,mesh=lab,*"), null));
        assertEquals(Set.of(NODE2), server.queryNames(new ObjectName("org.tunnelmesh:type=Peer,mesh=lab,*"), null));
    }

    @Test
    void aBatchStillSendsOneNotificationPerPeer() throws Exception {
        List<Notification> seen = new CopyOnWriteArrayList<>();
        server.addNotificationListener(EVENTS, (notification, handback) -> seen.add(notification), null, null);

        mesh.addPeers(List.of(
                Peer.of("node3", "10.245.1.4", "192.168.43.0/24"), Peer.of("node4", "10.245.1.5", "192.168.44.0/24")));
        mesh.removePeers(List.of("node3", "node4"));

        assertEquals(
                List.of(
                        "peer node3 added: underlay 10.245.1.4, subnets 192.168.43.0/24",
                        "peer node4 added: underlay 10.245.1.5, subnets 192.168.44.0/24",
                        "peer node3 removed: underlay 10.245.1.4, subnets 192.168.43.0/24",
                        "peer node4 removed: underlay 10.245.1.5, subnets 192.168.44.0/24"),
                seen.stream().map(Notification::getMessage).toList());
    }

    @Test
    void readersAndWritersOnManyThreadsDoNotBlockEachOther() throws Exception {
        open(TestMeshes.lab().mode(MeshMode.POINT_TO_POINT), TestMeshes.NODE2);
        ExecutorService readers = Executors.newFixedThreadPool(4);
        AtomicBoolean writing = new AtomicBoolean(true);
        try {
            List<Future<?>> reads = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                reads.add(readers.submit(() -> {
                    while (writing.get()) {
                        server.getAttribute(MESH, "Peers");
                        for (ObjectName device :
                                server.queryNames(new ObjectName("org.tunnelmesh:type=TunnelDevice,*"), null)) {
                            try {
                                server.getAttribute(device, "TxPackets");
                            } catch (InstanceNotFoundException gone) {
                                // removed between the query and the read
                            }
                        }
                    }
                    return null;
                }));
            }
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                for (int i = 0; i < 200; i++) {
                    mesh.addPeer(Peer.of("p" + i, "10.246.0." + (i + 1), "10.100." + i + ".0/24"));
                    if (i % 2 == 0) {
                        server.invoke(MESH, "removePeer", new Object[] {"p" + i}, ONE_STRING);
                    }
                }
            });
            writing.set(false);
            for (Future<?> read : reads) {
                read.get(10, TimeUnit.SECONDS);
            }
        } finally {
            writing.set(false);
            readers.shutdownNow();
        }

        assertEquals(101, peerMBeanNames().size());
        assertEquals(
                101,
                server.queryNames(new ObjectName("org.tunnelmesh:type=TunnelDevice,*"), null)
                        .size());
    }

    /** Many writers, through JMX and the Java API at once: at the end there is an MBean for exactly the peers that exist. */
    @Test
    void concurrentWritersLeaveAnMBeanForExactlyThePeersThatExist() throws Exception {
        open(TestMeshes.lab().mode(MeshMode.POINT_TO_POINT), TestMeshes.NODE2);
        ExecutorService writers = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            java.util.Random random = new java.util.Random(t);
            boolean viaJmx = t % 2 == 0;
            done.add(writers.submit(() -> {
                for (int i = 0; i < 300; i++) {
                    int n = random.nextInt(60);
                    try {
                        if (random.nextBoolean()) {
                            if (viaJmx) {
                                server.invoke(
                                        MESH,
                                        "addPeer",
                                        new Object[] {"p" + n, "10.246.0." + (n + 1), "10.100." + n + ".0/24"},
                                        new String[] {"java.lang.String", "java.lang.String", "java.lang.String"});
                            } else {
                                mesh.addPeer(Peer.of("p" + n, "10.246.0." + (n + 1), "10.100." + n + ".0/24"));
                            }
                        } else if (viaJmx) {
                            server.invoke(MESH, "removePeer", new Object[] {"p" + n}, ONE_STRING);
                        } else {
                            mesh.removePeer("p" + n);
                        }
                    } catch (JMException | org.tunnelmesh.TunnelMeshException lostARace) {
                        // already there / already gone
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        writers.shutdown();

        List<String> peers = mesh.peers().stream().map(Peer::name).sorted().toList();
        assertEquals(peers, peerMBeanNames());
        assertEquals(
                mesh.devices().size(),
                server.queryNames(new ObjectName("org.tunnelmesh:type=TunnelDevice,*"), null)
                        .size());
    }

    static Stream<Arguments> badCalls() {
        return Stream.of(
                Arguments.of("addPeer", new Object[] {"node3", "10.245.1.300", "192.168.43.0/24"}, "10.245.1.300"),
                Arguments.of("addPeer", new Object[] {"node3", "10.245.1.4", "192.168.43.7/24"}, "192.168.43.7/24"),
                Arguments.of("addPeer", new Object[] {"node3", "10.245.1.4", "192.168.43.0/24;"}, "192.168.43.0/24;"),
                Arguments.of("addPeer", new Object[] {"bad name", "10.245.1.4", "192.168.43.0/24"}, "bad name"),
                Arguments.of("addPeer", new Object[] {"node2", "10.245.1.4", "192.168.43.0/24"}, "node2"),
                Arguments.of("addPeer", new Object[] {"node3", "10.245.1.3", "192.168.43.0/24"}, "10.245.1.3"),
                Arguments.of("addPeer", new Object[] {"node3", "10.245.1.4", "192.168.42.128/25"}, "192.168.42.128/25"),
                Arguments.of("addPeer", new Object[] {"node3", "10.245.1.2", "192.168.43.0/24"}, "10.245.1.2"),
                Arguments.of("addPeer", new Object[] {"node3", "10.245.1.4", "192.168.0.0/16"}, "192.168.0.0/16"),
                Arguments.of("addPeer", new Object[] {null, "10.245.1.4", "192.168.43.0/24"}, "peer name is missing"),
                Arguments.of("removePeer", new Object[] {"ghost"}, "ghost"),
                Arguments.of(
                        "addPeers",
                        new Object[] {"node3@10.245.1.4=192.168.43.0/24;node4@10.245.1.5=192.168.43.128/25"},
                        "192.168.43.128/25"),
                Arguments.of(
                        "addPeers",
                        new Object[] {"node3@10.245.1.4=192.168.43.0/24 node4-10.245.1.5"},
                        "node4-10.245.1.5"),
                Arguments.of("removePeers", new Object[] {"node2,ghost"}, "ghost"),
                Arguments.of("removePeers", new Object[] {" , "}, "no peer names given"),
                Arguments.of("purge", new Object[] {"node2"}, "node2"),
                Arguments.of("purge", new Object[] {null}, "'null'"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("badCalls")
    void aBadArgumentNamesTheValueInStandardTypesAndChangesNothing(String operation, Object[] arguments, String named)
            throws JMException {
        Set<ObjectName> before = server.queryNames(new ObjectName("org.tunnelmesh:*"), null);
        List<Peer> peersBefore = mesh.peers();
        String[] signature = arguments.length == 3 ? THREE_STRINGS : ONE_STRING;

        MBeanException e =
                assertThrows(MBeanException.class, () -> server.invoke(MESH, operation, arguments, signature));

        assertTrue(e.getMessage().contains(named), e.getMessage());
        IllegalArgumentException cause = assertInstanceOf(IllegalArgumentException.class, e.getTargetException());
        assertEquals(e.getMessage(), cause.getMessage());
        assertOnlyStandardTypes(e);
        assertEquals(peersBefore, mesh.peers());
        assertEquals(before, server.queryNames(new ObjectName("org.tunnelmesh:*"), null));
    }

    private static void assertOnlyStandardTypes(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String type = t.getClass().getName();
            assertTrue(type.startsWith("java.") || type.startsWith("javax."), type);
        }
    }

    @Test
    void notificationsTellOfPeersAndRepairs() throws JMException {
        List<Notification> received = new CopyOnWriteArrayList<>();
        server.addNotificationListener(EVENTS, (notification, handback) -> received.add(notification), null, null);

        mesh.addPeer(Peer.of("node3", "10.245.1.4", "192.168.43.0/24"));
        server.invoke(MESH, "removePeer", new Object[] {"node3"}, ONE_STRING);
        assertEquals(0L, server.getAttribute(MESH, "RepairCount"));
        mesh.drift("route 192.168.42.0/24 via 10.245.1.3 was missing");
        assertEquals(1, server.invoke(MESH, "reconcile", new Object[0], new String[0]));
        assertEquals(1L, server.getAttribute(MESH, "RepairCount"));

        assertEquals(
                List.of(MeshEvents.PEER_ADDED, MeshEvents.PEER_REMOVED, MeshEvents.STATE_REPAIRED),
                received.stream().map(Notification::getType).toList());
        CompositeData added = (CompositeData) received.get(0).getUserData();
        assertEquals("node3", added.get("name"));
        assertEquals("10.245.1.4", added.get("underlay"));
        assertEquals("192.168.43.0/24", added.get("subnets"));
        assertEquals(
                "route 192.168.42.0/24 via 10.245.1.3 was missing",
                received.get(2).getUserData());
        assertEquals(
                List.of(
                        "peer node3 added: underlay 10.245.1.4, subnets 192.168.43.0/24",
                        "peer node3 removed: underlay 10.245.1.4, subnets 192.168.43.0/24",
                        "kernel state repaired: route 192.168.42.0/24 via 10.245.1.3 was missing"),
                received.stream().map(Notification::getMessage).toList());
        assertEquals(EVENTS, received.get(0).getSource());
        assertTrue(received.get(1).getSequenceNumber() > received.get(0).getSequenceNumber());
    }

    @Test
    void aPeerWithManySubnetsIsToldWholeInTheMessage() throws JMException {
        List<Notification> received = new CopyOnWriteArrayList<>();
        server.addNotificationListener(EVENTS, (notification, handback) -> received.add(notification), null, null);

        server.invoke(MESH, "addPeers", new Object[] {"node3@10.245.1.4=192.168.43.0/24,10.99.0.0/16"}, ONE_STRING);

        assertEquals(
                List.of("peer node3 added: underlay 10.245.1.4, subnets 192.168.43.0/24,10.99.0.0/16"),
                received.stream().map(Notification::getMessage).toList());
    }

    @Test
    void eventsMBeanDeclaresItsNotificationTypes() throws JMException {
        MBeanNotificationInfo[] declared = server.getMBeanInfo(EVENTS).getNotifications();

        assertEquals(
                Set.of(
                        MeshEvents.PEER_ADDED,
                        MeshEvents.PEER_REMOVED,
                        MeshEvents.STATE_REPAIRED,
                        MeshEvents.PEER_UNREACHABLE,
                        MeshEvents.PEER_REACHABLE),
                Arrays.stream(declared)
                        .flatMap(info -> Arrays.stream(info.getNotifTypes()))
                        .collect(Collectors.toSet()));
        assertTrue(Arrays.stream(declared).noneMatch(info -> isBlank(info.getDescription())));
    }

    /** Issue 24: latency is recorded whichever handle the application calls - JMX, mbeans.mesh(), or the mesh. */
    @Test
    void latencyIsCountedWhicheverHandleTheApplicationCalls() throws JMException {
        server.invoke(MESH, "addPeer", new Object[] {"node3", "10.245.1.4", "192.168.43.0/24"}, THREE_STRINGS);
        mbeans.mesh().addPeer(Peer.of("node4", "10.245.1.5", "192.168.44.0/24"));
        mesh.addPeer(Peer.of("node5", "10.245.1.6", "192.168.45.0/24"));
        mesh.addPeers(List.of(Peer.of("node6", "10.245.1.7", "192.168.46.0/24"))); // one peer: an addPeer
        assertThrows(
                MBeanException.class,
                () -> server.invoke(
                        MESH, "addPeer", new Object[] {"node3", "10.245.1.4", "192.168.43.0/24"}, THREE_STRINGS));
        server.invoke(MESH, "removePeer", new Object[] {"node3"}, ONE_STRING);
        mesh.removePeer("node4");
        server.invoke(MESH, "reconcile", new Object[0], new String[0]);
        mesh.reconcile();

        assertEquals(4L, server.getAttribute(STATS, "AddPeer.Count"));
        assertEquals(2L, server.getAttribute(STATS, "RemovePeer.Count"));
        assertEquals(2L, server.getAttribute(STATS, "Reconcile.Count"));
        long p50 = (long) server.getAttribute(STATS, "AddPeer.P50");
        long p99 = (long) server.getAttribute(STATS, "AddPeer.P99");
        long max = (long) server.getAttribute(STATS, "AddPeer.Max");
        assertTrue(0 <= p50 && p50 <= p99 && p99 <= max, p50 + " " + p99 + " " + max);
        assertSame(mesh, mbeans.mesh(), "one handle");
    }

    /** Issue 24: the mesh owns its MBeans - closing it, by either handle, leaves none of them registered. */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void closingTheMeshUnregistersEveryMBeanOfIt(boolean throughTheMBeansHandle) throws Exception {
        MeshConfig otherConfig = mesh.config().toBuilder().name("other").build();
        try (InMemoryTunnelMesh other = InMemoryTunnelMesh.open(
                        otherConfig, List.of(Peer.of("node2", "10.245.1.3", "192.168.42.0/24")));
                MeshMBeans otherMBeans = MeshMBeans.export(other, server)) {
            mesh.addPeer(Peer.of("node3", "10.245.1.4", "192.168.43.0/24"));
            assertEquals(
                    3,
                    server.queryNames(new ObjectName("org.tunnelmesh:name=lab,*"), null)
                            .size());
            assertEquals(
                    3,
                    server.queryNames(new ObjectName("org.tunnelmesh:mesh=lab,*"), null)
                            .size());

            if (throughTheMBeansHandle) {
                mbeans.mesh().close();
            } else {
                mesh.close();
            }

            assertEquals(Set.of(), server.queryNames(new ObjectName("org.tunnelmesh:mesh=lab,*"), null));
            assertEquals(Set.of(), server.queryNames(new ObjectName("org.tunnelmesh:name=lab,*"), null));
            assertTrue(server.isRegistered(MeshObjectNames.mesh("other")), "another mesh's MBeans stay");
            mbeans.close(); // closing the handle too, after: nothing happens
        }
    }

    /**
     * Issue 24: an attribute read that meets a closed mesh (in the moment before its MBeans go) says so, in a standard
     * type a remote client can deserialize. A listener added before the MBeans' own hears of the close first.
     */
    @Test
    void anAttributeReadThatMeetsAClosedMeshSaysSo() throws Exception {
        List<Exception> seen = new CopyOnWriteArrayList<>();
        mbeans.close();
        mesh.addListener(new org.tunnelmesh.MeshListener() {
            @Override
            public void meshClosed() {
                for (ObjectName name : List.of(MESH, TUNL0, NODE2)) {
                    for (String attribute : List.of("PeerCount", "TxPackets")) {
                        try {
                            server.getAttribute(name, attribute);
                        } catch (javax.management.AttributeNotFoundException e) {
                            // not an attribute of that MBean
                        } catch (Exception e) {
                            seen.add(e);
                        }
                    }
                }
            }
        });
        mbeans = MeshMBeans.export(mesh, server, Duration.ZERO);

        mesh.close();

        assertEquals(3, seen.size(), seen.toString());
        for (Exception e : seen) {
            MBeanException failed = assertInstanceOf(MBeanException.class, e);
            assertEquals("mesh 'lab' is closed", failed.getMessage());
            assertEquals(
                    IllegalStateException.class, failed.getTargetException().getClass());
        }
    }

    @Test
    void aClosedMeshCannotBeExported() {
        mbeans.close();
        mesh.close();

        assertThrows(org.tunnelmesh.MeshClosedException.class, () -> MeshMBeans.export(mesh, server));
        assertDoesNotThrow(() -> assertEquals(Set.of(), server.queryNames(new ObjectName("org.tunnelmesh:*"), null)));
    }

    /** Issue 24: time under the test's control - with a counter age of zero, what the mesh counts a read shows. */
    @Test
    void withACounterAgeOfZeroAReadShowsTheCountersSetJustBefore() throws JMException {
        mbeans.close();
        mbeans = MeshMBeans.export(mesh, server, Duration.ZERO);
        assertEquals(0L, server.getAttribute(TUNL0, "TxPackets"));
        mesh.setPeerCounters("node2", new org.tunnelmesh.PeerCounters(5, 500, 6, 600));

        mesh.setCounters("tunl0", new LinkCounters(1, 100, 0, 0, 7, 700, 0, 0));

        assertEquals(7L, server.getAttribute(TUNL0, "TxPackets"));
        assertEquals(6L, server.getAttribute(NODE2, "TxPackets"));
        assertThrows(
                org.tunnelmesh.InvalidInputException.class,
                () -> MeshMBeans.export(mesh, server, Duration.ofMillis(-1)));
    }

    @Test
    void diagnoseReturnsTheFindingsAsOneText() throws JMException {
        String report = (String) server.invoke(MESH, "diagnose", new Object[0], new String[0]);

        assertEquals(String.join("\n", mesh.diagnose()) + "\n", report);
    }

    /** JConsole's result dialog is 400 pixels wide: a long finding is wrapped, its words all kept, its status first. */
    @Test
    void aLongFindingIsWrappedNarrowEnoughForJConsolesDialog() {
        String warn =
                "WARN SHARED mode: tunl0 accepts IPIP from any source; use POINT_TO_POINT or filter protocol 4 to the peers' underlays";

        String report = ManagedMesh.report(List.of("OK CAP_NET_ADMIN: effective", warn, "OK peers: 2"));

        assertEquals("""
                OK CAP_NET_ADMIN: effective
                WARN SHARED mode: tunl0 accepts IPIP from any
                    source; use POINT_TO_POINT or filter protocol 4
                    to the peers' underlays
                OK peers: 2
                """, report);
        for (String line : report.split("\n")) {
            assertTrue(line.length() <= ManagedMesh.REPORT_WIDTH, line);
        }
    }

    @Test
    void aWordLongerThanTheReportIsKeptWhole() {
        String path = "/proc/sys/net/ipv4/conf/" + "x".repeat(60) + "/rp_filter";

        assertEquals("WARN cannot read\n    " + path + "\n", ManagedMesh.report(List.of("WARN cannot read " + path)));
    }

    @Test
    void closeUnregistersEverythingAndStopsFollowingTheMesh() throws JMException {
        mbeans.close();

        assertEquals(Set.of(), server.queryNames(new ObjectName("org.tunnelmesh:*"), null));
        mesh.addPeer(Peer.of("node3", "10.245.1.4", "192.168.43.0/24"));
        assertEquals(Set.of(), server.queryNames(new ObjectName("org.tunnelmesh:*"), null));
        assertFalse(mesh.isClosed());
    }

    @Test
    void aSecondMeshOfTheSameNameIsRefusedWithoutHarmingTheFirst() throws JMException {
        // the same mesh exported twice: two meshes of one name cannot be open in one JVM
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> MeshMBeans.export(mesh, server));

        assertTrue(e.getMessage().contains("org.tunnelmesh:type=MeshEvents,name=lab"), e.getMessage());
        assertTrue(server.isRegistered(EVENTS));
        assertTrue(server.isRegistered(MESH));
        assertTrue(server.isRegistered(NODE2));
    }

    @Test
    void meshesOfDifferentNamesLiveSideBySide() throws JMException {
        MeshConfig otherConfig = mesh.config().toBuilder().name("other").build();
        try (InMemoryTunnelMesh other = InMemoryTunnelMesh.open(
                        otherConfig, List.of(Peer.of("node2", "10.245.1.3", "192.168.42.0/24")));
                MeshMBeans otherMBeans = MeshMBeans.export(other, server)) {
            assertTrue(server.isRegistered(MeshObjectNames.peer("other", "node2")));
            other.removePeer("node2");
            assertFalse(server.isRegistered(MeshObjectNames.peer("other", "node2")));
            assertTrue(server.isRegistered(NODE2));
        }
        assertEquals(Set.of(), server.queryNames(new ObjectName("org.tunnelmesh:mesh=other,*"), null));
        assertFalse(server.isRegistered(MeshObjectNames.mesh("other")));
        assertFalse(server.isRegistered(MeshObjectNames.events("other")));
        assertFalse(server.isRegistered(MeshObjectNames.stats("other")));
        assertTrue(server.isRegistered(STATS));
    }
}
