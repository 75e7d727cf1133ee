package org.tunnelmesh.samples;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.Peer;
import org.tunnelmesh.internal.TrustedFile;
import org.tunnelmesh.zookeeper.MembershipConfig;

/** The node's ZooKeeper options: {@code --zookeeper}, {@code --cluster}, {@code --subnets}, {@code --zookeeper-auth-file}. */
final class ZooKeeperOptions {
    private ZooKeeperOptions() {
    }

    /** @return the membership, or null without {@code --zookeeper} */
    static MembershipConfig membership(Map<String, String> values, List<Peer> peers) {
        String connect = values.get("--zookeeper");
        if (connect == null) {
            for (String option : List.of("--cluster", "--subnets", "--zookeeper-auth-file")) {
                if (values.containsKey(option)) {
                    throw StartupFailure.badInput(option + " is given without --zookeeper");
                }
            }
            return null;
        }
        if (!values.containsKey("--subnets")) {
            throw StartupFailure.badInput("--zookeeper needs --subnets: the overlay subnets this node serves, announced to the cluster");
        }
        List<Ipv4Prefix> subnets;
        try {
            subnets = Ipv4Prefix.parseList(values.get("--subnets"));
        } catch (InvalidInputException e) {
            throw StartupFailure.badInput("--subnets: " + e.getMessage());
        }
        MembershipConfig.Builder builder = MembershipConfig.builder().connect(connect).subnets(subnets)
                .fixedPeers(peers.stream().map(Peer::name).collect(Collectors.toSet()));
        if (values.containsKey("--cluster")) {
            builder.cluster(values.get("--cluster"));
        }
        if (values.containsKey("--zookeeper-auth-file")) {
            List<String[]> identities = credentials(values.get("--zookeeper-auth-file"));
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
            byte[] bytes = TrustedFile.read(path, "--zookeeper-auth-file", 64 << 10, true);
            lines = new String(bytes, StandardCharsets.UTF_8).lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        } catch (InvalidInputException e) {
            throw StartupFailure.badInput(e.getMessage());
        }
        if (lines.isEmpty() || lines.size() > 2) {
            throw StartupFailure.badInput("--zookeeper-auth-file " + file + " must hold this node's USER:PASSWORD on its first line, "
                    + "and may hold the cluster's on a second; it has " + lines.size() + " line(s)");
        }
        List<String[]> identities = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int colon = line.indexOf(':');
            if (colon <= 0 || colon == line.length() - 1) {
                throw StartupFailure.badInput("--zookeeper-auth-file " + file + ": line " + (i + 1) + " must be USER:PASSWORD");
            }
            identities.add(new String[] {line.substring(0, colon), line.substring(colon + 1)});
        }
        return identities;
    }
}
