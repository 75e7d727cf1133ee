package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.Lab.ns;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** tcpdump on a lab node's underlay (eth0), written to a file that is read back with filters once it is stopped. */
final class LabCapture {
    private final Path pcap;
    private final Process tcpdump;

    private LabCapture(Path pcap, Process tcpdump) {
        this.pcap = pcap;
        this.tcpdump = tcpdump;
    }

    /** Starts tcpdump in node's namespace and returns once it captures ("listening on"). */
    static LabCapture start(int node) throws IOException {
        Path pcap = Files.createTempFile("lab-capture", ".pcap");
        Process tcpdump = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        ns(node),
                        "tcpdump",
                        "-Z",
                        "root", // tcpdump drops to its own user before it opens the file, which is root's
                        "-n",
                        "-U",
                        "--immediate-mode", // each packet as it comes, not in blocks a SIGTERM would lose
                        "-i",
                        "eth0",
                        "-w",
                        pcap.toString(),
                        "not arp")
                .redirectErrorStream(true)
                .start();
        BufferedReader out =
                new BufferedReader(new InputStreamReader(tcpdump.getInputStream(), StandardCharsets.UTF_8));
        String line;
        StringBuilder said = new StringBuilder();
        while ((line = out.readLine()) != null && !line.contains("listening on")) {
            said.append(line).append('\n');
        }
        assertTrue(line != null, "tcpdump did not start: " + said);
        return new LabCapture(pcap, tcpdump);
    }

    /**
     * Waits (at most 5 s) until the file holds {@code count} packets matching {@code filter}: the traffic's last reply
     * is delivered before tcpdump has written it, and a SIGTERM then would lose it.
     */
    void awaitPackets(String filter, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (read(filter).size() < count && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    void stop() throws InterruptedException {
        tcpdump.destroy();
        tcpdump.waitFor(10, TimeUnit.SECONDS);
    }

    /** The captured packets matching {@code filter} (all with ""), one line each. */
    List<String> read(String filter) {
        List<String> command = new ArrayList<>(List.of("tcpdump", "-Z", "root", "-n", "-r", pcap.toString()));
        if (!filter.isEmpty()) {
            command.add(filter);
        }
        return Lab.run(command)
                .output()
                .lines()
                .filter(l -> l.matches("^\\d\\d:.*"))
                .toList();
    }

    void delete() throws IOException {
        Files.deleteIfExists(pcap);
    }
}
