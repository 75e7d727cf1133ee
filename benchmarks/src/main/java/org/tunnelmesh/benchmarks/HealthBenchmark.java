package org.tunnelmesh.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.PeerHealth;
import org.tunnelmesh.linux.LinuxTunnelMesh;

/**
 * Peer health at scale (issue 25), in namespace node1 of the lab: 20,000 peers whose gateways never answer (the plan of
 * {@link ScaleBenchmark}: underlays off every route, so each probe is dropped at encapsulation) with active probing on.
 *
 * <ul>
 *   <li>probe packets per second (from the mesh's own count in diagnose()), against the budget;</li>
 *   <li>CPU of the health thread per second of wall time, and heap retained per peer with health watched;</li>
 *   <li>single addPeer with 20,000 present, probing on against probing off (interval 0: the monitor still reads the
 *       counters, only the probes stop).</li>
 * </ul>
 *
 * Run: {@code lab/benchmark health [SECONDS]} (default 30 s of probing per rate).
 */
public final class HealthBenchmark {
    private static final String NS = "node1";
    private static final int PEERS = 20_000;
    private static final int CALLS = 1000;
    private static final Pattern SENT = Pattern.compile("; (\\d+) probe\\(s\\) sent, (\\d+) answered");

    private HealthBenchmark() {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        Configurator.setAllLevels("org.tunnelmesh", Level.ERROR); // 20,000 peers going down: the figures, not the log
        System.out.printf(
                Locale.ROOT,
                "peer health at scale: %d peers whose gateways never answer, namespace %s; %d CPU(s), Java %s%n",
                PEERS,
                NS,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        List<Peer> peers = ScaleBenchmark.peers(PEERS + 1);
        Peer extra = peers.remove(PEERS);
        heapPerPeer(peers);
        for (int rate : new int[] {MeshConfig.DEFAULT_PROBE_RATE, 1000}) {
            probing(peers, rate, seconds);
        }
        addPeer(peers, extra, MeshConfig.DEFAULT_PROBE_INTERVAL);
        addPeer(peers, extra, Duration.ZERO);
        addPeer(peers, extra, MeshConfig.DEFAULT_PROBE_INTERVAL);
        addPeer(peers, extra, Duration.ZERO);
    }

    private static MeshConfig config(Duration probeInterval, int rate) {
        return MeshConfig.builder()
                .name(NS)
                .mode(MeshMode.SHARED)
                .underlay("10.245.1.2")
                .tunnelAddress("192.168.41.0")
                .netns(NS)
                .watchKernel(false)
                .probeInterval(probeInterval)
                .probeRate(rate)
                .build();
    }

    private static void heapPerPeer(List<Peer> peers) {
        long before = Figures.usedHeapAfterGc();
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(MeshConfig.DEFAULT_PROBE_INTERVAL, 100), peers)) {
            long after = Figures.usedHeapAfterGc();
            System.out.printf(
                    Locale.ROOT,
                    "heap retained per peer at %d peers (the mesh with its health monitor, no MBeans; the peers' own"
                            + " objects included): %d bytes%n",
                    peers.size(),
                    (after - before) / peers.size());
            mesh.purge();
        }
    }

    private static void probing(List<Peer> peers, int rate, int seconds) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(MeshConfig.DEFAULT_PROBE_INTERVAL, rate), peers)) {
            Thread health = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("tunnelmesh-health-" + NS))
                    .findFirst()
                    .orElseThrow();
            Thread.sleep(2000); // past the first looks
            long sent0 = sent(mesh);
            long cpu0 = threads.getThreadCpuTime(health.getId());
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            long wall = System.nanoTime() - t0;
            long cpu = threads.getThreadCpuTime(health.getId()) - cpu0;
            long sent = sent(mesh) - sent0;
            long unreachable = mesh.peerHealth().stream()
                    .filter(h -> h.state() == PeerHealth.State.UNREACHABLE)
                    .count();
            System.out.printf(
                    Locale.ROOT,
                    "budget %4d probes/s: %.1f probes/s sent over %d s; health thread CPU %.2f ms per s (%.3f%% of one"
                            + " CPU); %d of %d peers unreachable by then (each needs its silence and 2 unanswered"
                            + " probes: at this budget all are after about %d s)%n",
                    rate,
                    sent / (wall / 1e9),
                    seconds,
                    cpu / 1e6 / (wall / 1e9),
                    cpu / (double) wall * 100,
                    unreachable,
                    peers.size(),
                    2L * peers.size() / rate);
            mesh.purge();
        }
    }

    private static long sent(LinuxTunnelMesh mesh) {
        for (String line : mesh.diagnose()) {
            Matcher m = SENT.matcher(line);
            if (m.find()) {
                return Long.parseLong(m.group(1));
            }
        }
        throw new IllegalStateException("no probe count in diagnose(): " + mesh.diagnose());
    }

    private static void addPeer(List<Peer> peers, Peer extra, Duration probeInterval) throws Exception {
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(probeInterval, 100), peers)) {
            AddRemoveTimer.Call add = () -> mesh.addPeer(extra);
            AddRemoveTimer.Call remove = () -> mesh.removePeer(extra.name());
            String warmedUp = AddRemoveTimer.warmUp(add, remove);
            Figures.awaitQuietGuest();
            double[][] times = AddRemoveTimer.time(add, remove, CALLS, 0);
            System.out.printf(
                    Locale.ROOT,
                    "single addPeer with %d peers present, probing %s: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f"
                            + " ms (%d calls after %s)%n",
                    peers.size(),
                    probeInterval.isZero() ? "off (interval 0)" : "on (" + probeInterval.toMillis() + " ms, 100/s)",
                    Figures.percentile(times[0], 50) / 1000,
                    Figures.percentile(times[0], 90) / 1000,
                    Figures.percentile(times[0], 99) / 1000,
                    Figures.percentile(times[0], 100) / 1000,
                    CALLS,
                    warmedUp);
            mesh.purge();
        }
    }
}
