package org.tunnelmesh.benchmarks;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.Peer;
import org.tunnelmesh.linux.syscall.NetworkNamespace;

/**
 * The node as users run it, started cold: a fresh JVM per measurement, started by a launch command
 * (by default {@code java -jar samples/target/tunnelmesh-node.jar}; the distribution's launcher, or
 * the jar with JVM options, through property {@code tunnelmesh.nodeCommands}: launch commands split
 * on spaces, several separated by {@code |}, run interleaved round by round in the same boot). In
 * the kernel lab, namespace node1, Jolokia on, every figure the median of the rounds:
 *
 * <ul>
 *   <li>READY with PEERS/2 and PEERS {@code --peer}s (SHARED, one /24 each, the plan of
 *       {@link ScaleBenchmark}) minus READY with none, beside {@code ip -batch} (classic routes and
 *       nexthop objects) and the C floor ({@code lab/bench/nlbatch.c}) for the same routes, each in a
 *       fresh namespace of the same guest;</li>
 *   <li>POINT_TO_POINT, 1,000 peers: the READY delta beside {@code ip -batch} (link add, up, address,
 *       route);</li>
 *   <li>READY with no peers beside the JVM floor ({@link StartupFloor}: main, the platform
 *       MBeanServer, the JDK's HTTP server and JNA, from the node's jar) and {@code java -version};</li>
 *   <li>the first 100 {@code addPeer} calls over Jolokia right after READY with PEERS present: the
 *       {@code AddPeer.*} attributes of MeshStats and the client's round trips.</li>
 * </ul>
 *
 * <p>Beside each wall time the node's CPU time until READY (utime + stime of its processes, from
 * /proc), which the host's load moves less than wall time. Run: {@code lab/benchmark cold [PEERS
 * [ROUNDS]]} (default 20,000 peers, 3 rounds).
 */
public final class ColdStartBenchmark {
    private static final String NS = "node1";
    private static final String MESH = "cold";
    private static final String JAR = System.getProperty("tunnelmesh.nodeJar", "samples/target/tunnelmesh-node.jar");
    private static final String BENCHMARKS_JAR =
            System.getProperty("tunnelmesh.benchmarksJar", "benchmarks/target/tunnelmesh-benchmarks.jar");
    private static final String JAVA = ProcessHandle.current().info().command().orElse("java");
    private static final String USER = "operator";
    private static final String PASSWORD = "bench-secret";
    private static final int JOLOKIA_PORT = 8779;
    private static final int FIRST_CALLS = 100;
    private static final int P2P_PEERS = 1_000;
    private static final long TICK_MILLIS = 10;

