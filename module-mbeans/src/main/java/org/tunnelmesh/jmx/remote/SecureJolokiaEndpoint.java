package org.tunnelmesh.jmx.remote;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jolokia.core.api.LogHandler;
import org.jolokia.jvmagent.JolokiaServer;
import org.jolokia.jvmagent.JolokiaServerConfig;

/**
 * Jolokia (JMX over HTTP) served in-process on one address, locked down for a process that runs
 * as root with CAP_NET_ADMIN:
 * <ul>
 *   <li>every path, Jolokia's {@code /config} included, behind {@link JolokiaGuard}: basic auth
 *       with {@link Credentials}, no foreign {@code Origin}, bounded bodies, mesh-only notifications;</li>
 *   <li>{@link JolokiaRestrictor}: reads except secrets, exec and write on {@code org.tunnelmesh} only;</li>
 *   <li>HTTPS with an {@link SSLContext}; plain HTTP off loopback is served with a warning;</li>
 *   <li>a bounded pool of request threads, so a flood queues up instead of starting threads.</li>
 * </ul>
 * Jolokia is an optional dependency of this module: an application that uses this class adds
 * {@code org.jolokia:jolokia-agent-jvm} (without {@code jolokia-service-jsr160}, whose proxy can
 * be steered into JNDI lookups).
 */
public final class SecureJolokiaEndpoint implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(SecureJolokiaEndpoint.class);

    static final String CONTEXT = "/jolokia";
    private static final int THREADS = 2;
    private static final int QUEUED_REQUESTS = 64;

    private final HttpServer http;
    private final JolokiaServer jolokia;
    private final ExecutorService executor;
    private final String url;

    private SecureJolokiaEndpoint(HttpServer http, JolokiaServer jolokia, ExecutorService executor, String url) {
        this.http = http;
        this.jolokia = jolokia;
        this.executor = executor;
        this.url = url;
    }

    /**
     * Starts serving the platform MBeanServer on {@code address} (port 0 picks one).
     *
     * @param tls null for plain HTTP, else the context whose key serves HTTPS
     * @throws IOException when the address cannot be bound
     */
    public static SecureJolokiaEndpoint start(InetSocketAddress address, Credentials credentials, SSLContext tls) throws IOException {
        Objects.requireNonNull(credentials, "credentials: Jolokia without authentication is not offered");
        HttpServer http;
        if (tls == null) {
            http = HttpServer.create(address, 0);
        } else {
            HttpsServer https = HttpsServer.create(address, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            http = https;
        }
        String scheme = tls == null ? "http" : "https";
        InetSocketAddress bound = http.getAddress();
        String host = bound.getAddress().getHostAddress();
        String origin = scheme + "://" + host + ":" + bound.getPort();
        ExecutorService executor = boundedExecutor();
        http.setExecutor(executor);
        try {
            JolokiaServer jolokia = new JolokiaServer(new GuardedHttpServer(http, new JolokiaGuard(credentials, origin)),
                    new Config(configuration(host, bound.getPort(), tls != null)), new Log4jLogHandler());
            jolokia.start();
            http.start();
            String url = origin + CONTEXT + "/";
            if (tls == null && !bound.getAddress().isLoopbackAddress()) {
                log.warn("Jolokia on {} speaks plain HTTP off loopback: the password crosses the network readable; "
                        + "configure a TLS key store", url);
            }
            log.info("Jolokia on {} (user {})", url, credentials.user());
            return new SecureJolokiaEndpoint(http, jolokia, executor, url);
        } catch (RuntimeException e) {
            http.stop(0);
            executor.shutdownNow();
            throw e;
        }
    }

    private static Map<String, String> configuration(String host, int port, boolean https) {
        Map<String, String> config = new HashMap<>();
        config.put("host", host);
        config.put("port", Integer.toString(port));
        config.put("agentContext", CONTEXT);
        config.put("protocol", https ? "https" : "http");
        config.put("restrictorClass", JolokiaRestrictor.class.getName());
        config.put("discoveryEnabled", "false");
        config.put("includeStackTrace", "false");
        config.put("allowErrorDetails", "false");
        config.put("allowDnsReverseLookup", "false");
        config.put("historyMaxEntries", "0");
        config.put("debug", "false");
        // start-up: no probing for application servers (a plain JVM is all there is), no history store (kept at 0 entries)
        config.put("disableDetectors", "true");
        config.put("disabledServices", "org.jolokia.service.history.HistoryMBeanRequestInterceptor");
        return config;
    }

    private static ExecutorService boundedExecutor() {
        AtomicInteger count = new AtomicInteger();
        // full queue: the HTTP dispatcher runs the request itself, which stops it accepting more meanwhile
        return new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUED_REQUESTS), r -> {
            Thread thread = new Thread(r, "tunnelmesh-jolokia-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
    }

    /** The agent's URL, e.g. {@code http://127.0.0.1:8778/jolokia/}. */
    public String url() {
        return url;
    }

    public InetSocketAddress address() {
        return http.getAddress();
    }

    @Override
    public void close() {
        try {
            jolokia.stop();
        } finally {
            http.stop(0);
            executor.shutdownNow();
        }
    }

    /** Jolokia's server config, used as given: no authenticator of Jolokia's, the guard does that. */
    private static final class Config extends JolokiaServerConfig {
        Config(Map<String, String> config) {
            super(config);
        }
    }

    /** Jolokia's own messages, through log4j; its chatter stays at debug. */
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
