package org.tunnelmesh.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.linux.LinuxTunnelMesh;
import org.tunnelmesh.linux.rtnetlink.RtnetlinkSession;
import org.tunnelmesh.linux.syscall.NetworkNamespace;

/**
 * The kernel side at scale, beside what else programs the same state, in one run: tunnelmesh in
 * namespace node1; {@code ip -batch} (classic {@code via ... onlink} routes, nexthop objects) and the
 * batched C floor ({@code lab/bench/nlbatch.c}) each in a fresh namespace of the same guest.
 *
 * <ul>
 *   <li>SHARED, 10,000 and 20,000 peers with one /24 each: open with the peers (with and without the
 *       IPIP filter) and addPeers into an open empty mesh;</li>
 *   <li>POINT_TO_POINT, 1,000 peers: open with the peers beside {@code ip -batch} adding the same
 *       devices, bringing them up, with our /32 and a route each;</li>
 *   <li>a reconcile of 20,000 peers with nothing to repair beside one dump of links, addresses,
 *       routes and nexthops;</li>
 *   <li>single addPeer/removePeer with 20,000 peers present.</li>
 * </ul>
 *
 * <p>Peer {@code i} is underlay 10.245.(2 + i/250).(1 + i%250) with subnet 10.(128 + i/256).(i%256).0/24 -
 * the same plan as nlbatch.c; gateways that never carry traffic, inside the lab's own namespaces.
 * Run: {@code lab/benchmark scale} (nlbatch is built by that script; its path is the first argument).
 */
public final class ScaleBenchmark {
    private static final String NS = "node1";
    private static final int PROTOCOL = MeshConfig.DEFAULT_ROUTE_PROTOCOL;
    private static final String TUNNEL_ADDRESS = "192.168.41.0";
    private static final String UNDERLAY = "10.245.1.2";
    /** Timed single adds and removes, once the JIT has settled. */
    private static final int CALLS = 1000;

    private static int freshNamespaces;
    /** The output of the last command timed by {@link #inFreshNamespace}. */
    private static String timedOutput = "";

    private ScaleBenchmark() {}

    public static void main(String[] args) throws Exception {
        String nlbatch = args.length > 0 ? args[0] : "benchmarks/target/nlbatch";
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Configurator.setAllLevels("org.tunnelmesh", Level.WARN); // the figures, not the log
        System.out.printf(
                Locale.ROOT,
                "tunnelmesh at scale: tunnelmesh in namespace %s, the others in fresh namespaces; %d CPU(s), Java %s%n",
                NS,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        System.out.printf(
                Locale.ROOT,
                "medians of %d rounds; ip -batch times include starting ip; nlbatch's are its own%n",
                rounds);
        warmUp();
        System.out.println();
        System.out.println(
                "SHARED, one /24 per peer       peers | tm open  no filter  addPeers | C floor nh  classic | ip -batch nh  classic | open / floor  classic / open  nh / open");
        double[] open10k = shared(10_000, rounds, nlbatch);
        // as many rounds as 10,000: the guest kernel's cost of the second 10,000 routes varies from round to round
        double[] open20k = shared(20_000, rounds, nlbatch);
        System.out.printf(
                Locale.ROOT,
                "20,000 / 10,000: open %.2fx, addPeers %.2fx, C floor %.2fx%n",
                open20k[0] / open10k[0],
                open20k[1] / open10k[1],
                open20k[2] / open10k[2]);
        // where one open's time goes, as the mesh's own log line says it (on stderr)
        Configurator.setLevel("org.tunnelmesh.linux.LinuxTunnelMesh", Level.INFO);
        openAndPurge(MeshMode.SHARED, true, peers(10_000));
        openAndPurge(MeshMode.SHARED, true, peers(20_000));
        openAndPurge(MeshMode.POINT_TO_POINT, true, peers(1_000));
        Configurator.setLevel("org.tunnelmesh.linux.LinuxTunnelMesh", Level.WARN);
        System.out.println();
        pointToPoint(1_000, rounds);
        System.out.println();
        reconcileAndAddPeer(20_000, true);
        reconcileAndAddPeer(20_000, false);
    }

    static List<Peer> peers(int count) {
        List<Peer> peers = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Ipv4Address underlay = Ipv4Address.parse("10.245." + (2 + i / 250) + "." + (1 + i % 250));
            Ipv4Prefix subnet = Ipv4Prefix.parse("10." + (128 + i / 256) + "." + (i % 256) + ".0/24");
            peers.add(new Peer("p" + i, underlay, List.of(subnet)));
        }
        return peers;
    }

