package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.LabKernel.snapshot;
import static org.tunnelmesh.samples.LabNode.JAVA;
import static org.tunnelmesh.samples.LabNode.sh;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 rows 10 and 11 against the node jar, as root in the lab: files another user controls
 * are refused with exit 2 and one line (a FIFO without hanging), SIGTERM during start-up stops the
 * node, and user {@code nobody} cannot hold the lock that keeps one mesh per namespace.
 *
 * <p>The files are in the guest's own /run (tmpfs): on the host's files, ownership is whatever
 * user runs the lab.
 */
class NodeTrustedFilesKernelIT {
    private static final Path DIR = Path.of("/run/tunnelmesh-it");
    private static final int NOBODY = 65534;

    private final LabNode node1 = new LabNode("node1", "10.245.1.2", "192.168.41.0");
    private Process holder;

    @BeforeEach
    void privateDirectory() throws Exception {
        assertTrue(sh("ip netns list").contains("node1"), "run this through lab/kernel-lab");
        sh("rm -rf " + DIR);
        Files.createDirectories(DIR);
        Files.setPosixFilePermissions(DIR, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void stopAndClean() throws Exception {
        if (holder != null) {
            holder.destroyForcibly().waitFor(60, TimeUnit.SECONDS);
        }
        try {
            node1.stop();
        } finally {
            node1.kill(); // a node stuck on a FIFO (before the fix) ignores SIGTERM
        }
        sh(
                "ip -n node1 route flush proto 87; ip -n node1 nexthop flush proto 87 2>/dev/null; ip -n node1 addr flush dev tunl0; "
                        + "tc -n node1 qdisc del dev eth0 clsact 2>/dev/null; true");
    }

    @Test
    void aStateFileAnyoneCanWriteIsRefused() throws Exception {
        Path file = stateFile("node1.json");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        refused(file, "state file " + file + " is writable by group or others (rw-rw-rw-): chmod go-w " + file);
    }

    @Test
    void aStateFileOfAnotherUserIsRefused() throws Exception {
        Path file = stateFile("node1.json");
        assertEquals("", sh("chown " + NOBODY + " " + file));
        refused(
                file,
                "state file " + file + " is owned by uid " + NOBODY + ", not by root or this node's user (uid 0): "
                        + "nobody else may decide what it says; check its content, then chown 0 " + file);
    }

    @Test
    void aFifoIsRefusedWithoutHanging() throws Exception {
        Path fifo = DIR.resolve("node1.json");
        assertEquals("", sh("mkfifo -m 600 " + fifo));
        refused(fifo, "state file " + fifo + " is a FIFO, not a regular file: give the path of the file itself");
    }

    @Test
    void devZeroIsRefusedBeforeItIsRead() throws Exception {
        refused(
                Path.of("/dev/zero"),
                "state file /dev/zero is a character device, not a regular file: give the path of the file itself");
    }

    /** Start-up made slow by a ZooKeeper that is not there: the node waits for it (15 s) unless told to stop. */
    @Test
    void sigtermDuringStartUpStopsTheNode() throws Exception {
        Object before = snapshot(1);
        // the guest's root namespace has the bridge's 10.245.1.1; nothing listens on this port
        node1.launch(List.of("--zookeeper", "10.245.1.1:2999", "--subnets", "192.168.41.0/24"));
        awaitLog("joining cluster 'default' on 10.245.1.1:2999");

        node1.stop();

        assertEquals(0, node1.awaitExit(), node1.tail());
        assertFalse(node1.stdout().contains("READY"), "stopped before READY: " + node1.tail());
        assertEquals("tunnelmesh-node: stopped by a signal during start-up", lastLine(), node1.tail());
        assertEquals(before, snapshot(1), "the kernel as it was: the mesh was not opened");
    }

    /** Issue 21 row 10: a shared lock needs only read access, so the lock file must not give it. */
    @Test
    void nobodyCannotHoldTheMeshLock() throws Exception {
        node1.start(List.of());
        node1.stop();
        String inode = sh("stat -L -c %i /run/netns/node1").strip();
        Path lock = Path.of("/run/tunnelmesh/net-" + inode + "-proto-87.lock");
        assertTrue(Files.exists(lock), lock + " after a start");

        Path source = DIR.resolve("SharedLock.java");
        Files.writeString(source, """
                import java.nio.channels.FileChannel;
                import java.nio.file.Path;
                import java.nio.file.StandardOpenOption;
                public class SharedLock {
                    public static void main(String[] args) throws Exception {
                        try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.READ)) {
                            System.out.println(channel.tryLock(0, Long.MAX_VALUE, true) == null ? "BUSY" : "LOCKED");
                            System.out.flush();
                            System.in.read();
                        } catch (Exception e) {
                            System.out.println("REFUSED " + e);
                        }
                    }
                }
                """);
        Files.setPosixFilePermissions(source, PosixFilePermissions.fromString("rw-r--r--"));
        holder = new ProcessBuilder(
                        "setpriv",
                        "--reuid=" + NOBODY,
                        "--regid=" + NOBODY,
                        "--clear-groups",
                        "--",
                        JAVA,
                        source.toString(),
                        lock.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String answer =
                new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertEquals("REFUSED java.nio.file.AccessDeniedException: " + lock, answer);

        node1.start(List.of());
        assertEquals("-rw-------", sh("stat -c %A " + lock).strip());
        assertEquals("drwxr-xr-x 0", sh("stat -c '%A %u' /run/tunnelmesh").strip());
    }

    private static Path stateFile(String name) throws Exception {
        Path file = DIR.resolve(name);
        Files.writeString(file, """
                {"format":"tunnelmesh-state","version":1,"mesh":"node1","peers":[
                {"name":"node2","underlay":"10.245.1.3","subnets":["192.168.42.0/24"]}
                ]}
                """);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    /** The node exits 2 with {@code message} as its one line, and the kernel is as it was. */
    private void refused(Path stateFile, String message) throws Exception {
        Object before = snapshot(1);
        node1.launch(List.of("--state-file", stateFile.toString()));
        assertEquals(2, node1.awaitExit(), node1.tail());
        assertEquals("tunnelmesh-node: " + message, lastLine(), node1.tail());
        assertEquals(before, snapshot(1), "nothing changed in the kernel");
    }

    /** The node's one-line reason. */
    private String lastLine() throws Exception {
        return thisStart()
                .lines()
                .filter(l -> l.startsWith("tunnelmesh-node: "))
                .reduce((a, b) -> b)
                .orElse("");
    }

    /** The log is appended to by every start: this start's part begins with its "$ command" line. */
    private String thisStart() throws Exception {
        String log = node1.log();
        return log.substring(log.lastIndexOf("\n$ ") + 1);
    }

    private void awaitLog(String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LabNode.READY_SECONDS);
        while (!thisStart().contains(text)) {
            assertTrue(node1.alive(), "node1 exited: " + node1.tail());
            assertTrue(System.nanoTime() < deadline, "node1 never logged '" + text + "': " + node1.tail());
            Thread.sleep(100);
        }
    }
}