    private ColdStartBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args the C floor's binary, then optionally PEERS (default 20,000) and ROUNDS (default 3)
     * @throws Exception when a step fails: the benchmark stops
     */
    public static void main(String[] args) throws Exception {
        String nlbatch = args.length > 0 ? args[0] : "benchmarks/target/nlbatch";
        int peers = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Map<String, List<String>> launches = new LinkedHashMap<>();
        for (String command : System.getProperty("tunnelmesh.nodeCommands", JAVA + " -jar " + JAR)
                .split("\\|")) {
            launches.put(command.strip(), List.of(command.strip().split("\\s+")));
        }
        System.out.printf(
                Locale.ROOT,
                "the node started cold in namespace %s, %d CPU(s), Java %s; medians of %d rounds; load average %s%n",
                NS,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                rounds,
                loadAverage());
        List<Peer> all = ScaleBenchmark.peers(peers);
        List<Peer> half = all.subList(0, peers / 2);
        List<Peer> p2p = all.subList(0, P2P_PEERS);
        Map<String, Figure[]> figures = new LinkedHashMap<>();
        double[] version = new double[rounds];
        double[] floor = new double[rounds];
        double[] floorCpu = new double[rounds];
        double[] batchClassic = new double[rounds];
        double[] batchNh = new double[rounds];
        double[] floorC = new double[rounds];
        double[] batchP2p = new double[rounds];
        for (String launch : launches.keySet()) {
            figures.put(launch, new Figure[] {
                new Figure(rounds),
                new Figure(rounds),
                new Figure(rounds),
                new Figure(rounds),
                new Figure(rounds),
                new Figure(rounds),
                new Figure(rounds)
            });
        }
        for (int r = 0; r < rounds; r++) {
            version[r] = untilExit(List.of(JAVA, "-version"));
            Start f = timed(floorCommand(), null);
            floor[r] = f.wall;
            floorCpu[r] = f.cpu;
            for (Map.Entry<String, List<String>> launch : launches.entrySet()) {
                Figure[] fig = figures.get(launch.getKey());
                fig[0].add(r, startNode(launch.getValue(), List.of(), List.of(), null));
                fig[1].add(r, startNode(launch.getValue(), List.of(), half, null));
                FirstCalls calls = new FirstCalls();
                fig[2].add(r, startNode(launch.getValue(), List.of(), all, calls));
                fig[3].add(r, calls.meshP50, calls.meshP99, calls.meshMax);
                fig[4].add(r, calls.clientP50, calls.clientP99, calls.clientMax);
                fig[5].add(r, startNode(launch.getValue(), List.of("--mode", "p2p"), p2p, null));
            }
            batchClassic[r] = ScaleBenchmark.ipBatch(IpBatchScripts.classicRoutes(half));
            batchNh[r] = ScaleBenchmark.ipBatch(IpBatchScripts.nexthopRoutes(half, 1));
            floorC[r] = ScaleBenchmark.nlbatch(nlbatch, half.size(), "nh");
            batchP2p[r] = ScaleBenchmark.ipBatch(ScaleBenchmark.deviceCommands(p2p), ScaleBenchmark.deviceCleanup(p2p));
        }
        double v = Figures.median(version);
        double fl = Figures.median(floor);
        double classic = Figures.median(batchClassic);
        double nh = Figures.median(batchNh);
        double c = Figures.median(floorC);
        double pp = Figures.median(batchP2p);
        System.out.printf(
                Locale.ROOT,
                "references: java -version %.2f s; the JVM floor (StartupFloor jmx http jna, the node's jar) %.2f s, "
                        + "CPU %.2f s; at %d peers ip -batch classic %.2f s, nexthop %.2f s, C floor %.2f s; "
                        + "POINT_TO_POINT %d: ip -batch %.2f s%n",
                v / 1000,
                fl / 1000,
                Figures.median(floorCpu) / 1000,
                half.size(),
                classic / 1000,
                nh / 1000,
                c / 1000,
                P2P_PEERS,
                pp / 1000);
        for (Map.Entry<String, Figure[]> launch : figures.entrySet()) {
            Figure[] fig = launch.getValue();
            double none = fig[0].wall();
            double d10 = fig[1].wall() - none;
            double d20 = fig[2].wall() - none;
            double dp = fig[5].wall() - none;
            System.out.println("launched as: " + launch.getKey());
            System.out.printf(
                    Locale.ROOT,
                    "  READY, wall (CPU of the node until READY): no peers %.2f s (%.2f s); %d peers %.2f s (%.2f s); "
                            + "%d peers %.2f s (%.2f s); POINT_TO_POINT %d %.2f s (%.2f s)%n",
                    none / 1000,
                    fig[0].cpu() / 1000,
                    half.size(),
                    fig[1].wall() / 1000,
                    fig[1].cpu() / 1000,
                    all.size(),
                    fig[2].wall() / 1000,
                    fig[2].cpu() / 1000,
                    P2P_PEERS,
                    fig[5].wall() / 1000,
                    fig[5].cpu() / 1000);
            System.out.printf(
                    Locale.ROOT,
                    "  rounds, wall in s: no peers %s; %d peers %s; %d peers %s; POINT_TO_POINT %s%n",
                    fig[0].rounds(),
                    half.size(),
                    fig[1].rounds(),
                    all.size(),
                    fig[2].rounds(),
                    fig[5].rounds());
            System.out.printf(
                    Locale.ROOT,
                    "  %-64s | %-22s | %s%n  %-64s | %-22s | %s%n",
                    "measure",
                    "seen",
                    "goal",
                    "-------",
                    "----",
                    "----");
            row(
                    String.format(Locale.ROOT, "READY with %d peers minus READY with none", half.size()),
                    String.format(
                            Locale.ROOT, "+%.2f s (CPU +%.2f s)", d10 / 1000, (fig[1].cpu() - fig[0].cpu()) / 1000),
                    "-");
            row(
                    "ip -batch classic / delta, nexthop / delta",
                    String.format(Locale.ROOT, "%.2fx, %.2fx", classic / d10, nh / d10),
                    ">= 2x and >= 1.5x (aim 3x classic)");
            row("delta / C floor", String.format(Locale.ROOT, "%.2fx (%.2f s)", d10 / c, c / 1000), "<= 3x (aim 2x)");
            row(
                    String.format(Locale.ROOT, "delta %d / delta %d", all.size(), half.size()),
                    String.format(Locale.ROOT, "%.2f", d20 / d10),
                    "<= 2.0");
            row(
                    String.format(Locale.ROOT, "POINT_TO_POINT %d: ip -batch / delta", P2P_PEERS),
                    String.format(Locale.ROOT, "%.2fx (+%.2f s)", pp / dp, dp / 1000),
                    ">= 1x (aim 1.3x)");
            row(
                    String.format(
                            Locale.ROOT,
                            "first %d addPeer over Jolokia after READY, %d present",
                            FIRST_CALLS,
                            all.size()),
                    String.format(
                            Locale.ROOT,
                            "p50 %.1f, p99 %.1f, max %.1f ms",
                            fig[3].a() / 1000,
                            fig[3].b() / 1000,
                            fig[3].c() / 1000),
                    "AddPeer.P99 < 5 ms");
            row(
                    "  the client's round trip (HTTP/1.0 POST, a connection each)",
                    String.format(Locale.ROOT, "p50 %.1f, p99 %.1f, max %.1f ms", fig[4].a(), fig[4].b(), fig[4].c()),
                    "-");
            row(
                    "READY with no peers / the JVM floor",
                    String.format(Locale.ROOT, "%.2fx (CPU %.2fx)", none / fl, fig[0].cpu() / Figures.median(floorCpu)),
                    "<= 1.5x");
            row("READY with no peers / java -version", String.format(Locale.ROOT, "%.1fx", none / v), "-");
        }
        System.out.printf(Locale.ROOT, "load average at the end %s%n", loadAverage());
    }

