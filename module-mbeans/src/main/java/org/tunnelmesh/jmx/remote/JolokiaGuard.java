package org.tunnelmesh.jmx.remote;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jolokia.json.parser.JSONParser;
import org.jolokia.json.parser.ParseException;

/**
 * Runs in front of every context Jolokia serves, before Jolokia sees the request, and lets through
 * only a fixed set of request shapes (Jolokia's own parsing is lenient: any case, the path in a
 * {@code p=} parameter, any charset, bulk arrays; matching all of that would be a second Jolokia):
 * <ol>
 *   <li>cross-site requests are refused (403): an {@code Origin} other than the endpoint's own, or a
 *       browser's {@code Sec-Fetch-Site} other than {@code same-origin}/{@code none}; no web page may
 *       drive the mesh through the browser of someone logged in on the box;</li>
 *   <li>basic auth against {@link Credentials} (401 without it); failed logins are limited per
 *       address by a {@link LoginThrottle} (429 when spent);</li>
 *   <li>GET serves {@code read}, {@code list}, {@code search} and {@code version} only, named in the
 *       path in lower case; exec, write and notification requests are POST with {@code Content-Type:
 *       application/json} (charset UTF-8 or none), which a cross-site form cannot send (405, 415);</li>
 *   <li>no {@code callback=} (JSONP) and no {@code p=} (the path as a parameter) (400);</li>
 *   <li>bodies larger than {@link #MAX_BODY_BYTES} are refused (413), before they are read; a body
 *       must be a Jolokia request or a list of them, each with its type in lower case (400);</li>
 *   <li>notification subscriptions only for {@code org.tunnelmesh} MBeans (Jolokia's restrictor has
 *       no say over notifications) (403).</li>
 * </ol>
 * Paths the endpoint serves beside Jolokia ({@link #servePlainGet}, e.g. {@code /metrics}) pass the same
 * first two steps, the same query and body rules, and then take GET only (405).
 * It also tells {@link RequestThreads} when the headers and the body are in, which times them.
 * Being a filter, not an authenticator, it cannot be unset by Jolokia (which clears the
 * authenticator of the {@code /config} context it adds).
 */
final class JolokiaGuard extends Filter {
    private static final Logger log = LogManager.getLogger(JolokiaGuard.class);

    /** A bulk request of a few hundred addPeer calls fits; a memory-filling one does not. */
    static final int MAX_BODY_BYTES = 256 * 1024;

    static final String REALM = "tunnelmesh";
    /** What a GET may ask; the rest change something or subscribe, and are POST only. */
    private static final Set<String> GET_TYPES = Set.of("read", "list", "search", "version");

    private static final Set<String> POST_TYPES =
            Set.of("read", "list", "search", "version", "exec", "write", "notification");
    private static final Set<String> NOTIFICATION_COMMANDS =
            Set.of("register", "unregister", "add", "remove", "ping", "open", "list");
    private static final String POST_ONLY =
            "exec, write and notification requests are POST with Content-Type application/json";

