package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.LabKernel.qdiscs;
import static org.tunnelmesh.linux.LabKernel.routes;
import static org.tunnelmesh.samples.LabNode.LOGS;
import static org.tunnelmesh.samples.LabNode.READY_SECONDS;
import static org.tunnelmesh.samples.LabNode.sh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The node distribution as an operator installs it: the real tarball unpacked with tar, and its
 * systemd unit reproduced in the lab from the file itself - the launcher its ExecStart names, with
 * its EnvironmentFile's options, as an unprivileged user (nobody) with exactly its
 * AmbientCapabilities and CapabilityBoundingSet (setpriv), NoNewPrivileges, a fresh
 * RuntimeDirectory owned by that user (a tmpfs on /run/tunnelmesh in a mount namespace of its own,
 * as systemd gives it) and the state and cache directories systemd would make for it
 * ($STATE_DIRECTORY, $CACHE_DIRECTORY).
 */
class NodeDistributionKernelIT {
    static final Path TARBALL = Path.of(System.getProperty(
            "tunnelmesh.nodeDistribution",
            "target/tunnelmesh-node-" + System.getProperty("project.version") + ".tar.gz"));
    /** nobody:nogroup, an account with no files of its own. */
    private static final String UID = "65534";

    private static final String GID = "65534";
    private static final String INSTALL_PREFIX = "/opt/tunnelmesh";

    private static Path home;
    private static SystemdUnit unit;
    private static Path work;

    private final List<Process> started = new ArrayList<>();
    private LabNode node2;

    @BeforeAll
    static void unpack() throws Exception {
        assertTrue(Files.isRegularFile(TARBALL), "the tarball is built by mvn package: " + TARBALL);
        // the lab guest's /tmp: a tmpfs of its own; every directory on the way readable by nobody, as /opt is
        work = Files.createTempDirectory("tunnelmesh-dist");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        run("tar", "-xzf", TARBALL.toString(), "-C", work.toString());
        try (Stream<Path> top = Files.list(work)) {
            List<Path> dirs = top.toList();
            assertEquals(1, dirs.size(), "one top directory: " + dirs);
            home = dirs.get(0);
        }
        unit = SystemdUnit.read(home.resolve("systemd/tunnelmesh-node.service"));
    }

