package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.Lab.requireLab;
import static org.tunnelmesh.linux.LabKernel.snapshot;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A process that may not load BPF programs - root with CAP_BPF and CAP_SYS_ADMIN (which stands in
 * for it) out of its bounding set, CAP_NET_ADMIN kept - cannot install the IPIP filter: open()
 * fails with the kernel's EPERM, names the capability that is missing and how to grant it, and
 * changes nothing.
 */
class BpfPermissionKernelIT {

    @BeforeAll
    static void lab() {
        requireLab();
    }

    @Test
    void withoutCapBpfOpenSaysWhichCapabilityIsMissingAndHowToGrantIt() throws Exception {
        Object before = snapshot(1);
        Process other = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        "node1",
                        "setpriv",
                        "--bounding-set=-bpf,-sys_admin",
                        "--",
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        OpenMeshMain.class.getName(),
                        "node1",
                        "here")
                .redirectErrorStream(true)
                .start();
        String output = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(other.waitFor(120, TimeUnit.SECONDS));
        assertEquals(4, other.exitValue(), output);
        assertTrue(output.contains("EPERM"), "the kernel's answer: " + output);
        assertTrue(output.contains("The process lacks CAP_BPF: "), "which capability: " + output);
        assertTrue(output.contains("AmbientCapabilities=CAP_NET_ADMIN CAP_BPF"), "how to grant it: " + output);
        assertTrue(output.contains("ipipFilter(false)"), "how to go without the filter: " + output);
        assertEquals(before, snapshot(1), "nothing changed in the kernel");
    }
}
