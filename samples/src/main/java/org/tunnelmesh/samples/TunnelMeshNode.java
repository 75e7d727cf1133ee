package org.tunnelmesh.samples;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.Collection;
import java.util.function.BiFunction;
import javax.management.MBeanServer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TunnelMesh;
import org.tunnelmesh.TunnelMeshException;
import org.tunnelmesh.jmx.MeshMBeans;
import org.tunnelmesh.jmx.remote.SecureJmxConnector;
import org.tunnelmesh.jmx.remote.SecureJolokiaEndpoint;
import org.tunnelmesh.linux.LinuxTunnelMesh;

/**
 * The tunnelmesh node: one mesh, its MBeans on the platform MBeanServer, and optionally Jolokia
 * and remote JMX, until SIGTERM or SIGINT. See {@link NodeOptions#USAGE} for the options.
 *
 * <p>Everything that can be checked is checked before the kernel is touched. The connectors
 * start before the mesh too, so a busy port fails the start without kernel changes.
 */
public final class TunnelMeshNode implements AutoCloseable {

    /** How a mesh is opened: {@code LinuxTunnelMesh::open} here, an in-memory mesh in tests. */
    interface MeshOpener extends BiFunction<MeshConfig, Collection<Peer>, TunnelMesh> {
    }

    private static final Logger log = LogManager.getLogger(TunnelMeshNode.class);

    private final NodeOptions options;
    private SecureJolokiaEndpoint jolokia;
    private SecureJmxConnector jmx;
    private TunnelMesh mesh;
    private MeshMBeans mbeans;
    private boolean closed;

    private TunnelMeshNode(NodeOptions options) {
        this.options = options;
    }

    public static void main(String[] args) throws InterruptedException {
        StopSignals signals = StopSignals.install();
        NodeOptions options;
        TunnelMeshNode node;
        try {
            options = NodeOptions.parse(args);
            if (options.help()) {
                System.out.print(NodeOptions.USAGE);
                return;
            }
            node = start(options, LinuxTunnelMesh::open, ManagementFactory.getPlatformMBeanServer());
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
        signals.await();
        log.info("stopping");
        node.close();
        System.exit(0);
    }

    /**
     * Starts the connectors, opens the mesh with its peers and registers the MBeans. On failure
     * whatever was started is stopped again.
     *
     * @throws StartupFailure with exit status 2 for bad input, 1 otherwise
     */
    static TunnelMeshNode start(NodeOptions options, MeshOpener opener, MBeanServer server) {
        TunnelMeshNode node = new TunnelMeshNode(options);
        try {
            node.startConnectors(server);
            node.openMesh(opener, server);
            return node;
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
    }

    private void startConnectors(MBeanServer server) {
        options.warnings().forEach(warning -> log.warn(warning));
        if (options.jmxPort() != 0) {
            try {
                // loopback only: from elsewhere, through ssh -L (see README)
                jmx = SecureJmxConnector.start(InetAddress.getLoopbackAddress(), options.jmxPort(), server, options.credentials(),
                        options.tls());
            } catch (IOException | RuntimeException e) {
                throw StartupFailure.failed("cannot serve JMX on 127.0.0.1:" + options.jmxPort() + ": " + rootMessage(e), e);
            }
        }
        if (options.jolokia() != null) {
            try {
                jolokia = SecureJolokiaEndpoint.start(options.jolokia(), options.credentials(), options.tls());
            } catch (IOException | RuntimeException e) {
                throw StartupFailure.failed("cannot serve Jolokia on " + options.jolokia().getAddress().getHostAddress() + ":"
                        + options.jolokia().getPort() + ": " + rootMessage(e), e);
            }
        }
    }

    private void openMesh(MeshOpener opener, MBeanServer server) {
        try {
            mesh = opener.apply(options.mesh(), options.peers());
        } catch (InvalidInputException | ConflictException e) {
            throw StartupFailure.badInput(e.getMessage());
        } catch (TunnelMeshException e) {
            throw StartupFailure.failed(e.getMessage(), e);
        } catch (RuntimeException e) {
            throw StartupFailure.failed("cannot open mesh " + options.mesh().name() + ": " + e, e);
        }
        try {
            mbeans = MeshMBeans.export(mesh, server);
        } catch (RuntimeException e) {
            throw StartupFailure.failed("cannot register the MBeans of mesh " + options.mesh().name() + ": " + e.getMessage(), e);
        }
        log.info("node up: {}, {} peer(s) {}, MTU {}, Jolokia {}, JMX {}, {}", options.mesh(), options.peers().size(),
                options.peers().stream().map(Peer::name).toList(), mesh.mtu(),
                jolokia == null ? "off" : jolokia.url() + " (user " + options.credentials().user() + ")",
                jmx == null ? "off" : jmx.url(), options.purgeOnExit() ? "purge on exit" : "kernel state kept on exit");
        for (String line : mesh.diagnose()) {
            log.info("diagnose: {}", line);
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
        if (mbeans != null) {
            quietly("unregister the MBeans", mbeans::close);
        }
        if (mesh != null) {
            if (options.purgeOnExit()) {
                quietly("purge the mesh", mesh::purge);
            }
            quietly("close the mesh", mesh::close);
            log.info("mesh {} closed{}", options.mesh().name(), options.purgeOnExit() ? " and purged" : "; kernel state left in place");
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
            log.warn("cannot {}: {}", what, e.toString());
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
