package org.tunnelmesh.jmx.remote;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jolokia.json.parser.JSONParser;
import org.jolokia.json.parser.ParseException;

/**
 * Runs in front of every context Jolokia serves, before Jolokia sees the request:
 * <ol>
 *   <li>a request with an {@code Origin} other than the endpoint's own is refused (403): no web page
 *       may drive the mesh through the browser of someone logged in on the box;</li>
 *   <li>basic auth against {@link Credentials} (401 without it);</li>
 *   <li>bodies larger than {@link #MAX_BODY_BYTES} are refused (413), before they are read;</li>
 *   <li>notification subscriptions only for {@code org.tunnelmesh} MBeans (Jolokia's restrictor has
 *       no say over notifications).</li>
 * </ol>
 * Being a filter, not an authenticator, it cannot be unset by Jolokia (which clears the
 * authenticator of the {@code /config} context it adds).
 */
final class JolokiaGuard extends Filter {
    private static final Logger log = LogManager.getLogger(JolokiaGuard.class);

    /** A bulk request of a few hundred addPeer calls fits; a memory-filling one does not. */
    static final int MAX_BODY_BYTES = 256 * 1024;
    static final String REALM = "tunnelmesh";

    private final Credentials credentials;
    private final String ownOrigin;

    /** @param ownOrigin e.g. {@code http://127.0.0.1:8778}: the only Origin a request may carry */
    JolokiaGuard(Credentials credentials, String ownOrigin) {
        this.credentials = credentials;
        this.ownOrigin = ownOrigin;
    }

    @Override
    public String description() {
        return "tunnelmesh: origin, basic auth, request size, notification policy";
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        {
            String origin = exchange.getRequestHeaders().getFirst("Origin");
            if (origin != null && !origin.equals(ownOrigin)) {
                refuse(exchange, 403, "requests from origin " + origin + " are not allowed", null);
                return;
            }
            if (!authenticated(exchange)) {
                refuse(exchange, 401, "authentication required", "Basic realm=\"" + REALM + "\", charset=\"UTF-8\"");
                return;
            }
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("POST")) {
                refuse(exchange, 405, "method " + method + " is not allowed", null);
                return;
            }
            byte[] body = method.equals("POST") ? readBody(exchange) : new byte[0];
            if (body == null) {
                refuse(exchange, 413, "request body larger than " + MAX_BODY_BYTES + " bytes", null);
                return;
            }
            String notificationTarget = foreignNotificationTarget(exchange.getRequestURI(), exchange.getHttpContext().getPath(), body);
            if (notificationTarget != null) {
                refuse(exchange, 403, "notifications are offered for " + ManagementAccess.MESH_DOMAIN
                        + " MBeans only, not " + notificationTarget, null);
                return;
            }
            exchange.setStreams(new ByteArrayInputStream(body), null);
            chain.doFilter(exchange);
        }
    }

    private boolean authenticated(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = decoded.indexOf(':');
        boolean ok = colon > 0 && credentials.matches(decoded.substring(0, colon), decoded.substring(colon + 1));
        if (!ok) {
            log.warn("Jolokia: authentication failed from {}", exchange.getRemoteAddress());
        }
        return ok;
    }

    /** The body, or null when it exceeds the limit (by its declared length, or as it is read). */
    private static byte[] readBody(HttpExchange exchange) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > MAX_BODY_BYTES) {
                    return null;
                }
            } catch (NumberFormatException e) {
                return null;
            }
        }
        InputStream in = exchange.getRequestBody();
        byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
        return body.length > MAX_BODY_BYTES ? null : body;
    }

    /**
     * The MBean of a notification subscription outside the mesh's domain, or null when the request
     * subscribes to nothing else. GET: {@code <context>/notification/add/<client>/<mode>/<mbean>/...};
     * POST: one request object or a list of them.
     */
    static String foreignNotificationTarget(URI uri, String contextPath, byte[] body) {
        if (body.length == 0) {
            String path = uri.getRawPath() == null ? "" : uri.getRawPath();
            String rest = path.startsWith(contextPath) ? path.substring(contextPath.length()) : path;
            String[] parts = rest.replaceFirst("^/+", "").split("/");
            if (parts.length > 0 && parts[0].equals("notification")) {
                if (parts.length >= 5 && parts[1].equals("add")) {
                    String mbean = java.net.URLDecoder.decode(parts[4].replace("!/", "/"), StandardCharsets.UTF_8);
                    return allowedMBean(mbean) ? null : mbean;
                }
            }
            return null;
        }
        String text = new String(body, StandardCharsets.UTF_8);
        // the common case, reads and execs, needs no second parse; only a \\u escape could spell the word otherwise
        if (!text.contains("notification") && !text.contains("\\u")) {
            return null;
        }
        Object parsed;
        try {
            parsed = new JSONParser().parse(text);
        } catch (ParseException | IOException | RuntimeException e) {
            return null; // not JSON: Jolokia answers it with its own error
        }
        for (Object request : parsed instanceof List<?> list ? list : List.of(parsed)) {
            if (request instanceof Map<?, ?> map && "notification".equals(map.get("type")) && "add".equals(map.get("command"))) {
                Object mbean = map.get("mbean");
                if (!(mbean instanceof String name) || !allowedMBean(name)) {
                    return String.valueOf(mbean);
                }
            }
        }
        return null;
    }

    private static boolean allowedMBean(String mbean) {
        try {
            return ManagementAccess.isMesh(new ObjectName(mbean));
        } catch (MalformedObjectNameException e) {
            return false;
        }
    }

    private static void refuse(HttpExchange exchange, int status, String why, String authenticate) throws IOException {
        if (status != 401) {
            log.warn("Jolokia: refused {} {} from {}: {}", exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    exchange.getRemoteAddress(), why);
        }
        byte[] text = ("{\"status\":" + status + ",\"error\":\"" + why.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        if (authenticate != null) {
            exchange.getResponseHeaders().set("WWW-Authenticate", authenticate);
        }
        try (exchange; OutputStream out = exchange.getResponseBody()) {
            exchange.sendResponseHeaders(status, text.length);
            out.write(text);
        }
    }
}
