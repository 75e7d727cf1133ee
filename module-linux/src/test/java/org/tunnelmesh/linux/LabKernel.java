package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tunnelmesh.internal.Json;

/**
 * The kernel state of a lab namespace as data: what {@code ip -j} (and {@code tc -j}) prints, parsed,
 * so that tests assert on fields (a route's protocol, a link's flags) rather than on substrings of text.
 * Field names are iproute2's JSON names; a filter given to {@code ip} leaves its own field out
 * (e.g. {@code route show proto 87} prints no "protocol").
 *
 * <p>Public for the kernel tests of other modules (samples), which take this module's test jar.
 */
public final class LabKernel {
    private LabKernel() {}

    /** A device as {@code ip -j -d [-s] link show} prints it. */
    public record Link(Map<String, Object> json) {
        public String name() {
            return (String) json.get("ifname");
        }

        /** IFF_UP: the device is administratively up (the "UP" of {@code <NOARP,UP,LOWER_UP>}). */
        boolean up() {
            return strings(json.get("flags")).contains("UP");
        }

        long mtu() {
            return (Long) json.get("mtu");
        }

        String kind() {
            return (String) info().get("info_kind");
        }

        /** The tunnel's local and remote address ("any" where unset), from IFLA_INFO_DATA. */
        String local() {
            return (String) infoData().get("local");
        }

        String remote() {
            return (String) infoData().get("remote");
        }

        /** IFLA_STATS64 rx packets; needs {@code -s}. */
        long rxPackets() {
            return (Long) object(object(json.get("stats64")).get("rx")).get("packets");
        }

        private Map<String, Object> info() {
            return json.containsKey("linkinfo") ? object(json.get("linkinfo")) : Map.of();
        }

        private Map<String, Object> infoData() {
            Map<String, Object> info = info();
            return info.containsKey("info_data") ? object(info.get("info_data")) : Map.of();
        }
    }

    /** A route as {@code ip -j route show} prints it. */
    public record Route(Map<String, Object> json) {
        /** The prefix, "default" for 0.0.0.0/0. */
        public String dst() {
            return (String) json.get("dst");
        }

        /** A name from /etc/iproute2/rt_protos ("static", "kernel") or the number ("87"); null when filtered on. */
        public String protocol() {
            return (String) json.get("protocol");
        }

        public String dev() {
            return (String) json.get("dev");
        }

        String gateway() {
            return (String) json.get("gateway");
        }

        boolean viaNexthop() {
            return json.containsKey("nhid");
        }

        String scope() {
            return (String) json.get("scope");
        }

        List<String> flags() {
            return strings(json.get("flags"));
        }
    }

    /** A tc filter as {@code tc -j [-s] filter show} prints it (one entry per priority, then one per filter). */
    record Filter(Map<String, Object> json) {
        String kind() {
            return (String) json.get("kind");
        }

        /** The name a bpf filter was given ("tunnelmesh:node1"); null for other kinds. */
        String bpfName() {
            return (String) options().get("bpf_name");
        }

        /** Packets counted by the filter's actions; needs {@code -s}. */
        long actionPackets() {
            long packets = 0;
            for (Object action : (List<?>) options().getOrDefault("actions", List.of())) {
                packets += (Long) object(object(action).get("stats")).get("packets");
            }
            return packets;
        }

        private Map<String, Object> options() {
            return json.containsKey("options") ? object(json.get("options")) : Map.of();
        }
    }

    /** {@code ip -j -d link show [SELECTOR...]} in the node's namespace. */
    static List<Link> links(int node, String... selector) {
        List<Link> links = new ArrayList<>();
        for (Object o : ipJson(node, concat(new String[] {"-d", "link", "show"}, selector))) {
            links.add(new Link(object(o)));
        }
        return links;
    }

    /** The device {@code name}; fails when it does not exist. */
    public static Link link(int node, String name) {
        List<Link> links = links(node, name);
        assertEquals(1, links.size(), "device " + name + " in " + Lab.ns(node) + ": " + links);
        return links.get(0);
    }

    public static List<String> linkNames(int node) {
        return links(node).stream().map(Link::name).toList();
    }

    /** {@code ip -j -s -d link show [SELECTOR...]}: with the counters. */
    static List<Link> linksWithStats(int node, String... selector) {
        List<Link> links = new ArrayList<>();
        for (Object o : ipJson(node, concat(new String[] {"-s", "-d", "link", "show"}, selector))) {
            links.add(new Link(object(o)));
        }
        return links;
    }

    /** {@code ip -j route show [SELECTOR...]}, e.g. {@code routes(1, "192.168.42.0/24")} or {@code routes(1, "proto", "87")}. */
    public static List<Route> routes(int node, String... selector) {
        List<Route> routes = new ArrayList<>();
        for (Object o : ipJson(node, concat(new String[] {"route", "show"}, selector))) {
            routes.add(new Route(object(o)));
        }
        return routes;
    }

