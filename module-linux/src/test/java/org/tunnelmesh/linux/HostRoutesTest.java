package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.Peer;
import org.tunnelmesh.linux.HostRoutes.Conflict;
import org.tunnelmesh.linux.HostRoutes.OnLink;
import org.tunnelmesh.linux.rtnetlink.Route.Gateway;

class HostRoutesTest {
    private static final int ETH0 = 2;
    private static final int DOCKER0 = 5;
    private static final Map<Integer, String> NAMES = Map.of(ETH0, "eth0", DOCKER0, "docker0");

    /** The lab's node1: 10.245.1.0/24 on eth0, a docker bridge, a device route, and a default gateway outside them (as on Hetzner). */
    private static final HostRoutes NODE = new HostRoutes(
            List.of(
                    new OnLink(p("10.245.1.0/24"), ETH0),
                    new OnLink(p("172.17.0.0/16"), DOCKER0),
                    new OnLink(p("10.9.0.0/24"), ETH0)),
            List.of(new Gateway(a("172.31.1.1"), ETH0)));

    private static Ipv4Prefix p(String text) {
        return Ipv4Prefix.parse(text);
    }

    private static Ipv4Address a(String text) {
        return Ipv4Address.parse(text);
    }

    private static Conflict check(HostRoutes routes, String subnet) {
        return routes.firstConflict(List.of(Peer.of("node9", "10.245.1.3", subnet)));
    }

