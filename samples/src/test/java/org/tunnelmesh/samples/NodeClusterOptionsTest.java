package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.zookeeper.MembershipConfig;

/** The options of issue 11: --state-file, --zookeeper, --cluster, --subnets, --zookeeper-auth-file. */
class NodeClusterOptionsTest {
    private static final List<String> REQUIRED =
            List.of("--name", "node1", "--underlay", "10.245.1.2", "--tunnel-address", "192.168.41.0");

    @TempDir
    Path dir;

    private static NodeOptions parse(String... more) {
        List<String> args = new ArrayList<>(REQUIRED);
        args.addAll(List.of(more));
        return NodeOptions.parse(args.toArray(String[]::new));
    }

    private static void refused(String message, String... more) {
        StartupFailure failure = assertThrows(StartupFailure.class, () -> parse(more));
        assertEquals(StartupFailure.BAD_INPUT, failure.exitStatus());
        assertEquals(message, failure.oneLine());
    }

    @Test
    void stateFileGoesIntoTheMeshConfig() {
        assertEquals(
                Path.of("/var/lib/tunnelmesh/node1.json"),
                parse("--state-file", "/var/lib/tunnelmesh/node1.json").mesh().stateFile());
        assertNull(parse().mesh().stateFile());
        refused("--state-file '/var/lib/' must name a file", "--state-file", "/var/lib/");
    }

    @Test
    void zookeeperWithClusterSubnetsAndThePeersKeptApart() {
        MembershipConfig zk = parse(
                        "--zookeeper",
                        "10.245.1.1:2181",
                        "--cluster",
                        "lab",
                        "--subnets",
                        "192.168.41.0/24,10.41.0.0/16",
                        "--peer",
                        "edge@10.245.1.9=10.99.0.0/16")
                .zookeeper();
        assertEquals("10.245.1.1:2181", zk.connect());
        assertEquals("/tunnelmesh/lab/members", zk.membersPath());
        assertEquals(List.of(Ipv4Prefix.parse("192.168.41.0/24"), Ipv4Prefix.parse("10.41.0.0/16")), zk.subnets());
        assertEquals(Set.of("edge"), zk.fixedPeers());
        assertEquals(
                "default",
                parse("--zookeeper", "zk:2181", "--subnets", "192.168.41.0/24")
                        .zookeeper()
                        .cluster());
        assertNull(parse().zookeeper());
    }

    @Test
    void badClusterOptionsAreNamed() {
        refused("--subnets is given without --zookeeper", "--subnets", "192.168.41.0/24");
        refused("--cluster is given without --zookeeper", "--cluster", "lab");
        refused(
                "--zookeeper needs --subnets: the overlay subnets this node serves, announced to the cluster",
                "--zookeeper",
                "zk:2181");
        refused(
                "--zookeeper: ZooKeeper connect string 'zk' is not host:port".replace("'zk' is", "'zk': 'zk' is"),
                "--zookeeper",
                "zk",
                "--subnets",
                "192.168.41.0/24");
        refused(
                "--zookeeper: cluster name 'a b' must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit",
                "--zookeeper",
                "zk:2181",
                "--subnets",
                "192.168.41.0/24",
                "--cluster",
                "a b");
        assertTrue(assertThrows(
                        StartupFailure.class, () -> parse("--zookeeper", "zk:2181", "--subnets", "192.168.41.300/24"))
                .oneLine()
                .startsWith("--subnets: "));
    }

    @Test
    void digestCredentialsComeFromAPrivateFile() throws Exception {
        Path auth = dir.resolve("zk-auth");
        Files.writeString(auth, "mesh:s3cret\n");
        Files.setPosixFilePermissions(auth, PosixFilePermissions.fromString("rw-------"));
        MembershipConfig zk = parse(
                        "--zookeeper",
                        "zk:2181",
                        "--subnets",
                        "192.168.41.0/24",
                        "--zookeeper-auth-file",
                        auth.toString())
                .zookeeper();
        assertEquals("mesh", zk.digestUser());
        assertEquals("s3cret", zk.digestPassword());

        Files.setPosixFilePermissions(auth, PosixFilePermissions.fromString("rw-r--r--"));
        refused(
                "--zookeeper-auth-file " + auth + " is open to group or others (rw-r--r--): chmod 600 " + auth,
                "--zookeeper",
                "zk:2181",
                "--subnets",
                "192.168.41.0/24",
                "--zookeeper-auth-file",
                auth.toString());
        Files.setPosixFilePermissions(auth, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(auth, "no-colon\n");
        refused(
                "--zookeeper-auth-file " + auth + ": line 1 must be USER:PASSWORD",
                "--zookeeper",
                "zk:2181",
                "--subnets",
                "192.168.41.0/24",
                "--zookeeper-auth-file",
                auth.toString());
        refused("--zookeeper-auth-file is given without --zookeeper", "--zookeeper-auth-file", auth.toString());
    }

    @Test
    void eachNodeHasItsOwnIdentityAndTheClusterOneToShare() throws Exception {
        Path auth = dir.resolve("zk-auth");
        Files.writeString(auth, "node1:n0de1-secret\nmesh:shared-secret\n");
        Files.setPosixFilePermissions(auth, PosixFilePermissions.fromString("rw-------"));
        MembershipConfig zk = parse(
                        "--zookeeper",
                        "zk:2181",
                        "--subnets",
                        "192.168.41.0/24",
                        "--zookeeper-auth-file",
                        auth.toString())
                .zookeeper();
        assertEquals("node1", zk.digestUser());
        assertEquals("n0de1-secret", zk.digestPassword());
        assertEquals("mesh", zk.clusterUser());
        assertEquals("shared-secret", zk.clusterPassword());
        assertTrue(zk.ownIdentity());

        Files.writeString(auth, "node1:n0de1-secret\nmesh\n");
        refused(
                "--zookeeper-auth-file " + auth + ": line 2 must be USER:PASSWORD",
                "--zookeeper",
                "zk:2181",
                "--subnets",
                "192.168.41.0/24",
                "--zookeeper-auth-file",
                auth.toString());
        Files.writeString(auth, "mesh:a\nmesh:b\n");
        refused(
                "--zookeeper: ZooKeeper user 'mesh' is both this node's own identity and the cluster's: give each node an identity of its own",
                "--zookeeper",
                "zk:2181",
                "--subnets",
                "192.168.41.0/24",
                "--zookeeper-auth-file",
                auth.toString());
        Files.writeString(auth, "a:1\nb:2\nc:3\n");
        refused(
                "--zookeeper-auth-file " + auth
                        + " must hold this node's USER:PASSWORD on its first line, and may hold the cluster's "
                        + "on a second; it has 3 line(s)",
                "--zookeeper",
                "zk:2181",
                "--subnets",
                "192.168.41.0/24",
                "--zookeeper-auth-file",
                auth.toString());
    }
}
