package org.tunnelmesh.zookeeper;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.Peer;

/**
 * The IPv4 addresses of the ZooKeeper servers in a connect string. A member that routes one of
 * them into the mesh cuts every node off ZooKeeper, and a node cut off never learns that the
 * member is gone (issue 21): such a member is never applied.
 */
final class ZooKeeperServers {
    private final String connect;
    /** Each server's address and the host:port it came from; the last resolution that worked. */
    private Map<Ipv4Address, String> addresses = Map.of();

    ZooKeeperServers(String connect) {
        this.connect = connect;
    }

    /**
     * Resolves the connect string again (the ZooKeeper client does so on each connection attempt;
     * the JVM caches the answers). A host that does not resolve now keeps the addresses it had.
     */
    Map<Ipv4Address, String> resolve() {
        Map<Ipv4Address, String> resolved = new LinkedHashMap<>();
        String hosts = connect.contains("/") ? connect.substring(0, connect.indexOf('/')) : connect;
        for (String hostPort : hosts.split(",")) {
            String host = hostPort.substring(0, hostPort.lastIndexOf(':'));
            if (host.startsWith("[")) {
                continue; // an IPv6 server: an IPv4 mesh cannot route it
            }
            try {
                for (InetAddress address : InetAddress.getAllByName(host)) {
                    if (address instanceof Inet4Address) {
                        resolved.putIfAbsent(Ipv4Address.fromBytes(address.getAddress()), hostPort);
                    }
                }
            } catch (UnknownHostException e) {
                addresses.forEach((address, from) -> {
                    if (from.equals(hostPort)) {
                        resolved.putIfAbsent(address, from);
                    }
                });
            }
        }
        addresses = Map.copyOf(resolved);
        return addresses;
    }

    /** Why the peer may not be applied: a subnet of it holds a ZooKeeper server; null when none does. */
    static String refusal(Peer peer, Map<Ipv4Address, String> servers) {
        for (Ipv4Prefix subnet : peer.subnets()) {
            for (Map.Entry<Ipv4Address, String> server : servers.entrySet()) {
                if (subnet.contains(server.getKey())) {
                    return "member '" + peer.name() + "': subnet " + subnet + " holds ZooKeeper server "
                            + server.getKey() + " (" + server.getValue()
                            + "); a member cannot route the cluster's control plane into the mesh";
                }
            }
        }
        return null;
    }
}
