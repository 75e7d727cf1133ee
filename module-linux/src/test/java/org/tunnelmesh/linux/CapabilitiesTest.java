package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which capability the mesh lacks, and what diagnose() and a refused bpf(2) tell the operator to do. */
class CapabilitiesTest {
    private static final long NET_ADMIN = 1L << Capabilities.CAP_NET_ADMIN;
    private static final long BPF = 1L << Capabilities.CAP_BPF;
    private static final long SYS_ADMIN = 1L << Capabilities.CAP_SYS_ADMIN;
    /** What root has on a 6.1 kernel (CapEff: 000001ffffffffff). */
    private static final long ROOT = 0x1ffffffffffL;

    @Test
    void theFilterNeedsCapBpfOrCapSysAdminBesideCapNetAdmin() {
        assertEquals(List.of(), Capabilities.missing(NET_ADMIN | BPF, true));
        assertEquals(List.of(), Capabilities.missing(NET_ADMIN | SYS_ADMIN, true));
        assertEquals(List.of(), Capabilities.missing(ROOT, true));
        assertEquals(List.of("CAP_BPF"), Capabilities.missing(NET_ADMIN, true));
        assertEquals(List.of(), Capabilities.missing(NET_ADMIN, false));
        assertEquals(List.of("CAP_NET_ADMIN", "CAP_BPF"), Capabilities.missing(0, true));
        assertEquals(List.of("CAP_NET_ADMIN"), Capabilities.missing(BPF, true));
    }

    @Test
    void aRefusedBpfCallNamesTheMissingCapabilityAndHowToGrantIt() {
        String advice = Capabilities.bpfPermissionAdvice(NET_ADMIN);
        assertTrue(advice.startsWith("The process lacks CAP_BPF: "), advice);
        assertTrue(advice.contains("AmbientCapabilities=CAP_NET_ADMIN CAP_BPF"), advice);
        assertTrue(advice.contains("CapabilityBoundingSet=CAP_NET_ADMIN CAP_BPF"), advice);
        assertTrue(advice.contains("setcap cap_net_admin,cap_bpf+ep"), advice);

        assertTrue(Capabilities.bpfPermissionAdvice(0).startsWith("The process lacks CAP_NET_ADMIN and CAP_BPF: "));
        // both there and still refused: something else than a capability
        assertTrue(Capabilities.bpfPermissionAdvice(ROOT).contains("yet the kernel refused"));
    }

    @Test
    void diagnoseAdvisesCapBpfWhenTheFilterIsOn() {
        assertEquals(
                List.of("OK CAP_NET_ADMIN: effective", "OK CAP_BPF: effective"),
                Capabilities.diagnoseLines(NET_ADMIN | BPF, true));
        assertEquals(
                List.of("OK CAP_NET_ADMIN: effective", "OK CAP_BPF: CAP_SYS_ADMIN stands in for it"),
                Capabilities.diagnoseLines(NET_ADMIN | SYS_ADMIN, true));
        List<String> noBpf = Capabilities.diagnoseLines(NET_ADMIN, true);
        assertEquals("OK CAP_NET_ADMIN: effective", noBpf.get(0));
        assertTrue(noBpf.get(1).startsWith("FAIL CAP_BPF: missing"), noBpf.get(1));
        assertTrue(noBpf.get(1).contains("AmbientCapabilities=CAP_NET_ADMIN CAP_BPF"), noBpf.get(1));
        // no CAP_NET_ADMIN: the advice grants the whole set the mesh needs, CAP_BPF included
        String noNetAdmin = Capabilities.diagnoseLines(BPF, true).get(0);
        assertTrue(noNetAdmin.startsWith("FAIL CAP_NET_ADMIN: missing"), noNetAdmin);
        assertTrue(noNetAdmin.contains("AmbientCapabilities=CAP_NET_ADMIN CAP_BPF"), noNetAdmin);
    }

    @Test
    void withoutTheFilterOnlyCapNetAdminIsAskedFor() {
        assertEquals(List.of("OK CAP_NET_ADMIN: effective"), Capabilities.diagnoseLines(NET_ADMIN, false));
        String line = Capabilities.diagnoseLines(0, false).get(0);
        assertTrue(line.contains("AmbientCapabilities=CAP_NET_ADMIN "), line);
        assertTrue(!line.contains("CAP_BPF"), line);
    }

    @Test
    void anUnreadableStatusIsAWarningNotAGuess() {
        assertEquals(
                List.of("WARN CAP_NET_ADMIN: cannot read /proc/self/status"), Capabilities.diagnoseLines(-1, true));
        assertTrue(Capabilities.bpfPermissionAdvice(-1).contains("CAP_BPF and CAP_NET_ADMIN"));
    }

    @Test
    void theSystemdUnitsSetIsEnoughToStart() {
        assertEquals(null, Capabilities.lacking(NET_ADMIN | BPF, true));
        assertEquals(null, Capabilities.lacking(NET_ADMIN | SYS_ADMIN, true)); // kernels before 5.8
        assertEquals(null, Capabilities.lacking(ROOT, true));
        assertEquals(null, Capabilities.lacking(NET_ADMIN, false)); // no filter, no CAP_BPF
        assertEquals(null, Capabilities.lacking(-1, true)); // unknown: the kernel's refusal will tell
    }

    @Test
    void withoutCapBpfTheLineNamesItAndHowToGrantIt() {
        String line = Capabilities.lacking(NET_ADMIN, true);
        assertTrue(line.startsWith("this process lacks CAP_BPF (the IPIP filter loads BPF programs): "), line);
        assertTrue(line.contains("AmbientCapabilities=CAP_NET_ADMIN CAP_BPF"), line);
        assertTrue(line.contains("CapabilityBoundingSet=CAP_NET_ADMIN CAP_BPF"), line);
        assertTrue(line.contains("--no-ipip-filter"), line);
        assertTrue(!line.contains("\n"), "one line: " + line);
    }

    @Test
    void withoutCapNetAdminTheLineNamesIt() {
        assertTrue(Capabilities.lacking(0, true).startsWith("this process lacks CAP_NET_ADMIN and CAP_BPF"));
        String one = Capabilities.lacking(BPF, false);
        assertTrue(one.startsWith("this process lacks CAP_NET_ADMIN: "), one);
        assertTrue(!one.contains("CAP_BPF"), "without the filter CAP_BPF is not asked for: " + one);
    }
}
