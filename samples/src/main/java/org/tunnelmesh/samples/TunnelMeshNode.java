package org.tunnelmesh.samples;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.Collection;
import java.util.List;
import java.util.function.BiFunction;
import javax.management.MBeanServer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;
import org.tunnelmesh.PermissionDeniedException;
import org.tunnelmesh.StateFileException;
import org.tunnelmesh.TunnelMesh;
import org.tunnelmesh.TunnelMeshException;
import org.tunnelmesh.jmx.MeshMBeans;
import org.tunnelmesh.jmx.remote.SecureJmxConnector;
import org.tunnelmesh.jmx.remote.SecureJolokiaEndpoint;
import org.tunnelmesh.linux.LinuxTunnelMesh;
import org.tunnelmesh.zookeeper.ZooKeeperMembership;

/**
 * The tunnelmesh node: one mesh, its MBeans on the platform MBeanServer, and optionally Jolokia
 * and remote JMX, until SIGTERM or SIGINT. See {@link NodeOptions#USAGE} for the options.
 *
 * <p>Everything that can be checked is checked before the kernel is touched. The connectors
 * start before the mesh too, so a busy port fails the start without kernel changes; Jolokia's
 * agent, the costly part of its start, follows READY (its port is bound before: requests wait).
 */
public final class TunnelMeshNode implements AutoCloseable {

    /** How a mesh is opened: {@code LinuxTunnelMesh::open} here, an in-memory mesh in tests. */
    interface MeshOpener extends BiFunction<MeshConfig, Collection<Peer>, TunnelMesh> {}

    /** Not a field of this class: {@code main} picks log4j's backend before the first logger exists. */
    private static final class Log {
        static final Logger LOGGER = LogManager.getLogger(TunnelMeshNode.class);
    }

    private final NodeOptions options;
    private SecureJolokiaEndpoint jolokia;
    private SecureJmxConnector jmx;
    private TunnelMesh mesh;
    private MeshMBeans mbeans;
    private NodeMetrics metrics;
    private ZooKeeperMembership membership;
    private MBeanServer server;
    private boolean closed;

    private TunnelMeshNode(NodeOptions options) {
        this.options = options;
    }

