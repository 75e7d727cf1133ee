package org.tunnelmesh.jmx.remote;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
 *       with {@link Credentials} and failed logins limited per address, no cross-site request, a
 *       fixed set of request shapes (exec, write and notifications POST as JSON only, no JSONP),
 *       bounded bodies, mesh-only notifications;</li>
 *   <li>{@link JolokiaRestrictor}: reads except secrets, exec and write on {@code org.tunnelmesh} only;</li>
 *   <li>HTTPS with an {@link SSLContext}; plain HTTP off loopback is served with a warning;</li>
 *   <li>{@link RequestThreads}: a thread per request while it is read, its headers and its body
 *       each within {@value #REQUEST_TIMEOUT_SECONDS} s, at most {@value #MAX_OPEN_REQUESTS} being
 *       read at once (one more cuts the oldest), so slow or idle clients delay nobody else.</li>
 * </ul>
 * Jolokia is an optional dependency of this module: an application that uses this class adds
 * {@code org.jolokia:jolokia-agent-jvm} (without {@code jolokia-service-jsr160}, whose proxy can
 * be steered into JNDI lookups).
 */
public final class SecureJolokiaEndpoint implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(SecureJolokiaEndpoint.class);

    static final String CONTEXT = "/jolokia";
    /** Requests being read at once; the next one cuts the oldest. */
    static final int MAX_OPEN_REQUESTS = 64;
    /** For the request line and headers from the first byte, and again for the body: a LAN client needs milliseconds. */
    static final int REQUEST_TIMEOUT_SECONDS = 10;
    /** Failed logins per address at once, then one per {@link #LOGIN_REFILL_MILLIS}. */
    static final int LOGIN_BURST = 10;

    static final long LOGIN_REFILL_MILLIS = 1000;
    /**
     * TCP_NODELAY on the JDK HTTP server's connections, unless the application set it. The server
     * writes a response's headers and body separately; with Nagle's algorithm (its default) the body
     * waits for the client's delayed ACK of the headers: 40-50 ms per request on a kept-alive
     * connection, as JDK and browser clients keep them. The JDK reads it once, at the JVM's first
     * HTTP server.
     */
    static final String NO_DELAY = "sun.net.httpserver.nodelay";
    /** How long a request that arrives before the agent waits for it; then 503. */
    static final long AGENT_WAIT_SECONDS = 60;

    private final HttpServer http;
    private final HttpServer guarded;
    private final JolokiaGuard guard;
    private final RequestThreads executor;
    private final Map<String, String> config;
    private final String url;
    private final String user;
    private final CountDownLatch agentStarted = new CountDownLatch(1);
    private volatile JolokiaServer jolokia; // set once its agent is up; read by request threads
    private boolean closed;

    private SecureJolokiaEndpoint(
            HttpServer http, JolokiaGuard guard, Map<String, String> config, String url, String user) {
        this.http = http;
        this.guard = guard;
        this.guarded = new GuardedHttpServer(http, guard);
        // the HTTP server finds a request's context on the executor's thread: after the wait, Jolokia's contexts are
        // there
        this.executor = new RequestThreads(
                "tunnelmesh-jolokia",
                MAX_OPEN_REQUESTS,
                Duration.ofSeconds(REQUEST_TIMEOUT_SECONDS),
                Duration.ofSeconds(REQUEST_TIMEOUT_SECONDS),
                this::awaitAgent);
        this.config = config;
        this.url = url;
        this.user = user;
    }

    /**
     * Starts serving the platform MBeanServer on {@code address} (port 0 picks one): {@link #bind}
     * and {@link #startAgent} in one.
     *
     * @param address the address and port to bind, e.g. 127.0.0.1:8778
     * @param credentials the one user and password accepted (basic auth); required
     * @param tls null for plain HTTP, else the context whose key serves HTTPS
     * @return the running endpoint; close it to stop
     * @throws IOException when the address cannot be bound
     * @throws NullPointerException when {@code credentials} is null
     */
    public static SecureJolokiaEndpoint start(InetSocketAddress address, Credentials credentials, SSLContext tls)
            throws IOException {
        SecureJolokiaEndpoint endpoint = bind(address, credentials, tls);
        try {
            endpoint.startAgent();
            return endpoint;
        } catch (RuntimeException e) {
            endpoint.close();
            throw e;
        }
    }

    /**
     * Binds {@code address} and accepts requests at once, but answers them only once
     * {@link #startAgent} has run: a request that comes earlier waits for it (at most
     * {@value #AGENT_WAIT_SECONDS} s, then 503). This is how a process claims its port before it
     * changes anything (a busy port fails early) and starts Jolokia's agent - the bulk of the
     * cost, some hundreds of classes - once its own work is done.
     *
     * @param address the address and port to bind (port 0 picks a free one: see {@link #address()})
     * @param credentials the one user and password accepted (basic auth); required
     * @param tls null for plain HTTP, else the context whose key serves HTTPS
     * @return the bound endpoint; call {@link #startAgent} next, or close it
     * @throws IOException when the address cannot be bound
     * @throws NullPointerException when {@code credentials} is null
     */
    public static SecureJolokiaEndpoint bind(InetSocketAddress address, Credentials credentials, SSLContext tls)
            throws IOException {
        Objects.requireNonNull(credentials, "credentials: Jolokia without authentication is not offered");
        if (System.getProperty(NO_DELAY) == null) {
            System.setProperty(NO_DELAY, "true");
        }
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
        JolokiaGuard guard =
                new JolokiaGuard(credentials, origin, CONTEXT, new LoginThrottle(LOGIN_BURST, LOGIN_REFILL_MILLIS));
        SecureJolokiaEndpoint endpoint = new SecureJolokiaEndpoint(
                http,
                guard,
                configuration(host, bound.getPort(), tls != null),
                origin + CONTEXT + "/",
                credentials.user());
        try {
            http.setExecutor(endpoint.executor);
            // every path Jolokia does not serve: 503 until its agent is up, then 404 - behind the guard, as all are
            endpoint.guarded.createContext("/", endpoint::answerUnserved);
            http.start();
        } catch (RuntimeException e) {
            http.stop(0);
            endpoint.executor.close();
            throw e;
        }
        if (tls == null && !bound.getAddress().isLoopbackAddress()) {
            log.warn(
                    "Jolokia on {} speaks plain HTTP off loopback: the password crosses the network readable; "
                            + "configure a TLS key store",
                    endpoint.url);
        }
        return endpoint;
    }

    /**
     * Starts Jolokia's agent on the bound address and lets the waiting requests in. Does nothing
     * the second time.
     *
     * @throws IllegalStateException when closed
     * @throws RuntimeException when the agent does not start; the endpoint then answers 503
     */
    public synchronized void startAgent() {
        if (closed) {
            throw new IllegalStateException("Jolokia endpoint " + url + " is closed");
        }
        if (jolokia != null) {
            return;
        }
        try {
            JolokiaServer agent = new JolokiaServer(guarded, new Config(config), new Log4jLogHandler());
            try {
                agent.start();
            } catch (RuntimeException e) {
                try {
                    agent.stop(); // takes its context off the server: the requests get 503 from ours
                } catch (RuntimeException alsoFailed) {
                    e.addSuppressed(alsoFailed);
                }
                throw e;
            }
            jolokia = agent;
            log.info("Jolokia on {} (user {})", url, user);
        } finally {
            agentStarted.countDown();
        }
    }

    /**
     * Serves GET {@code path} (exactly that path; below it: 404) with {@code handler} beside Jolokia, on the same
     * server and behind the same guard: the same credentials and failed-login limit, the same cross-site and query
     * rules, the same request threads and time limits; any other method is refused (405). Like every path here it
     * answers once {@link #startAgent} has run. For read-only views of the process, such as Prometheus' {@code
     * /metrics}.
     *
     * @param path the path to serve, one lower-case segment such as {@code /metrics}
     * @param handler answers the GET requests that passed the guard
     * @throws IllegalArgumentException when {@code path} is not an absolute path of its own, or is Jolokia's
     * @throws IllegalStateException when closed
     */
    public synchronized void serveGet(String path, HttpHandler handler) {
        if (closed) {
            throw new IllegalStateException("Jolokia endpoint " + url + " is closed");
        }
        if (path == null || !path.matches("/[a-z0-9][a-z0-9._-]*") || path.equals(CONTEXT)) {
            throw new IllegalArgumentException(
                    "path '" + path + "' must be one segment such as /metrics, in lower case, and not " + CONTEXT);
        }
        guard.servePlainGet(path);
        guarded.createContext(path, exchange -> {
            if (!exchange.getRequestURI().getPath().equals(path)) {
                answerUnserved(exchange);
                return;
            }
            handler.handle(exchange);
        });
    }

    private void awaitAgent() {
        try {
            if (!agentStarted.await(AGENT_WAIT_SECONDS, TimeUnit.SECONDS)) {
                log.warn(
                        "a request to {} waited {} s for Jolokia's agent, which has not started: answered 503",
                        url,
                        AGENT_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing: the request is answered 503 or dropped with the server
        }
    }

    private void answerUnserved(HttpExchange exchange) throws IOException {
        try (exchange) {
            boolean agentUp = jolokia != null;
            byte[] body = (agentUp ? "not found\n" : "Jolokia is not up (starting, stopped or failed: see the log)\n")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(agentUp ? 404 : 503, body.length);
            exchange.getResponseBody().write(body);
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
        // start-up: no probing for application servers (a plain JVM is all there is), no history store (kept at 0
        // entries)
        config.put("disableDetectors", "true");
        config.put("disabledServices", "org.jolokia.service.history.HistoryMBeanRequestInterceptor");
        return config;
    }

    /** {@return the agent's URL, e.g. {@code http://127.0.0.1:8778/jolokia/}} */
    public String url() {
        return url;
    }

    /** {@return the address bound, with the port picked when 0 was asked for} */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        agentStarted.countDown(); // waiting requests go on to 503, or are dropped by the stop below
        try {
            if (jolokia != null) {
                jolokia.stop();
            }
        } finally {
            http.stop(0);
            executor.close();
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
