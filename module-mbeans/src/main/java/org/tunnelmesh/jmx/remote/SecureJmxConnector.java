package org.tunnelmesh.jmx.remote;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.rmi.NoSuchObjectException;
import java.rmi.Remote;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.RMIClientSocketFactory;
import java.rmi.server.RMIServerSocketFactory;
import java.rmi.server.UnicastRemoteObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import javax.management.MBeanServer;
import javax.management.remote.JMXAuthenticator;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXPrincipal;
import javax.management.remote.JMXServiceURL;
import javax.management.remote.rmi.RMIConnectorServer;
import javax.management.remote.rmi.RMIJRMPServerImpl;
import javax.net.ssl.SSLContext;
import javax.rmi.ssl.SslRMIClientSocketFactory;
import javax.security.auth.Subject;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Remote JMX over RMI on one address and port (registry and connector share it, as the JDK's
 * agent does), for JConsole, VisualVM and jmxterm:
 * <ul>
 *   <li>every connection authenticates with {@link Credentials} (constant-time check);</li>
 *   <li>every request passes {@link AccessControlledMBeanServer}: reads, but invoke/write only on the mesh;</li>
 *   <li>the registry is read-only: nobody can put another stub in place of ours;</li>
 *   <li>what clients send is deserialized through a filter that admits JMX's own types only;</li>
 *   <li>with an {@link SSLContext}, registry and connector speak TLS (clients need the certificate
 *       in their trust store).</li>
 * </ul>
 */
