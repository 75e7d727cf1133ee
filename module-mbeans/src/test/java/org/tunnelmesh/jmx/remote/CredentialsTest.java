package org.tunnelmesh.jmx.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsTest {

    @TempDir
    Path dir;

    @Test
    void matchesOnlyTheRightUserAndPassword() {
        Credentials credentials = Credentials.of("operator", "s3cret".toCharArray());

        assertTrue(credentials.matches("operator", "s3cret"));
        assertFalse(credentials.matches("operator", "s3cret "));
        assertFalse(credentials.matches("operator", "S3cret"));
        assertFalse(credentials.matches("admin", "s3cret"));
        assertFalse(credentials.matches(null, "s3cret"));
        assertFalse(credentials.matches("operator", null));
        assertFalse(credentials.matches("operator", ""));
    }

    @Test
    void neverShowsThePassword() {
        assertFalse(
                Credentials.of("operator", "s3cret".toCharArray()).toString().contains("s3cret"));
    }

    @Test
    void refusesEmptyValuesAndAColonInTheUser() {
        assertThrows(IllegalArgumentException.class, () -> Credentials.of("", "x".toCharArray()));
        assertThrows(IllegalArgumentException.class, () -> Credentials.of("a:b", "x".toCharArray()));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Credentials.of("operator", new char[0]));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void readsTheFirstLineOfAnOwnerOnlyFile() throws Exception {
        Path file = write("s3cret\nsecond line\n", "rw-------");

        Credentials credentials = Credentials.fromPasswordFile("operator", file);

        assertTrue(credentials.matches("operator", "s3cret"));
        assertEquals("operator", credentials.user());
    }

    @Test
    void refusesAFileOthersCanRead() throws Exception {
        for (String permissions : new String[] {"rw-r-----", "rw----r--", "rw-rw-rw-", "rw--w----"}) {
            Path file = write("s3cret\n", permissions);

            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> Credentials.fromPasswordFile("operator", file));

            assertTrue(
                    e.getMessage().contains(file.toString()) && e.getMessage().contains("chmod 600"),
                    permissions + ": " + e.getMessage());
        }
    }

    @Test
    void namesAMissingOrEmptyFile() throws Exception {
        Path missing = dir.resolve("nope");
        Path empty = write("", "rw-------");

        IllegalArgumentException noFile =
                assertThrows(IllegalArgumentException.class, () -> Credentials.fromPasswordFile("u", missing));
        IllegalArgumentException noLine =
                assertThrows(IllegalArgumentException.class, () -> Credentials.fromPasswordFile("u", empty));

        assertTrue(noFile.getMessage().contains(missing + " does not exist"), noFile.getMessage());
        assertTrue(noLine.getMessage().contains("is empty"), noLine.getMessage());
    }

    /** A link to a file of the attacker's, a FIFO that would hang the start, a device that never ends: refused, without blocking. */
    @Test
    void refusesALinkAFifoAndADevice() throws Exception {
        Path target = write("s3cret\n", "rw-------");
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        Path fifo = dir.resolve("fifo");
        assertEquals(
                0,
                new ProcessBuilder("mkfifo", "-m", "600", fifo.toString())
                        .inheritIO()
                        .start()
                        .waitFor());

        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> {
            for (Path file : new Path[] {link, fifo, Path.of("/dev/zero")}) {
                IllegalArgumentException e =
                        assertThrows(IllegalArgumentException.class, () -> Credentials.fromPasswordFile("u", file));
                assertTrue(
                        e.getMessage().startsWith("password file " + file + " is a ")
                                && e.getMessage().endsWith(", not a regular file: give the path of the file itself"),
                        e.getMessage());
            }
        });
    }

    private Path write(String content, String permissions) throws Exception {
        Path file = Files.createTempFile(dir, "password", "");
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
        return file;
    }
}
