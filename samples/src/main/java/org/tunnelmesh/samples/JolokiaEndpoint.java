package org.tunnelmesh.samples;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jolokia.core.api.LogHandler;
import org.jolokia.jvmagent.JolokiaServer;
import org.jolokia.jvmagent.JolokiaServerConfig;

/**
 * Jolokia's JVM agent, started in-process on one address, serving the platform MBeanServer under
 * the policy in {@code jolokia-access.xml}. The JSR-160 proxy service is not on the classpath at
 * all (samples/pom.xml excludes it): in Jolokia 2 it can be made to open JNDI lookups.
 */
final class JolokiaEndpoint implements AutoCloseable {

    static final String POLICY = "jolokia-access.xml";

    private static final Logger log = LogManager.getLogger(JolokiaEndpoint.class);

    private final HttpServer http;
    private final JolokiaServer server;

    private JolokiaEndpoint(HttpServer http, JolokiaServer server) {
        this.http = http;
        this.server = server;
    }

    /** Starts serving; basic auth when {@code user} is not null. */
    static JolokiaEndpoint start(InetSocketAddress address, String user, String password) throws IOException {
        // Jolokia grants everything when a classpath policy is missing; refuse that instead
        if (JolokiaEndpoint.class.getClassLoader().getResource(POLICY) == null) {
            throw new IllegalStateException(POLICY + " is not on the classpath; refusing to serve Jolokia without its policy");
        }
        Map<String, String> config = new HashMap<>();
        config.put("host", address.getAddress().getHostAddress());
        config.put("port", Integer.toString(address.getPort()));
        config.put("policyLocation", "classpath:/" + POLICY);
        config.put("discoveryEnabled", "false");
        config.put("includeStackTrace", "false");
        if (user != null) {
            config.put("user", user);
            config.put("password", password);
        }
        // Our own HttpServer, started and stopped here: Jolokia's own starts it from a thread of its
        // own, which races a quick stop
        HttpServer http = HttpServer.create(address, 0);
        try {
            JolokiaServer server = new JolokiaServer(http, new NodeJolokiaConfig(config), new Log4jLogHandler());
            server.start();
            http.start();
            return new JolokiaEndpoint(http, server);
        } catch (RuntimeException e) {
            http.stop(0);
            throw e;
        }
    }

    /** The agent's URL, e.g. {@code http://127.0.0.1:8778/jolokia/}. */
    String url() {
        return server.getUrl();
    }

    InetSocketAddress address() {
        return http.getAddress();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } finally {
            http.stop(0);
        }
    }

    /**
     * Jolokia builds its basic-auth authenticator only when it creates the HttpServer itself; with
     * a server of ours, the config has to build it, or requests would pass unauthenticated.
     */
    private static final class NodeJolokiaConfig extends JolokiaServerConfig {
        NodeJolokiaConfig(Map<String, String> config) {
            super(config);
            initAuthenticator();
        }
    }

    /** Jolokia's own messages, through log4j; its chatter stays at debug so stderr shows ours. */
    private static final class Log4jLogHandler implements LogHandler {
        @Override
        public void debug(String message) {
            log.debug(message);
        }

        @Override
        public void info(String message) {
            log.debug(message);
        }

        @Override
        public void error(String message, Throwable t) {
            log.error(message, t);
        }

        @Override
        public boolean isDebug() {
            return log.isDebugEnabled();
        }
    }
}
