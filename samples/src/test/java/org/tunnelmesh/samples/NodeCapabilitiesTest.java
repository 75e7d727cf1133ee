package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The node refuses to start without the capabilities it needs: exit 2, one line naming them and how to grant them. */
class NodeCapabilitiesTest {
    private static final long NET_ADMIN = 1L << NodeCapabilities.CAP_NET_ADMIN;
    private static final long BPF = 1L << NodeCapabilities.CAP_BPF;
    private static final long SYS_ADMIN = 1L << NodeCapabilities.CAP_SYS_ADMIN;

    @Test
    void theSystemdUnitsSetIsEnough() {
        NodeCapabilities.require(NET_ADMIN | BPF, true);
        NodeCapabilities.require(NET_ADMIN | SYS_ADMIN, true); // kernels before 5.8, or root
        NodeCapabilities.require(0x1ffffffffffL, true); // root on 6.1
        NodeCapabilities.require(NET_ADMIN, false); // no filter, no BPF
        NodeCapabilities.require(-1, true); // unknown: the library's own errors tell
    }

    @Test
    void withoutCapBpfTheFilterCannotLoadAndTheLineSaysHowToGrantIt() {
        StartupFailure failure = assertThrows(StartupFailure.class, () -> NodeCapabilities.require(NET_ADMIN, true));
        assertEquals(2, failure.exitStatus());
        String line = failure.oneLine();
        assertEquals(line, failure.getMessage(), "one line");
        assertTrue(line.startsWith("this process lacks CAP_BPF (the IPIP filter loads BPF programs)"), line);
        assertTrue(line.contains("AmbientCapabilities=CAP_NET_ADMIN CAP_BPF"), line);
        assertTrue(line.contains("CapabilityBoundingSet=CAP_NET_ADMIN CAP_BPF"), line);
        assertTrue(line.contains("--no-ipip-filter"), line);
    }

    @Test
    void withoutCapNetAdminNothingWorks() {
        String both = assertThrows(StartupFailure.class, () -> NodeCapabilities.require(0, true))
                .getMessage();
        assertTrue(both.startsWith("this process lacks CAP_NET_ADMIN and CAP_BPF"), both);
        String one = assertThrows(StartupFailure.class, () -> NodeCapabilities.require(BPF, false))
                .getMessage();
        assertTrue(one.startsWith("this process lacks CAP_NET_ADMIN: "), one);
        assertTrue(one.contains("AmbientCapabilities=CAP_NET_ADMIN "), one);
        assertFalse(one.contains("CAP_BPF"), "without the filter CAP_BPF is not asked for: " + one);
    }
}
