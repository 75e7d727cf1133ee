package org.tunnelmesh.benchmarks;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TunnelDevice;
import org.tunnelmesh.jmx.MeshMBeans;
import org.tunnelmesh.jmx.remote.Credentials;
import org.tunnelmesh.jmx.remote.SecureJolokiaEndpoint;
import org.tunnelmesh.linux.LinuxTunnelMesh;
import org.tunnelmesh.linux.syscall.NetworkNamespace;

/**
 * The JVM's side of scale, in the kernel lab (namespace node1): the node's start-up beside
 * {@code java -version}, exporting and removing the MBeans of 20,000 peers beside programming
 * their routes, {@code addPeer} latency with 20,000 peers present (the {@code AddPeer.*}
 * attributes), heap per peer, and the counters of 1,000 POINT_TO_POINT devices read through the
 * library and through one Jolokia wildcard read. Run: {@code lab/benchmark jvm [PEERS] [DEVICES]}, or
 * {@code lab/benchmark jvm startup} (the start-up alone), {@code lab/benchmark jvm addpeer [PEERS]} (the
 * addPeer latency alone).
 *
 * <p>The peers are gateways that never carry traffic: underlays from 10.200.0.1, one /32 each from
 * 172.16.0.0 - private addresses inside the lab's own namespace.
 */
public final class JvmScaleBenchmark {
    private static final String NS = "node1";
    private static final String JAR = System.getProperty("tunnelmesh.nodeJar", "samples/target/tunnelmesh-node.jar");
    private static final String BENCHMARKS_JAR =
            System.getProperty("tunnelmesh.benchmarksJar", "benchmarks/target/tunnelmesh-benchmarks.jar");
    private static final String JAVA = ProcessHandle.current().info().command().orElse("java");
    private static final int STARTS = 5;
    /**
     * The bare mesh's calls are timed back to back and again this far apart, as calls over Jolokia
     * come (a round trip takes a few ms in the lab): what a pause between changes costs or saves.
     */
    private static final long PACED_MILLIS = 2;

    private static final int CALLS = 1000;
    private static final int READS = 100;
    private static final int JOLOKIA_READS = 9;
    private static final String USER = "operator";
    private static final int JOLOKIA_PORT = 8778;
    private static final String PASSWORD = "bench-secret";

    private JvmScaleBenchmark() {}