    static MeshConfig config(MeshMode mode, boolean filter) {
        return MeshConfig.builder()
                .name(NS)
                .mode(mode)
                .underlay(UNDERLAY)
                .tunnelAddress(TUNNEL_ADDRESS)
                .netns(NS)
                .watchKernel(false)
                .ipipFilter(filter)
                .build();
    }

    /** Untimed rounds so the JIT has compiled the hot paths before anything is measured. */
    private static void warmUp() {
        List<Peer> peers = peers(2_000);
        for (int i = 0; i < 3; i++) {
            for (MeshMode mode : MeshMode.values()) {
                try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(
                        config(mode, true), mode == MeshMode.SHARED ? peers : peers.subList(0, 100))) {
                    mesh.reconcile();
                    mesh.purge();
                }
            }
        }
    }

    /** @return medians {open, addPeers, C floor nh} in ms */
    private static double[] shared(int count, int rounds, String nlbatch) throws Exception {
        List<Peer> peers = peers(count);
        double[] open = new double[rounds];
        double[] openNoFilter = new double[rounds];
        double[] add = new double[rounds];
        double[] floorNh = new double[rounds];
        double[] floorClassic = new double[rounds];
        double[] batchNh = new double[rounds];
        double[] batchClassic = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            boolean filterFirst = r % 2 == 0; // neither always runs first (after another's cleanup)
            open[r] = filterFirst ? openAndPurge(MeshMode.SHARED, true, peers) : -1;
            openNoFilter[r] = openAndPurge(MeshMode.SHARED, false, peers);
            if (!filterFirst) {
                open[r] = openAndPurge(MeshMode.SHARED, true, peers);
            }
            try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(MeshMode.SHARED, true))) {
                Figures.awaitQuietGuest();
                long t0 = System.nanoTime();
                mesh.addPeers(peers);
                add[r] = Figures.millisSince(t0);
                mesh.purge();
            }
            floorNh[r] = nlbatch(nlbatch, count, "nh");
            floorClassic[r] = nlbatch(nlbatch, count, "classic");
            batchNh[r] = ipBatch(IpBatchScripts.nexthopRoutes(peers, 1));
            batchClassic[r] = ipBatch(IpBatchScripts.classicRoutes(peers));
        }
        double o = Figures.median(open);
        System.out.printf(
                Locale.ROOT,
                "                              %6d | %7.0f %10.0f %9.0f | %10.0f %8.0f | %12.0f %8.0f | %11.2fx %14.2fx %9.2fx%n",
                count,
                o,
                Figures.median(openNoFilter),
                Figures.median(add),
                Figures.median(floorNh),
                Figures.median(floorClassic),
                Figures.median(batchNh),
                Figures.median(batchClassic),
                o / Figures.median(floorNh),
                Figures.median(batchClassic) / o,
                Figures.median(batchNh) / o);
        return new double[] {o, Figures.median(add), Figures.median(floorNh)};
    }

    private static double openAndPurge(MeshMode mode, boolean filter, List<Peer> peers) {
        Figures.awaitQuietGuest();
        long t0 = System.nanoTime();
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(mode, filter), peers)) {
            double millis = Figures.millisSince(t0);
            if (mesh.peers().size() != peers.size()) {
                throw new IllegalStateException("mesh holds " + mesh.peers().size() + " peers");
            }
            mesh.purge();
            return millis;
        }
    }

    /** What a POINT_TO_POINT mesh makes per peer: the device (local, remote, ttl, mtu), up, our /32, its routes. */
    static List<String> deviceCommands(List<Peer> peers) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < peers.size(); i++) {
            Peer peer = peers.get(i);
            String dev = "tm-b" + i;
            lines.add("link add name " + dev + " mtu 1480 type ipip local " + UNDERLAY + " remote " + peer.underlay()
                    + " ttl 64 pmtudisc");
            lines.add("link set " + dev + " up");
            lines.add("address add " + TUNNEL_ADDRESS + "/32 dev " + dev);
            for (Ipv4Prefix subnet : peer.subnets()) {
                lines.add("route add " + subnet + " dev " + dev + " proto " + PROTOCOL);
            }
        }
        return lines;
    }

    /** The devices deleted one by one before the namespace goes, so the kernel is done with them before the next figure. */
    static List<String> deviceCleanup(List<Peer> peers) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < peers.size(); i++) {
            lines.add("link del tm-b" + i);
        }
        return lines;
    }

    private static void pointToPoint(int count, int rounds) throws Exception {
        List<Peer> peers = peers(count);
        double[] open = new double[rounds];
        double[] openNoFilter = new double[rounds];
        double[] batch = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            boolean filterFirst = r % 2 == 0;
            open[r] = filterFirst ? openAndPurge(MeshMode.POINT_TO_POINT, true, peers) : -1;
            openNoFilter[r] = openAndPurge(MeshMode.POINT_TO_POINT, false, peers);
            if (!filterFirst) {
                open[r] = openAndPurge(MeshMode.POINT_TO_POINT, true, peers);
            }
            batch[r] = ipBatch(deviceCommands(peers), deviceCleanup(peers));
        }
        System.out.println(
                "POINT_TO_POINT, one device per peer   peers | tm open  no filter | ip -batch (link add, up, address, route) | ip -batch / open");
        System.out.printf(
                Locale.ROOT,
                "                                      %5d | %7.0f %10.0f | %40.0f | %15.2fx%n",
                count,
                Figures.median(open),
                Figures.median(openNoFilter),
                Figures.median(batch),
                Figures.median(batch) / Figures.median(open));
    }

    private static void reconcileAndAddPeer(int count, boolean filter) throws Exception {
        List<Peer> peers = peers(count + 1);
        Peer extra = peers.remove(count);
        System.out.println(filter ? "with the IPIP filter:" : "without the IPIP filter:");
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(MeshMode.SHARED, filter), peers)) {
            for (int i = 0; i < 5; i++) {
                mesh.reconcile(); // warm-up: a node reconciles every resync interval, compiled by then
            }
            double[] reconcile = new double[15];
            double[] dump = new double[15];
            for (int i = 0; i < reconcile.length; i++) {
                long t0 = System.nanoTime();
                int repairs = mesh.reconcile();
                reconcile[i] = Figures.millisSince(t0);
                if (repairs != 0) {
                    throw new IllegalStateException(repairs + " repairs with nothing to repair");
                }
                dump[i] = NetworkNamespace.call(NS, ScaleBenchmark::oneDump);
            }
            System.out.printf(
                    Locale.ROOT,
                    "reconcile of %d peers, nothing to repair: %.0f ms; one dump (links, addresses, routes, nexthops): %.0f ms; ratio %.2fx (medians of %d)%n",
                    count,
                    Figures.median(reconcile),
                    Figures.median(dump),
                    Figures.median(reconcile) / Figures.median(dump),
                    reconcile.length);
            AddRemoveTimer.Call add = () -> mesh.addPeer(extra);
            AddRemoveTimer.Call remove = () -> mesh.removePeer(extra.name());
            String warmedUp = AddRemoveTimer.warmUp(add, remove);
            Figures.awaitQuietGuest();
            Figures.JvmActivity before = Figures.JvmActivity.now();
            double[][] times = AddRemoveTimer.time(add, remove, CALLS, 0);
            System.out.printf(
                    Locale.ROOT,
                    "single addPeer with %d peers present: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms (%d calls after %s; "
                            + "meanwhile %s)%n",
                    count,
                    Figures.percentile(times[0], 50) / 1000,
                    Figures.percentile(times[0], 90) / 1000,
                    Figures.percentile(times[0], 99) / 1000,
                    Figures.percentile(times[0], 100) / 1000,
                    CALLS,
                    warmedUp,
                    Figures.JvmActivity.now().since(before));
            System.out.printf(
                    Locale.ROOT,
                    "single removePeer: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                    Figures.percentile(times[1], 50) / 1000,
                    Figures.percentile(times[1], 99) / 1000,
                    Figures.percentile(times[1], 100) / 1000);
            mesh.purge();
        }
    }

    /** One dump of everything a reconcile reads, on a fresh socket. */
    private static double oneDump() {
        try (RtnetlinkSession session = RtnetlinkSession.open()) {
            long t0 = System.nanoTime();
            int n = session.links(false).size()
                    + session.addresses().size()
                    + session.routes().size()
                    + session.nexthops().size();
            double millis = Figures.millisSince(t0);
            if (n == 0) {
                throw new IllegalStateException("empty dump");
            }
            return millis;
        }
    }

    /** Times {@code ip -batch} in a fresh namespace (tunl0 up, as the mesh would have it). */
    static double ipBatch(List<String> commands) throws IOException, InterruptedException {
        return ipBatch(commands, List.of());
    }

    /** @param cleanup ip commands run untimed afterwards, before the namespace is emptied and deleted */
    static double ipBatch(List<String> commands, List<String> cleanup) throws IOException, InterruptedException {
        Path file = Files.createTempFile("tunnelmesh-bench", ".batch");
        Path undo = Files.createTempFile("tunnelmesh-bench", ".batch");
        try {
            Files.write(file, commands, StandardCharsets.UTF_8);
            Files.write(undo, cleanup, StandardCharsets.UTF_8);
            return inFreshNamespace(
                    ns -> List.of("ip", "-n", ns, "-batch", file.toString()),
                    cleanup.isEmpty() ? null : ns -> List.of("ip", "-n", ns, "-batch", undo.toString()));
        } finally {
            Files.delete(file);
            Files.delete(undo);
        }
    }

    /**
     * Makes a namespace, brings its lo and tunl0 up, times {@code command} in it, empties and deletes the
     * namespace. Emptied first, untimed: the kernel frees a deleted namespace in a work queue, which
     * would otherwise run on the lab's one CPU during the next measurement.
     */
    private static double inFreshNamespace(Function<String, List<String>> command)
            throws IOException, InterruptedException {
        return inFreshNamespace(command, null);
    }

    private static double inFreshNamespace(
            Function<String, List<String>> command, Function<String, List<String>> cleanup)
            throws IOException, InterruptedException {
        String ns = "bench" + ++freshNamespaces;
        run(List.of("ip", "netns", "add", ns));
        try {
            // lo down: the kernel refuses an onlink gateway ("Nexthop has invalid gateway")
            run(List.of("ip", "-n", ns, "link", "set", "lo", "up"));
            run(List.of("ip", "-n", ns, "link", "set", "tunl0", "up", "mtu", "1480"));
            Figures.awaitQuietGuest();
            long t0 = System.nanoTime();
            timedOutput = run(command.apply(ns));
            return Figures.millisSince(t0);
        } finally {
            if (cleanup != null) {
                run(cleanup.apply(ns));
            }
            run(List.of("ip", "-n", ns, "nexthop", "flush"));
            run(List.of("ip", "-n", ns, "route", "flush", "table", "main"));
            run(List.of("ip", "-n", ns, "link", "set", "tunl0", "down"));
            run(List.of("ip", "netns", "del", ns));
        }
    }

    /** The C floor's own time for its work (it prints it), without starting the process. */
    static double nlbatch(String nlbatch, int count, String how) throws IOException, InterruptedException {
        inFreshNamespace(ns -> List.of("ip", "netns", "exec", ns, nlbatch, "tunl0", String.valueOf(count), how));
        Matcher m = Pattern.compile("nlbatch-\\S+ \\d+ ([0-9.]+) s").matcher(timedOutput);
        if (!m.find()) {
            throw new IllegalStateException("unexpected nlbatch output: " + timedOutput);
        }
        return Double.parseDouble(m.group(1)) * 1000;
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }
}