    private static void row(String measure, String seen, String goal) {
        System.out.printf(Locale.ROOT, "  %-64s | %-22s | %s%n", measure, seen, goal);
    }

    /** Medians over rounds: wall and CPU of starts, or three figures (p50, p99, max) of calls. */
    private static final class Figure {
        private final double[] wall;
        private final double[] cpu;
        private final double[] c;

        Figure(int rounds) {
            wall = new double[rounds];
            cpu = new double[rounds];
            c = new double[rounds];
        }

        void add(int round, Start start) {
            wall[round] = start.wall;
            cpu[round] = start.cpu;
        }

        void add(int round, double a, double b, double third) {
            wall[round] = a;
            cpu[round] = b;
            c[round] = third;
        }

        double wall() {
            return Figures.median(wall);
        }

        double cpu() {
            return Figures.median(cpu);
        }

        double a() {
            return Figures.median(wall);
        }

        double b() {
            return Figures.median(cpu);
        }

        double c() {
            return Figures.median(c);
        }

        /** Every round's wall time, in s: single starts swing with the host's load. */
        String rounds() {
            StringBuilder text = new StringBuilder();
            for (double w : wall) {
                text.append(text.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.2f", w / 1000));
            }
            return text.toString();
        }
    }

    /** One start: wall time to READY and the CPU time its processes had used by then, in ms. */
    private record Start(double wall, double cpu) {}

    /** The first calls after READY: AddPeer.* of MeshStats (us) and the client's round trips (ms). */
    private static final class FirstCalls {
        double meshP50;
        double meshP99;
        double meshMax;
        double clientP50;
        double clientP99;
        double clientMax;
    }

    private static List<String> floorCommand() {
        // the node jar first: the floor loads the JDK's, Jolokia's and JNA's classes from the very jar the node runs
        return List.of(
                "ip",
                "netns",
                "exec",
                NS,
                JAVA,
                "-cp",
                JAR + File.pathSeparator + BENCHMARKS_JAR,
                StartupFloor.class.getName(),
                "jmx",
                "http",
                "jna",
                "wait");
    }

    /** The node with {@code peers} as {@code --peer}s, timed to READY; then {@code calls}, SIGTERM and its exit. */
    private static Start startNode(List<String> launch, List<String> options, List<Peer> peers, FirstCalls calls)
            throws Exception {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", NS));
        command.addAll(launch);
        command.addAll(List.of(
                "--name",
                MESH,
                "--underlay",
                "10.245.1.2",
                "--tunnel-address",
                "192.168.41.0",
                "--jolokia",
                "127.0.0.1:" + JOLOKIA_PORT,
                "--user",
                USER,
                "--purge-on-exit"));
        command.addAll(options);
        for (Peer peer : peers) {
            command.add("--peer");
            command.add(
                    peer.name() + "@" + peer.underlay() + "=" + peer.subnets().get(0));
        }
        return timed(command, calls);
    }