    public static void main(String[] args) throws Exception {
        Configurator.setAllLevels(
                "org.tunnelmesh", Level.WARN); // the figures, not the log (in the lab, a line costs a console write)
        if (args.length > 0 && args[0].equals("startup")) {
            startUp();
            return;
        }
        if (args.length > 0 && args[0].equals("addpeer")) {
            addPeerLatency(IpipFilterBenchmark.peers(args.length > 1 ? Integer.parseInt(args[1]) : 20_000));
            return;
        }
        int peers = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int devices = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        System.out.printf(
                Locale.ROOT,
                "JVM scale benchmark in namespace %s, %d CPU(s), Java %s%n",
                NS,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        startUp();
        List<Peer> list = IpipFilterBenchmark.peers(peers);
        mbeansBeside(list);
        addPeerLatency(list);
        heapPerPeer(list);
        counters(IpipFilterBenchmark.peers(devices));
    }

    /**
     * {@code java -version} and the node with no peers (Jolokia on, as a managed node runs), to
     * READY: as {@code java -jar} starts it, and with a class-data archive of its classes (AppCDS,
     * made by one start with {@code -XX:ArchiveClassesAtExit}), which an operator may add. Beside
     * them the floor: {@link StartupFloor} starting from the same jar only the parts a managed node
     * cannot do without (the platform MBeanServer, the JDK's HTTP server, JNA), one more at a time.
     */
    private static void startUp() throws Exception {
        Path archive = Files.createTempFile("tunnelmesh-node", ".jsa");
        Files.delete(archive); // the JVM writes it
        List<List<String>> floors =
                List.of(List.of(), List.of("jmx"), List.of("jmx", "http"), List.of("jmx", "http", "jna"));
        try {
            untilReady(
                    nodeCommand(List.of("-XX:ArchiveClassesAtExit=" + archive)),
                    true); // the answer: Jolokia's classes in the archive too
            double[] version = new double[STARTS];
            double[] ready = new double[STARTS];
            double[] answered = new double[STARTS];
            double[] readyShared = new double[STARTS];
            double[] answeredShared = new double[STARTS];
            double[][] floor = new double[floors.size()][STARTS];
            for (int i = 0; i < STARTS; i++) {
                version[i] = untilExit(List.of(JAVA, "-version"));
                for (int f = 0; f < floors.size(); f++) {
                    floor[f][i] = untilReady(floorCommand(floors.get(f)), false).ready();
                }
                Start plain = untilReady(nodeCommand(List.of()), true);
                ready[i] = plain.ready();
                answered[i] = plain.answered();
                Start shared = untilReady(nodeCommand(List.of("-XX:SharedArchiveFile=" + archive)), true);
                readyShared[i] = shared.ready();
                answeredShared[i] = shared.answered();
            }
            double versionMedian = Figures.median(version);
            System.out.printf(
                    Locale.ROOT,
                    "start-up, medians of %d: java -version %.2f s; node READY with no peers %.2f s = %.1fx "
                            + "(Jolokia's first answer %.2f s), with an AppCDS archive %.2f s = %.1fx (%.2f s)%n",
                    STARTS,
                    versionMedian / 1000,
                    Figures.median(ready) / 1000,
                    Figures.median(ready) / versionMedian,
                    Figures.median(answered) / 1000,
                    Figures.median(readyShared) / 1000,
                    Figures.median(readyShared) / versionMedian,
                    Figures.median(answeredShared) / 1000);
            StringBuilder parts = new StringBuilder("  the floor, from the same jar (StartupFloor):");
            for (int f = 0; f < floors.size(); f++) {
                double median = Figures.median(floor[f]);
                parts.append(String.format(
                        Locale.ROOT,
                        "%s %s %.2f s = %.1fx",
                        f == 0 ? "" : ";",
                        floors.get(f).isEmpty() ? "main()" : "+ " + String.join(" + ", floors.get(f)),
                        median / 1000,
                        median / versionMedian));
            }
            System.out.println(parts);
        } finally {
            Files.deleteIfExists(archive);
        }
    }

    private static List<String> nodeCommand(List<String> jvmOptions) {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", NS, JAVA));
        command.addAll(jvmOptions);
        command.addAll(List.of(
                "-jar",
                JAR,
                "--name",
                "startup",
                "--underlay",
                "10.245.1.2",
                "--tunnel-address",
                "192.168.41.0",
                "--jolokia",
                "127.0.0.1:" + JOLOKIA_PORT,
                "--user",
                USER,
                "--purge-on-exit"));
        return command;
    }

    private static List<String> floorCommand(List<String> parts) {
        // the node jar first, so the floor loads the JDK's, Jolokia's and JNA's classes from the very jar the node runs
        String classpath = JAR + File.pathSeparator + BENCHMARKS_JAR;
        List<String> command = new ArrayList<>(
                List.of("ip", "netns", "exec", NS, JAVA, "-cp", classpath, StartupFloor.class.getName()));
        command.addAll(parts);
        return command;
    }

    private static double untilExit(List<String> command) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        p.waitFor();
        return Figures.millisSince(t0);
    }

    /** From the process start: its READY line and (NaN unless asked for) its Jolokia's first answer. */
    private record Start(double ready, double answered) {}

