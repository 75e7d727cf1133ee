package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 24: every failure for lack of a privilege is a PermissionDeniedException naming the capability or path and
 * the fix - a missing CAP_BPF, a lock directory without write access, entering a namespace without CAP_SYS_ADMIN.
 * Each case runs a second process as root with capabilities taken away (setpriv), so the kernel itself refuses:
 * real EPERMs and EACCESes. Nothing changes in the kernel.
 */
class PermissionKernelIT {
    @RegisterExtension
    final LabMeshes meshes = new LabMeshes();

    private static final String PERMISSION_DENIED = "THROWN org.tunnelmesh.PermissionDeniedException: ";

    /** In node1, everything but CAP_BPF (and CAP_SYS_ADMIN, CAP_PERFMON, which would stand in for it). */
    @Test
    void withoutCapBpfTheIpipFilterIsPermissionDeniedNamingCapBpf() throws Exception {
        Object before = LabKernel.snapshot(1);

        String output = PrivilegeProbeMain.run(
                List.of("ip", "netns", "exec", "node1", "setpriv", "--bounding-set=-bpf,-sys_admin,-perfmon"),
                List.of(),
                "open",
                "-",
                Lab.underlay(1));

        assertTrue(output.startsWith(PERMISSION_DENIED + "the IPIP filter"), output);
        assertTrue(output.contains("EPERM") && output.contains("CAP_BPF"), output);
        assertTrue(output.contains("AmbientCapabilities=CAP_NET_ADMIN CAP_BPF"), output);
        assertTrue(output.contains("MeshConfig.ipipFilter(false)"), output);
        assertEquals(before, LabKernel.snapshot(1), "nothing changed");
    }

    @Test
    void aLockDirectoryWithoutWriteAccessIsPermissionDenied() throws Exception {
        Path locks = Files.createDirectories(Path.of("/run/tunnelmesh-readonly"));
        Files.setPosixFilePermissions(locks, PosixFilePermissions.fromString("r-xr-xr-x"));
        Object before = LabKernel.snapshot(1);

        String output = PrivilegeProbeMain.run(
                List.of("ip", "netns", "exec", "node1", "setpriv", "--bounding-set=-dac_override,-dac_read_search"),
                List.of("-Dtunnelmesh.lockDirectory=" + locks),
                "open",
                "-",
                Lab.underlay(1));

        assertTrue(output.startsWith(PERMISSION_DENIED + "cannot take the lock " + locks + "/net-"), output);
        assertTrue(output.contains(": Permission denied; the process needs write access to " + locks), output);
        assertEquals(before, LabKernel.snapshot(1), "nothing changed");
    }

    @Test
    void enteringANamespaceWithoutCapSysAdminIsPermissionDenied() throws Exception {
        Object before = LabKernel.snapshot(1);

        String output = PrivilegeProbeMain.run(
                List.of("setpriv", "--bounding-set=-sys_admin"), List.of(), "open", "node1", Lab.underlay(1));

        assertTrue(
                output.startsWith(PERMISSION_DENIED + "setns(/run/netns/node1, CLONE_NEWNET) failed: EPERM"), output);
        assertTrue(output.contains("CAP_SYS_ADMIN"), output);
        assertEquals(before, LabKernel.snapshot(1), "nothing changed");
    }
}
