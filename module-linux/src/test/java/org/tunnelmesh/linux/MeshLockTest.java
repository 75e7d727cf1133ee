package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.internal.TrustedFile;

/** The lock key and the in-process side of "one mesh per namespace and protocol" (the lab tests the kernel and a second process). */
class MeshLockTest {
    @TempDir
    Path dir;

    @Test
    void keyNamesTheNamespaceInodeAndTheProtocol() {
        assertEquals("net-4026531840-proto-87", MeshLock.key(4026531840L, 87));
    }

    @Test
    void aSecondMeshOnTheSameNamespaceAndProtocolIsRefusedNamingTheHolder() throws Exception {
        long pid = ProcessHandle.current().pid();
        try (MeshLock first = MeshLock.acquire(dir, 11, 87, "edge", "network namespace blue")) {
            assertEquals(
                    "mesh 'edge' (pid " + pid + ")",
                    Files.readString(dir.resolve("net-11-proto-87.lock")).strip());
            ConflictException e = assertThrows(
                    ConflictException.class, () -> MeshLock.acquire(dir, 11, 87, "other", "network namespace blue"));
            assertTrue(
                    e.getMessage().contains("network namespace blue")
                            && e.getMessage().contains("mesh 'edge' (pid " + pid + ")")
                            && e.getMessage().contains("route protocol 87"),
                    e.getMessage());
            // the refused attempt did not drop the holder's lock (closing a descriptor would, for fcntl locks)
            assertThrows(ConflictException.class, () -> MeshLock.acquire(dir, 11, 87, "other", "x"));
            // another protocol or another namespace is another key
            MeshLock.acquire(dir, 11, 88, "other", "x").close();
            MeshLock.acquire(dir, 12, 87, "other", "x").close();
        }
        try (MeshLock again = MeshLock.acquire(dir, 11, 87, "other", "x")) {
            assertEquals(
                    "mesh 'other' (pid " + pid + ")",
                    Files.readString(dir.resolve("net-11-proto-87.lock")).strip());
        }
    }

    /** Issue 21 row 10: a lock file others can read is a lock others can hold. */
    @Test
    void theLockFileIsPrivateInADirectoryOnlyWeChange() throws Exception {
        Path locks = dir.resolve("locks");
        Path legacy = Files.createDirectories(locks).resolve("net-12-proto-87.lock");
        Files.writeString(legacy, "mesh 'old' (pid 1)\n");
        Files.setPosixFilePermissions(legacy, PosixFilePermissions.fromString("rw-r--r--"));
        try (MeshLock lock = MeshLock.acquire(locks, 11, 87, "edge", "x");
                MeshLock old = MeshLock.acquire(locks, 12, 87, "edge", "x")) {
            assertEquals(
                    "rw-------",
                    PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(locks.resolve("net-11-proto-87.lock"))));
            assertEquals(
                    "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(legacy)), "made private");
        }
        Path made = dir.resolve("made");
        MeshLock.acquire(made, 11, 87, "edge", "x").close();
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(made)));
    }

    @Test
    void aLinkOrADirectoryOthersCanWriteIsRefused() throws Exception {
        Path target = Files.writeString(dir.resolve("target"), "");
        Path link = Files.createSymbolicLink(dir.resolve("net-11-proto-87.lock"), target);
        assertEquals(
                "the lock file " + link + " is not a regular file of root or uid " + TrustedFile.nodeUid()
                        + ": someone else put it there; remove it",
                assertThrows(InvalidInputException.class, () -> MeshLock.acquire(dir, 11, 87, "edge", "x"))
                        .getMessage());
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        String message = assertThrows(InvalidInputException.class, () -> MeshLock.acquire(open, 11, 87, "edge", "x"))
                .getMessage();
        assertTrue(
                message.contains(
                        "writable by group or others (rwxrwxrwx), who could swap the file: chmod go-w " + open),
                message);
    }

    /** The lock held by a process that is not the mesh the file names: said so, not "already has a mesh". */
    @Test
    void aLockHeldForADeadPidSaysSo() throws Exception {
        Path file = dir.resolve("net-11-proto-87.lock");
        Files.writeString(file, "mesh 'edge' (pid 999999999)\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Process holder = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElseThrow(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        SharedLockHolder.class.getName(),
                        file.toString())
                .start();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("LOCKED", out.readLine());
            ConflictException e = assertThrows(
                    ConflictException.class, () -> MeshLock.acquire(dir, 11, 87, "edge", "namespace blue"));
            assertEquals(
                    "namespace blue has no running mesh with route protocol 87, but its lock " + file
                            + " is held: the file names "
                            + "mesh 'edge' (pid 999999999), which is not running. Find the process that holds the lock with lslocks and stop it",
                    e.getMessage());
        } finally {
            holder.destroy();
            holder.waitFor();
        }
    }

    /**
     * Issue 24: a lock directory the process may not write is a PermissionDeniedException that says so, naming the
     * lock file once. Taken in a second process without CAP_DAC_OVERRIDE (setpriv) when the test runs as root.
     */
    @Test
    void aLockDirectoryWithoutWriteAccessIsPermissionDenied() throws Exception {
        Path locks = Files.createDirectories(dir.resolve("locks"));
        Files.setPosixFilePermissions(locks, PosixFilePermissions.fromString("r-xr-xr-x"));
        boolean root = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
        List<String> lessPrivileged =
                root ? List.of("setpriv", "--bounding-set=-dac_override,-dac_read_search") : List.of();

        String output = PrivilegeProbeMain.run(lessPrivileged, List.of(), "lock", locks.toString());

        Path file = locks.resolve("net-1-proto-87.lock");
        assertTrue(
                output.startsWith("THROWN org.tunnelmesh.PermissionDeniedException: cannot take the lock " + file
                        + " that keeps one mesh per network namespace and route protocol: Permission denied;"
                        + " the process needs write access to " + locks + ": run as root"),
                output);
        assertEquals(1, output.split(java.util.regex.Pattern.quote(file.toString()), -1).length - 1, output);
        assertTrue(output.contains("RuntimeDirectory=tunnelmesh") && output.contains("-Dtunnelmesh.lockDirectory="));
    }
}
