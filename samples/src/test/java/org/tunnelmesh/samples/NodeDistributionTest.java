package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node distribution's systemd unit, as shipped (src/dist, what the tarball holds): systemd
 * accepts it, it grants what the node needs, and the README shows this very file.
 */
class NodeDistributionTest {
    static final Path UNIT = Path.of("src/dist/systemd/tunnelmesh-node.service");
    static final Path LAUNCHER = Path.of("src/dist/bin/tunnelmesh-node");
    static final Path EXAMPLE_CONF = Path.of("src/dist/etc/node.conf");
    /** The README section an operator follows; its ```ini block is the unit. */
    static final String README_HEADING = "### Run it under systemd";

    @Test
    void theReadmesUnitIsTheShippedFile() throws Exception {
        List<String> readme = Files.readAllLines(Path.of("../README.md"));
        int heading = readme.indexOf(README_HEADING);
        assertTrue(heading >= 0, "README.md has a section '" + README_HEADING + "'");
        int start = heading + 1;
        while (start < readme.size() && !readme.get(start).equals("```ini")) {
            assertTrue(!readme.get(start).startsWith("#"), "an ```ini block under '" + README_HEADING + "'");
            start++;
        }
        assertTrue(start < readme.size(), "an ```ini block under '" + README_HEADING + "'");
        int end = start + 1;
        while (end < readme.size() && !readme.get(end).equals("```")) {
            end++;
        }
        assertEquals(
                Files.readString(UNIT),
                String.join("\n", readme.subList(start + 1, end)) + "\n",
                "the README's unit is " + UNIT + ", byte for byte");
    }

    @Test
    void theUnitGrantsWhatTheNodeNeedsAndNoMore(@TempDir Path etc) throws Exception {
        SystemdUnit unit = SystemdUnit.read(UNIT);
        assertEquals(
                List.of("CAP_NET_ADMIN", "CAP_BPF", "CAP_NET_RAW"), unit.capabilities("Service.AmbientCapabilities"));
        assertEquals(
                List.of("CAP_NET_ADMIN", "CAP_BPF", "CAP_NET_RAW"), unit.capabilities("Service.CapabilityBoundingSet"));
        assertTrue(!unit.one("Service.User").equals("root"), "an unprivileged user");
        assertEquals("2", unit.one("Service.RestartPreventExitStatus"), "bad configuration is not restarted");
        assertEquals("on-failure", unit.one("Service.Restart"));
        assertEquals("tunnelmesh", unit.one("Service.RuntimeDirectory"), "the lock directory, /run/tunnelmesh");
        assertEquals("yes", unit.one("Service.NoNewPrivileges"));
        // the example configuration is what the unit reads, in the form systemd reads it
        var env = SystemdUnit.environmentFile(EXAMPLE_CONF);
        assertEquals("/etc/tunnelmesh/node.conf", unit.one("Service.EnvironmentFile"));
        List<String> command = unit.execStart(env);
        assertEquals("/opt/tunnelmesh/bin/tunnelmesh-node", command.get(0));
        // its password file, made here as the README says (mode 600)
        Path password = etc.resolve("password");
        Files.writeString(password, "secret\n");
        Files.setPosixFilePermissions(password, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        List<String> args = command.subList(1, command.size()).stream()
                .map(a -> a.equals("/etc/tunnelmesh/password") ? password.toString() : a)
                .toList();
        assertTrue(args.contains(password.toString()), "the example reads /etc/tunnelmesh/password: " + args);
        NodeOptions options = NodeOptions.parse(args.toArray(String[]::new));
        assertEquals("node1", options.mesh().name(), "the example's options are options the node takes");
    }

    /**
     * systemd-analyze verify on the unit installed where the README puts it, in a root of its own
     * (systemd's own units copied in, the launcher at /opt/tunnelmesh/bin): no error, no warning.
     */
    @Test
    void systemdAcceptsTheUnit(@TempDir Path root) throws Exception {
        Path systemUnits = Path.of("/usr/lib/systemd/system");
        assertTrue(Files.isDirectory(systemUnits), "systemd is installed (lab/install-packages)");
        Path copy = root.resolve("usr/lib/systemd/system");
        try (Stream<Path> files = Files.walk(systemUnits)) {
            for (Path p : files.sorted(Comparator.naturalOrder()).toList()) {
                Path target = copy.resolve(systemUnits.relativize(p).toString());
                if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
        Path bin = Files.createDirectories(root.resolve("opt/tunnelmesh/bin"));
        Files.copy(LAUNCHER, bin.resolve("tunnelmesh-node"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(
                EXAMPLE_CONF,
                Files.createDirectories(root.resolve("etc/tunnelmesh")).resolve("node.conf"));
        Files.copy(
                UNIT,
                Files.createDirectories(root.resolve("etc/systemd/system")).resolve("tunnelmesh-node.service"));

        Process verify = new ProcessBuilder("systemd-analyze", "verify", "--root=" + root, "tunnelmesh-node.service")
                .redirectErrorStream(true)
                .start();
        String out = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(verify.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, verify.exitValue(), out);
        assertEquals("", out, "no warning either");
    }
}
