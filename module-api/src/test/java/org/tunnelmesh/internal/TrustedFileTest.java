package org.tunnelmesh.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tunnelmesh.InvalidInputException;

/**
 * The checks an attacker meets when pointing the node at a file of their choosing: a link, a FIFO,
 * a device that never ends, a file others may write, a directory others may write. (A file owned by
 * another user needs root to make: {@code NodeTrustedFilesKernelIT} tries it in the lab.)
 */
class TrustedFileTest {
    /** A FIFO must be refused, never opened: opening one blocks until a writer comes. */
    private static final Duration NEVER_BLOCKS = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void readsAFileOfItsOwnUser() throws Exception {
        Path file = Files.writeString(dir.resolve("state.json"), "peers");
        assertArrayEquals("peers".getBytes(StandardCharsets.UTF_8), TrustedFile.read(file, "state file", 100, false));
        assertNull(TrustedFile.readIfPresent(dir.resolve("absent"), "state file", 100, false));
        assertEquals(
                "state file " + dir.resolve("absent") + " does not exist",
                assertThrows(
                                InvalidInputException.class,
                                () -> TrustedFile.read(dir.resolve("absent"), "state file", 100, false))
                        .getMessage());
    }

    @Test
    void aSymbolicLinkIsNotFollowed() throws Exception {
        Path target = Files.writeString(dir.resolve("target"), "peers");
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        assertEquals(
                "state file " + link + " is a symbolic link, not a regular file: give the path of the file itself",
                refused(link, false));
    }

    @Test
    void aFifoIsRefusedWithoutBlocking() throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", "-m", "600", fifo.toString())
                .inheritIO()
                .start();
        assertEquals(0, mkfifo.waitFor());
        String message = assertTimeoutPreemptively(NEVER_BLOCKS, () -> refused(fifo, false));
        assertEquals(
                "state file " + fifo + " is a FIFO, not a regular file: give the path of the file itself", message);
    }

    @Test
    void aDeviceThatNeverEndsIsRefusedBeforeReading() {
        String message = assertTimeoutPreemptively(NEVER_BLOCKS, () -> refused(Path.of("/dev/zero"), false));
        assertEquals(
                "state file /dev/zero is a character device, not a regular file: give the path of the file itself",
                message);
    }

    @Test
    void aFileOthersCanWriteIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("state.json"), "peers");
        for (String permissions : List.of("rw-rw-rw-", "rw--w----", "rw-rw-r--")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
            assertEquals(
                    "state file " + file + " is writable by group or others (" + permissions + "): chmod go-w " + file,
                    refused(file, false));
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertArrayEquals("peers".getBytes(StandardCharsets.UTF_8), TrustedFile.read(file, "state file", 100, false));
    }

    @Test
    void aSecretOthersCanReadIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("password"), "s3cret");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw----r--"));
        assertEquals(
                "password file " + file + " is open to group or others (rw----r--): chmod 600 " + file,
                assertThrows(InvalidInputException.class, () -> TrustedFile.read(file, "password file", 100, true))
                        .getMessage());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
        assertArrayEquals(
                "s3cret".getBytes(StandardCharsets.UTF_8), TrustedFile.read(file, "password file", 100, true));
    }

    @Test
    void aDirectoryOthersCanWriteIsRefusedUnlessSticky() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Path file = Files.writeString(shared.resolve("state.json"), "peers");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertEquals(
                "state file " + file + " is in directory " + shared + ", writable by group or others (rwxrwxrwx), "
                        + "who could swap the file: chmod go-w " + shared,
                refused(file, false));
        // sticky, as /tmp: only the file's owner may rename or remove it
        Process sticky = new ProcessBuilder("chmod", "1777", shared.toString())
                .inheritIO()
                .start();
        assertEquals(0, sticky.waitFor());
        assertArrayEquals("peers".getBytes(StandardCharsets.UTF_8), TrustedFile.read(file, "state file", 100, false));
    }

    @Test
    void aLargerFileIsRefused() throws Exception {
        Path file = Files.write(dir.resolve("state.json"), new byte[101]);
        assertEquals(
                "state file " + file + " is larger than 100 bytes: not a state file",
                assertThrows(InvalidInputException.class, () -> TrustedFile.read(file, "state file", 100, false))
                        .getMessage());
        assertEquals(100, TrustedFile.read(Files.write(file, new byte[100]), "state file", 100, false).length);
    }

    private static String refused(Path file, boolean secret) {
        return assertThrows(InvalidInputException.class, () -> TrustedFile.read(file, "state file", 1 << 20, secret))
                .getMessage();
    }
}
