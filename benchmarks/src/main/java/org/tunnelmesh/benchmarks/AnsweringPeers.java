package org.tunnelmesh.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.Peer;

/**
 * Many live peers in one namespace of the lab, answering the mesh's health probes with their kernel: peer {@code i} is
 * underlay 10.246.(i/250).(1 + i%250) (a secondary address on the namespace's port of the lab's bridge) with subnet
 * 172.(16 + i/256).(i%256).0/24, whose first address - the probed one - sits on the namespace's loopback. Node1 reaches
 * the underlays through one route via the namespace (10.245.1.254).
 *
 * <p>A probe leaves node1 through its SHARED tunl0, encapsulated to the peer's underlay, and is decapsulated here by
 * one flow-based ("external") ipip device, which takes IPIP from any source. The kernel's echo reply must go back
 * encapsulated <em>from that peer's own underlay</em>: node1's IPIP filter passes and counts packets by outer source,
 * and drops any other. So each peer has a policy rule (from its tunnel address) to a table of its own whose one route
 * to node1's tunnel address carries the encapsulation ({@code encap ip src UNDERLAY dst 10.245.1.2}). That is one
 * device for all the peers instead of one point-to-point device each (what a POINT_TO_POINT answering side would need:
 * 1,000 devices to make and to walk); the price is 1,000 rules walked by each reply's route lookup, in this namespace.
 */
final class AnsweringPeers implements AutoCloseable {
    static final String NS = "health-live";
    private static final String GATEWAY = "10.245.1.254";
    private static final String UNDERLAYS = "10.246.0.0/16";
    private static final String PORT = "lab-hlive";

    /** The node's namespace, where the route to the underlays goes. */
    private final String node;

    private AnsweringPeers(String node) {
        this.node = node;
    }

    static List<Peer> peers(int count) {
        if (count > 16 * 256) {
            throw new IllegalArgumentException("at most 4,096 answering peers (172.16.0.0/12 in /24s): " + count);
        }
        List<Peer> peers = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Ipv4Address underlay = Ipv4Address.parse("10.246." + i / 250 + "." + (1 + i % 250));
            Ipv4Prefix subnet = Ipv4Prefix.parse("172." + (16 + i / 256) + "." + (i % 256) + ".0/24");
            peers.add(new Peer("live" + i, underlay, List.of(subnet)));
        }
        return peers;
    }

    /**
     * Makes the namespace with {@code peers} answering for node1 ({@code node}: its namespace, underlay and tunnel
     * address), and node1's route to their underlays.
     */
    static AnsweringPeers make(List<Peer> peers, String node, String nodeUnderlay, String nodeTunnelAddress)
            throws IOException, InterruptedException {
        String bridgeNs = bridgeNamespace();
        AnsweringPeers answering = new AnsweringPeers(node);
        run(List.of("ip", "netns", "add", NS));
        try {
            List<String> br = bridgeNs == null ? List.of("ip") : List.of("ip", "-n", bridgeNs);
            run(concat(br, "link", "add", PORT, "type", "veth", "peer", "name", "eth0", "netns", NS));
            run(concat(br, "link", "set", PORT, "master", "labbr0", "up"));
            List<String> lines = new ArrayList<>();
            lines.add("link set lo up");
            lines.add("address add " + GATEWAY + "/24 dev eth0");
            lines.add("link set eth0 up");
            lines.add("link add tm-answer type ipip external");
            lines.add("link set tm-answer up");
            for (int i = 0; i < peers.size(); i++) {
                Peer peer = peers.get(i);
                int table = 1000 + i;
                lines.add("address add " + peer.underlay() + "/32 dev eth0");
                lines.add("address add " + peer.probeAddress() + "/32 dev lo");
                lines.add("rule add from " + peer.probeAddress() + " lookup " + table + " pref " + table);
                lines.add("route add " + nodeTunnelAddress + "/32 encap ip id 0 src " + peer.underlay() + " dst "
                        + nodeUnderlay + " ttl 64 dev tm-answer table " + table);
            }
            Path batch = Files.createTempFile("tunnelmesh-bench", ".batch");
            try {
                Files.write(batch, lines, StandardCharsets.UTF_8);
                run(List.of("ip", "-n", NS, "-batch", batch.toString()));
            } finally {
                Files.delete(batch);
            }
            run(List.of("ip", "-n", node, "route", "replace", UNDERLAYS, "via", GATEWAY));
            return answering;
        } catch (IOException | InterruptedException | RuntimeException e) {
            answering.close();
            throw e;
        }
    }

    /** The namespace that holds the lab's bridge: the guest's root one (null), or the host mode's own. */
    private static String bridgeNamespace() throws IOException, InterruptedException {
        if (Files.exists(Path.of("/sys/class/net/labbr0"))) {
            return null;
        }
        for (String line : run(List.of("ip", "netns", "list")).split("\n")) {
            String ns = line.split(" ")[0];
            if (ns.endsWith("-br") && Files.exists(Path.of("/run/netns", ns))) {
                return ns;
            }
        }
        throw new IllegalStateException("no bridge labbr0 of the lab here: run this in lab/kernel-lab");
    }

    @Override
    public void close() {
        try {
            // the veth pair goes with the namespace
            new ProcessBuilder("ip", "-n", node, "route", "del", UNDERLAYS)
                    .redirectErrorStream(true)
                    .start()
                    .waitFor();
            new ProcessBuilder("ip", "netns", "del", NS)
                    .redirectErrorStream(true)
                    .start()
                    .waitFor();
        } catch (IOException e) {
            System.err.println("could not remove namespace " + NS + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }
}
