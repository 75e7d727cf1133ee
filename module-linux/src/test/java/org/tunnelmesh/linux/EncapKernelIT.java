package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.Lab.ip;
import static org.tunnelmesh.linux.Lab.ns;
import static org.tunnelmesh.linux.Lab.underlay;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.linux.netlink.FouPort;
import org.tunnelmesh.linux.rtnetlink.IpipParameters;
import org.tunnelmesh.linux.rtnetlink.Link;
import org.tunnelmesh.linux.rtnetlink.RtnetlinkRequests;
import org.tunnelmesh.linux.rtnetlink.RtnetlinkSession;
import org.tunnelmesh.linux.rtnetlink.TunnelEncap;
import org.tunnelmesh.linux.syscall.NetworkNamespace;

/**
 * IPIP inside UDP between node1 and node2, built with our own requests (the fou receive port over genetlink, the ipip
 * device with IFLA_IPTUN_ENCAP_*): pings pass, and the underlay carries UDP to the port and no IP protocol 4. Needs
 * the lab's own kernel (CONFIG_NET_FOU_IP_TUNNELS).
 */
class EncapKernelIT {
    private static final int PORT = 5555;

    @BeforeEach
    void inTheLab() {
        Lab.requireLab();
        clean();
    }

    @AfterEach
    void clean() {
        for (int node : new int[] {1, 2}) {
            Lab.ipIgnoringFailure(node, "link", "del", "tm-enc");
            Lab.ipIgnoringFailure(node, "link", "del", "tm0");
            Lab.ipIgnoringFailure(node, "fou", "del", "port", String.valueOf(PORT));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fou", "gue"})
    void pingsCrossInsideUdpAndTheUnderlayCarriesNoIpProtocol4(String kind) throws Exception {
        TunnelEncap encap = kind.equals("fou") ? TunnelEncap.fou(PORT) : TunnelEncap.gue(PORT);
        FouPort port = kind.equals("fou") ? FouPort.ipip(PORT) : FouPort.gue(PORT);
        int mtu = 1500 - 20 - (kind.equals("fou") ? 8 : 12);
        for (int[] pair : new int[][] {{1, 2}, {2, 1}}) {
            int node = pair[0];
            int other = pair[1];
            try (FouPorts fou = NetworkNamespace.call(ns(node), FouPorts::open);
                    RtnetlinkSession session = NetworkNamespace.call(ns(node), RtnetlinkSession::open)) {
                assertTrue(fou.add(port));
                int eth0 = session.link("eth0").orElseThrow().ifindex();
                var batch = session.batch();
                RtnetlinkRequests.newIpipLink(
                        batch,
                        RtnetlinkRequests.CREATE,
                        "tm-enc",
                        mtu,
                        IpipParameters.pointToPoint(
                                        eth0,
                                        Ipv4Address.parse(underlay(node)),
                                        Ipv4Address.parse(underlay(other)),
                                        64,
                                        true)
                                .withEncap(encap));
                session.execute(batch);
                Link link = session.link("tm-enc").orElseThrow();
                assertEquals(encap, link.ipip().encap(), "read back");
                assertEquals(mtu, link.mtu());
            }
            ip(node, "link", "set", "tm-enc", "up");
            ip(node, "addr", "add", Lab.tunnelAddress(node) + "/32", "dev", "tm-enc");
            ip(node, "route", "add", Lab.subnet(other), "dev", "tm-enc");
        }
        assertTrue(ip(1, "-d", "link", "show", "tm-enc")
                .contains("encap " + kind + " encap-sport auto encap-dport " + PORT));

        LabCapture capture = LabCapture.start(2);
        try {
            assertEquals(5, Lab.ping(1, Lab.tunnelAddress(2), 5));
            capture.awaitPackets("udp dst port " + PORT, 10);
        } finally {
            capture.stop();
        }
        List<String> udp = capture.read("udp dst port " + PORT);
        List<String> ipip = capture.read("ip proto 4");
        capture.delete();
        assertTrue(udp.size() >= 10, "5 requests and 5 replies inside UDP to port " + PORT + ": " + udp);
        assertEquals(List.of(), ipip, "no bare IPIP on the underlay");
    }
}