public final class SecureJmxConnector implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(SecureJmxConnector.class);

    /** The name JConsole and jmxterm look up for {@code host:port}. */
    public static final String REGISTRY_NAME = "jmxrmi";

    /**
     * Types a JMX client legitimately sends: names, attributes, open data, notification filters,
     * queries, and the wrappers around them. Everything else (gadget chains) is refused.
     */
    static final String SERIAL_FILTER = "maxdepth=32;maxrefs=100000;maxarray=1000000;"
            + "java.lang.*;java.math.BigInteger;java.math.BigDecimal;java.util.*;java.rmi.MarshalledObject;"
            + "javax.management.*;javax.management.openmbean.*;javax.management.remote.*;"
            + "javax.security.auth.Subject;!*";
    /** Credentials are a user and a password, nothing else. */
    static final String CREDENTIALS_FILTER = "maxdepth=2;java.lang.String;!*";

    private final Registry registry;
    private final JMXConnectorServer connector;
    private final JMXServiceURL url;
    private final boolean registryReadOnly;

    private SecureJmxConnector(
            Registry registry, JMXConnectorServer connector, JMXServiceURL url, boolean registryReadOnly) {
        this.registry = registry;
        this.connector = connector;
        this.url = url;
        this.registryReadOnly = registryReadOnly;
    }

    /**
     * Starts serving {@code server} on {@code address:port}: the RMI registry and the connector share the one port,
     * every call passes {@link ManagementAccess}, and a failed login is logged with the user it named.
     *
     * @param address the address to bind, e.g. 127.0.0.1; also the host in the stubs RMI hands to clients (this sets
     *     {@code java.rmi.server.hostname})
     * @param port the TCP port, 1..65535
     * @param server the MBeans to serve, e.g. the platform MBeanServer
     * @param credentials the one user and password accepted; required
     * @param tls null for plain RMI (fine on loopback), else the context whose key serves TLS
     * @return the running connector; close it to stop
     * @throws IOException when the port is taken or the connector cannot start
     * @throws IllegalArgumentException when the port is out of range
     * @throws NullPointerException when {@code credentials} is null
     */
    public static SecureJmxConnector start(
            InetAddress address, int port, MBeanServer server, Credentials credentials, SSLContext tls)
            throws IOException {
        Objects.requireNonNull(credentials, "credentials: remote JMX without authentication is not offered");
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("JMX port " + port + " is out of range 1..65535");
        }
        // the stubs RMI hands to clients carry this host; by default it is whatever the hostname resolves to
        System.setProperty("java.rmi.server.hostname", address.getHostAddress());
        RMIServerSocketFactory serverSockets = new BoundSockets(address, tls);
        RMIClientSocketFactory clientSockets = tls == null ? null : new SslRMIClientSocketFactory();

        Map<String, Object> environment = new HashMap<>();
        environment.put(JMXConnectorServer.AUTHENTICATOR, authenticator(credentials));
        environment.put(RMIConnectorServer.SERIAL_FILTER_PATTERN, SERIAL_FILTER);
        environment.put(RMIConnectorServer.CREDENTIALS_FILTER_PATTERN, CREDENTIALS_FILTER);
        environment.put(RMIConnectorServer.RMI_SERVER_SOCKET_FACTORY_ATTRIBUTE, serverSockets);
        if (clientSockets != null) {
            environment.put(RMIConnectorServer.RMI_CLIENT_SOCKET_FACTORY_ATTRIBUTE, clientSockets);
        }
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi://" + address.getHostAddress() + ":" + port
                + "/jndi/rmi://" + address.getHostAddress() + ":" + port + "/" + REGISTRY_NAME);
        // export the connector ourselves and bind its stub into our own registry: no JNDI, no writable registry
        RMIJRMPServerImpl rmiServer = new RMIJRMPServerImpl(port, clientSockets, serverSockets, environment);
        RMIConnectorServer connector = new RMIConnectorServer(
                new JMXServiceURL("rmi", address.getHostAddress(), port), environment, rmiServer, server);
        connector.setMBeanServerForwarder(AccessControlledMBeanServer.forwarder());
        connector.start();
        Registry registry = null;
        boolean readOnly = false;
        try {
            Remote stub = rmiServer.toStub();
            try {
                registry = new ReadOnlyRegistry(port, clientSockets, serverSockets, REGISTRY_NAME, stub);
                readOnly = true;
            } catch (IllegalAccessError e) {
                log.warn(
                        "remote JMX: the RMI registry on port {} is not read-only: start the JVM with "
                                + "--add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED so that no local user can replace its entry",
                        port);
                registry = LocateRegistry.createRegistry(port, clientSockets, serverSockets);
                registry.rebind(REGISTRY_NAME, stub);
            }
            log.info(
                    "remote JMX on {} (user {}, {}, {} registry)",
                    url,
                    credentials.user(),
                    tls == null ? "plain RMI" : "TLS",
                    readOnly ? "read-only" : "writable");
            return new SecureJmxConnector(registry, connector, url, readOnly);
        } catch (IOException | RuntimeException e) {
            connector.stop();
            if (registry != null) {
                UnicastRemoteObject.unexportObject(registry, true);
            }
            throw e;
        }
    }

    private static JMXAuthenticator authenticator(Credentials credentials) {
        return offered -> {
            if (offered instanceof String[] pair && pair.length == 2 && credentials.matches(pair[0], pair[1])) {
                Subject subject = new Subject();
                subject.getPrincipals().add(new JMXPrincipal(pair[0]));
                subject.setReadOnly();
                return subject;
            }
            log.warn(
                    "remote JMX: authentication failed{}",
                    offered instanceof String[] pair && pair.length == 2
                            ? " for user '" + pair[0] + "'"
                            : " (no user and password given)");
            throw new SecurityException("authentication failed: wrong user or password");
        };
    }

    /** {@return what JConsole and jmxterm connect to ({@code host:port} works as well)} */
    public JMXServiceURL url() {
        return url;
    }

    /**
     * {@return whether the RMI registry refuses bind and rebind; false only when the JVM lacks the export that makes it
     * read-only (see the class comment)}
     */
    public boolean registryReadOnly() {
        return registryReadOnly;
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
     * Server sockets on one address only, plain or TLS. RMI shares a port between two exported
     * objects only when their socket factories are equal, hence equals and hashCode.
     */
    private static final class BoundSockets implements RMIServerSocketFactory {
        private final InetAddress address;
        private final SSLContext tls;

        BoundSockets(InetAddress address, SSLContext tls) {
            this.address = address;
            this.tls = tls;
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return tls == null
                    ? new ServerSocket(port, 0, address)
                    : tls.getServerSocketFactory().createServerSocket(port, 0, address);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof BoundSockets b && b.address.equals(address) && b.tls == tls;
        }

        @Override
        public int hashCode() {
            return address.hashCode();
        }
    }
}
