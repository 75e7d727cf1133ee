package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real ZooKeeper server as a process of its own ({@code ZooKeeperServerMain PORT DATADIR}), on
 * the classpath the build resolved on the host ({@code target/it-tools/zookeeper.classpath}).
 * Killed with SIGKILL and started again on the same data directory, it comes back with its data
 * and sessions, as a real ensemble member does.
 */
final class ZooKeeperProcess {
    static final Path CLASSPATH_FILE =
            Path.of(System.getProperty("tunnelmesh.zookeeperClasspath", "target/it-tools/zookeeper.classpath"));

    private final int port;
    private final Path dataDir;
    private final Path log;
    private Process process;

    ZooKeeperProcess(int port, Path dataDir, Path log) {
        this.port = port;
        this.dataDir = dataDir;
        this.log = log;
    }

    void start() throws IOException {
        assertTrue(
                Files.isRegularFile(CLASSPATH_FILE),
                CLASSPATH_FILE + " is missing: the build writes it before integration tests");
        Files.createDirectories(dataDir);
        Files.createDirectories(log.getParent());
        String classpath = Files.readString(CLASSPATH_FILE).strip();
        process = new ProcessBuilder(List.of(
                        LabNode.JAVA,
                        "-Xmx256m",
                        "-XX:TieredStopAtLevel=1",
                        "-cp",
                        classpath,
                        "-Dzookeeper.admin.enableServer=false",
                        "-Dzookeeper.jmx.log4j.disable=true",
                        "org.apache.zookeeper.server.ZooKeeperServerMain",
                        Integer.toString(port),
                        dataDir.toString()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /** SIGKILL: the server is gone at once, as in a crash. */
    void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "ZooKeeper dies on SIGKILL");
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }
}
