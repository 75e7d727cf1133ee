package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher as shipped (src/dist/bin/tunnelmesh-node), run in a distribution laid out under a temporary directory
 * with a stand-in Java that writes down the options it was given: which archive it picks, and that it runs no command
 * but {@code stat} (and {@code rm}, {@code mv} on archives) on the way: each one is a fork of a shell that holds every
 * argument.
 */
class NodeLauncherTest {
    @TempDir
    Path root;

    private Path launcher;
    private Path javaHome;
    private Path cds;
    private Path given;
    /** A PATH with {@code stat}, and {@code rm} and {@code mv} for the archive's files: the launcher fails on any other. */
    private Path onlyStat;

    @BeforeEach
    void layOut() throws IOException {
        Path home = root.resolve("tunnelmesh-node");
        Files.createDirectories(home.resolve("bin"));
        Files.createDirectories(home.resolve("lib"));
        launcher = home.resolve("bin/tunnelmesh-node");
        Files.copy(NodeDistributionTest.LAUNCHER, launcher);
        Files.writeString(home.resolve("lib/tunnelmesh-node.jar"), "not a jar: the stand-in Java never opens it");
        javaHome = root.resolve("java");
        Files.createDirectories(javaHome.resolve("bin"));
        given = root.resolve("given");
        executable(
                javaHome.resolve("bin/java"), "#!/bin/bash\nfor a in \"$@\"; do echo \"$a\"; done > " + given + "\n");
        cds = root.resolve("cds");
        Files.createDirectories(cds);
        onlyStat = root.resolve("path");
        Files.createDirectories(onlyStat);
        for (String command : List.of("stat", "rm", "mv")) {
            Files.createSymbolicLink(onlyStat.resolve(command), Path.of(which(command)));
        }
    }

    @Test
    void withoutAnArchiveTheRunRecordsOne() throws Exception {
        assertEquals(0, launch(List.of("--name", "m")));
        List<String> options = Files.readAllLines(given);
        assertTrue(
                options.stream().anyMatch(o -> o.startsWith("-XX:ArchiveClassesAtExit=" + cds + "/recording-")),
                "records an archive: " + options);
        assertEquals(List.of("--name", "m"), options.subList(options.size() - 2, options.size()));
        assertFalse(options.contains("-XX:+VerifySharedSpaces"), "no CRC pass over the archive at every start");
        assertTrue(options.contains("-XX:-UsePerfData"), "no hsperfdata file: " + options);
    }

    @Test
    void anArchiveOfItsOwnSizeIsMappedAndOneOfAnotherSizeDeleted() throws Exception {
        launch(List.of());
        Path recording = Path.of(Files.readAllLines(given).stream()
                .filter(o -> o.startsWith("-XX:ArchiveClassesAtExit="))
                .findFirst()
                .orElseThrow()
                .substring("-XX:ArchiveClassesAtExit=".length()));
        // the stand-in wrote no archive; name one as the launcher would, from the key it used
        String key = keyOf();
        Path good = cds.resolve("tunnelmesh-node-" + key + "-1234.jsa");
        Files.write(good, new byte[1234]);
        Path other = cds.resolve("tunnelmesh-node-12345-99.jsa"); // another jar's or Java's: left to its own
        Files.write(other, new byte[99]);

        assertEquals(0, launch(List.of("--peer", "a@10.0.0.1=10.1.0.0/24")));
        List<String> options = Files.readAllLines(given);
        assertTrue(options.contains("-XX:SharedArchiveFile=" + good), "maps its archive: " + options);
        assertTrue(options.contains("-Xshare:auto"), "an archive the JVM rejects is ignored: " + options);
        assertFalse(Files.exists(recording));

        Path truncated = cds.resolve("tunnelmesh-node-" + key + "-2000.jsa");
        Files.move(good, truncated); // 1234 bytes under a name that says 2000
        assertEquals(0, launch(List.of()));
        assertFalse(Files.exists(truncated), "an archive whose size is not its name's is deleted unread");
        assertTrue(Files.readAllLines(given).stream().anyMatch(o -> o.startsWith("-XX:ArchiveClassesAtExit=")));
        assertTrue(Files.exists(other));
    }

    @Test
    void theArgumentsOfTwentyThousandPeersPassThroughUnchanged() throws Exception {
        List<String> args = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            args.add("--peer");
            args.add("p" + i + "@10.245." + (2 + i / 250) + "." + (1 + i % 250) + "=10." + (128 + i / 256) + "."
                    + (i % 256) + ".0/24");
        }
        assertEquals(0, launch(args));
        List<String> options = Files.readAllLines(given);
        assertEquals(args, options.subList(options.size() - args.size(), options.size()));
    }

    @Test
    void aLauncherReachedThroughALinkFindsItsJar() throws Exception {
        Path link = root.resolve("tunnelmesh-node-link");
        Files.createSymbolicLink(link, launcher);
        ProcessBuilder builder = new ProcessBuilder(link.toString(), "--name", "m");
        builder.environment().put("JAVA_HOME", javaHome.toString());
        builder.environment().put("TUNNELMESH_CDS_DIR", "off");
        assertEquals(0, run(builder), "readlink, on PATH here, resolves the link");
        assertTrue(Files.readAllLines(given)
                .contains(
                        root.resolve("tunnelmesh-node/lib/tunnelmesh-node.jar").toString()));
    }

    /** The key of the archive the last launch recorded, from the launcher's own trace. */
    private String keyOf() throws Exception {
        ProcessBuilder builder = new ProcessBuilder("bash", "-x", launcher.toString());
        environment(builder.environment());
        builder.redirectErrorStream(true);
        Process process = builder.start();
        String trace = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(30, TimeUnit.SECONDS);
        String marker = "prefix=" + cds + "/tunnelmesh-node-";
        int at = trace.indexOf(marker);
        assertTrue(at >= 0, trace);
        int end = trace.indexOf('-', at + marker.length());
        return trace.substring(at + marker.length(), end);
    }

    private int launch(List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        environment(builder.environment());
        return run(builder);
    }

    private void environment(Map<String, String> environment) {
        environment.put("JAVA_HOME", javaHome.toString());
        environment.put("TUNNELMESH_CDS_DIR", cds.toString());
        environment.put("PATH", onlyStat.toString()); // no readlink, mkdir, cksum, cut, command -v
    }

    private static int run(ProcessBuilder builder) throws Exception {
        builder.redirectErrorStream(true);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the launcher returned");
        assertEquals("", out.strip(), "the launcher printed nothing of its own");
        return process.exitValue();
    }

    private static void executable(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static String which(String command) {
        return Stream.of(System.getenv("PATH").split(":"))
                .map(dir -> Path.of(dir, command))
                .filter(Files::isExecutable)
                .findFirst()
                .orElseThrow()
                .toString();
    }
}
