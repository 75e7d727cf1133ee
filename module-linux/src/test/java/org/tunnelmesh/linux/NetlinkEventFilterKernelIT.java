package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.netlink.Netlink.NETLINK_ROUTE;
import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.RTM_NEWADDR;
import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.RTNLGRP_IPV4_IFADDR;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.linux.netlink.BatchOutcome;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;
import org.tunnelmesh.linux.netlink.NetlinkSocket;
import org.tunnelmesh.linux.netlink.NetlinkTransactions;
import org.tunnelmesh.linux.rtnetlink.RtnetlinkRequests;
import org.tunnelmesh.linux.syscall.NetworkNamespace;

/**
 * The event socket's kernel-side filter: notifications caused by the mesh's own control socket
 * never reach it (nor wake its reader), everyone else's do. In the lab's node4 namespace, on lo.
 */
class NetlinkEventFilterKernelIT {
    private static final int LOOPBACK = 1;
    private static final Ipv4Address OWN = Ipv4Address.parse("10.77.0.1");
    private static final Ipv4Address OTHER = Ipv4Address.parse("10.77.0.2");

    @BeforeEach
    void inTheLab() {
        Lab.requireLab();
    }

    @Test
    void ownNotificationsAreDroppedOthersArrive() {
        List<Integer> filtered = new ArrayList<>();
        List<Integer> unfiltered = new ArrayList<>();
        NetworkNamespace.call(Lab.ns(4), () -> {
            try (NetlinkSocket own = NetlinkSocket.open(NETLINK_ROUTE);
                    NetlinkSocket other = NetlinkSocket.open(NETLINK_ROUTE);
                    NetlinkSocket events = NetlinkSocket.open(NETLINK_ROUTE);
                    NetlinkSocket control = NetlinkSocket.open(NETLINK_ROUTE)) {
                events.joinGroup(RTNLGRP_IPV4_IFADDR);
                events.dropNotificationsCausedBy(own.portId());
                control.joinGroup(RTNLGRP_IPV4_IFADDR); // the same, without the filter
                try {
                    addAddress(own, OWN);
                    addAddress(other, OTHER);
                    // one datagram each: the first the filtered socket holds is the other's
                    assertTrue(events.poll(m -> record(filtered, m.type(), m.portId()), false), "nothing arrived");
                    assertTrue(
                            control.poll(m -> record(unfiltered, m.type(), m.portId()), false),
                            "nothing arrived unfiltered");
                    assertTrue(
                            control.poll(m -> record(unfiltered, m.type(), m.portId()), false),
                            "one arrived unfiltered");
                } finally {
                    Lab.ipIgnoringFailure(4, "addr", "del", OWN + "/32", "dev", "lo");
                    Lab.ipIgnoringFailure(4, "addr", "del", OTHER + "/32", "dev", "lo");
                }
                assertEquals(
                        List.of(other.portId()), filtered, "own port " + own.portId() + ", other " + other.portId());
                assertEquals(List.of(own.portId(), other.portId()), unfiltered);
            }
            return null;
        });
    }

    private static void record(List<Integer> ports, int type, int portId) {
        if (type == RTM_NEWADDR) {
            ports.add(portId);
        }
    }

    private static void addAddress(NetlinkSocket socket, Ipv4Address address) {
        NetlinkTransactions transactions = new NetlinkTransactions(socket);
        NetlinkMessageBuilder batch = transactions.newBatch();
        RtnetlinkRequests.newAddress(batch, RtnetlinkRequests.CREATE, LOOPBACK, address, 32);
        BatchOutcome outcome = transactions.send(batch);
        assertNotNull(outcome);
        if (outcome.failures() > 0) {
            throw outcome.exception();
        }
    }
}
