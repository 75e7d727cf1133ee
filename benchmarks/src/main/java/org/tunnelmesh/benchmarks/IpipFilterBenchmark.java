package org.tunnelmesh.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TrafficCounters;
import org.tunnelmesh.jmx.MeshMBeans;
import org.tunnelmesh.linux.LinuxTunnelMesh;

/**
 * What the IPIP filter costs: a mesh of 10,000 peers opened and its MBeans registered (what the
 * node does before it prints READY) with the filter and without, and reading the counters of all
 * 10,000 peers in one call. In the kernel lab, namespace node1: {@code lab/benchmark filter [PEERS]}.
 *
 * <p>The peers are gateways that never carry traffic: underlays 10.200.0.1 upwards, one /32 each
 * from 172.16.0.0 - private addresses inside the lab's own namespace.
 */
public final class IpipFilterBenchmark {
    private static final String NS = "node1";
    /** Interleaved rounds; the machine is shared, so the minimum (least disturbed round) is shown beside the median. */
    private static final int ROUNDS = 9;

    private static final int READS = 200;

    private IpipFilterBenchmark() {}

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        Configurator.setAllLevels("org.tunnelmesh", Level.WARN);
        List<Peer> peers = peers(count);
        System.out.printf(
                Locale.ROOT,
                "IPIP filter benchmark in namespace %s, %d CPU(s), Java %s: %d peers, SHARED mode, %d interleaved rounds%n",
                NS,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                count,
                ROUNDS);
        ready(peers, true); // warm-up of both paths
        ready(peers, false);
        double[] with = new double[ROUNDS];
        double[] without = new double[ROUNDS];
        double[] openWith = new double[ROUNDS];
        double[] openWithout = new double[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            boolean filterFirst = round % 2 == 0; // neither always runs first
            double[] w = filterFirst ? ready(peers, true) : null;
            double[] wo = ready(peers, false);
            if (w == null) {
                w = ready(peers, true);
            }
            openWith[round] = w[0];
            with[round] = w[1];
            openWithout[round] = wo[0];
            without[round] = wo[1];
        }
        System.out.printf(
                Locale.ROOT,
                "                                     median: filter  no filter  ratio |  minimum: filter  no filter  ratio%n");
        System.out.printf(
                Locale.ROOT,
                "open with %d peers:              %8.1f ms %8.1f ms  %.2fx | %8.1f ms %8.1f ms  %.2fx%n",
                count,
                Figures.median(openWith),
                Figures.median(openWithout),
                Figures.median(openWith) / Figures.median(openWithout),
                min(openWith),
                min(openWithout),
                min(openWith) / min(openWithout));
        System.out.printf(
                Locale.ROOT,
                "READY (open + MBeans of %d):     %8.1f ms %8.1f ms  %.2fx | %8.1f ms %8.1f ms  %.2fx%n",
                count,
                Figures.median(with),
                Figures.median(without),
                Figures.median(with) / Figures.median(without),
                min(with),
                min(without),
                min(with) / min(without));
        counterReads(peers);
    }

    /** @return {open ms, open + MBeans ms} */
    private static double[] ready(List<Peer> peers, boolean filter) {
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        long t0 = System.nanoTime();
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(filter), peers)) {
            double open = Figures.millisSince(t0);
            try (MeshMBeans mbeans = MeshMBeans.export(mesh, server)) {
                double ready = Figures.millisSince(t0);
                if (mesh.peers().size() != peers.size()) {
                    throw new IllegalStateException("mesh holds " + mesh.peers().size() + " peers");
                }
                mesh.purge();
                return new double[] {open, ready};
            }
        }
    }

    private static void counterReads(List<Peer> peers) throws Exception {
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(true), peers);
                MeshMBeans mbeans = MeshMBeans.export(mesh, server)) {
            double[] millis = new double[READS];
            for (int i = 0; i < READS; i++) {
                long t0 = System.nanoTime();
                TrafficCounters counters = mesh.trafficCounters();
                millis[i] = Figures.millisSince(t0);
                if (counters.peers().size() != peers.size()) {
                    throw new IllegalStateException("read " + counters.peers().size() + " peers' counters");
                }
            }
            Arrays.sort(millis);
            System.out.printf(
                    Locale.ROOT,
                    "counters of %d peers, one trafficCounters() call (one bpf(BPF_MAP_LOOKUP_BATCH)): p50 %.2f ms, p99 %.2f ms%n",
                    peers.size(),
                    millis[READS / 2],
                    millis[READS * 99 / 100]);
            // over JMX: RxPackets of every Peer MBean; one filter read serves them all within 250 ms
            Thread.sleep(MeshMBeans.COUNTER_MAX_AGE.toMillis() + 50);
            long t0 = System.nanoTime();
            long total = 0;
            for (Peer peer : peers) {
                total += (long) server.getAttribute(
                        new ObjectName("org.tunnelmesh:type=Peer,mesh=" + NS + ",name=" + peer.name()), "RxPackets");
            }
            System.out.printf(
                    Locale.ROOT,
                    "RxPackets of all %d Peer MBeans over the MBean server: %.1f ms (sum %d)%n",
                    peers.size(),
                    Figures.millisSince(t0),
                    total);
            mesh.purge();
        }
    }

    private static MeshConfig config(boolean filter) {
        return MeshConfig.builder()
                .name(NS)
                .mode(MeshMode.SHARED)
                .underlay("10.245.1.2")
                .tunnelAddress("192.168.41.0")
                .netns(NS)
                .watchKernel(false)
                .ipipFilter(filter)
                .build();
    }

    static List<Peer> peers(int count) {
        List<Peer> peers = new ArrayList<>(count);
        int underlay = Ipv4Address.parse("10.200.0.1").bits();
        int subnet = Ipv4Address.parse("172.16.0.0").bits();
        for (int i = 0; i < count; i++) {
            peers.add(new Peer(
                    "p" + i, new Ipv4Address(underlay + i), List.of(new Ipv4Prefix(new Ipv4Address(subnet + i), 32))));
        }
        return peers;
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElseThrow();
    }
}
