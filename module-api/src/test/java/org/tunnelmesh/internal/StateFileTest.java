package org.tunnelmesh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tunnelmesh.Peer;
import org.tunnelmesh.StateFileException;

class StateFileTest {
    private static final Peer NODE2 = Peer.of("node2", "10.245.1.3", "192.168.42.0/24");
    private static final Peer NODE3 = Peer.of("node3", "10.245.1.4", "192.168.43.0/24,192.168.143.0/24");

    @TempDir
    Path dir;

    @Test
    void writesVersionedJsonOnePeerPerLine() {
        assertEquals("""
                {"format":"tunnelmesh-state","version":1,"mesh":"node1","peers":[
                {"name":"node2","underlay":"10.245.1.3","subnets":["192.168.42.0/24"]},
                {"name":"node3","underlay":"10.245.1.4","subnets":["192.168.43.0/24","192.168.143.0/24"]}
                ]}
                """, new String(StateFile.encode("node1", List.of(NODE2, NODE3)), StandardCharsets.UTF_8));
        assertEquals("""
                {"format":"tunnelmesh-state","version":1,"mesh":"node1","peers":[
                ]}
                """, new String(StateFile.encode("node1", List.of()), StandardCharsets.UTF_8));
    }

    @Test
    void readsBackWhatItWroteAndNothingWhenAbsent() throws IOException {
        StateFile file = new StateFile(dir.resolve("node1.json"));
        assertFalse(file.exists());
        assertEquals(List.of(), file.read("node1"));
        file.write("node1", List.of(NODE2, NODE3));
        assertEquals(List.of(NODE2, NODE3), file.read("node1"));
        file.write("node1", List.of(NODE3));
        assertEquals(List.of(NODE3), file.read("node1"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path())));
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(file.path()), listing.toList(), "no temporary file left behind");
        }
    }

    @Test
    void aFailedWriteLeavesTheOldFile() throws IOException {
        StateFile file = new StateFile(dir.resolve("node1.json"));
        file.write("node1", List.of(NODE2));
        // a directory where the temporary file goes: the write fails before the rename
        Files.createDirectory(dir.resolve(".node1.json.tmp"));
        Files.writeString(dir.resolve(".node1.json.tmp").resolve("x"), "x");
        StateFileException e = assertThrows(StateFileException.class, () -> file.write("node1", List.of(NODE3)));
        assertTrue(e.getMessage().startsWith("cannot write state file " + file.path() + ": "), e.getMessage());
        assertEquals(List.of(NODE2), file.read("node1"));
    }

    @Test
    void aMissingDirectoryIsNamed() {
        StateFile file = new StateFile(dir.resolve("nowhere/node1.json"));
        StateFileException e = assertThrows(StateFileException.class, () -> file.write("node1", List.of(NODE2)));
        assertTrue(
                e.getMessage().startsWith("cannot write state file " + file.path() + ": no such file or directory"),
                e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "''|the file is empty",
                "{\"format\":\"tunnelmesh-state\",\"version\":1,\"mesh\":\"node1\",\"peers\":[|not valid JSON: unexpected end of the document at line 1, column 66",
                "[]|expected a JSON object, found an array",
                "{\"format\":\"x\",\"version\":1,\"mesh\":\"node1\",\"peers\":[]}|\"format\" is \"x\", expected \"tunnelmesh-state\"",
                "{\"format\":\"tunnelmesh-state\",\"version\":2,\"mesh\":\"node1\",\"peers\":[]}|version 2 is not supported (this tunnelmesh reads version 1; it was written by a newer tunnelmesh)",
                "{\"format\":\"tunnelmesh-state\",\"mesh\":\"node1\",\"peers\":[]}|\"version\" is missing or not a number",
                "{\"format\":\"tunnelmesh-state\",\"version\":1,\"mesh\":\"node9\",\"peers\":[]}|it belongs to mesh 'node9', not 'node1'",
                "{\"format\":\"tunnelmesh-state\",\"version\":1,\"mesh\":\"node1\"}|\"peers\" is missing or not an array",
                "{\"format\":\"tunnelmesh-state\",\"version\":1,\"mesh\":\"node1\",\"peers\":[],\"extra\":1}|unknown key \"extra\"",
                "{\"format\":\"tunnelmesh-state\",\"version\":1,\"mesh\":\"node1\",\"peers\":[7]}|peer #1: expected an object, found a number",
                "{\"format\":\"tunnelmesh-state\",\"version\":1,\"mesh\":\"node1\",\"peers\":[{\"name\":\"a\",\"underlay\":\"10.0.0.300\",\"subnets\":[\"10.1.0.0/16\"]}]}|peer #1: peer 'a': ",
                "{\"format\":\"tunnelmesh-state\",\"version\":1,\"mesh\":\"node1\",\"peers\":[{\"name\":\"a\",\"underlay\":\"10.0.0.3\",\"subnets\":[\"10.1.0.1/16\"]}]}|peer #1: peer 'a': ",
                "{\"format\":\"tunnelmesh-state\",\"version\":1,\"mesh\":\"node1\",\"peers\":[{\"name\":\"a\",\"underlay\":\"10.0.0.3\",\"subnets\":[]}]}|peer #1: peer 'a': needs at least one subnet",
                "{\"format\":\"tunnelmesh-state\",\"version\":1,\"mesh\":\"node1\",\"peers\":[{\"name\":\"a\",\"underlay\":\"10.0.0.3\"}]}|peer #1: peer 'a': \"subnets\" is missing or not an array",
                "{\"format\":\"tunnelmesh-state\",\"version\":1,\"mesh\":\"node1\",\"peers\":[{\"name\":\"a\",\"underlay\":\"10.0.0.3\",\"subnets\":[\"10.1.0.0/16\"],\"x\":1}]}|peer #1: unknown key \"x\"",
                "{\"format\":\"tunnelmesh-state\",\"version\":1,\"mesh\":\"node1\",\"peers\":[{\"name\":\"a\",\"underlay\":\"10.0.0.3\",\"subnets\":[\"10.1.0.0/16\"]},{\"name\":\"a\",\"underlay\":\"10.0.0.4\",\"subnets\":[\"10.2.0.0/16\"]}]}|peer 'a' appears twice",
            })
    void aDamagedFileIsRefusedNamingTheFileAndTheProblem(String content, String problem) throws IOException {
        Path path = dir.resolve("node1.json");
        Files.writeString(path, content);
        StateFileException e = assertThrows(StateFileException.class, () -> new StateFile(path).read("node1"));
        assertTrue(e.getMessage().startsWith("state file " + path + " is damaged: " + problem), e.getMessage());
        assertTrue(
                e.getMessage().endsWith("; fix or remove it (the mesh did not start and changed nothing)"),
                e.getMessage());
    }

    @Test
    void notUtf8AndUnreadableAndDirectoryAreRefused() throws IOException {
        Path path = dir.resolve("node1.json");
        Files.write(path, new byte[] {'{', (byte) 0xff, '}'});
        assertTrue(assertThrows(StateFileException.class, () -> new StateFile(path).read("node1"))
                .getMessage()
                .contains("is damaged: not UTF-8 text"));
        assertTrue(assertThrows(StateFileException.class, () -> new StateFile(dir).read("node1"))
                .getMessage()
                .endsWith("is a directory, not a regular file: give the path of the file itself"));
        if (!"root".equals(System.getProperty("user.name"))) {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("---------"));
            assertEquals(
                    "cannot read state file " + path + ": permission denied",
                    assertThrows(StateFileException.class, () -> new StateFile(path).read("node1"))
                            .getMessage());
        }
    }

    /** Issue 21 row 11: a FIFO hung the start, /dev/zero ran out of memory, a file anyone could write was believed. */
    @Test
    void aFifoADeviceAndAFileOthersCanWriteAreRefusedWithoutBlocking() throws Exception {
        Path fifo = dir.resolve("fifo.json");
        assertEquals(
                0,
                new ProcessBuilder("mkfifo", fifo.toString())
                        .inheritIO()
                        .start()
                        .waitFor());
        Path open = Files.write(dir.resolve("open.json"), StateFile.encode("node1", List.of(NODE2)));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> {
            assertEquals(
                    "state file " + fifo + " is a FIFO, not a regular file: give the path of the file itself",
                    assertThrows(StateFileException.class, () -> new StateFile(fifo).read("node1"))
                            .getMessage());
            assertEquals(
                    "state file /dev/zero is a character device, not a regular file: give the path of the file itself",
                    assertThrows(StateFileException.class, () -> new StateFile(Path.of("/dev/zero")).read("node1"))
                            .getMessage());
        });
        assertEquals(
                "state file " + open + " is writable by group or others (rw-rw-rw-): chmod go-w " + open,
                assertThrows(StateFileException.class, () -> new StateFile(open).read("node1"))
                        .getMessage());
    }

    @Test
    void givenPeersJoinTheSavedOnesAndReplaceThoseOfTheSameName() {
        Peer node2Moved = Peer.of("node2", "10.245.1.9", "192.168.42.0/24");
        Peer node4 = Peer.of("node4", "10.245.1.5", "192.168.44.0/24");
        assertEquals(
                List.of(node2Moved, NODE3, node4),
                StateFile.startingPeers(List.of(NODE2, NODE3), List.of(node4, node2Moved)));
        assertEquals(List.of(NODE2), StateFile.startingPeers(List.of(), List.of(NODE2)));
    }
}
