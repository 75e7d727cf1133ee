package org.tunnelmesh.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
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
 * {@link ScaleBenchmark}: underlays off every route, so each probe is dropped at encapsulation) and 1,000 live ones
 * whose kernel answers every probe through the tunnel ({@link AnsweringPeers}, one more namespace on the lab's
 * bridge), interleaved (one live peer after every 20 dead ones); SHARED mode, the IPIP filter on.
 *
 * <ul>
 *   <li>the default budget (100 probes/s) over the first seconds after the mesh opened with all 21,000;</li>
 *   <li>a budget of 1,000 probes/s: the time until every live peer is reachable with an RTT and every dead one
 *       unreachable - <b>the run fails</b> when that is not so within {@link #CONVERGE_SECONDS}, or stops being so
 *       while measured: a benchmark of a broken setup is worse than none - then the steady state;</li>
 *   <li>probing off (interval 0): the same window, the health thread's looks alone (one read of the filter's map
 *       and one pass over the slots, four times a second);</li>
 *   <li>in each: probe packets per second sent and answered (the mesh's own counts in diagnose()), CPU of the whole
 *       process and of the health thread per second of wall time, and the thread's user-space part as the guest
 *       samples it at its ticks (the rest is the kernel's: the syscalls and the packets' path - here with the
 *       answering namespace's work too, which a veth delivers on the same CPU in the sender's context); in the UML
 *       guest a thread's CPU time follows the
 *       guest's clock, which runs on while the host gives its CPU to others: on a busy host these are upper
 *       bounds;</li>
 *   <li>heap retained per peer with health watched;</li>
 *   <li>single addPeer with 21,000 present: probing on (converged at 1,000/s; fresh at the default 100/s; fresh at
 *       1,000/s, when few answers come back yet) against
 *       probing off (interval 0: the monitor still reads the counters four times a second, only the probes stop),
 *       alternated so each "on" has an "off" beside it.</li>
 * </ul>
 *
 * Run: {@code lab/benchmark health [SECONDS]} (default 15 s per measured window).
 */
public final class HealthBenchmark {
    private static final String NS = "node1";
    private static final String UNDERLAY = "10.245.1.2";
    private static final String TUNNEL_ADDRESS = "192.168.41.0";
    private static final int DEAD = 20_000;
    private static final int LIVE = 1_000;
    private static final int CALLS = 1000;
    private static final int FAST_RATE = 1000;
    /** At 1,000/s the dead peers' two unanswered probes each need about 40 s of the budget; the rest is slack. */
    private static final int CONVERGE_SECONDS = 150;

    private static final Pattern SENT = Pattern.compile("; (\\d+) probe\\(s\\) sent, (\\d+) answered");

    private HealthBenchmark() {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        Configurator.setAllLevels("org.tunnelmesh", Level.ERROR); // 20,000 peers going down: the figures, not the log
        System.out.printf(
                Locale.ROOT,
                "peer health at scale: %d peers whose gateways never answer and %d live ones answering from namespace"
                        + " %s, the mesh in namespace %s (SHARED, IPIP filter on); %d CPU(s), Java %s%n",
                DEAD,
                LIVE,
                AnsweringPeers.NS,
                NS,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        List<Peer> dead = ScaleBenchmark.peers(DEAD + 1);
        Peer extra = dead.remove(DEAD);
        List<Peer> live = AnsweringPeers.peers(LIVE);
        Set<String> liveNames = new HashSet<>();
        live.forEach(p -> liveNames.add(p.name()));
        // one live peer after every 20 dead ones: the probe scheduler's round robin meets them spread, as in a mesh
        List<Peer> all = new ArrayList<>(DEAD + LIVE);
        for (int i = 0; i < DEAD; i++) {
            all.add(dead.get(i));
            if (i % (DEAD / LIVE) == DEAD / LIVE - 1) {
                all.add(live.get(i / (DEAD / LIVE)));
            }
        }
        long t0 = System.nanoTime();
        try (AnsweringPeers answering = AnsweringPeers.make(live, NS, UNDERLAY, TUNNEL_ADDRESS)) {
            System.out.printf(
                    Locale.ROOT,
                    "namespace %s with %d answering peers made in %.1f s%n",
                    AnsweringPeers.NS,
                    LIVE,
                    Figures.millisSince(t0) / 1000);
            heapPerPeer(all);
            try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(
                    config(MeshConfig.DEFAULT_PROBE_INTERVAL, MeshConfig.DEFAULT_PROBE_RATE), all)) {
                Thread.sleep(2000); // past the first looks
                window(mesh, "budget 100/s (the default), from 2 s after the open", seconds, liveNames);
                mesh.purge();
            }
            try (LinuxTunnelMesh mesh =
                    LinuxTunnelMesh.open(config(MeshConfig.DEFAULT_PROBE_INTERVAL, FAST_RATE), all)) {
                converge(mesh, liveNames);
                window(mesh, "budget 1000/s, all known", seconds, liveNames);
                States after = States.of(mesh, liveNames);
                if (!after.converged()) {
                    throw new IllegalStateException("the mesh no longer sees what it should after the window: " + after
                            + "; " + mesh.diagnose());
                }
                addPeer(mesh, extra, "on (1000/s, 1,000 live peers answering)");
                mesh.purge();
            }
            try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(Duration.ZERO, 100), all)) {
                Thread.sleep(2000);
                window(mesh, "probing off (interval 0: the looks alone)", seconds, liveNames);
                addPeer(mesh, extra, "off (interval 0)");
                mesh.purge();
            }
            addPeer(extra, all, MeshConfig.DEFAULT_PROBE_INTERVAL, 100, "on (100/s, fresh)");
            addPeer(extra, all, Duration.ZERO, 100, "off (interval 0)");
            // 1,000/s again, in the first seconds after the open: the probes go out, few answers come back yet
            addPeer(extra, all, MeshConfig.DEFAULT_PROBE_INTERVAL, FAST_RATE, "on (1000/s, fresh: mostly unanswered)");
            addPeer(extra, all, Duration.ZERO, 100, "off (interval 0)");
        }
    }

    private static MeshConfig config(Duration probeInterval, int rate) {
        return MeshConfig.builder()
                .name(NS)
                .mode(MeshMode.SHARED)
                .underlay(UNDERLAY)
                .tunnelAddress(TUNNEL_ADDRESS)
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

    /** Counts of the peers' states: the live ones reachable with an RTT, the dead ones unreachable, the rest. */
    private record States(int liveWithRtt, int liveOther, int deadDown, int deadOther, String example) {
        static States of(LinuxTunnelMesh mesh, Set<String> liveNames) {
            int liveWithRtt = 0;
            int liveOther = 0;
            int deadDown = 0;
            int deadOther = 0;
            String example = "";
            for (PeerHealth h : mesh.peerHealth()) {
                boolean ok;
                if (liveNames.contains(h.name())) {
                    ok = h.state() == PeerHealth.State.REACHABLE && h.rttMillis() >= 0;
                    liveWithRtt += ok ? 1 : 0;
                    liveOther += ok ? 0 : 1;
                } else {
                    ok = h.state() == PeerHealth.State.UNREACHABLE;
                    deadDown += ok ? 1 : 0;
                    deadOther += ok ? 0 : 1;
                }
                if (!ok && example.isEmpty()) {
                    example = " (e.g. " + h + ")";
                }
            }
            return new States(liveWithRtt, liveOther, deadDown, deadOther, example);
        }

        boolean converged() {
            return liveWithRtt == LIVE && liveOther == 0 && deadDown == DEAD && deadOther == 0;
        }

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "live: %d reachable with an RTT, %d not; dead: %d unreachable, %d not%s",
                    liveWithRtt,
                    liveOther,
                    deadDown,
                    deadOther,
                    example);
        }
    }

    /** Waits until every live peer is reachable with an RTT and every dead one unreachable; fails the run if not. */
    private static void converge(LinuxTunnelMesh mesh, Set<String> liveNames) throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + CONVERGE_SECONDS * 1_000_000_000L;
        States states;
        while (true) {
            states = States.of(mesh, liveNames);
            if (states.converged()) {
                break;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("after " + CONVERGE_SECONDS + " s at " + FAST_RATE
                        + " probes/s the mesh does not see what it should: " + states + "; " + mesh.diagnose());
            }
            Thread.sleep(1000);
        }
        double rttSum = 0;
        double rttMax = 0;
        for (PeerHealth h : mesh.peerHealth()) {
            if (liveNames.contains(h.name())) {
                rttSum += h.rttMillis();
                rttMax = Math.max(rttMax, h.rttMillis());
            }
        }
        System.out.printf(
                Locale.ROOT,
                "budget %d/s: all %d live peers reachable with an RTT (mean %.2f ms, max %.2f ms) and all %d dead ones"
                        + " unreachable %.0f s after the open (checked every second)%n",
                FAST_RATE,
                LIVE,
                rttSum / LIVE,
                rttMax,
                DEAD,
                Figures.millisSince(t0) / 1000);
    }

    private static void window(LinuxTunnelMesh mesh, String what, int seconds, Set<String> liveNames)
            throws InterruptedException {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Thread health = healthThread();
        long[] totals0 = totals(mesh);
        long healthCpu0 = threads.getThreadCpuTime(health.getId());
        long healthUser0 = threads.getThreadUserTime(health.getId());
        long processCpu0 = Figures.processCpuMillis();
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        double wall = (System.nanoTime() - t0) / 1e9;
        double healthCpu = (threads.getThreadCpuTime(health.getId()) - healthCpu0) / 1e6;
        double healthUser = (threads.getThreadUserTime(health.getId()) - healthUser0) / 1e6;
        long processCpu = Figures.processCpuMillis() - processCpu0;
        long[] totals = totals(mesh);
        System.out.printf(
                Locale.ROOT,
                "%s, over %d s: %.1f probes/s sent, %.1f answered; CPU per s of wall time: node process %.1f ms (%.1f%%"
                        + " of one CPU), its health thread %.1f ms (%.1f%%; %.1f ms of it in user space); %s%n",
                what,
                seconds,
                (totals[0] - totals0[0]) / wall,
                (totals[1] - totals0[1]) / wall,
                processCpu / wall,
                processCpu / wall / 10,
                healthCpu / wall,
                healthCpu / wall / 10,
                healthUser / wall,
                States.of(mesh, liveNames));
    }

    private static Thread healthThread() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("tunnelmesh-health-" + NS))
                .findFirst()
                .orElseThrow();
    }

    /** Probes sent and answered so far, from the mesh's own count in diagnose() (none with probing off). */
    private static long[] totals(LinuxTunnelMesh mesh) {
        for (String line : mesh.diagnose()) {
            if (line.contains("active probes off")) {
                return new long[] {0, 0};
            }
            Matcher m = SENT.matcher(line);
            if (m.find()) {
                return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
            }
        }
        throw new IllegalStateException("no probe count in diagnose(): " + mesh.diagnose());
    }

    private static void addPeer(Peer extra, List<Peer> peers, Duration probeInterval, int rate, String probing)
            throws Exception {
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(probeInterval, rate), peers)) {
            addPeer(mesh, extra, probing);
            mesh.purge();
        }
    }

    private static void addPeer(LinuxTunnelMesh mesh, Peer extra, String probing) throws Exception {
        AddRemoveTimer.Call add = () -> mesh.addPeer(extra);
        AddRemoveTimer.Call remove = () -> mesh.removePeer(extra.name());
        // no wait for a quiet guest: with the health thread's looks (and probes) it never is; the warm-up's
        // seconds are past the open's own work
        String warmedUp = AddRemoveTimer.warmUp(add, remove);
        Figures.JvmActivity before = Figures.JvmActivity.now();
        double[][] times = AddRemoveTimer.time(add, remove, CALLS, 0);
        System.out.printf(
                Locale.ROOT,
                "single addPeer with %d peers present, probing %s: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f"
                        + " ms (%d calls after %s; meanwhile %s)%n",
                mesh.peers().size(),
                probing,
                Figures.percentile(times[0], 50) / 1000,
                Figures.percentile(times[0], 90) / 1000,
                Figures.percentile(times[0], 99) / 1000,
                Figures.percentile(times[0], 100) / 1000,
                CALLS,
                warmedUp,
                Figures.JvmActivity.now().since(before));
    }
}
