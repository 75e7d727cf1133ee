package org.tunnelmesh.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.linux.LinuxTunnelMesh;

/**
 * What encryption (issue 27) costs: opening a mesh of 1,000 peers with ESP states and policies beside the plain open
 * (namespace node1; peers are gateways that never carry traffic), and TCP throughput through the tunnel between node1
 * and node2 with and without it (iperf3). In the kernel lab: {@code lab/benchmark encryption [PEERS]}.
 */
public final class EncryptionBenchmark {
    private static final int ROUNDS = 5;

    private EncryptionBenchmark() {}

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
        Configurator.setAllLevels("org.tunnelmesh", Level.WARN);
        Path keys = keyFile();
        List<Peer> peers = IpipFilterBenchmark.peers(count);
        System.out.printf(
                Locale.ROOT,
                "encryption benchmark, %d CPU(s), Java %s: open with %d peers, SHARED mode, %d interleaved rounds%n",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                count,
                ROUNDS);
        open(peers, null); // warm-up of both paths
        open(peers, keys);
        double[] with = new double[ROUNDS];
        double[] without = new double[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            if (round % 2 == 0) {
                with[round] = open(peers, keys);
                without[round] = open(peers, null);
            } else {
                without[round] = open(peers, null);
                with[round] = open(peers, keys);
            }
        }
        System.out.printf(
                Locale.ROOT,
                "open with %d peers: encrypted median %.1f ms (min %.1f), plain median %.1f ms (min %.1f): %.2fx%n",
                count,
                Figures.median(with),
                min(with),
                Figures.median(without),
                min(without),
                Figures.median(with) / Figures.median(without));
        double plain = throughput(null);
        double encrypted = throughput(keys);
        System.out.printf(
                Locale.ROOT,
                "TCP through the tunnel node1 -> node2 (iperf3, 5 s): plain %.0f Mbit/s, encrypted %.0f Mbit/s (%.0f%%)%n",
                plain,
                encrypted,
                100 * encrypted / plain);
    }

    /** Opens the mesh with every peer, then purges it; returns the open's milliseconds. */
    private static double open(List<Peer> peers, Path keys) {
        long t0 = System.nanoTime();
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(1, keys), peers)) {
            double millis = Figures.millisSince(t0);
            mesh.purge();
            return millis;
        }
    }

    private static double throughput(Path keys) throws Exception {
        try (LinuxTunnelMesh node1 = LinuxTunnelMesh.open(
                        config(1, keys), List.of(Peer.of("node2", "10.245.1.3", "192.168.42.0/24")));
                LinuxTunnelMesh node2 = LinuxTunnelMesh.open(
                        config(2, keys), List.of(Peer.of("node1", "10.245.1.2", "192.168.41.0/24")))) {
            Process server = new ProcessBuilder(
                            "ip", "netns", "exec", "node2", "iperf3", "-s", "-1", "-B", "192.168.42.0")
                    .redirectErrorStream(true)
                    .start();
            Thread.sleep(500);
            Process client = new ProcessBuilder(
                            "ip",
                            "netns",
                            "exec",
                            "node1",
                            "iperf3",
                            "-c",
                            "192.168.42.0",
                            "-B",
                            "192.168.41.0",
                            "-t",
                            "5",
                            "-f",
                            "m")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(client.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            client.waitFor(60, TimeUnit.SECONDS);
            server.waitFor(10, TimeUnit.SECONDS);
            server.destroy();
            node1.purge();
            node2.purge();
            Matcher m = Pattern.compile("([\\d.]+) Mbits/sec.*sender").matcher(out);
            if (!m.find()) {
                throw new IllegalStateException("iperf3 said: " + out);
            }
            return Double.parseDouble(m.group(1));
        }
    }

    private static MeshConfig config(int node, Path keys) {
        return MeshConfig.builder()
                .name("node" + node)
                .mode(MeshMode.SHARED)
                .underlay("10.245.1." + (1 + node))
                .tunnelAddress("192.168.4" + node + ".0")
                .netns("node" + node)
                .watchKernel(false)
                .probeInterval(java.time.Duration.ZERO)
                .encryptionKeyFile(keys)
                .build();
    }

    private static Path keyFile() throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path dir = Files.createTempDirectory("tm-bench-keys");
        Path file = dir.resolve("keys");
        Files.writeString(file, HexFormat.of().formatHex(key) + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static double min(double[] values) {
        return java.util.Arrays.stream(values).min().orElseThrow();
    }
}
