package org.tunnelmesh.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.linux.LinuxTunnelMesh;
import org.tunnelmesh.testing.SeedPeers;

/**
 * Route programming by tunnelmesh beside {@code ip -batch} doing the same work, in one run and one
 * namespace (node1 of the kernel lab), plus counter reads, single-call latency and heap per peer.
 *
 * <p>Peers are limited to what the seed's address plan holds ({@link SeedPeers}). Run: {@code lab/benchmark}.
 */
public final class MeshBenchmark {
    private static final String NS = "node1";
    private static final int MAX_PEERS = SeedPeers.MAX;
    private static final int PROTOCOL = MeshConfig.DEFAULT_ROUTE_PROTOCOL;
    /** Each figure is the median of this many rounds: the lab's one CPU is noisy. */
    private static final int ROUNDS = 5;

    private MeshBenchmark() {}

    public static void main(String[] args) throws Exception {
        int subnetsPerPeer = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        Configurator.setAllLevels("org.tunnelmesh", Level.WARN); // the figures, not the log
        System.out.printf(
                Locale.ROOT,
                "tunnelmesh benchmark in namespace %s, %d CPU(s), Java %s%n",
                NS,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        System.out.println(
                "medians of " + ROUNDS + " rounds; ip -batch times include starting ip, as a user would pay it");
        System.out.println(
                "peers  routes | tunnelmesh add  remove | ip -batch classic  nexthop | ratio vs classic  vs nexthop");
        for (int peers : new int[] {60, 120, MAX_PEERS}) {
            List<Peer> list = SeedPeers.of(peers, subnetsPerPeer);
            warmUp(list);
            double[] add = new double[ROUNDS];
            double[] remove = new double[ROUNDS];
            double[] classic = new double[ROUNDS];
            double[] nexthop = new double[ROUNDS];
            for (int round = 0; round < ROUNDS; round++) {
                try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(MeshMode.SHARED))) {
                    long t0 = System.nanoTime();
                    mesh.addPeers(list);
                    add[round] = Figures.millisSince(t0);
                    t0 = System.nanoTime();
                    mesh.removePeers(list.stream().map(Peer::name).toList());
                    remove[round] = Figures.millisSince(t0);
                    mesh.purge();
                }
                classic[round] = ipBatch(IpBatchScripts.classicRoutes(list));
                nexthop[round] = ipBatch(IpBatchScripts.nexthopRoutes(list, 1000));
            }
            System.out.printf(
                    Locale.ROOT,
                    "%5d  %6d | %11.1f ms %6.1f ms | %13.1f ms %6.1f ms | %14.1fx %9.1fx%n",
                    peers,
                    peers * subnetsPerPeer,
                    Figures.median(add),
                    Figures.median(remove),
                    Figures.median(classic),
                    Figures.median(nexthop),
                    Figures.median(classic) / Figures.median(add),
                    Figures.median(nexthop) / Figures.median(add));
        }
        double[] empty = new double[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            empty[round] = ipBatch(List.of());
        }
        System.out.printf(
                Locale.ROOT,
                "ip -batch with an empty batch (starting ip, in these figures too): %.1f ms%n",
                Figures.median(empty));
        singleAddPeerLatency();
        counterReads();
        heapPerPeer(subnetsPerPeer);
    }

    private static MeshConfig config(MeshMode mode) {
        return MeshConfig.builder()
                .name(NS)
                .mode(mode)
                .underlay("10.245.1.2")
                .tunnelAddress("192.168.41.0")
                .netns(NS)
                .watchKernel(false)
                .build();
    }

    /** One untimed round so the JIT has compiled the hot path before anything is measured. */
    private static void warmUp(List<Peer> peers) {
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(MeshMode.SHARED))) {
            mesh.addPeers(peers);
            mesh.purge();
        }
    }

    /** Times {@code ip -batch} (tunl0 up as the mesh would have it), then removes what it added. */
    private static double ipBatch(List<String> commands) throws IOException, InterruptedException {
        run("ip", "-n", NS, "link", "set", "tunl0", "up", "mtu", "1480");
        Path file = Files.createTempFile("tunnelmesh-bench", ".batch");
        try {
            Files.write(file, commands, StandardCharsets.UTF_8);
            long t0 = System.nanoTime();
            run("ip", "-n", NS, "-batch", file.toString());
            double millis = Figures.millisSince(t0);
            // nexthops first: deleting one deletes its routes (ip cannot flush routes that use nhid)
            run("ip", "-n", NS, "nexthop", "flush", "protocol", String.valueOf(PROTOCOL));
            run("ip", "-n", NS, "route", "flush", "proto", String.valueOf(PROTOCOL));
            run("ip", "-n", NS, "link", "set", "tunl0", "down");
            return millis;
        } finally {
            Files.delete(file);
        }
    }

    private static void singleAddPeerLatency() throws Exception {
        int calls = 1000;
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(MeshMode.SHARED))) {
            mesh.addPeers(SeedPeers.of(MAX_PEERS - 1, 1).subList(1, MAX_PEERS - 1)); // a mesh that is not empty
            Peer peer = SeedPeers.of(1, 1).get(0);
            AddRemoveTimer.Call add = () -> mesh.addPeer(peer);
            AddRemoveTimer.Call remove = () -> mesh.removePeer(peer.name());
            String warmedUp = AddRemoveTimer.warmUp(add, remove);
            Figures.awaitQuietGuest();
            double[][] times = AddRemoveTimer.time(add, remove, calls, 0);
            mesh.purge();
            System.out.printf(
                    Locale.ROOT,
                    "single addPeer in a mesh of %d peers: p50 %.0f us, p99 %.0f us, max %.0f us (%d calls after %s)%n",
                    MAX_PEERS - 2,
                    Figures.percentile(times[0], 50),
                    Figures.percentile(times[0], 99),
                    Figures.percentile(times[0], 100),
                    calls,
                    warmedUp);
            System.out.printf(
                    Locale.ROOT,
                    "single removePeer: p50 %.0f us, p99 %.0f us, max %.0f us%n",
                    Figures.percentile(times[1], 50),
                    Figures.percentile(times[1], 99),
                    Figures.percentile(times[1], 100));
        }
    }

    private static void counterReads() {
        int devices = 100;
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(MeshMode.POINT_TO_POINT))) {
            mesh.addPeers(SeedPeers.of(devices, 1));
            Histogram reads = new Histogram(3);
            for (int i = 0; i < 120; i++) {
                long t0 = System.nanoTime();
                int seen = mesh.devices().size();
                if (i >= 20) {
                    reads.recordValue((System.nanoTime() - t0) / 1000);
                }
                if (seen != devices) {
                    throw new IllegalStateException("read " + seen + " devices, expected " + devices);
                }
            }
            mesh.purge();
            System.out.printf(
                    Locale.ROOT,
                    "counters of %d POINT_TO_POINT devices, one dump: p50 %.2f ms, p99 %.2f ms (100 reads)%n",
                    devices,
                    reads.getValueAtPercentile(50) / 1000.0,
                    reads.getValueAtPercentile(99) / 1000.0);
        }
    }

    private static void heapPerPeer(int subnetsEach) {
        List<Peer> list = SeedPeers.of(MAX_PEERS, subnetsEach);
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(MeshMode.SHARED))) {
            long before = Figures.usedHeapAfterGc();
            mesh.addPeers(list);
            long after = Figures.usedHeapAfterGc();
            System.out.printf(
                    Locale.ROOT,
                    "heap retained per peer (%d subnets each, the mesh's own state): %d bytes%n",
                    subnetsEach,
                    (after - before) / list.size());
            mesh.purge();
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }
}
