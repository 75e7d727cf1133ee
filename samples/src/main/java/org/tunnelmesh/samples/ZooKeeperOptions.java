package org.tunnelmesh.samples;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TrustedFile;
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
            String[] credentials = credentials(values.get("--zookeeper-auth-file"));
            builder.digest(credentials[0], credentials[1]);
        }
        try {
            return builder.build();
        } catch (InvalidInputException e) {
            throw StartupFailure.badInput("--zookeeper: " + e.getMessage());
        }
    }

    /** USER:PASSWORD from the first line of a file nobody but its owner may read. */
    private static String[] credentials(String file) {
        Path path = Path.of(file);
        String line;
        try {
            byte[] bytes = TrustedFile.read(path, "--zookeeper-auth-file", 64 << 10, true);
            line = new String(bytes, StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
        } catch (InvalidInputException e) {
            throw StartupFailure.badInput(e.getMessage());
        }
        int colon = line.indexOf(':');
        if (colon <= 0 || colon == line.length() - 1) {
            throw StartupFailure.badInput("--zookeeper-auth-file " + file + ": the first line must be USER:PASSWORD");
        }
        return new String[] {line.substring(0, colon), line.substring(colon + 1)};
    }
}
