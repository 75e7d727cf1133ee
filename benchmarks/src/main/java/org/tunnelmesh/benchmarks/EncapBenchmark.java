package org.tunnelmesh.benchmarks;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.tunnelmesh.Encapsulation;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.linux.LinuxTunnelMesh;

/**
 * What FOU costs a mesh's open (issue 26): SHARED with PEERS peers (default 10,000) and POINT_TO_POINT with P2P_PEERS
 * (default 1,000) opened with plain IPIP and with FOU, interleaved round by round. SHARED with FOU routes through tm0
 * (one device more, made at open) and opens the fou port; POINT_TO_POINT sends four encap attributes more per device.
 * In the kernel lab, namespace node1: {@code lab/benchmark encap [PEERS [P2P_PEERS]]}. The peers are gateways that
 * never carry traffic, as in {@link IpipFilterBenchmark}.
 */
public final class EncapBenchmark {
    private static final String NS = "node1";
    private static final int ROUNDS = 5;

    private EncapBenchmark() {}

    public static void main(String[] args) {
        int shared = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int p2p = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        Configurator.setAllLevels("org.tunnelmesh", Level.WARN);
        if (Boolean.getBoolean("encap.verbose")) { // the mesh's own "open" line: where each open's time went
            Configurator.setLevel("org.tunnelmesh.linux.LinuxTunnelMesh", Level.INFO);
        }
        System.out.printf(
                Locale.ROOT,
                "encapsulation benchmark in namespace %s, %d CPU(s), Java %s: %d interleaved rounds, median (minimum)%n",
                NS,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                ROUNDS);
        compare(MeshMode.SHARED, IpipFilterBenchmark.peers(shared));
        compare(MeshMode.POINT_TO_POINT, IpipFilterBenchmark.peers(p2p));
    }

    private static void compare(MeshMode mode, List<Peer> peers) {
        Encapsulation fou = Encapsulation.fou(Encapsulation.DEFAULT_PORT);
        open(mode, peers, Encapsulation.NONE); // warm-up of both paths
        open(mode, peers, fou);
        double[] plain = new double[ROUNDS];
        double[] encapsulated = new double[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            if (round % 2 == 0) { // neither always runs first
                plain[round] = open(mode, peers, Encapsulation.NONE);
                encapsulated[round] = open(mode, peers, fou);
            } else {
                encapsulated[round] = open(mode, peers, fou);
                plain[round] = open(mode, peers, Encapsulation.NONE);
            }
        }
        System.out.printf(
                Locale.ROOT,
                "%-14s open with %6d peers: plain IPIP %8.1f ms (%8.1f)  FOU %8.1f ms (%8.1f)  ratio %.2fx%n",
                mode,
                peers.size(),
                Figures.median(plain),
                min(plain),
                Figures.median(encapsulated),
                min(encapsulated),
                Figures.median(encapsulated) / Figures.median(plain));
    }

    /** @return milliseconds of the open; the mesh is purged afterwards, untimed */
    private static double open(MeshMode mode, List<Peer> peers, Encapsulation encapsulation) {
        Figures.awaitQuietGuest(); // the previous purge's deferred work in the kernel is not timed here
        long t0 = System.nanoTime();
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(mode, encapsulation), peers)) {
            double millis = Figures.millisSince(t0);
            if (mesh.peers().size() != peers.size()) {
                throw new IllegalStateException("mesh holds " + mesh.peers().size() + " peers");
            }
            mesh.purge();
            return millis;
        }
    }

    private static MeshConfig config(MeshMode mode, Encapsulation encapsulation) {
        return MeshConfig.builder()
                .name(NS)
                .mode(mode)
                .underlay("10.245.1.2")
                .tunnelAddress("192.168.41.0")
                .netns(NS)
                .watchKernel(false)
                .encapsulation(encapsulation)
                .build();
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElseThrow();
    }
}
