package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;

class NodeOptionsTest {

    private static final List<String> REQUIRED =
            List.of("--underlay", "10.245.1.2", "--tunnel-address", "192.168.41.0");

    private static List<String> with(String... more) {
        List<String> args = new ArrayList<>(REQUIRED);
        args.addAll(List.of(more));
        return args;
    }

    /** The environment the node sees: the password, as a systemd unit's EnvironmentFile would give it. */
    private static final Map<String, String> ENVIRONMENT = Map.of("TUNNELMESH_PASSWORD", "env-secret");

    @TempDir
    static Path dir;

    private static NodeOptions parse(List<String> args) {
        return NodeOptions.parse(ENVIRONMENT, args.toArray(String[]::new));
    }

    private static String passwordFile(String content, String permissions) {
        try {
            Path file = Files.createTempFile(dir, "password", "");
            Files.writeString(file, content);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
            return file.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void defaultsAreASharedMeshNamedMeshWithNothingServed() {
        NodeOptions options = parse(with());

        assertEquals("mesh", options.mesh().name());
        assertEquals(MeshMode.SHARED, options.mesh().mode());
        assertEquals("10.245.1.2", options.mesh().underlay().toString());
        assertEquals("192.168.41.0", options.mesh().tunnelAddress().toString());
        assertEquals(0, options.mesh().mtu());
        assertEquals(List.of(), options.peers());
        assertNull(options.jolokia());
        assertEquals(0, options.jmxPort());
        assertFalse(options.purgeOnExit());
        assertFalse(options.help());
        assertTrue(options.mesh().ipipFilter(), "the IPIP filter is on unless turned off");
    }

    @Test
    void anEncryptionKeyFileIsCheckedAtOnceAsAPasswordFileIs() {
        String key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
        String good = passwordFile(key + "\n", "rw-------");
        assertEquals(
                Path.of(good), parse(with("--encryption-key-file", good)).mesh().encryptionKeyFile());
        assertNull(parse(with()).mesh().encryptionKeyFile(), "no encryption unless asked");
        String readable = passwordFile(key + "\n", "rw-r--r--");
        StartupFailure open = assertThrows(StartupFailure.class, () -> parse(with("--encryption-key-file", readable)));
        assertEquals(2, open.exitStatus());
        assertEquals(
                "--encryption-key-file: encryption key file " + readable + " is open to group or others (rw-r--r--):"
                        + " chmod 600 " + readable,
                open.oneLine());
        String shortKey = passwordFile(key.substring(1) + "\n", "rw-------");
        StartupFailure bad = assertThrows(StartupFailure.class, () -> parse(with("--encryption-key-file", shortKey)));
        assertTrue(bad.oneLine().contains("line 1: a key is 64 hex digits"), bad.oneLine());
        assertFalse(bad.oneLine().contains(key.substring(1, 20)), "the key never appears in a message");
        assertTrue(NodeOptions.USAGE.contains("--encryption-key-file F"));
    }

    @Test
    void noIpipFilterTurnsTheFilterOff() {
        assertFalse(parse(with("--no-ipip-filter")).mesh().ipipFilter());
        assertFalse(parse(with("--mode", "p2p", "--no-ipip-filter")).mesh().ipipFilter());
    }

    @Test
    void extraUnderlayDevicesRepeat() {
        assertEquals(List.of(), parse(with()).mesh().extraUnderlayDevices());
        assertEquals(
                List.of("eth1", "wan2"),
                parse(with("--extra-underlay-device", "eth1", "--extra-underlay-device=wan2"))
                        .mesh()
                        .extraUnderlayDevices());
    }

    @Test
    void readsEveryOption() {
        NodeOptions options = parse(with(
                "--name",
                "node1",
                "--mode",
                "p2p",
                "--peer",
                "node2@10.245.1.3=192.168.42.0/24",
                "--peer=node3@10.245.1.4=192.168.43.0/24,10.9.0.0/16",
                "--mtu",
                "1400",
                "--jolokia",
                "0.0.0.0:8778",
                "--user",
                "admin",
                "--password-file",
                passwordFile("s3cret\n", "rw-------"),
                "--jmx-port",
                "9010",
                "--purge-on-exit"));

        assertEquals("node1", options.mesh().name());
        assertEquals(MeshMode.POINT_TO_POINT, options.mesh().mode());
        assertEquals(
                List.of("node2", "node3"),
                options.peers().stream().map(Peer::name).toList());
        assertEquals(2, options.peers().get(1).subnets().size());
        assertEquals(1400, options.mesh().mtu());
        assertEquals("0.0.0.0", options.jolokia().getAddress().getHostAddress());
        assertEquals(8778, options.jolokia().getPort());
        assertTrue(options.credentials().matches("admin", "s3cret"));
        assertEquals(9010, options.jmxPort());
        assertTrue(options.purgeOnExit());
        assertTrue(
                options.warnings().get(0).contains("plain HTTP off loopback"),
                options.warnings().toString());
    }

    @Test
    void aBareJolokiaPortBindsLoopbackAndTakesThePasswordFromTheEnvironment() {
        NodeOptions options = parse(with("--jolokia", "8778", "--user", "operator"));

        assertEquals("127.0.0.1", options.jolokia().getAddress().getHostAddress());
        assertEquals(8778, options.jolokia().getPort());
        assertTrue(options.credentials().matches("operator", "env-secret"));
        assertEquals(List.of(), options.warnings());
    }

    @Test
    void aPasswordFileWinsOverTheEnvironment() {
        NodeOptions options = parse(with(
                "--jmx-port",
                "9010",
                "--user",
                "operator",
                "--password-file",
                passwordFile("from-file\n", "r--------")));

        assertTrue(options.credentials().matches("operator", "from-file"));
        assertFalse(options.credentials().matches("operator", "env-secret"));
    }

    @Test
    void theOlderSpellingStillWorksWithAWarningAboutTheCommandLine() {
        NodeOptions options =
                parse(with("--jolokia", "localhost:8778", "--jolokia-user", "u", "--jolokia-password", "p"));

        assertTrue(options.jolokia().getAddress().isLoopbackAddress());
        assertTrue(options.credentials().matches("u", "p"));
        assertTrue(
                options.warnings().stream().anyMatch(w -> w.contains("/proc")),
                options.warnings().toString());
    }

    @Test
    void aDefaultRouteThroughAGatewayPeerNeedsTheWideSubnetsFlag() {
        List<String> gateway = with("--peer", "gw@10.245.1.3=0.0.0.0/0");

        StartupFailure refused = assertThrows(StartupFailure.class, () -> parse(gateway));
        List<String> allowed = new ArrayList<>(gateway);
        allowed.add("--allow-wide-subnets");

        assertTrue(
                refused.oneLine().contains("0.0.0.0/0") && refused.oneLine().contains("allowWideSubnets"),
                refused.oneLine());
        assertEquals("0.0.0.0/0", parse(allowed).peers().get(0).subnets().get(0).toString());
        assertTrue(parse(allowed).mesh().allowWideSubnets());
    }

    @Test
    void nothingServedNeedsNoCredentialsEvenWithThePasswordInTheEnvironment() {
        NodeOptions options = parse(with());

        assertNull(options.credentials());
        assertNull(options.tls());
    }

    @Test
    void helpWinsOverEverythingElse() {
        assertTrue(NodeOptions.parse("--bogus", "--help").help());
        assertTrue(NodeOptions.parse("-h").help());
        assertTrue(NodeOptions.USAGE.contains("--peer NAME@UNDERLAY=CIDR[,CIDR...]"));
    }

    static Stream<Arguments> badCommandLines() {
        return Stream.of(
                bad(List.of("--tunnel-address", "192.168.41.0"), "--underlay is required"),
                bad(List.of("--underlay", "10.245.1.2"), "--tunnel-address is required"),
                bad(List.of("--underlay", "10.245.1.256", "--tunnel-address", "192.168.41.0"), "10.245.1.256"),
                bad(List.of("--underlay", "10.245.1.2", "--tunnel-address", "node1"), "'node1'"),
                bad(List.of("--underlay", "127.0.0.1", "--tunnel-address", "192.168.41.0"), "127.0.0.1"),
                bad(with("--bogus"), "'--bogus'"),
                bad(with("stray"), "'stray'"),
                bad(with("--name"), "--name needs a value"),
                bad(with("--name", "--mode", "p2p"), "--name needs a value"),
                bad(with("--name", "bad/name"), "'bad/name'"),
                bad(with("--name", "a", "--name", "b"), "--name is given twice"),
                bad(with("--mode", "mesh"), "'mesh'"),
                bad(with("--mtu", "big"), "'big'"),
                bad(with("--mtu", "40"), "MTU 40"),
                bad(with("--peer", "node2"), "'node2'"),
                bad(with("--peer", "node2@10.245.1.3"), "'node2@10.245.1.3'"),
                bad(with("--peer", "node2@10.245.1.3=192.168.42.1/24"), "192.168.42.1/24"),
                bad(
                        with(
                                "--peer",
                                "node2@10.245.1.3=192.168.42.0/24",
                                "--peer",
                                "node2@10.245.1.4=192.168.43.0/24"),
                        "peer 'node2' already exists"),
                bad(
                        with(
                                "--peer",
                                "node2@10.245.1.3=192.168.42.0/24",
                                "--peer",
                                "node3@10.245.1.3=192.168.43.0/24"),
                        "underlay 10.245.1.3"),
                bad(
                        with(
                                "--peer",
                                "node2@10.245.1.3=192.168.42.0/24",
                                "--peer",
                                "node3@10.245.1.4=192.168.42.128/25"),
                        "192.168.42.128/25"),
                bad(with("--peer", "node2@10.245.1.2=192.168.42.0/24"), "10.245.1.2"),
                bad(with("--peer", "node2@10.245.1.3=192.168.0.0/16"), "192.168.0.0/16"),
                bad(with("--peer", "node2@10.245.1.3=127.0.0.0/8"), "127.0.0.0/8"),
                bad(with("--peer", "node2@10.245.1.3=224.0.0.0/24"), "224.0.0.0/24"),
                bad(with("--peer", "node2@10.245.1.3=169.254.0.0/16"), "169.254.0.0/16"),
                bad(with("--peer", "node2@10.245.1.3=0.0.0.0/8"), "0.0.0.0/8"),
                bad(with("--peer", "node2@10.245.1.3=240.0.0.0/4"), "240.0.0.0/4"),
                bad(with("--peer", "node2@10.245.1.3=128.0.0.0/1"), "128.0.0.0/1"),
                bad(with("--peer", "node2@192.168.41.0=192.168.42.0/24"), "tunnel address"),
                bad(with("--jolokia", "0.0.0.0:8778"), "--jolokia needs credentials"),
                bad(with("--jolokia", "127.0.0.1:8778"), "--jolokia needs credentials, on loopback too"),
                bad(with("--jmx-port", "9010"), "--jmx-port needs credentials"),
                bad(
                        with("--jmx-port", "9010", "--password-file", passwordFile("p\n", "rw-------")),
                        "--jmx-port needs credentials"),
                bad(
                        with("--jmx-port", "9010", "--user", "u", "--password-file", passwordFile("p\n", "rw-r--r--")),
                        "chmod 600"),
                bad(
                        with("--jmx-port", "9010", "--user", "u", "--password-file", passwordFile("p\n", "rw-r-----")),
                        "open to group"),
                bad(
                        with("--jmx-port", "9010", "--user", "u", "--password-file", "/nonexistent/pw"),
                        "/nonexistent/pw does not exist"),
                bad(
                        with("--jmx-port", "9010", "--user", "u", "--password-file", passwordFile("", "rw-------")),
                        "is empty"),
                bad(with("--jmx-port", "9010", "--user", "a:b"), "'a:b'"),
                bad(with("--jolokia", "8778", "--user", "u", "--jolokia-user", "v"), "--user and --jolokia-user"),
                bad(with("--jolokia", "8778", "--jolokia-password", "p"), "--jolokia needs credentials"),
                bad(with("--user", "u"), "no management endpoint"),
                bad(with("--jolokia-user", "u", "--jolokia-password", "p"), "no management endpoint"),
                bad(with("--jolokia", "8778", "--user", "u", "--tls-keystore", "/nonexistent.p12"), "go together"),
                bad(
                        with(
                                "--jolokia",
                                "8778",
                                "--user",
                                "u",
                                "--tls-keystore",
                                "/nonexistent.p12",
                                "--tls-keystore-password-file",
                                passwordFile("p\n", "rw-------")),
                        "/nonexistent.p12"),
                bad(with("--jolokia", "example.org:8778"), "'example.org'"),
                bad(with("--jolokia", "127.0.0.1:http"), "'http'"),
                bad(with("--jolokia", "127.0.0.1:70000"), "70000"),
                bad(with("--jmx-port", "0"), "port 0"),
                bad(with("--jmx-port", "x9010"), "'x9010'"),
                bad(with("--extra-underlay-device", "eth/1"), "'eth/1'"),
                bad(with("--extra-underlay-device", "eth1", "--no-ipip-filter"), "filter, which is off"));
    }

    private static Arguments bad(List<String> args, String named) {
        return Arguments.of(args, named);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badCommandLines")
    void aBadCommandLineExitsWithTwoAndOneLineNamingTheBadValue(List<String> args, String named) {
        StartupFailure failure = assertThrows(StartupFailure.class, () -> parse(args));

        assertEquals(2, failure.exitStatus());
        assertTrue(failure.oneLine().contains(named), failure.oneLine());
        assertFalse(failure.oneLine().contains("\n"));
    }
}