    private static String message(Conflict c) {
        return c.describe(NAMES::get, ETH0);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "10.245.1.0/24",
                "10.245.1.128/25",
                "10.245.1.1/32",
                "10.245.0.0/16",
                "10.245.1.255/32",
                "172.17.5.0/24",
                "172.16.0.0/12",
                "10.9.0.0/24",
                "10.9.0.7/32"
            })
    void aSubnetThatOverlapsAnOnLinkSubnetIsRefused(String subnet) {
        assertNotNull(check(NODE, subnet), subnet);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "10.245.2.0/24",
                "10.245.0.0/24",
                "192.168.42.0/24",
                "10.9.1.0/24",
                "172.18.0.0/16",
                "172.31.2.0/24"
            })
    void aSubnetBesideThemIsAccepted(String subnet) {
        assertNull(check(NODE, subnet), subnet);
    }

    @Test
    void theMessageNamesThePeerTheSubnetWhatItOverlapsAndTheUnderlay() {
        String m = message(check(NODE, "10.245.1.128/25"));
        assertEquals(
                "peer 'node9': subnet 10.245.1.128/25 overlaps 10.245.1.0/24, which this node reaches on-link on eth0"
                        + " (the underlay): routed into the tunnel, it would cut this node off from it; a peer's subnets must lie"
                        + " outside the networks this node reaches directly",
                m);
        assertTrue(
                message(check(NODE, "172.17.9.0/24"))
                        .contains("172.17.0.0/16, which this node reaches on-link on docker0:"),
                message(check(NODE, "172.17.9.0/24")));
    }

    @Test
    void aSubnetThatContainsTheDefaultGatewayIsRefused() {
        Conflict c = check(NODE, "172.31.1.0/24");
        assertNotNull(c);
        assertEquals(
                "peer 'node9': subnet 172.31.1.0/24 contains 172.31.1.1, the gateway of this node's default route"
                        + " (on eth0 (the underlay)): routed into the tunnel, it would cut this node off from everything behind that"
                        + " gateway; a peer's subnets must not contain it",
                message(c));
        assertNotNull(check(NODE, "172.31.1.1/32"));
        assertNull(check(NODE, "172.31.1.2/32"));
    }

    /** A wide subnet loses to every more specific route: it may hold on-link subnets, never a default gateway. */
    @Test
    void aWideSubnetMayHoldOnLinkSubnetsButNotTheDefaultGateway() {
        HostRoutes noDefault = new HostRoutes(NODE.onLink(), List.of());
        assertNull(check(noDefault, "0.0.0.0/0"), "a default route through a peer, in a namespace without one");
        assertNull(check(noDefault, "0.0.0.0/1"));
        Conflict c = check(NODE, "0.0.0.0/0");
        assertNotNull(c);
        assertEquals(a("172.31.1.1"), c.gateway().address());
        assertNull(check(NODE, "0.0.0.0/1"), "the gateway lies in the other half");
        assertNotNull(check(NODE, "128.0.0.0/1"));
        // an on-link route wider than the peer's wide subnet: the peer's would win inside it
        HostRoutes wideOnLink = new HostRoutes(List.of(new OnLink(p("10.0.0.0/7"), ETH0)), List.of());
        assertNotNull(check(wideOnLink, "10.0.0.0/7"));
        assertNotNull(check(wideOnLink, "11.0.0.0/8"));
        assertNull(check(wideOnLink, "0.0.0.0/0"));
    }

    @Test
    void theFirstConflictingPeerOfABatchIsNamed() {
        Conflict c = NODE.firstConflict(List.of(
                Peer.of("good", "10.245.1.3", "192.168.42.0/24"),
                Peer.of("bad", "10.245.1.4", "192.168.43.0/24,10.245.1.64/26")));
        assertEquals("bad", c.peer().name());
        assertEquals(p("10.245.1.64/26"), c.subnet());
    }

    @Test
    void nothingToGuardRefusesNothing() {
        assertNull(check(HostRoutes.NONE, "10.245.1.0/24"));
        assertNull(check(HostRoutes.NONE, "0.0.0.0/0"));
    }

    @Test
    void anUnnamedDeviceIsShownByItsIndex() {
        HostRoutes routes =
                new HostRoutes(List.of(new OnLink(p("10.1.0.0/16"), 42)), List.of(new Gateway(a("10.2.0.1"), 0)));
        assertTrue(message(check(routes, "10.1.2.0/24")).contains("on-link on ifindex 42:"));
        assertTrue(message(check(routes, "10.2.0.0/24")).contains("(on its nexthops)"));
    }

    /** The binary searches against the plain definition, with nested on-link subnets and many gateways. */
    @Test
    void agreesWithALinearScan() {
        Random random = new Random(21);
        for (int round = 0; round < 200; round++) {
            List<OnLink> onLink = new ArrayList<>();
            for (int i = random.nextInt(12); i > 0; i--) {
                onLink.add(new OnLink(random(random, 8 + random.nextInt(25)), 1 + random.nextInt(3)));
            }
            List<Gateway> gateways = new ArrayList<>();
            for (int i = random.nextInt(4); i > 0; i--) {
                gateways.add(new Gateway(new Ipv4Address(0x0a000000 | random.nextInt(1 << 24)), 1));
            }
            HostRoutes routes = new HostRoutes(onLink, gateways);
            for (int q = 0; q < 200; q++) {
                Ipv4Prefix subnet = random(random, 8 + random.nextInt(25));
                boolean expected = onLink.stream().anyMatch(o -> o.subnet().overlaps(subnet))
                        || gateways.stream().anyMatch(g -> subnet.contains(g.address()));
                Conflict c = routes.conflict(Peer.of("x", "10.245.1.3", "192.168.42.0/24"), subnet);
                assertEquals(expected, c != null, subnet + " against " + routes);
                if (c != null && c.onLink() != null) {
                    assertTrue(c.onLink().subnet().overlaps(subnet), subnet + " named " + c.onLink());
                }
            }
        }
    }

    /** Inside 10.0.0.0/8, so random subnets meet each other often. */
    private static Ipv4Prefix random(Random random, int length) {
        int bits = 0x0a000000 | random.nextInt(1 << 24);
        return new Ipv4Prefix(new Ipv4Address(bits & Ipv4Prefix.mask(length)), length);
    }
}
