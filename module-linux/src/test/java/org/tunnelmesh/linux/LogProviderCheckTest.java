package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * An embedder who forgot the Log4j binding is told so, once: a JVM of its own runs {@link LogProviderCheckMain} on
 * this test's class path, without log4j-core (only log4j-api, JNA and the tunnelmesh classes) and with it.
 */
class LogProviderCheckTest {
    private static final String WARNING = "tunnelmesh: no Log4j 2 logging provider";

    @Test
    void withoutLog4jCoreOneLineSaysTheLogIsLostAndWhichDependencyToAdd() throws Exception {
        List<String> classPath = classPath().stream()
                .filter(entry -> !new File(entry).getName().startsWith("log4j-core"))
                .collect(Collectors.toList());
        assertTrue(
                classPath.stream().anyMatch(entry -> new File(entry).getName().startsWith("log4j-api")),
                "log4j-api on the class path: " + classPath);

        String stderr = run(classPath);

        assertTrue(stderr.contains("Log4j API could not find a logging provider"), stderr); // Log4j's own warning
        List<String> lines = warningLines(stderr);
        assertEquals(1, lines.size(), stderr);
        assertEquals(
                "tunnelmesh: no Log4j 2 logging provider on the class path, so the mesh's log (its INFO and WARN lines)"
                        + " is lost. Add the dependency org.apache.logging.log4j:log4j-core, or"
                        + " org.apache.logging.log4j:log4j-to-slf4j in an application that logs through SLF4J"
                        + " (Logback)",
                lines.get(0));
    }

    @Test
    void withLog4jCoreNothingIsSaid() throws Exception {
        List<String> classPath = classPath();
        assertTrue(
                classPath.stream().anyMatch(entry -> new File(entry).getName().startsWith("log4j-core")),
                "log4j-core on the class path: " + classPath);

        String stderr = run(classPath);

        assertEquals(List.of(), warningLines(stderr), stderr);
        assertTrue(!stderr.contains("could not find a logging provider"), stderr);
    }

    private static List<String> classPath() {
        return Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
    }

    private static List<String> warningLines(String stderr) {
        return stderr.lines().filter(line -> line.contains(WARNING)).collect(Collectors.toList());
    }

    /** Runs the main in a JVM of its own on {@code classPath}; returns its stderr once it has printed DONE and exited 0. */
    private static String run(List<String> classPath) throws IOException, InterruptedException {
        Process java = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElseThrow(),
                        "-cp",
                        String.join(File.pathSeparator, classPath),
                        LogProviderCheckMain.class.getName())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        // the main prints little: neither pipe fills while the other is read
        String stdout = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(java.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(java.waitFor(60, TimeUnit.SECONDS), "the JVM exits");
        assertEquals(0, java.exitValue(), stderr);
        assertEquals("DONE", stdout.strip(), stderr);
        return stderr;
    }
}
