package org.tunnelmesh.samples;

import static org.tunnelmesh.samples.NodeOption.CLUSTER;
import static org.tunnelmesh.samples.NodeOption.SUBNETS;
import static org.tunnelmesh.samples.NodeOption.ZOOKEEPER;
import static org.tunnelmesh.samples.NodeOption.ZOOKEEPER_AUTH_FILE;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.Peer;
import org.tunnelmesh.internal.TrustedFile;
import org.tunnelmesh.zookeeper.MembershipConfig;

/** The node's ZooKeeper options ({@link NodeOption#ZOOKEEPER} and the options that need it) as a membership. */
final class ZooKeeperOptions {
    private ZooKeeperOptions() {}

    /** @return the membership, or null without {@code --zookeeper} */
    static MembershipConfig membership(NodeOption.Given given, List<Peer> peers) {
        String connect = given.value(ZOOKEEPER);
        if (connect == null) {
            for (NodeOption option : NodeOption.values()) {
                if (option.needs == ZOOKEEPER && given.has(option)) {
                    throw StartupFailure.badInput(option.flag + " is given without " + ZOOKEEPER.flag);
                }
            }
            return null;
        }
        if (!given.has(SUBNETS)) {
            throw StartupFailure.badInput(
                    "--zookeeper needs --subnets: the overlay subnets this node serves, announced to the cluster");
        }
        List<Ipv4Prefix> subnets;
        try {
            subnets = Ipv4Prefix.parseList(given.value(SUBNETS));
        } catch (InvalidInputException e) {
            throw StartupFailure.badInput("--subnets: " + e.getMessage());
        }
        MembershipConfig.Builder builder = MembershipConfig.builder()
                .connect(connect)
                .subnets(subnets)
                .fixedPeers(peers.stream().map(Peer::name).collect(Collectors.toSet()));
        if (given.has(CLUSTER)) {
            builder.cluster(given.value(CLUSTER));
        }
        if (given.has(ZOOKEEPER_AUTH_FILE)) {
            List<String[]> identities = credentials(given.value(ZOOKEEPER_AUTH_FILE));
            builder.digest(identities.get(0)[0], identities.get(0)[1]);
            if (identities.size() > 1) {
                builder.clusterDigest(identities.get(1)[0], identities.get(1)[1]);
            }
        }
        try {
            return builder.build();
        } catch (InvalidInputException e) {
            throw StartupFailure.badInput("--zookeeper: " + e.getMessage());
        }
    }

    /**
     * The identities in a file nobody but its owner may read: USER:PASSWORD of this node's own on
     * the first line, and of the cluster's shared one on the second (optional: without it the first
     * is the whole cluster's, as before).
     */
    private static List<String[]> credentials(String file) {
        Path path = Path.of(file);
        List<String> lines;
        try {
            byte[] bytes = TrustedFile.read(path, ZOOKEEPER_AUTH_FILE.flag, 64 << 10, true);
            lines = new String(bytes, StandardCharsets.UTF_8)
                    .lines()
                    .map(String::strip)
                    .filter(l -> !l.isEmpty())
                    .toList();
        } catch (InvalidInputException e) {
            throw StartupFailure.badInput(e.getMessage());
        }
        if (lines.isEmpty() || lines.size() > 2) {
            throw StartupFailure.badInput(
                    "--zookeeper-auth-file " + file + " must hold this node's USER:PASSWORD on its first line, "
                            + "and may hold the cluster's on a second; it has " + lines.size() + " line(s)");
        }
        List<String[]> identities = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int colon = line.indexOf(':');
            if (colon <= 0 || colon == line.length() - 1) {
                throw StartupFailure.badInput(
                        "--zookeeper-auth-file " + file + ": line " + (i + 1) + " must be USER:PASSWORD");
            }
            identities.add(new String[] {line.substring(0, colon), line.substring(colon + 1)});
        }
        return identities;
    }
}
