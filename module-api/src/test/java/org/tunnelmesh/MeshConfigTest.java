package org.tunnelmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MeshConfigTest {

    private static MeshConfig.Builder valid() {
        return MeshConfig.builder().underlay("10.245.1.2").tunnelAddress("192.168.41.0");
    }

    private static InvalidInputException rejected(MeshConfig.Builder builder, String... mentions) {
        InvalidInputException e = assertThrows(InvalidInputException.class, builder::build);
        for (String mention : mentions) {
            assertTrue(e.getMessage().contains(mention), () -> "'" + e.getMessage() + "' should mention " + mention);
        }
        return e;
    }

    @Test
    void defaults() {
        MeshConfig c = valid().build();
        assertEquals("mesh", c.name());
        assertEquals(MeshMode.SHARED, c.mode());
        assertEquals(Ipv4Address.parse("10.245.1.2"), c.underlay());
        assertEquals(Ipv4Address.parse("192.168.41.0"), c.tunnelAddress());
        assertEquals(0, c.mtu());
        assertEquals(MeshConfig.DEFAULT_TTL, c.ttl());
        assertEquals(MeshConfig.DEFAULT_ROUTE_PROTOCOL, c.routeProtocol());
        assertTrue(c.pmtuDiscovery());
        assertNull(c.netns());
    }

    @Test
    void toBuilderKeepsEveryValue() {
        MeshConfig c = valid().name("east")
                .mode(MeshMode.POINT_TO_POINT)
                .mtu(1400)
                .ttl(0)
                .routeProtocol(200)
                .pmtuDiscovery(false)
                .netns("node1")
                .ipipFilter(false)
                .build();
        MeshConfig copy = c.toBuilder().build();
        assertEquals(false, copy.ipipFilter());
        assertEquals(true, valid().build().ipipFilter(), "the IPIP filter is on by default");
        assertEquals(c.toString(), copy.toString());
        assertEquals("east", copy.name());
        assertEquals(MeshMode.POINT_TO_POINT, copy.mode());
        assertEquals(1400, copy.mtu());
        assertEquals(0, copy.ttl());
        assertEquals(200, copy.routeProtocol());
        assertEquals(false, copy.pmtuDiscovery());
        assertEquals("node1", copy.netns());
    }

    @ParameterizedTest
    @ValueSource(strings = {"m", "mesh", "Mesh_1.east-2", "0"})
    void acceptsNames(String name) {
        assertEquals(name, valid().name(name).build().name());
    }

    @Test
    void acceptsNameOf64Characters() {
        assertEquals(64, valid().name("m".repeat(64)).build().name().length());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-mesh", "_mesh", ".mesh", "a b", "a,b", "a=b", "a:b", "a*", "a/b"})
    void rejectsBadNamesNamingThem(String name) {
        rejected(valid().name(name), "'" + name + "'");
    }

    @Test
    void rejectsNameOf65CharactersAndNull() {
        rejected(valid().name("m".repeat(65)), "m".repeat(65));
        rejected(valid().name(null), "null");
    }

    @Test
    void modeIsRequired() {
        assertThrows(NullPointerException.class, () -> valid().mode(null).build());
    }

    @Test
    void underlayIsRequired() {
        rejected(MeshConfig.builder().tunnelAddress("192.168.41.0"), "underlay");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "127.0.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255"})
    void underlayMustBeUnicast(String address) {
        rejected(valid().underlay(address), "underlay", address);
    }

    /** Issue 24: the message says what is wrong with the address, and what to give instead. */
    @Test
    void aLoopbackAddressIsNamedAsSuch() {
        InvalidInputException underlay = assertThrows(
                InvalidInputException.class, () -> valid().underlay("127.0.0.1").build());
        InvalidInputException tunnel = assertThrows(
                InvalidInputException.class,
                () -> valid().tunnelAddress("127.0.0.1").build());

        assertEquals(
                "underlay 127.0.0.1 is a loopback address (127.0.0.0/8), which never leaves this host; give this node's"
                        + " unicast address on the device that reaches the peers",
                underlay.getMessage());
        assertEquals(
                "tunnel address 127.0.0.1 is a loopback address (127.0.0.0/8), which never leaves this host; give a"
                        + " unicast overlay address, e.g. 192.168.41.0",
                tunnel.getMessage());
    }

    @Test
    void underlayTextIsParsedStrictly() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> valid().underlay("10.245.1"));
        assertTrue(e.getMessage().contains("'10.245.1'"), e.getMessage());
    }

    @Test
    void tunnelAddressIsRequired() {
        rejected(MeshConfig.builder().underlay("10.245.1.2"), "tunnel address");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "127.0.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255"})
    void tunnelAddressMustBeUnicast(String address) {
        rejected(valid().tunnelAddress(address), "tunnel address", address);
    }

    @Test
    void mtuZeroMeansAutomatic() {
        assertEquals(0, valid().mtu(0).build().mtu());
        assertTrue(valid().mtu(0).build().toString().contains("mtu=auto"));
    }

    @ParameterizedTest
    @ValueSource(ints = {68, 1280, 1480, 9000, 65515})
    void acceptsMtuInRange(int mtu) {
        assertEquals(mtu, valid().mtu(mtu).build().mtu());
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 1, 67, 65516, 65535, 100_000})
    void rejectsMtuOutOfRange(int mtu) {
        rejected(valid().mtu(mtu), "MTU " + mtu, "68..65515");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 64, 255})
    void acceptsTtlInRange(int ttl) {
        assertEquals(ttl, valid().ttl(ttl).build().ttl());
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 256, 1000})
    void rejectsTtlOutOfRange(int ttl) {
        rejected(valid().ttl(ttl), "TTL " + ttl, "0..255");
    }

    @Test
    void fixedTtlNeedsPathMtuDiscovery() {
        rejected(valid().ttl(64).pmtuDiscovery(false), "64", "path MTU discovery");
        assertEquals(false, valid().ttl(0).pmtuDiscovery(false).build().pmtuDiscovery());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, -1, 256, 1000})
    void rejectsKernelOrOutOfRangeRouteProtocols(int protocol) {
        rejected(valid().routeProtocol(protocol), "route protocol " + protocol, "5..255");
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 87, 255})
    void acceptsRouteProtocols(int protocol) {
        assertEquals(protocol, valid().routeProtocol(protocol).build().routeProtocol());
    }

    @ParameterizedTest
    @ValueSource(strings = {"node1", "blue.1", "/run/netns/node1", "/proc/1/ns/net"})
    void acceptsNetnsNamesAndAbsolutePaths(String netns) {
        assertEquals(netns, valid().netns(netns).build().netns());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "a/b", "node1/", ".", "..", "../etc", ".hidden"})
    void rejectsNetnsThatIsNeitherNameNorAbsolutePath(String netns) {
        rejected(valid().netns(netns), "'" + netns + "'");
    }

    @Test
    void noNetnsMeansTheCallersOwn() {
        assertNull(valid().netns(null).build().netns());
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 11, 12, 16, 18, 42, 99, 186, 188, 190, 192})
    void rejectsProtocolsOfOtherRouteOwners(int protocol) {
        rejected(valid().routeProtocol(protocol), "route protocol " + protocol, "belongs to", "rt_protos");
    }

    @Test
    void protocolOwnersAreNamed() {
        rejected(valid().routeProtocol(16), "dhcp");
        rejected(valid().routeProtocol(186), "bgp");
        assertEquals("bird", MeshConfig.protocolOwner(12));
        assertNull(MeshConfig.protocolOwner(87));
        assertNull(MeshConfig.protocolOwner(7));
        assertNull(MeshConfig.protocolOwner(193));
    }

    @Test
    void rejectsTunnelAddressEqualToUnderlay() {
        rejected(valid().tunnelAddress("10.245.1.2"), "tunnel address 10.245.1.2", "underlay");
    }

    @Test
    void wideSubnetsAreOptIn() {
        assertEquals(false, valid().build().allowWideSubnets());
        MeshConfig wide = valid().allowWideSubnets(true).build();
        assertTrue(wide.allowWideSubnets());
        assertTrue(wide.toBuilder().build().allowWideSubnets());
        assertTrue(wide.toString().contains("allowWideSubnets=true"));
    }

    @Test
    void stateFileIsKeptByToBuilderAndShown() {
        MeshConfig c = valid().stateFile(java.nio.file.Path.of("/var/lib/tunnelmesh/mesh.json"))
                .build();
        assertEquals(
                java.nio.file.Path.of("/var/lib/tunnelmesh/mesh.json"),
                c.toBuilder().build().stateFile());
        assertTrue(c.toString().contains("stateFile=/var/lib/tunnelmesh/mesh.json"), c.toString());
        assertNull(valid().build().stateFile());
        rejected(valid().stateFile(java.nio.file.Path.of("")), "state file");
    }

    @Test
    void extraUnderlayDevicesAreDeviceNamesForTheFilter() {
        assertEquals(java.util.List.of(), valid().build().extraUnderlayDevices());
        MeshConfig c = valid().extraUnderlayDevices(java.util.List.of("eth1", "wan0.100"))
                .build();
        assertEquals(java.util.List.of("eth1", "wan0.100"), c.extraUnderlayDevices());
        assertEquals(c.extraUnderlayDevices(), c.toBuilder().build().extraUnderlayDevices());
        assertTrue(c.toString().contains("extraUnderlayDevices=[eth1, wan0.100]"), c.toString());
        rejected(
                valid().extraUnderlayDevices(java.util.List.of("a-name-of-16-chr")),
                "'a-name-of-16-chr'",
                "1-15 characters");
        rejected(valid().extraUnderlayDevices(java.util.List.of("eth/1")), "'eth/1'");
        rejected(valid().extraUnderlayDevices(java.util.List.of("..")), "'..'");
        rejected(valid().extraUnderlayDevices(java.util.List.of("tunl0")), "'tunl0'");
        rejected(valid().extraUnderlayDevices(java.util.List.of("lo")), "'lo'");
        rejected(valid().extraUnderlayDevices(java.util.List.of("eth1", "eth1")), "'eth1' is listed twice");
        rejected(
                valid().extraUnderlayDevices(java.util.List.of("eth1")).ipipFilter(false),
                "[eth1]",
                "filter, which is off");
    }
}
