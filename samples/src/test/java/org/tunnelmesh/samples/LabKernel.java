package org.tunnelmesh.samples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.tunnelmesh.internal.Json;

/**
 * The kernel state of a lab namespace as data: what {@code ip -j} (and {@code tc -j}) prints, parsed, so that the node
 * tests assert on fields (a route's protocol and device) rather than on substrings of text. Field
 * names are iproute2's; a filter given to {@code ip} leaves its own field out ({@code route show
 * proto 87} prints no "protocol").
 */
final class LabKernel {
    private LabKernel() {
    }

    /** {@code ip -n NETNS -j route show [SELECTOR...]}: one map per route ("dst", "dev", "protocol", ...). */
    static List<Map<String, Object>> routes(String netns, String... selector) throws Exception {
        List<String> args = new ArrayList<>(List.of("route", "show"));
        args.addAll(List.of(selector));
        return ipJson(netns, args);
    }

    /** True when {@code ip route show PREFIX} holds a route of that protocol ("87", "static"). */
    static boolean hasRoute(String netns, String prefix, String protocol) throws Exception {
        return routes(netns, prefix).stream().anyMatch(r -> protocol.equals(r.get("protocol")));
    }

    /** True when {@code ip route show PREFIX} holds a route through that device. */
    static boolean hasRouteVia(String netns, String prefix, String dev) throws Exception {
        return routes(netns, prefix).stream().anyMatch(r -> dev.equals(r.get("dev")));
    }

    /** The names of the namespace's devices. */
    static List<String> linkNames(String netns) throws Exception {
        return ipJson(netns, List.of("link", "show")).stream().map(l -> (String) l.get("ifname")).toList();
    }

    /** {@code ip -j -d link show NAME}: the device with its details; fails when there is none. */
    static Map<String, Object> link(String netns, String name) throws Exception {
        return ipJson(netns, List.of("-d", "link", "show", "dev", name)).get(0);
    }

    /** Devices, addresses, routes of every table and nexthops: what a node could change, for before/after comparisons. */
    static Map<String, List<Map<String, Object>>> snapshot(String netns) throws Exception {
        return Map.of("links", ipJson(netns, List.of("-d", "link", "show")), "addresses", ipJson(netns, List.of("addr", "show")),
                "routes", ipJson(netns, List.of("route", "show", "table", "all")), "nexthops", ipJson(netns, List.of("nexthop", "show")));
    }

    /** {@code tc -j qdisc show dev DEV}: one map per qdisc ("kind", "handle", ...). */
    static List<Map<String, Object>> qdiscs(String netns, String dev) throws Exception {
        return parse(List.of("tc", "-n", netns, "-j", "qdisc", "show", "dev", dev));
    }

    /** The kinds of the device's qdiscs, e.g. "clsact". */
    static List<String> qdiscKinds(String netns, String dev) throws Exception {
        return qdiscs(netns, dev).stream().map(q -> (String) q.get("kind")).toList();
    }

    private static List<Map<String, Object>> ipJson(String netns, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of("ip", "-n", netns, "-j"));
        command.addAll(args);
        return parse(command);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> parse(List<String> command) throws Exception {
        String out = run(command).strip();
        if (out.isEmpty()) {
            return List.of();
        }
        try {
            return (List<Map<String, Object>>) Json.parse(out);
        } catch (RuntimeException e) {
            throw new AssertionError(String.join(" ", command) + " printed no JSON array: " + out, e);
        }
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }
}
