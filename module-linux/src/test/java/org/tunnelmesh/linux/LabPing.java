package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.Lab.ns;
import static org.tunnelmesh.linux.Lab.tunnelAddress;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A ping in the background through the mesh, from one lab node's tunnel address to another's: the traffic of tests that
 * restart, rotate or switch a mesh under it and then count what was lost.
 */
final class LabPing {
    private static final Pattern SUMMARY = Pattern.compile("(\\d+) packets transmitted, (\\d+) received");

    private final Process ping;

    private LabPing(Process ping) {
        this.ping = ping;
    }

    /** What ping said at its end. */
    record Summary(int sent, int received, String text) {
        /** ping's own verdict, as it prints it ("0% packet loss": its percentage rounds down). */
        boolean noneLost() {
            return text.contains(" 0% packet loss");
        }
    }

    /**
     * Starts {@code ping -n -q -i INTERVAL -W 1 [-c COUNT] -I <from's tunnel address> <to's>} in node {@code from}'s
     * namespace.
     *
     * @param interval seconds between pings, as ping takes it ("0.05": 20 a second)
     * @param count how many to send, or 0 to ping until {@link #stop}
     */
    static LabPing start(int from, int to, String interval, int count) throws IOException {
        List<String> command = new ArrayList<>(
                List.of("ip", "netns", "exec", ns(from), "ping", "-n", "-q", "-i", interval, "-W", "1"));
        if (count > 0) {
            command.addAll(List.of("-c", String.valueOf(count)));
        }
        command.addAll(List.of("-I", tunnelAddress(from), tunnelAddress(to)));
        return new LabPing(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /** Stops it as ^C would (SIGINT: ping prints its summary), and reads the summary. */
    Summary stop() throws IOException, InterruptedException {
        Lab.run(List.of("kill", "-INT", String.valueOf(ping.pid())));
        return awaitEnd();
    }

    /** Waits for a ping started with a count to end (at most 60 s), and reads its summary. */
    Summary awaitEnd() throws IOException, InterruptedException {
        String text = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(ping.waitFor(60, TimeUnit.SECONDS), "ping did not end: " + text);
        Matcher m = SUMMARY.matcher(text);
        assertTrue(m.find(), "no summary from ping: " + text);
        return new Summary(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), text);
    }
}
