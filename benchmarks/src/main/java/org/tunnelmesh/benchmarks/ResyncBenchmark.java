package org.tunnelmesh.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.linux.LinuxTunnelMesh;

/**
 * What a resync costs the changes that meet it: a fresh JVM opens 20,000 peers (SHARED, the IPIP filter on), as a node
 * does, then times single addPeer/removePeer calls while, on another thread, reconciles run as the watcher's resync
 * does every 30 s: first one, with the code as cold as a node's first resync finds it, then 20 back to back once warm.
 * A call that waits for a reconcile's whole dump of 40,000 routes and nexthops shows here as a slow call; every
 * reconcile must find nothing to repair (the calls are the mesh's own changes, not drift).
 *
 * <p>Arguments: peers (20,000) and the pause between calls in ms (10). {@code lab/benchmark resync} runs it.
 */
public final class ResyncBenchmark {
    private ResyncBenchmark() {}

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        // between an add's remove and the next add: an operator's pace, not a flood
        long pauseMillis = args.length > 1 ? Long.parseLong(args[1]) : 10;
        System.out.printf(Locale.ROOT, "a call every %d ms and more%n", pauseMillis);
        Configurator.setAllLevels("org.tunnelmesh", Level.WARN);
        List<Peer> peers = ScaleBenchmark.peers(count + 1);
        Peer extra = peers.remove(count);
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(ScaleBenchmark.config(MeshMode.SHARED, true), peers)) {
            AddRemoveTimer.Call add = () -> mesh.addPeer(extra);
            AddRemoveTimer.Call remove = () -> mesh.removePeer(extra.name());
            report("first reconcile (cold)", count, during(mesh, 1, add, remove, pauseMillis));
            for (int i = 0; i < 5; i++) {
                mesh.reconcile(); // warm-up, as the node's resyncs warm it
            }
            AddRemoveTimer.warmUp(add, remove);
            Figures.awaitQuietGuest();
            report("20 reconciles (warm)", count, during(mesh, 20, add, remove, pauseMillis));
            mesh.purge();
        }
    }

    /** Calls made while {@code reconciles} reconciles ran on another thread, and how long those took. */
    private record During(List<Double> addMicros, double reconcileMillis) {}

    private static During during(
            LinuxTunnelMesh mesh, int reconciles, AddRemoveTimer.Call add, AddRemoveTimer.Call remove, long pauseMillis)
            throws Exception {
        AtomicInteger repairs = new AtomicInteger();
        long[] took = new long[1];
        Thread resync = new Thread(
                () -> {
                    long t0 = System.nanoTime();
                    for (int i = 0; i < reconciles; i++) {
                        repairs.addAndGet(mesh.reconcile());
                    }
                    took[0] = System.nanoTime() - t0;
                },
                "resync");
        resync.start();
        List<Double> adds = new ArrayList<>();
        do { // at least one call, even after a reconcile that was over at once
            adds.add(AddRemoveTimer.time(add, remove, 1, pauseMillis)[0][0]);
        } while (resync.isAlive());
        resync.join();
        if (repairs.get() != 0) {
            throw new IllegalStateException(repairs.get() + " repairs of the mesh's own changes");
        }
        return new During(adds, took[0] / 1e6 / reconciles);
    }

    private static void report(String what, int count, During during) {
        double[] adds =
                during.addMicros().stream().mapToDouble(Double::doubleValue).toArray();
        System.out.printf(
                Locale.ROOT,
                "addPeer with %d peers during the %s: %d calls, p50 %.2f ms, p99 %.2f ms, max %.2f ms; a reconcile took %.0f ms%n",
                count,
                what,
                adds.length,
                Figures.percentile(adds, 50) / 1000,
                Figures.percentile(adds, 99) / 1000,
                Figures.percentile(adds, 100) / 1000,
                during.reconcileMillis());
    }
}
