package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.Lab.ip;
import static org.tunnelmesh.linux.Lab.ns;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.linux.netlink.FouPort;
import org.tunnelmesh.linux.syscall.NetworkNamespace;

/** The genetlink layer against the lab kernel: fou resolved over nlctrl, ports added, read, listed and deleted. */
class FouPortsKernelIT {
    private static final int NODE = 4;

    @BeforeEach
    void inTheLab() {
        Lab.requireLab();
        clean();
    }

    @AfterEach
    void clean() {
        Lab.ipIgnoringFailure(NODE, "fou", "del", "port", "5555");
        Lab.ipIgnoringFailure(NODE, "fou", "del", "port", "5556");
    }

    @Test
    void portsAreAddedReadListedAndDeletedAsIpFouSeesThem() {
        try (FouPorts fou = NetworkNamespace.call(ns(NODE), FouPorts::open)) {
            assertTrue(fou.familyId() >= 0x10, "a dynamic generic netlink id: " + fou.familyId());
            assertEquals(Optional.empty(), fou.get(5555));

            assertTrue(fou.add(FouPort.ipip(5555)));
            assertFalse(fou.add(FouPort.ipip(5555)), "EADDRINUSE: there already");
            assertTrue(fou.add(FouPort.gue(5556)));
            assertEquals(Optional.of(FouPort.ipip(5555)), fou.get(5555));
            assertEquals(Optional.of(FouPort.gue(5556)), fou.get(5556));
            assertEquals(List.of("port 5555 ipproto 4", "port 5556 gue"), ipFouShow());
            assertEquals(
                    List.of(FouPort.ipip(5555), FouPort.gue(5556)),
                    fou.list().stream()
                            .sorted(java.util.Comparator.comparingInt(FouPort::port))
                            .toList());

            assertTrue(fou.delete(5555));
            assertFalse(fou.delete(5555), "EINVAL: none there");
            assertEquals(Optional.empty(), fou.get(5555));
            assertEquals(List.of("port 5556 gue"), ipFouShow());
        }
    }

    @Test
    void aPortDeletedByHandIsGoneForUsToo() {
        try (FouPorts fou = NetworkNamespace.call(ns(NODE), FouPorts::open)) {
            assertTrue(fou.add(FouPort.ipip(5555)));
            ip(NODE, "fou", "del", "port", "5555");
            assertEquals(Optional.empty(), fou.get(5555));
            assertTrue(fou.add(FouPort.ipip(5555)), "added again");
        }
    }

    @Test
    void ensureCreatesAdoptsRepairsAndRefusesAPortOfAnotherType() {
        try (FouPorts fou = NetworkNamespace.call(ns(NODE), FouPorts::open)) {
            assertEquals(FouPorts.Ensured.CREATED, fou.ensure(FouPort.ipip(5555)));
            assertEquals(FouPorts.Ensured.ADOPTED, fou.ensure(FouPort.ipip(5555)));
            try (FouPorts restarted = NetworkNamespace.call(ns(NODE), FouPorts::open)) {
                assertEquals(FouPorts.Ensured.ADOPTED, restarted.ensure(FouPort.ipip(5555)), "another process adopts");
            }
            ip(NODE, "fou", "del", "port", "5555");
            assertEquals(FouPorts.Ensured.CREATED, fou.ensure(FouPort.ipip(5555)), "repaired");
            assertEquals(List.of("port 5555 ipproto 4"), ipFouShow());

            org.tunnelmesh.ConflictException e = org.junit.jupiter.api.Assertions.assertThrows(
                    org.tunnelmesh.ConflictException.class, () -> fou.ensure(FouPort.gue(5555)));
            assertTrue(e.getMessage().contains("already a fou port (port 5555 ipproto 4)"), e.getMessage());
            assertEquals(List.of("port 5555 ipproto 4"), ipFouShow(), "left as it was");
        }
    }

    @Test
    void aPortHeldByAnotherUdpSocketIsAConflictThatNamesIt() throws Exception {
        try (FouPorts fou = NetworkNamespace.call(ns(NODE), FouPorts::open);
                java.net.DatagramSocket other = NetworkNamespace.call(
                        ns(NODE), () -> new java.net.DatagramSocket(new java.net.InetSocketAddress(5555)))) {
            org.tunnelmesh.ConflictException e = org.junit.jupiter.api.Assertions.assertThrows(
                    org.tunnelmesh.ConflictException.class, () -> fou.add(FouPort.ipip(5555)));
            assertTrue(e.getMessage().contains("UDP port 5555 is in use by another socket"), e.getMessage());
            assertEquals(Optional.empty(), fou.get(5555), "nothing was made");
        }
    }

    private static List<String> ipFouShow() {
        return ip(NODE, "fou", "show")
                .lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty())
                .sorted()
                .toList();
    }
}
