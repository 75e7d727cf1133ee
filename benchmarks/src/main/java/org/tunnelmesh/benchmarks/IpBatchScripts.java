package org.tunnelmesh.benchmarks;

import java.util.ArrayList;
import java.util.List;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;

/**
 * What a user would otherwise feed to {@code ip -batch} for the routes the mesh programs in SHARED
 * mode: the benchmarks time it beside the mesh doing the same work.
 */
final class IpBatchScripts {
    static final int PROTOCOL = MeshConfig.DEFAULT_ROUTE_PROTOCOL;

    private IpBatchScripts() {}

    /** Classic routes: {@code route add SUBNET via UNDERLAY dev tunl0 onlink}, one per subnet. */
    static List<String> classicRoutes(List<Peer> peers) {
        List<String> lines = new ArrayList<>();
        for (Peer peer : peers) {
            for (Ipv4Prefix subnet : peer.subnets()) {
                lines.add("route add " + subnet + " via " + peer.underlay() + " dev tunl0 onlink proto " + PROTOCOL);
            }
        }
        return lines;
    }

    /** Nexthop objects, as the mesh does: one nexthop per peer (ids from {@code firstId}), its subnets' routes through it. */
    static List<String> nexthopRoutes(List<Peer> peers, int firstId) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < peers.size(); i++) {
            Peer peer = peers.get(i);
            int id = firstId + i;
            lines.add("nexthop add id " + id + " via " + peer.underlay() + " dev tunl0 onlink proto " + PROTOCOL);
            for (Ipv4Prefix subnet : peer.subnets()) {
                lines.add("route add " + subnet + " nhid " + id + " proto " + PROTOCOL);
            }
        }
        return lines;
    }
}