    @AfterEach
    void stop() throws Exception {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroy();
                p.waitFor(120, TimeUnit.SECONDS);
            }
        }
        if (node2 != null) {
            node2.stop();
        }
        sh("for n in node1 node2; do ip -n $n route flush proto 87; ip -n $n nexthop flush proto 87;"
                + " tc -n $n qdisc del dev eth0 clsact; tc -n $n qdisc del dev tunl0 clsact; done; true");
    }

    @Test
    void theTarballHoldsWhatAnOperatorInstalls() throws Exception {
        String listing = run("tar", "-tvzf", TARBALL.toString());
        String top = home.getFileName().toString();
        assertTrue(top.matches("tunnelmesh-node-\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), top);
        Map<String, String> modes = new LinkedHashMap<>();
        for (String line : listing.split("\n")) {
            String[] f = line.trim().split("\\s+");
            modes.put(f[f.length - 1], f[0]);
        }
        assertEquals(
                Map.of(
                        top + "/bin/tunnelmesh-node", "-rwxr-xr-x",
                        top + "/lib/tunnelmesh-node.jar", "-rw-r--r--",
                        top + "/etc/node.conf", "-rw-r--r--",
                        top + "/systemd/tunnelmesh-node.service", "-rw-r--r--",
                        top + "/LICENSE", "-rw-r--r--",
                        top + "/NOTICE", "-rw-r--r--"),
                modes,
                listing);
        assertTrue(listing.lines().allMatch(l -> l.contains(" root/root ")), "owned by root/root: " + listing);
    }

    /**
     * The distribution's NOTICE names every third-party component the node jar bundles (by groupId, from the jar's own
     * Maven metadata, and the libraries that carry none), with its licence: a dependency added later fails this until
     * the NOTICE says what it is.
     */
    @Test
    void theNoticeNamesEveryComponentTheJarBundles() throws Exception {
        Set<String> bundled = new TreeSet<>();
        try (ZipFile jar = new ZipFile(home.resolve("lib/tunnelmesh-node.jar").toFile())) {
            jar.stream().map(ZipEntry::getName).forEach(name -> {
                if (name.startsWith("META-INF/maven/") && name.endsWith("/pom.properties")) {
                    bundled.add(name.split("/")[2]);
                }
            });
            // libraries whose jars carry no Maven metadata, by their packages
            Map<String, String> byPackage = Map.of(
                    "com/sun/jna/", "net.java.dev.jna",
                    "io/micrometer/core/", "io.micrometer",
                    "org/checkerframework/", "org.checkerframework",
                    "org/jspecify/", "org.jspecify");
            byPackage.forEach((prefix, group) -> {
                if (jar.stream().anyMatch(entry -> entry.getName().startsWith(prefix))) {
                    bundled.add(group);
                }
            });
        }
        bundled.remove("org.tunnelmesh");
        String notice = Files.readString(home.resolve("NOTICE"));
        List<String> missing = bundled.stream()
                .filter(group -> !notice.contains("\n  " + group + " "))
                .toList();
        assertEquals(List.of(), missing, "bundled but not in the distribution's NOTICE (" + bundled + ")");
        assertTrue(bundled.size() > 15, "the jar's metadata was read: " + bundled);
    }

    /**
     * The unit as shipped starts the node as nobody: READY, and a ping through the mesh to node2. The
     * first start records the class-data archive, kept at the clean stop; the second maps it.
     */
    @Test
    void theShippedUnitRunsTheNodeAsAnUnprivilegedUserAndItCarriesTraffic() throws Exception {
        node2 = new LabNode("node2", "10.245.1.3", "192.168.42.0")
                .start(List.of("--peer", "node1@10.245.1.2=192.168.41.0/24"));
        LabNode node1 = new LabNode("node1", "10.245.1.2", "192.168.41.0");
        Service service = new Service("ready");

        Process first = service.start(unit.capabilities("Service.AmbientCapabilities"));
        service.awaitReady(first);
        assertTrue(node1.pings(node2), "a ping through the mesh: " + service.log());
        assertEquals(List.of("node2"), List.of((Object[]) toArray(node1.read(node1.meshMBean(), "PeerNames"))));
        assertTrue(Files.exists(service.state.resolve("peers.json")), "the state file, in StateDirectory");
        assertEquals(List.of(), archives(service), "no archive before the first stop");
        first.destroy(); // SIGTERM to the launcher, as systemctl stop sends it
        assertTrue(first.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, first.exitValue(), service.log());
        List<Path> archives = archives(service);
        assertEquals(1, archives.size(), "the archive kept at the clean stop: " + archives);
        assertEquals(UID, sh("stat -c %u " + archives.get(0)).strip(), "written by the node's user");

        Process second = service.start(unit.capabilities("Service.AmbientCapabilities"));
        service.awaitReady(second);
        assertTrue(
                Files.readString(Path.of("/proc/" + second.pid() + "/maps"))
                        .contains(archives.get(0).toString()),
                "the second start maps the archive");
        assertTrue(node1.pings(node2), "a ping through the mesh: " + service.log());
        assertEquals("", service.stdoutAfterReady(), "stdout carries READY alone");
    }

    /** Without CAP_BPF in the unit's set: exit 2 and one line on stderr, naming CAP_BPF; the kernel untouched. */
    @Test
    void withoutCapBpfTheNodeExits2WithOneLineNamingIt() throws Exception {
        List<String> caps = new ArrayList<>(unit.capabilities("Service.AmbientCapabilities"));
        assertTrue(caps.remove("CAP_BPF"), "the unit grants CAP_BPF: " + caps);
        List<Object> before = List.of(routes(1), qdiscs(1, "eth0"));
        Service service = new Service("no-bpf");

        Process node = service.start(caps);
        assertTrue(node.waitFor(READY_SECONDS, TimeUnit.SECONDS));
        assertEquals(2, node.exitValue(), service.log());
        List<String> stderr = Files.readAllLines(service.err);
        assertEquals(1, stderr.size(), "one line on stderr: " + stderr);
        assertTrue(stderr.get(0).startsWith("tunnelmesh-node: this process lacks CAP_BPF"), stderr.get(0));
        assertTrue(stderr.get(0).contains("AmbientCapabilities=CAP_NET_ADMIN CAP_BPF"), stderr.get(0));
        assertEquals("", Files.readString(service.out), "no READY");
        assertEquals(before, List.of(routes(1), qdiscs(1, "eth0")), "nothing changed in the kernel");
        assertEquals(List.of(), archives(service), "a failed start keeps no archive");
    }

    private static Object[] toArray(Object value) {
        return value instanceof List<?> list ? list.toArray() : new Object[] {value};
    }

    private static List<Path> archives(Service service) throws IOException {
        try (Stream<Path> files = Files.list(service.cache)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jsa"))
                    .toList();
        }
    }

    /** One service of the unit in namespace node1, with its own state and cache directories. */
    private final class Service {
        final Path state;
        final Path cache;
        final Path out;
        final Path err;

        Service(String name) throws IOException, InterruptedException {
            Path dir = Files.createTempDirectory(work, name);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            state = Files.createDirectory(dir.resolve("state"));
            cache = Files.createDirectory(dir.resolve("cache"));
            // StateDirectory= and CacheDirectory=: made by systemd, owned by the unit's user, mode 0755
            run("chown", UID + ":" + GID, state.toString(), cache.toString());
            Files.createDirectories(LOGS);
            out = LOGS.resolve("dist-" + name + ".out");
            err = LOGS.resolve("dist-" + name + ".log");
        }

        /** The unit's ExecStart as systemd runs it, with capabilities {@code caps} (ambient, inheritable, bounding). */
        Process start(List<String> caps) throws Exception {
            assertEquals(
                    unit.capabilities("Service.AmbientCapabilities"),
                    unit.capabilities("Service.CapabilityBoundingSet"),
                    "the bounding set is the ambient set: nothing else is reachable");
            assertFalse(unit.one("Service.User").equals("root"), "an unprivileged user");
            assertEquals("yes", unit.one("Service.NoNewPrivileges"));
            String runtime = "/run/" + unit.one("Service.RuntimeDirectory");

            // the EnvironmentFile: the shipped example with this lab's options in TUNNELMESH_OPTS
            Map<String, String> env = new LinkedHashMap<>(SystemdUnit.environmentFile(home.resolve("etc/node.conf")));
            assertTrue(env.containsKey("TUNNELMESH_OPTS"), "the example sets TUNNELMESH_OPTS: " + env);
            env.put(
                    "TUNNELMESH_OPTS",
                    "--name node1 --underlay 10.245.1.2 --tunnel-address 192.168.41.0"
                            + " --peer node2@10.245.1.3=192.168.42.0/24 --state-file " + state.resolve("peers.json")
                            + " --jolokia 127.0.0.1:8778 --user operator");
            env.put("TUNNELMESH_PASSWORD", "lab-secret"); // LabNode's, as the EnvironmentFile may hold it
            List<String> command = unit.execStart(env);
            assertTrue(command.get(0).startsWith(INSTALL_PREFIX + "/"), "installed under /opt/tunnelmesh: " + command);
            command.set(0, home + command.get(0).substring(INSTALL_PREFIX.length()));

            // what systemd puts in a service's environment (systemd.exec(5), "Environment variables in spawned
            // processes")
            List<String> environment = new ArrayList<>(List.of(
                    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "LANG=C.UTF-8",
                    "USER=nobody",
                    "LOGNAME=nobody",
                    "HOME=/nonexistent",
                    "SHELL=/usr/sbin/nologin",
                    "RUNTIME_DIRECTORY=" + runtime,
                    "STATE_DIRECTORY=" + state,
                    "CACHE_DIRECTORY=" + cache));
            env.forEach((k, v) -> environment.add(k + "=" + v));
            // the lab's own: in the UML guest glibc and the JVM keep off AVX-512 (lab/kernel-lab-uml.sh); the
            // JVM's option goes in JAVA_OPTS, where an operator puts one, not JAVA_TOOL_OPTIONS (the JVM would say
            // "Picked up JAVA_TOOL_OPTIONS" on stderr)
            String tunables = System.getenv("GLIBC_TUNABLES");
            if (tunables != null) {
                environment.add("GLIBC_TUNABLES=" + tunables);
            }
            String toolOptions = System.getenv("JAVA_TOOL_OPTIONS");
            if (toolOptions != null) {
                environment.add("JAVA_OPTS=" + (env.getOrDefault("JAVA_OPTS", "") + " " + toolOptions).strip());
            }

            sh("mkdir -p " + runtime);
            List<String> full = new ArrayList<>(List.of(
                    "ip",
                    "netns",
                    "exec",
                    "node1",
                    "unshare",
                    "--mount",
                    "--propagation",
                    "private",
                    "--",
                    "sh",
                    "-c",
                    // RuntimeDirectory=: fresh, owned by the user, 0755; then the service's process replaces this shell
                    "mount -t tmpfs -o mode=0755,uid=" + UID + ",gid=" + GID + " tmpfs " + runtime + " && exec \"$@\"",
                    "sh",
                    "setpriv",
                    "--reuid=" + UID,
                    "--regid=" + GID,
                    "--clear-groups",
                    "--inh-caps=" + SystemdUnit.setprivCaps(caps),
                    "--ambient-caps=" + SystemdUnit.setprivCaps(caps),
                    "--bounding-set=" + SystemdUnit.setprivCaps(caps),
                    "--no-new-privs",
                    "--",
                    "env",
                    "-i"));
            full.addAll(environment);
            full.addAll(command);
            Files.writeString(err, "");
            Files.writeString(LOGS.resolve(err.getFileName() + ".command"), String.join(" ", full) + "\n");
            Process p = new ProcessBuilder(full)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            started.add(p);
            return p;
        }

        void awaitReady(Process p) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_SECONDS);
            while (!Files.readString(out).contains("READY")) {
                assertTrue(p.isAlive(), "exited: " + log());
                assertTrue(System.nanoTime() < deadline, "not READY within " + READY_SECONDS + " s: " + log());
                Thread.sleep(100);
            }
        }

        String stdoutAfterReady() throws IOException {
            return Files.readString(out).replaceFirst("^READY\n", "");
        }

        String log() throws IOException {
            return Files.readString(err);
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + output);
        return output;
    }
}
