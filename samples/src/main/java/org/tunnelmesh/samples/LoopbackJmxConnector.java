package org.tunnelmesh.samples;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.rmi.NoSuchObjectException;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.RMIServerSocketFactory;
import java.rmi.server.UnicastRemoteObject;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXConnectorServerFactory;
import javax.management.remote.JMXServiceURL;
import javax.management.remote.rmi.RMIConnectorServer;

/**
 * Remote JMX over RMI, reachable from this host only: an RMI registry and the connector both on
 * 127.0.0.1:PORT, so one port serves JConsole, jmxterm ({@code -l 127.0.0.1:PORT}) and the like.
 */
final class LoopbackJmxConnector implements AutoCloseable {

    private final Registry registry;
    private final JMXConnectorServer connector;

    private LoopbackJmxConnector(Registry registry, JMXConnectorServer connector) {
        this.registry = registry;
        this.connector = connector;
    }

    static LoopbackJmxConnector start(int port, MBeanServer server) throws IOException {
        // the stubs RMI hands to clients carry this host; by default it is whatever the hostname resolves to
        System.setProperty("java.rmi.server.hostname", "127.0.0.1");
        LoopbackSockets sockets = new LoopbackSockets();
        Registry registry = LocateRegistry.createRegistry(port, null, sockets);
        try {
            JMXServiceURL url = serviceUrl(port);
            JMXConnectorServer connector = JMXConnectorServerFactory.newJMXConnectorServer(url,
                    Map.of(RMIConnectorServer.RMI_SERVER_SOCKET_FACTORY_ATTRIBUTE, sockets), server);
            connector.start();
            return new LoopbackJmxConnector(registry, connector);
        } catch (IOException | RuntimeException e) {
            UnicastRemoteObject.unexportObject(registry, true);
            throw e;
        }
    }

    /** The registry and the connector share {@code port}, as the JDK's own agent does with one port. */
    static JMXServiceURL serviceUrl(int port) throws IOException {
        return new JMXServiceURL("service:jmx:rmi://127.0.0.1:" + port + "/jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
    }

    JMXServiceURL url() {
        return connector.getAddress();
    }

    @Override
    public void close() throws IOException {
        try {
            connector.stop();
        } finally {
            try {
                UnicastRemoteObject.unexportObject(registry, true);
            } catch (NoSuchObjectException alreadyGone) {
                // nothing left to stop
            }
        }
    }

    /**
     * Listens on 127.0.0.1 only. RMI puts two exported objects on one port only when their socket
     * factories are equal, hence equals and hashCode.
     */
    private static final class LoopbackSockets implements RMIServerSocketFactory {
        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return new ServerSocket(port, 0, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof LoopbackSockets;
        }

        @Override
        public int hashCode() {
            return LoopbackSockets.class.hashCode();
        }
    }
}