    /**
     * Runs the node: prints {@code READY} on stdout once the mesh is applied and every MBean is registered, and runs
     * until SIGTERM or SIGINT. Exits with status 2 and one line on stderr for bad options or input (nothing changed in
     * the kernel), 1 for other failures, 0 after a stop.
     *
     * @param args the options ({@link NodeOptions#USAGE}, or {@code --help})
     * @throws InterruptedException when the main thread is interrupted while waiting for a stop signal
     */
    public static void main(String[] args) throws InterruptedException {
        NodeLogging.install();
        StopSignals signals = StopSignals.install();
        NodeOptions options;
        TunnelMeshNode node;
        try {
            options = NodeOptions.parse(args);
            if (options.help()) {
                System.out.print(NodeOptions.USAGE);
                return;
            }
            try {
                // before any port, client or kernel change: a missing capability is the unit's mistake (exit 2)
                LinuxTunnelMesh.checkCapabilities(options.mesh());
            } catch (PermissionDeniedException e) {
                throw StartupFailure.badInput(e.getMessage());
            }
            node = start(options, LinuxTunnelMesh::open, ManagementFactory.getPlatformMBeanServer(), signals);
        } catch (Stopped stopped) {
            // what was opened is closed; the kernel is as a stop after READY leaves it
            System.err.println("tunnelmesh-node: stopped by a signal during start-up");
            LogManager.shutdown();
            System.exit(0);
            return;
        } catch (StartupFailure failure) {
            System.err.println("tunnelmesh-node: " + failure.oneLine());
            LogManager.shutdown();
            System.exit(failure.exitStatus());
            return;
        }
        // other ways out (SIGHUP, System.exit elsewhere) still leave the mesh closed properly
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "tunnelmesh-node-shutdown"));
        System.out.println("READY");
        System.out.flush();
        node.afterReady();
        node.reloadKeysOnHangup();
        signals.await();
        Log.LOGGER.info("stopping");
        node.close();
        System.exit(0);
    }

    /** With --encryption-key-file: SIGHUP re-reads the key file (a bad one is logged and changes nothing). */
    private void reloadKeysOnHangup() {
        if (options.mesh().encryptionKeyFile() == null) {
            return; // SIGHUP keeps the JVM's meaning: an orderly stop
        }
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
            // off the signal dispatcher: the reload waits for the mesh's lock
            Thread reload = new Thread(
                    () -> {
                        try {
                            mesh.reloadEncryptionKeys();
                            Log.LOGGER.info(
                                    "SIGHUP: encryption keys reloaded from {}",
                                    options.mesh().encryptionKeyFile());
                        } catch (RuntimeException e) {
                            Log.LOGGER.error(
                                    "SIGHUP: encryption keys not reloaded, nothing changed: {}", e.getMessage());
                        }
                    },
                    "tunnelmesh-reload-keys");
            reload.setDaemon(true);
            reload.start();
        });
    }

    /**
     * Starts the connectors, opens the mesh with its peers and registers the MBeans. On failure
     * whatever was started is stopped again.
     *
     * @throws StartupFailure with exit status 2 for bad input, 1 otherwise
     */
    static TunnelMeshNode start(NodeOptions options, MeshOpener opener, MBeanServer server) {
        return start(options, opener, server, StopSignals.none());
    }

    /**
     * As above, and stops with {@link Stopped} once {@code signals} asks to, between steps or in
     * the wait for ZooKeeper; whatever was started is then stopped again, as on a failure.
     */
    static TunnelMeshNode start(NodeOptions options, MeshOpener opener, MBeanServer server, StopSignals signals) {
        TunnelMeshNode node = new TunnelMeshNode(options);
        try {
            node.server = server;
            node.startConnectors(server);
            stopIfAsked(signals);
            signals.interruptibly(node::joinCluster);
            stopIfAsked(signals);
            node.openMesh(opener, server);
            stopIfAsked(signals);
            node.followCluster();
            return node;
        } catch (RuntimeException e) {
            node.close();
            throw signals.requested() ? new Stopped() : e;
        }
    }

    /** A signal came during start-up: the start was abandoned and what it had opened closed. */
    static final class Stopped extends RuntimeException {
        Stopped() {
            super("stopped by a signal during start-up", null, false, false);
        }
    }

    private static void stopIfAsked(StopSignals signals) {
        if (signals.requested()) {
            Log.LOGGER.info("stopping: a signal came during start-up");
            throw new Stopped();
        }
    }

    private void startConnectors(MBeanServer server) {
        options.warnings().forEach(warning -> Log.LOGGER.warn(warning));
        if (options.jmxPort() != 0) {
            try {
                // loopback only: from elsewhere, through ssh -L (see README)
                jmx = SecureJmxConnector.start(
                        InetAddress.getLoopbackAddress(),
                        options.jmxPort(),
                        server,
                        options.credentials(),
                        options.tls());
            } catch (IOException | RuntimeException e) {
                throw StartupFailure.failed(
                        "cannot serve JMX on 127.0.0.1:" + options.jmxPort() + ": " + rootMessage(e), e);
            }
        }
        if (options.jolokia() != null) {
            try {
                jolokia = SecureJolokiaEndpoint.bind(options.jolokia(), options.credentials(), options.tls());
            } catch (IOException | RuntimeException e) {
                throw StartupFailure.failed(
                        "cannot serve Jolokia on "
                                + options.jolokia().getAddress().getHostAddress() + ":"
                                + options.jolokia().getPort() + ": " + rootMessage(e),
                        e);
            }
        }
    }

    private void openMesh(MeshOpener opener, MBeanServer server) {
        try {
            mesh = opener.apply(options.mesh(), options.peers());
        } catch (InvalidInputException | ConflictException | StateFileException | PermissionDeniedException e) {
            // a missing capability or path access is the configuration's fault too: a restart would not help
            throw StartupFailure.badInput(e.getMessage());
        } catch (TunnelMeshException e) {
            throw StartupFailure.failed(e.getMessage(), e);
        } catch (RuntimeException e) {
            throw StartupFailure.failed("cannot open mesh " + options.mesh().name() + ": " + e, e);
        }
        if (options.metrics()) {
            try {
                metrics = NodeMetrics.serve(mesh, options.metricsPeerSeries(), jolokia);
            } catch (RuntimeException e) {
                throw StartupFailure.failed(
                        "cannot serve the metrics of mesh " + options.mesh().name() + ": " + e, e);
            }
        }
        try {
            mbeans = MeshMBeans.export(mesh, server);
        } catch (RuntimeException e) {
            throw StartupFailure.failed(
                    "cannot register the MBeans of mesh " + options.mesh().name() + ": " + e.getMessage(), e);
        }
        Log.LOGGER.info(
                "node up: {}, {} peer(s) {}, MTU {}, Jolokia {}, JMX {}, {}",
                options.mesh(),
                options.peers().size(),
                firstNames(options.peers()),
                mesh.mtu(),
                jolokia == null
                        ? "off"
                        : jolokia.url() + " (user " + options.credentials().user() + ")",
                jmx == null ? "off" : jmx.url(),
                options.purgeOnExit() ? "purge on exit" : "kernel state kept on exit");
        if (metrics != null) {
            Log.LOGGER.info(
                    "Prometheus metrics on {} (same login; per-peer series while at most {} peers)",
                    jolokia.url().replaceFirst("/jolokia/$", NodeMetrics.PATH),
                    options.metricsPeerSeries());
        }
    }

    /** Names shown in the "node up" line; the rest are counted (Peer MBeans and PeerNames list them all). */
    static final int NAMES_LOGGED = 10;

    /**
     * The first {@value #NAMES_LOGGED} peers' names and how many more: one line, not 20,000 names built and written at
     * every start (and split by journald past 48 KiB).
     */
    static String firstNames(List<Peer> peers) {
        StringBuilder text = new StringBuilder("[");
        for (int i = 0; i < Math.min(NAMES_LOGGED, peers.size()); i++) {
            text.append(i == 0 ? "" : ", ").append(peers.get(i).name());
        }
        if (peers.size() > NAMES_LOGGED) {
            text.append(", ... ").append(peers.size() - NAMES_LOGGED).append(" more");
        }
        return text.append(']').toString();
    }

    /**
     * What READY - the mesh applied, every MBean registered - need not wait for: the mesh's self-check in the log, then
     * Jolokia's agent (requests that came since the port was bound wait for it). The self-check dumps every route of
     * the namespace: done first, it is over before the first request over Jolokia runs, which would otherwise share
     * the CPU with it. The node runs on whatever fails here, with an error in the log.
     */
    void afterReady() {
        quietly("log the mesh's self-check", this::logDiagnosis);
        if (jolokia != null) {
            try {
                jolokia.startAgent();
            } catch (RuntimeException e) {
                Log.LOGGER.error("Jolokia's agent did not start: {} answers 503 - {}", jolokia.url(), e.toString(), e);
            }
        }
    }

    private void logDiagnosis() {
        for (String line : mesh.diagnose()) {
            Log.LOGGER.info("diagnose: {}", line);
        }
    }

    /** With --zookeeper: registers this node's member before the mesh opens, so a taken name changes nothing. */
    private void joinCluster() {
        if (options.zookeeper() == null) {
            return;
        }
        Log.LOGGER.info(
                "joining cluster '{}' on {}",
                options.zookeeper().cluster(),
                options.zookeeper().connect());
        try {
            membership = ZooKeeperMembership.connect(options.mesh(), options.zookeeper());
        } catch (InvalidInputException | ConflictException e) {
            throw StartupFailure.badInput(e.getMessage());
        } catch (RuntimeException e) {
            throw StartupFailure.failed(
                    "cannot join cluster '" + options.zookeeper().cluster() + "' on "
                            + options.zookeeper().connect() + ": " + rootMessage(e),
                    e);
        }
    }

    /** The members become peers through the MBeans' mesh: notifications and latency histograms see them. */
    private void followCluster() {
        if (membership == null) {
            return;
        }
        membership.follow(mbeans.mesh());
        try {
            server.registerMBean(membership, membership.objectName());
        } catch (javax.management.JMException e) {
            throw StartupFailure.failed("cannot register the Membership MBean: " + e.getMessage(), e);
        }
        if (options.mesh().stateFile() == null) {
            Log.LOGGER.warn(
                    "--zookeeper without --state-file: a node restarted while ZooKeeper is unreachable starts with no peers");
        }
    }

    /** The Jolokia endpoint, or null when not serving. */
    SecureJolokiaEndpoint jolokia() {
        return jolokia;
    }

    /** The remote JMX connector, or null when not serving. */
    SecureJmxConnector jmx() {
        return jmx;
    }

    /**
     * Stops remote access first, so no request meets a half-closed mesh; then unregisters the
     * MBeans, purges the kernel state when asked to, and closes the mesh. Safe to call twice.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (jolokia != null) {
            quietly("stop Jolokia", jolokia::close);
        }
        if (jmx != null) {
            quietly("stop the JMX connector", jmx::close);
        }
        if (membership != null) {
            // first: no batch may reach a mesh that is closing; the member znode goes with the session
            if (server != null && server.isRegistered(membership.objectName())) {
                quietly("unregister the Membership MBean", () -> server.unregisterMBean(membership.objectName()));
            }
            quietly("leave the cluster", membership::close);
        }
        if (mbeans != null) {
            quietly("unregister the MBeans", mbeans::close);
        }
        if (metrics != null) {
            quietly("remove the metrics", metrics::close);
        }
        if (mesh != null) {
            if (options.purgeOnExit()) {
                quietly("purge the mesh", mesh::purge);
            }
            quietly("close the mesh", mesh::close);
            Log.LOGGER.info(
                    "mesh {} closed{}",
                    options.mesh().name(),
                    options.purgeOnExit() ? " and purged" : "; kernel state left in place");
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    // one failing step must not keep the others from running
    private static void quietly(String what, Step step) {
        try {
            step.run();
        } catch (Exception e) {
            Log.LOGGER.warn("cannot {}: {}", what, e.toString());
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }
}
