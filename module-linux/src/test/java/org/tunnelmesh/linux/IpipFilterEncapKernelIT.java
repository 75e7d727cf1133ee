package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.Lab.*;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.PeerCounters;
import org.tunnelmesh.TrafficCounters;
import org.tunnelmesh.linux.netlink.FouPort;
import org.tunnelmesh.linux.rtnetlink.IpipParameters;
import org.tunnelmesh.linux.rtnetlink.RtnetlinkRequests;
import org.tunnelmesh.linux.rtnetlink.RtnetlinkSession;
import org.tunnelmesh.linux.rtnetlink.TunnelEncap;
import org.tunnelmesh.linux.syscall.LabFrames;
import org.tunnelmesh.linux.syscall.NetworkNamespace;

/**
 * The IPIP filter with an encapsulation port against real FOU and GUE: node1 receives on a fou
 * port with a one-to-many ipip device {@code tm0} (local = its underlay, no remote, encap: what a
 * SHARED mesh with encapsulation uses) that would decapsulate UDP-encapsulated IPIP from anyone;
 * node2 (a peer) and node3 (not one) each have a point-to-point ipip device with the same encap
 * toward node1. Peers' pings pass and count; node3's UDP-encapsulated IPIP - its own device's, and
 * packets crafted on its link - is dropped at node1's eth0 and counted, and never reaches {@code
 * tm0} (its rx counter stays). Once node3 is made a peer, the same traffic is decapsulated: the
 * set-up would let it through without the filter. The devices and ports are made with the
 * project's own requests, as EncapKernelIT makes them.
 */
class IpipFilterEncapKernelIT {
    private static final int PORT = 5555;
    private static final String SHARED_DEVICE = "tm0";
    private static final String P2P_DEVICE = "tm-enc";
    /** A second link of node1's, to node4: "another uplink" the attacker sends on. */
    private static final String SECOND_LINK = "uplink2";
    /** A ping of 56 data bytes: 84 bytes of IPv4, 104 with the outer header, + 8 UDP (+ 4 GUE). */
    private static final int FOU_PING_BYTES = 112;

    private RtnetlinkSession session;
    private IpipFilter filter;

    @BeforeEach
    void inTheLab() {
        requireLab();
        clean();
    }

    @AfterEach
    void clean() {
        if (filter != null) {
            filter.purge();
            filter.close();
            filter = null;
        }
        if (session != null) {
            session.close();
            session = null;
        }
        for (int node = 1; node <= 3; node++) {
            ipIgnoringFailure(node, "link", "del", SHARED_DEVICE);
            ipIgnoringFailure(node, "link", "del", P2P_DEVICE);
            ipIgnoringFailure(node, "fou", "del", "port", String.valueOf(PORT));
        }
        IpipFilterKernelIT.tcIgnoringFailure(1, "qdisc", "del", "dev", "eth0", "clsact");
        ipIgnoringFailure(1, "link", "del", SECOND_LINK);
    }

    private static void device(int node, String name, int mtu, IpipParameters parameters) {
        try (RtnetlinkSession s = NetworkNamespace.call(ns(node), RtnetlinkSession::open)) {
            var batch = s.batch();
            RtnetlinkRequests.newIpipLink(batch, RtnetlinkRequests.CREATE, name, mtu, parameters);
            s.execute(batch);
        }
        ip(node, "link", "set", name, "up");
        ip(node, "addr", "add", tunnelAddress(node) + "/32", "dev", name);
    }

    private static int eth0(int node) {
        return ((Number) LabKernel.link(node, "eth0").json().get("ifindex")).intValue();
    }

    /** node1 as described above, node2 and node3 toward it; the filter on node1 with node2 as its one peer. */
    private void setUp(String kind) {
        TunnelEncap encap = kind.equals("fou") ? TunnelEncap.fou(PORT) : TunnelEncap.gue(PORT);
        FouPort port = kind.equals("fou") ? FouPort.ipip(PORT) : FouPort.gue(PORT);
        int mtu = 1500 - 20 - (kind.equals("fou") ? 8 : 12);
        for (int node = 1; node <= 3; node++) {
            try (FouPorts fou = NetworkNamespace.call(ns(node), FouPorts::open)) {
                assertTrue(fou.add(port));
            }
        }
        device(
                1,
                SHARED_DEVICE,
                mtu,
                new IpipParameters(eth0(1), Ipv4Address.parse(underlay(1)), Ipv4Address.ANY, 64, 0, true)
                        .withEncap(encap));
        for (int node = 2; node <= 3; node++) {
            ip(1, "route", "add", subnet(node), "via", underlay(node), "dev", SHARED_DEVICE, "onlink");
            device(
                    node,
                    P2P_DEVICE,
                    mtu,
                    IpipParameters.pointToPoint(
                                    eth0(node),
                                    Ipv4Address.parse(underlay(node)),
                                    Ipv4Address.parse(underlay(1)),
                                    64,
                                    true)
                            .withEncap(encap));
            ip(node, "route", "add", subnet(1), "dev", P2P_DEVICE);
        }
        session = NetworkNamespace.call(ns(1), RtnetlinkSession::open);
        MeshContext ctx = new MeshContext(config(1, MeshMode.SHARED), session, eth0(1), "eth0", mtu);
        filter = IpipFilter.open(ctx, 1, PORT);
        filter.reconcile(List.of(peer(2)));
    }