    /** Times the process to its READY line (and, when asked, to its Jolokia's first answer); then SIGTERM, and its exit. */
    private static Start untilReady(List<String> command, boolean askJolokia) throws Exception {
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
            double ready = Figures.millisSince(t0);
            if (line == null) {
                throw new IllegalStateException(
                        "the node exited with status " + node.waitFor() + " before READY: " + command);
            }
            double answered = askJolokia ? NetworkNamespace.call(NS, () -> firstJolokiaAnswer(t0)) : Double.NaN;
            node.destroy(); // SIGTERM: the node purges and exits (and writes the archive, when asked to)
            if (!node.waitFor(120, TimeUnit.SECONDS)) {
                node.destroyForcibly();
            }
            return new Start(ready, answered);
        }
    }

    /**
     * One GET of Jolokia's version from inside the node's namespace: its port is bound before READY,
     * the answer comes once its agent is up. A plain socket, not the {@link Jolokia} client: an
     * HttpClient connects from threads of its own, outside the namespace this thread entered.
     */
    private static double firstJolokiaAnswer(long t0) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), JOLOKIA_PORT)) {
            String login = Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream()
                    .write(("GET /jolokia/version HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Basic " + login
                                    + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            String status = new BufferedReader(
                            new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            double millis = Figures.millisSince(t0);
            if (status == null || !status.contains(" 200 ")) {
                throw new IllegalStateException("the node's Jolokia answered '" + status + "'");
            }
            return millis;
        }
    }

    /** Routes of all peers added and removed in bulk, bare and with the MBeans following; and export/close of a full mesh. */
    private static void mbeansBeside(List<Peer> peers) {
        List<String> names = peers.stream().map(Peer::name).toList();
        double add;
        double remove;
        double addFollowed;
        double removeFollowed;
        double export;
        double unexport;
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(MeshMode.SHARED))) {
            mesh.addPeers(peers.subList(0, 100)); // warm-up
            mesh.removePeers(names.subList(0, 100));
            long t0 = System.nanoTime();
            mesh.addPeers(peers);
            add = Figures.millisSince(t0);
            t0 = System.nanoTime();
            mesh.removePeers(names);
            remove = Figures.millisSince(t0);
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            try (MeshMBeans mbeans = MeshMBeans.export(mesh, server)) {
                t0 = System.nanoTime();
                mbeans.mesh().addPeers(peers);
                addFollowed = Figures.millisSince(t0);
                t0 = System.nanoTime();
                mbeans.mesh().removePeers(names);
                removeFollowed = Figures.millisSince(t0);
                mbeans.mesh().addPeers(peers);
            }
            t0 = System.nanoTime();
            MeshMBeans mbeans = MeshMBeans.export(mesh, server);
            export = Figures.millisSince(t0);
            checkRegistered(server, peers.size());
            t0 = System.nanoTime();
            mbeans.close();
            unexport = Figures.millisSince(t0);
            mesh.purge();
        }
        System.out.printf(
                Locale.ROOT,
                "%d peers, SHARED: addPeers %.0f ms bare, %.0f ms with MBeans following (+%.0f ms); "
                        + "removePeers %.0f ms bare, %.0f ms with MBeans (+%.0f ms)%n",
                peers.size(),
                add,
                addFollowed,
                addFollowed - add,
                remove,
                removeFollowed,
                removeFollowed - remove);
        System.out.printf(
                Locale.ROOT,
                "%d peers: MeshMBeans.export of the full mesh %.0f ms, close %.0f ms (routes: %.0f ms)%n",
                peers.size(),
                export,
                unexport,
                add);
    }

    private static void checkRegistered(MBeanServer server, int peers) {
        try {
            int seen = server.queryNames(new ObjectName("org.tunnelmesh:type=Peer,mesh=" + NS + ",*"), null)
                    .size();
            if (seen != peers) {
                throw new IllegalStateException(seen + " Peer MBeans registered, expected " + peers);
            }
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * addPeer then removePeer of one more peer over Jolokia (HTTP exec on the Mesh MBean, as the
     * issue measured it), with all peers present and their MBeans registered; the figures are the
     * MeshStats attributes, which time the mesh call the MBean makes. Both loops, bare and over
     * Jolokia, are timed once the JIT has settled ({@link AddRemoveTimer#warmUp}).
     */
    private static void addPeerLatency(List<Peer> peers) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName statsName = new ObjectName("org.tunnelmesh:type=MeshStats,name=" + NS);
        String mesh = "org.tunnelmesh:type=Mesh,name=" + NS;
        String add = "{\"type\":\"exec\",\"mbean\":\"" + mesh
                + "\",\"operation\":\"addPeer\",\"arguments\":[\"extra\",\"10.201.0.1\",\"172.31.0.0/24\"]}";
        String remove =
                "{\"type\":\"exec\",\"mbean\":\"" + mesh + "\",\"operation\":\"removePeer\",\"arguments\":[\"extra\"]}";
        try (LinuxTunnelMesh linux = LinuxTunnelMesh.open(config(MeshMode.SHARED), peers);
                SecureJolokiaEndpoint jolokia = startJolokia()) {
            Figures.awaitQuietGuest(); // after an open of 20,000 peers: the JIT, the kernel's deferred work
            // the same calls on the bare mesh first: what the library and the kernel cost without JMX, this run
            Peer extra = Peer.of("extra", "10.201.0.1", "172.31.0.0/24");
            AddRemoveTimer.Call bareAdd = () -> linux.addPeer(extra);
            AddRemoveTimer.Call bareRemove = () -> linux.removePeer(extra.name());
            String warmedUp = AddRemoveTimer.warmUp(bareAdd, bareRemove);
            for (long pauseMillis : new long[] {0, PACED_MILLIS}) {
                Figures.JvmActivity bareStart = Figures.JvmActivity.now();
                double[] bare = AddRemoveTimer.time(bareAdd, bareRemove, CALLS, pauseMillis)[0];
                System.out.printf(
                        Locale.ROOT,
                        "addPeer on the bare mesh (no JMX) with %d peers present, %s (%d calls after %s): p50 %.0f us, "
                                + "p90 %.0f us, p99 %.0f us; %d call(s) over 5 ms; meanwhile %s%n",
                        peers.size(),
                        pauseMillis == 0 ? "back to back" : pauseMillis + " ms apart",
                        CALLS,
                        warmedUp,
                        Figures.percentile(bare, 50),
                        Figures.percentile(bare, 90),
                        Figures.percentile(bare, 99),
                        Figures.countAbove(bare, 5000),
                        Figures.JvmActivity.now().since(bareStart));
            }
            Jolokia client = new Jolokia(jolokia);
            AddRemoveTimer.Call jolokiaAdd = () -> client.post(add);
            AddRemoveTimer.Call jolokiaRemove = () -> client.post(remove);
            try (MeshMBeans warmUpMBeans = MeshMBeans.export(linux, server)) {
                warmedUp = AddRemoveTimer.warmUp(jolokiaAdd, jolokiaRemove);
            }
            try (MeshMBeans mbeans = MeshMBeans.export(linux, server)) { // fresh MeshStats: the timed calls only
                Figures.JvmActivity roundStart = Figures.JvmActivity.now();
                double[] roundTrips = AddRemoveTimer.time(jolokiaAdd, jolokiaRemove, CALLS, 0)[0];
                System.out.printf(
                        Locale.ROOT,
                        "addPeer over Jolokia with %d peers present, back to back (%d calls after %s; AddPeer.* of "
                                + "MeshStats): p50 %d us, p90 %d us, p99 %d us, max %d us; RemovePeer p50 %d us, p99 %d us; "
                                + "the client's round trip (HTTP POST, kept-alive): p50 %.0f us, p99 %.0f us; meanwhile %s%n",
                        peers.size(),
                        CALLS,
                        warmedUp,
                        stat(server, statsName, "AddPeer.P50"),
                        stat(server, statsName, "AddPeer.P90"),
                        stat(server, statsName, "AddPeer.P99"),
                        stat(server, statsName, "AddPeer.Max"),
                        stat(server, statsName, "RemovePeer.P50"),
                        stat(server, statsName, "RemovePeer.P99"),
                        Figures.percentile(roundTrips, 50),
                        Figures.percentile(roundTrips, 99),
                        Figures.JvmActivity.now().since(roundStart));
            }
            linux.purge();
        }
    }

    private static SecureJolokiaEndpoint startJolokia() throws java.io.IOException {
        return SecureJolokiaEndpoint.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                Credentials.of(USER, PASSWORD.toCharArray()),
                null);
    }

    /** Posts JSON requests to the endpoint with the benchmark's login; a failed request fails the benchmark. */
    private static final class Jolokia {
        private final HttpClient http = HttpClient.newHttpClient();
        private final URI url;
        private final String login =
                "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));

        Jolokia(SecureJolokiaEndpoint endpoint) {
            this.url = URI.create(endpoint.url());
        }

        String post(String body) throws Exception {
            HttpRequest request = HttpRequest.newBuilder(url)
                    .header("Content-Type", "application/json")
                    .header("Authorization", login)
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200 || !response.body().contains("\"status\":200")) {
                throw new IllegalStateException(
                        "Jolokia answered " + response.statusCode() + " to " + body + ": " + response.body());
            }
            return response.body();
        }
    }

    private static void heapPerPeer(List<Peer> peers) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        long before = Figures.usedHeapAfterGc();
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(MeshMode.SHARED), peers);
                MeshMBeans mbeans = MeshMBeans.export(mesh, server)) {
            long after = Figures.usedHeapAfterGc();
            System.out.printf(
                    Locale.ROOT,
                    "heap retained per peer at %d peers (the mesh and its MBeans; the peers' own objects included): "
                            + "%d bytes%n",
                    peers.size(),
                    (after - before) / peers.size());
            mesh.purge();
        }
    }

    /** POINT_TO_POINT: every device's counters through the library, and TxPackets of all TunnelDevice MBeans in one Jolokia read. */
    private static void counters(List<Peer> peers) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(MeshMode.POINT_TO_POINT), peers);
                MeshMBeans mbeans = MeshMBeans.export(mesh, server);
                SecureJolokiaEndpoint jolokia = startJolokia()) {
            double[] reads = new double[READS];
            for (int i = 0; i < READS; i++) {
                long t0 = System.nanoTime();
                List<TunnelDevice> devices = mesh.devices();
                reads[i] = Figures.millisSince(t0);
                if (devices.size() != peers.size()) {
                    throw new IllegalStateException("read " + devices.size() + " devices, expected " + peers.size());
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "counters of %d POINT_TO_POINT devices through the library (devices()): p50 %.2f ms, p99 %.2f ms (%d reads)%n",
                    peers.size(),
                    Figures.percentile(reads, 50),
                    Figures.percentile(reads, 99),
                    READS);
            Jolokia client = new Jolokia(jolokia);
            String body = "{\"type\":\"read\",\"mbean\":\"org.tunnelmesh:type=TunnelDevice,mesh=" + NS
                    + ",name=*\",\"attribute\":\"TxPackets\"}";
            double[] jolokiaReads = new double[JOLOKIA_READS];
            int values = 0;
            for (int i = -2; i < JOLOKIA_READS; i++) { // two to warm up
                Thread.sleep(MeshMBeans.COUNTER_MAX_AGE.toMillis()
                        + 50); // stale: each read dumps the kernel, as a poller's would
                long t0 = System.nanoTime();
                String answer = client.post(body);
                double millis = Figures.millisSince(t0);
                values = count(answer, "\"TxPackets\"");
                if (i >= 0) {
                    jolokiaReads[i] = millis;
                }
            }
            if (values != peers.size() + 1) { // the peers' devices and tunl0 (kept down)
                throw new IllegalStateException(
                        "the Jolokia read returned " + values + " TxPackets values, expected " + (peers.size() + 1));
            }
            System.out.printf(
                    Locale.ROOT,
                    "TxPackets of all %d TunnelDevice MBeans, one Jolokia wildcard read: median %.0f ms, min %.0f ms (%d reads)%n",
                    values,
                    Figures.median(jolokiaReads),
                    Arrays.stream(jolokiaReads).min().orElseThrow(),
                    JOLOKIA_READS);
            mesh.purge();
        }
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + what.length())) {
            n++;
        }
        return n;
    }

    private static MeshConfig config(MeshMode mode) {
        return MeshConfig.builder()
                .name(NS)
                .mode(mode)
                .underlay("10.245.1.2")
                .tunnelAddress("192.168.41.0")
                .netns(NS)
                .build();
    }

    /** One latency figure of MeshStats, in microseconds. */
    private static long stat(MBeanServer server, ObjectName stats, String attribute) throws Exception {
        return ((Number) server.getAttribute(stats, attribute)).longValue();
    }
}