    /** True when {@code ip route show PREFIX} holds a route of that protocol ("87", "static"). */
    public static boolean hasRoute(int node, String prefix, String protocol) {
        return routes(node, prefix).stream().anyMatch(r -> protocol.equals(r.protocol()));
    }

    /** True when {@code ip route show PREFIX} holds a route through that device. */
    public static boolean hasRouteVia(int node, String prefix, String dev) {
        return routes(node, prefix).stream().anyMatch(r -> dev.equals(r.dev()));
    }

    /** The destinations of {@code ip route show [SELECTOR...]}. */
    static List<String> routeDestinations(int node, String... selector) {
        return routes(node, selector).stream().map(Route::dst).toList();
    }

    /** {@code ip -j nexthop show [SELECTOR...]}. */
    static List<Object> nexthops(int node, String... selector) {
        return ipJson(node, concat(new String[] {"nexthop", "show"}, selector));
    }

    /** The IPv4 addresses on a device, as "address/prefixlen". */
    static List<String> ipv4Addresses(int node, String dev) {
        List<String> addresses = new ArrayList<>();
        for (Object link : ipJson(node, "addr", "show", "dev", dev)) {
            for (Object a : (List<?>) object(link).get("addr_info")) {
                Map<String, Object> address = object(a);
                if ("inet".equals(address.get("family"))) {
                    addresses.add(address.get("local") + "/" + address.get("prefixlen"));
                }
            }
        }
        return addresses;
    }

    /** What the kernel holds that a mesh could touch (devices, addresses, routes, nexthops): for before/after comparisons. */
    public static Map<String, List<Object>> snapshot(int node) {
        return Map.of(
                "links",
                ipJson(node, "-d", "link", "show"),
                "addresses",
                ipJson(node, "addr", "show"),
                "routes",
                ipJson(node, "route", "show", "table", "all"),
                "nexthops",
                ipJson(node, "nexthop", "show"));
    }

    /** {@code tc -j [-s] filter show dev DEV HOOK} ("ingress", "egress"). */
    static List<Filter> filters(int node, String dev, String hook, boolean stats) {
        List<String> args = new ArrayList<>(List.of("tc", "-n", Lab.ns(node), "-j"));
        if (stats) {
            args.add("-s");
        }
        args.addAll(List.of("filter", "show", "dev", dev, hook));
        List<Filter> filters = new ArrayList<>();
        for (Object o : parse(args, run(args))) {
            filters.add(new Filter(object(o)));
        }
        return filters;
    }

    /** {@code tc -j qdisc show dev DEV}: "kind", "handle" ("1:"), "root" (true for the root qdisc), "parent". */
    public static List<Map<String, Object>> qdiscs(int node, String dev) {
        List<String> args = List.of("tc", "-n", Lab.ns(node), "-j", "qdisc", "show", "dev", dev);
        List<Map<String, Object>> qdiscs = new ArrayList<>();
        for (Object o : parse(args, run(args))) {
            qdiscs.add(object(o));
        }
        return qdiscs;
    }

    /** The kinds of the device's qdiscs, e.g. "clsact". */
    public static List<String> qdiscKinds(int node, String dev) {
        return qdiscs(node, dev).stream().map(q -> (String) q.get("kind")).toList();
    }

    /** Runs {@code ip -j ARGS} in the node's namespace and parses its answer, a JSON array. */
    static List<Object> ipJson(int node, String... args) {
        List<String> command = new ArrayList<>(List.of("ip", "-n", Lab.ns(node), "-j"));
        command.addAll(List.of(args));
        return parse(command, run(command));
    }

    private static String run(List<String> command) {
        Lab.Result r = Lab.run(command);
        assertEquals(0, r.exitCode(), String.join(" ", command) + " failed: " + r.output());
        return r.output();
    }

    private static List<Object> parse(List<String> command, String output) {
        String out = output.strip();
        if (out.isEmpty()) {
            return List.of(); // some objects (nexthop) print nothing at all when there are none
        }
        Object parsed = Json.parse(out);
        if (!(parsed instanceof List<?> list)) {
            throw new AssertionError(String.join(" ", command) + " printed no JSON array: " + out);
        }
        return List.copyOf(list);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object o) {
        return (Map<String, Object>) o;
    }

    private static List<String> strings(Object o) {
        List<String> strings = new ArrayList<>();
        if (o instanceof List<?> list) {
            for (Object e : list) {
                strings.add((String) e);
            }
        }
        return strings;
    }

    private static String[] concat(String[] first, String[] second) {
        String[] all = new String[first.length + second.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }
}