    private static long tm0RxPackets() {
        return LabKernel.linksWithStats(1, "dev", SHARED_DEVICE).get(0).rxPackets();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fou", "gue"})
    void peersPassAndCountANonPeersEncapsulatedIpipIsDroppedCountedAndNeverDecapsulated(String kind) {
        setUp(kind);
        int bytes = FOU_PING_BYTES + (kind.equals("gue") ? 4 : 0);
        assertEquals(3, ping(1, tunnelAddress(2), 3));
        assertEquals(2, ping(2, tunnelAddress(1), 2));
        TrafficCounters afterPeer = filter.counters(List.of(peer(2), peer(3)));
        assertEquals(new PeerCounters(5, 5L * bytes, 5, 5L * bytes), afterPeer.peer("node2"), afterPeer.toString());
        assertEquals(0, afterPeer.rejectedPackets());

        long tm0Before = tm0RxPackets();
        assertEquals(0, ping(3, tunnelAddress(1), 3), "no reply to a non-peer");
        TrafficCounters afterStranger = filter.counters(List.of(peer(2), peer(3)));
        assertEquals(3, afterStranger.rejectedPackets(), afterStranger.toString());
        assertEquals(3L * bytes, afterStranger.rejectedBytes());
        assertEquals(tm0Before, tm0RxPackets(), "nothing of node3's decapsulated on tm0");
        assertEquals(PeerCounters.ZERO, afterStranger.peer("node3"));
        assertTrue(
                filter.diagnose()
                        .contains("OK ipip filter: 1 peer underlay(s) allowed; 3 IPIP and UDP-to-port-5555 packet(s)"
                                + " from non-peers dropped (" + 3 * bytes + " bytes)"),
                filter.diagnose().toString());

        // the same traffic from a peer passes: without the filter, node3 would have been answered
        filter.add(List.of(peer(3)));
        assertEquals(3, ping(3, tunnelAddress(1), 3));
        assertEquals(tm0Before + 3, tm0RxPackets());
        TrafficCounters asPeer = filter.counters(List.of(peer(2), peer(3)));
        assertEquals(new PeerCounters(3, 3L * bytes, 3, 3L * bytes), asPeer.peer("node3"));
        assertEquals(3, asPeer.rejectedPackets(), "nothing more rejected");
    }

    /**
     * node3 crafts packets on its link (AF_PACKET): FOU around an echo request to node1's tunnel
     * address, UDP to the port with a payload too short for a packet, with a bogus inner header,
     * with IP options, in two fragments, and UDP to another port. Each one to the port is dropped
     * and counted (of the fragments, the first: the second waits for it in vain); none reaches tm0.
     */
    @Test
    void hostilePacketsToThePortFromANonPeerAreDroppedAndCountedNoneDecapsulated() {
        setUp("fou");
        int me = Ipv4Address.parse(underlay(1)).bits();
        int stranger = Ipv4Address.parse(underlay(3)).bits();
        byte[] inner = EncapPackets.echo(
                Ipv4Address.parse("192.168.43.9").bits(),
                Ipv4Address.parse(tunnelAddress(1)).bits());
        byte[] bogus = new byte[40];
        java.util.Arrays.fill(bogus, (byte) 0xff);
        byte[] fou = EncapPackets.fou(stranger, me, PORT, inner);
        byte[] withOptions = EncapPackets.ipv4(
                17, stranger, me, new byte[] {1, 1, 1, 0}, 0, 0, EncapPackets.udp(40000, PORT, inner));
        byte[][] fragments = EncapPackets.fragments(stranger, me, PORT, inner, 0x4242, 24);
        byte[] shortPayload = EncapPackets.fou(stranger, me, PORT, new byte[] {0x45, 0});
        byte[] bogusInner = EncapPackets.fou(stranger, me, PORT, bogus);
        byte[] otherPort =
                EncapPackets.ipv4(17, stranger, me, new byte[0], 0, 0, EncapPackets.udp(40000, PORT + 1, inner));
        List<byte[]> decapsulable = List.of(fou, withOptions, fragments[0], fragments[1]);
        List<byte[]> malformed = List.of(shortPayload, bogusInner, otherPort);

        long tm0Before = tm0RxPackets();
        send(decapsulable);
        send(malformed);
        sleep(300);
        TrafficCounters after = filter.counters(List.of(peer(2)));
        assertEquals(5, after.rejectedPackets(), after.toString());
        assertEquals(
                (long) fou.length + withOptions.length + fragments[0].length + shortPayload.length + bogusInner.length,
                after.rejectedBytes());
        assertEquals(tm0Before, tm0RxPackets(), "none decapsulated on tm0");
        assertEquals(new PeerCounters(0, 0, 0, 0), after.peer("node2"), "no reply went anywhere through the mesh");

        // from a peer the three whole packets (the fragments reassembled) are decapsulated: each would have been
        filter.add(List.of(peer(3)));
        byte[][] fresh = EncapPackets.fragments(stranger, me, PORT, inner, 0x4343, 24); // not the waiting one's id
        send(List.of(fou, withOptions, fresh[0], fresh[1]));
        sleep(300);
        assertEquals(tm0Before + 3, tm0RxPackets(), "the echo, the one with options and the reassembled one");
        assertEquals(5, filter.counters(List.of(peer(3))).rejectedPackets());
    }

    /**
     * FOU arriving on a link other than the underlay passes no underlay filter, and fou hands it
     * to tm0 whatever its source: the filter's third program on tm0 drops it there, before the IP
     * layer sees the inner packet, and counts it as rejected (the inner length + 20 bytes) - from a
     * stranger's address and from a peer's alike. No echo reply leaves through the mesh.
     */
    @Test
    void fouArrivingOnAnotherLinkIsDroppedAtTm0AndCounted() {
        setUp("fou");
        ip(1, "link", "add", SECOND_LINK, "type", "veth", "peer", "name", SECOND_LINK, "netns", ns(4));
        ip(1, "link", "set", SECOND_LINK, "up");
        ip(4, "link", "set", SECOND_LINK, "up");
        int attackerLink = ((Number) LabKernel.link(4, SECOND_LINK).json().get("ifindex")).intValue();
        int me = Ipv4Address.parse(underlay(1)).bits();
        byte[] inner = EncapPackets.echo(
                Ipv4Address.parse("192.168.42.9").bits(),
                Ipv4Address.parse(tunnelAddress(1)).bits());
        LabFrames.sendIpv4(
                ns(4),
                attackerLink,
                EncapPackets.fou(Ipv4Address.parse(underlay(4)).bits(), me, PORT, inner),
                1);
        LabFrames.sendIpv4(
                ns(4),
                attackerLink,
                EncapPackets.fou(Ipv4Address.parse(underlay(2)).bits(), me, PORT, inner),
                2);
        sleep(300);

        TrafficCounters after = filter.counters(List.of(peer(2)));
        assertEquals(PeerCounters.ZERO, after.peer("node2"), "no reply went through the mesh to node2's subnet");
        assertEquals(3, after.rejectedPackets(), after.toString());
        assertEquals(3L * (EncapPackets.ECHO_BYTES + 20), after.rejectedBytes());
        assertTrue(
                filter.diagnose().stream()
                        .anyMatch(l -> l.startsWith("WARN ipip filter: 3 IPIP packet(s) that arrived on a link other"
                                + " than eth0 dropped at tunl0 or tm0 (312 bytes)")),
                filter.diagnose().toString());
        assertEquals(2, ping(2, tunnelAddress(1), 2), "the peer on the underlay still passes tm0");
        assertEquals(
                new PeerCounters(2, 2L * FOU_PING_BYTES, 2, 2L * FOU_PING_BYTES),
                filter.counters(List.of(peer(2))).peer("node2"));
        assertTrue(
                LabKernel.filters(1, SHARED_DEVICE, "ingress", false).stream()
                        .anyMatch(f -> "tunnelmesh:node1".equals(f.bpfName())),
                "ours on tm0: " + LabKernel.filters(1, SHARED_DEVICE, "ingress", false));
    }

    private static void send(List<byte[]> packets) {
        for (byte[] packet : packets) {
            LabFrames.sendIpv4(ns(3), eth0(3), packet, 1);
        }
    }
}