    private final Credentials credentials;
    private final String ownOrigin;
    private final String contextPath;
    private final LoginThrottle logins;
    /** Contexts beside Jolokia's that answer GET only, e.g. {@code /metrics}. */
    private final Set<String> plainGetPaths = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * @param ownOrigin e.g. {@code http://127.0.0.1:8778}: the only Origin a request may carry
     * @param contextPath Jolokia's agent context, e.g. {@code /jolokia}: GET paths are read after it, as Jolokia does
     */
    JolokiaGuard(Credentials credentials, String ownOrigin, String contextPath, LoginThrottle logins) {
        this.credentials = credentials;
        this.ownOrigin = ownOrigin;
        this.contextPath = contextPath;
        this.logins = logins;
    }

    /** Lets GETs through to the context at {@code path} (no Jolokia request type in its path), and only GETs. */
    void servePlainGet(String path) {
        plainGetPaths.add(path);
    }

    @Override
    public String description() {
        return "tunnelmesh: same origin, basic auth, request shapes and size, notification policy";
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        RequestThreads.headersRead();
        Headers headers = exchange.getRequestHeaders();
        String crossSite = crossSite(headers);
        if (crossSite != null) {
            refuse(exchange, 403, crossSite, null);
            return;
        }
        String authorization = headers.getFirst("Authorization");
        if (authorization == null) {
            refuse(exchange, 401, "authentication required", "Basic realm=\"" + REALM + "\", charset=\"UTF-8\"");
            return;
        }
        InetAddress client = exchange.getRemoteAddress().getAddress();
        if (!logins.tryCheck(client)) {
            exchange.getResponseHeaders().set("Retry-After", Long.toString(logins.retryAfterSeconds()));
            refuse(
                    exchange,
                    429,
                    "too many failed logins from " + client.getHostAddress() + ": retry in "
                            + logins.retryAfterSeconds() + " s",
                    null);
            return;
        }
        if (!authenticated(authorization)) {
            log.warn("Jolokia: authentication failed from {}", exchange.getRemoteAddress());
            refuse(exchange, 401, "authentication required", "Basic realm=\"" + REALM + "\", charset=\"UTF-8\"");
            return;
        }
        logins.succeeded(client);
        String method = exchange.getRequestMethod();
        if (!method.equals("GET") && !method.equals("POST")) {
            refuse(exchange, 405, "method " + method + " is not allowed", null);
            return;
        }
        String contextPath = exchange.getHttpContext().getPath();
        boolean plainGet = plainGetPaths.contains(contextPath);
        if (plainGet && !method.equals("GET")) {
            refuse(exchange, 405, contextPath + " serves GET only, not " + method, null);
            return;
        }
        String refusal = queryRefusal(exchange.getRequestURI());
        if (refusal != null) {
            refuse(exchange, 400, refusal, null);
            return;
        }
        if (method.equals("GET")) {
            // a path that is not Jolokia's is answered by the endpoint's own 404/503 handler
            refusal = plainGet || contextPath.equals("/") ? null : getRefusal(exchange.getRequestURI());
            if (refusal != null) {
                refuse(exchange, 405, refusal, null);
                return;
            }
            if (hasBody(headers)) {
                // refused while still timed: the JDK drains an unread body when the exchange closes, and would wait on
                // a stalled one
                refuse(exchange, 400, "a GET has no body: POST it as JSON", null);
                return;
            }
            RequestThreads.requestRead();
            chain.doFilter(exchange);
            return;
        }
        refusal = contentTypeRefusal(headers.get("Content-Type"));
        if (refusal != null) {
            refuse(exchange, 415, refusal, null);
            return;
        }
        byte[] body = readBody(exchange);
        if (body == null) {
            refuse(exchange, 413, "request body larger than " + MAX_BODY_BYTES + " bytes", null);
            return;
        }
        RequestThreads.requestRead();
        Refusal bodyRefusal = bodyRefusal(body);
        if (bodyRefusal != null) {
            refuse(exchange, bodyRefusal.status(), bodyRefusal.why(), null);
            return;
        }
        exchange.setStreams(new ByteArrayInputStream(body), null);
        chain.doFilter(exchange);
    }

    private static boolean hasBody(Headers headers) {
        String length = headers.getFirst("Content-Length");
        return headers.containsKey("Transfer-Encoding")
                || (length != null && !length.strip().equals("0"));
    }

    /** Why a browser's request from another site is refused, or null when it is not one. */
    private String crossSite(Headers headers) {
        List<String> fetchSites = headers.getOrDefault("Sec-Fetch-Site", List.of());
        for (String site : fetchSites) {
            if (!site.equals("same-origin") && !site.equals("none")) {
                return "cross-site requests are not allowed (Sec-Fetch-Site: " + site + ")";
            }
        }
        for (String origin : headers.getOrDefault("Origin", List.of())) {
            if (!origin.equals(ownOrigin)) {
                return "requests from origin " + origin + " are not allowed";
            }
        }
        return null;
    }

    private boolean authenticated(String header) {
        if (!header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = decoded.indexOf(':');
        return colon > 0 && credentials.matches(decoded.substring(0, colon), decoded.substring(colon + 1));
    }

    /**
     * Refuses {@code callback} (JSONP: a script tag on any site would read the answer) and {@code p}
     * (the GET path as a parameter), however spelled: Jolokia decodes the query, splits it on
     * {@code &} and URL-decodes each name again, so this does the same.
     */
    static String queryRefusal(URI uri) {
        String query = uri.getQuery();
        if (query == null) {
            return null;
        }
        for (String parameter : query.split("&")) {
            int equals = parameter.indexOf('=');
            String name;
            try {
                name = URLDecoder.decode(
                                equals < 0 ? parameter : parameter.substring(0, equals), StandardCharsets.UTF_8)
                        .strip();
            } catch (IllegalArgumentException e) {
                return "query parameter '" + parameter + "' is not well encoded";
            }
            if (name.equalsIgnoreCase("callback")) {
                return "JSONP (callback=) is not served: read the JSON with a client that sends the login";
            }
            if (name.equalsIgnoreCase("p")) {
                return "the p= parameter is not served: put the request in the path, or POST it as JSON";
            }
        }
        return null;
    }

    /**
     * Null when a GET names a read-only request type first in its path, as Jolokia reads it: the
     * decoded path after the agent context and one '/'. Anything else - another type, another
     * spelling, an empty first element - is refused rather than guessed at.
     */
    String getRefusal(URI uri) {
        String path = uri.getPath() == null ? "" : uri.getPath();
        String rest = path.startsWith(contextPath) ? path.substring(contextPath.length()) : path;
        if (rest.startsWith("/")) {
            rest = rest.substring(1);
        }
        if (rest.isEmpty()) {
            return null; // the agent's version
        }
        int slash = rest.indexOf('/');
        String type = slash < 0 ? rest : rest.substring(0, slash);
        if (GET_TYPES.contains(type)) {
            return null;
        }
        return "GET serves " + String.join(", ", new TreeSet<>(GET_TYPES)) + " (in lower case), not '" + type + "'; "
                + POST_ONLY;
    }

    /** Null for exactly one {@code application/json}, with no parameter but {@code charset=utf-8}. */
    static String contentTypeRefusal(List<String> contentTypes) {
        if (contentTypes == null || contentTypes.size() != 1) {
            return "POST needs one Content-Type: application/json";
        }
        String contentType = contentTypes.get(0);
        String[] parts = contentType.split(";", -1);
        boolean json = parts[0].strip().equalsIgnoreCase("application/json");
        for (int i = 1; json && i < parts.length; i++) {
            // Jolokia decodes the body in the charset named here: only UTF-8, as this guard reads it
            json = parts[i].strip().equalsIgnoreCase("charset=utf-8");
        }
        return json
                ? null
                : "Content-Type " + contentType + " is not served: POST application/json (charset UTF-8 or none)";
    }

    record Refusal(int status, String why) {}

    /**
     * Null when the body is one Jolokia request, or a list of them, each of a type this endpoint
     * serves, spelled in lower case, and subscribing to the mesh's MBeans only. Parsed with
     * Jolokia's own parser, from UTF-8: Jolokia reads it in UTF-8 or, with no charset given, in the
     * platform's charset - ASCII-compatible on every Linux JDK, and every name checked here is ASCII,
     * so both see the same names.
     */
    static Refusal bodyRefusal(byte[] body) {
        Object parsed;
        try {
            parsed = new JSONParser().parse(new String(body, StandardCharsets.UTF_8));
        } catch (ParseException | IOException | RuntimeException e) {
            return new Refusal(400, "the body is not JSON (UTF-8): " + e.getMessage());
        }
        List<?> requests = parsed instanceof List<?> list ? list : List.of(parsed);
        if (requests.isEmpty()) {
            return new Refusal(400, "an empty list of requests");
        }
        for (Object request : requests) {
            if (!(request instanceof Map<?, ?> map)) {
                return new Refusal(400, "a request must be a JSON object, not " + request);
            }
            Object type = map.get("type");
            if (!(type instanceof String name) || !POST_TYPES.contains(name)) {
                return new Refusal(
                        400,
                        "request type " + type + " is not served; types are "
                                + String.join(", ", new TreeSet<>(POST_TYPES)) + ", in lower case");
            }
            if (name.equals("notification")) {
                Object command = map.get("command");
                if (!(command instanceof String commandName) || !NOTIFICATION_COMMANDS.contains(commandName)) {
                    return new Refusal(
                            400,
                            "notification command " + command + " is not served; commands are "
                                    + String.join(", ", new TreeSet<>(NOTIFICATION_COMMANDS)) + ", in lower case");
                }
                Object mbean = map.get("mbean");
                if (commandName.equals("add") && (!(mbean instanceof String mbeanName) || !allowedMBean(mbeanName))) {
                    return new Refusal(
                            403,
                            "notifications are offered for " + ManagementAccess.MESH_DOMAIN + " MBeans only, not "
                                    + mbean);
                }
            }
        }
        return null;
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

    private static boolean allowedMBean(String mbean) {
        try {
            return ManagementAccess.isMesh(new ObjectName(mbean));
        } catch (MalformedObjectNameException e) {
            return false;
        }
    }

    private static void refuse(HttpExchange exchange, int status, String why, String authenticate) throws IOException {
        if (status != 401) {
            log.warn(
                    "Jolokia: refused {} {} from {}: {}",
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(),
                    exchange.getRemoteAddress(),
                    jsonEscaped(why)); // escaped: a request's words cannot forge a log line
        }
        byte[] text =
                ("{\"status\":" + status + ",\"error\":\"" + jsonEscaped(why) + "\"}").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        if (authenticate != null) {
            exchange.getResponseHeaders().set("WWW-Authenticate", authenticate);
        }
        try (exchange;
                OutputStream out = exchange.getResponseBody()) {
            exchange.sendResponseHeaders(status, text.length);
            out.write(text);
        }
    }

    private static String jsonEscaped(String text) {
        StringBuilder escaped = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                escaped.append('\\').append(c);
            } else if (c < 0x20) {
                escaped.append(String.format("\\u%04x", (int) c));
            } else {
                escaped.append(c);
            }
        }
        return escaped.toString();
    }
}