    /** Times {@code command} to its READY line, then makes {@code calls} (unless null), SIGTERM and its exit. */
    private static Start timed(List<String> command, FirstCalls calls) throws Exception {
        Figures.awaitQuietGuest();
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("TUNNELMESH_PASSWORD", PASSWORD);
        long t0 = System.nanoTime();
        Process node = builder.start();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !line.equals("READY")) {
                // wait
            }
            double wall = Figures.millisSince(t0);
            double cpu = cpuMillis(node.toHandle());
            if (line == null) {
                throw new IllegalStateException("exited with status " + node.waitFor() + " before READY: "
                        + String.join(" ", command.subList(0, Math.min(command.size(), 20))));
            }
            if (calls != null) {
                NetworkNamespace.call(NS, () -> {
                    firstCalls(calls);
                    return null;
                });
            }
            node.destroy(); // SIGTERM: the node purges and exits
            if (!node.waitFor(300, TimeUnit.SECONDS)) {
                node.destroyForcibly();
            }
            return new Start(wall, cpu);
        }
    }

    /** utime + stime of the process and its descendants (a launcher's java), in ms. */
    private static double cpuMillis(ProcessHandle process) {
        long ticks = ticks(process.pid());
        for (ProcessHandle child : process.descendants().toList()) {
            ticks += ticks(child.pid());
        }
        return ticks * TICK_MILLIS;
    }

    private static long ticks(long pid) {
        try {
            return Figures.cpuTicks(Files.readString(Path.of("/proc/" + pid + "/stat")));
        } catch (IOException e) {
            return 0; // gone
        }
    }

    /**
     * {@value #FIRST_CALLS} adds of new peers over Jolokia, each on a connection of its own, right after READY
     * (the first waits for Jolokia's agent, which starts after READY: not in MeshStats' figures); then MeshStats.
     */
    private static void firstCalls(FirstCalls calls) throws IOException {
        String mesh = "org.tunnelmesh:type=Mesh,name=" + MESH;
        double[] trips = new double[FIRST_CALLS];
        for (int i = 0; i < FIRST_CALLS; i++) {
            String subnet = new Ipv4Prefix(org.tunnelmesh.Ipv4Address.parse("172.31." + i + ".0"), 24).toString();
            long t0 = System.nanoTime();
            post("{\"type\":\"exec\",\"mbean\":\"" + mesh + "\",\"operation\":\"addPeer\",\"arguments\":[\"first" + i
                    + "\",\"10.245.200." + (i + 1) + "\",\"" + subnet + "\"]}");
            trips[i] = Figures.millisSince(t0);
        }
        String stats = post("{\"type\":\"read\",\"mbean\":\"org.tunnelmesh:type=MeshStats,name=" + MESH
                + "\",\"attribute\":[\"AddPeer.Count\",\"AddPeer.P50\",\"AddPeer.P99\",\"AddPeer.Max\"]}");
        calls.meshP50 = number(stats, "AddPeer.P50");
        calls.meshP99 = number(stats, "AddPeer.P99");
        calls.meshMax = number(stats, "AddPeer.Max");
        if (number(stats, "AddPeer.Count") != FIRST_CALLS) {
            throw new IllegalStateException("MeshStats counted other calls than the " + FIRST_CALLS + ": " + stats);
        }
        calls.clientP50 = Figures.percentile(Arrays.copyOfRange(trips, 1, FIRST_CALLS), 50);
        calls.clientP99 = Figures.percentile(Arrays.copyOfRange(trips, 1, FIRST_CALLS), 99);
        calls.clientMax = Arrays.stream(trips, 1, FIRST_CALLS).max().orElseThrow();
    }

    private static double number(String json, String key) {
        Matcher m =
                Pattern.compile("\"" + Pattern.quote(key) + "\":(-?[0-9.]+)").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + key + " in " + json);
        }
        return Double.parseDouble(m.group(1));
    }

    /** One POST to the node's Jolokia from inside its namespace; a failed request fails the benchmark. */
    private static String post(String body) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), JOLOKIA_PORT)) {
            socket.setTcpNoDelay(true);
            byte[] json = body.getBytes(StandardCharsets.UTF_8);
            String login = java.util.Base64.getEncoder()
                    .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream()
                    .write(("POST /jolokia/ HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                    + "Authorization: Basic " + login + "\r\nContent-Length: " + json.length
                                    + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(json);
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if ((!answer.startsWith("HTTP/1.1 200") && !answer.startsWith("HTTP/1.0 200"))
                    || !answer.contains("\"status\":200")) {
                throw new IllegalStateException("Jolokia answered " + answer + " to " + body);
            }
            return answer;
        }
    }

    private static double untilExit(List<String> command) throws Exception {
        Figures.awaitQuietGuest();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        p.waitFor();
        return Figures.millisSince(t0);
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
