package org.tunnelmesh.samples;

import static org.tunnelmesh.samples.NodeOption.ALLOW_WIDE_SUBNETS;
import static org.tunnelmesh.samples.NodeOption.EXTRA_UNDERLAY_DEVICE;
import static org.tunnelmesh.samples.NodeOption.JMX_PORT;
import static org.tunnelmesh.samples.NodeOption.JOLOKIA;
import static org.tunnelmesh.samples.NodeOption.JOLOKIA_PASSWORD;
import static org.tunnelmesh.samples.NodeOption.JOLOKIA_USER;
import static org.tunnelmesh.samples.NodeOption.METRICS;
import static org.tunnelmesh.samples.NodeOption.METRICS_PEER_SERIES;
import static org.tunnelmesh.samples.NodeOption.MODE;
import static org.tunnelmesh.samples.NodeOption.MTU;
import static org.tunnelmesh.samples.NodeOption.NAME;
import static org.tunnelmesh.samples.NodeOption.NO_IPIP_FILTER;
import static org.tunnelmesh.samples.NodeOption.PASSWORD_FILE;
import static org.tunnelmesh.samples.NodeOption.PEER;
import static org.tunnelmesh.samples.NodeOption.PURGE_ON_EXIT;
import static org.tunnelmesh.samples.NodeOption.STATE_FILE;
import static org.tunnelmesh.samples.NodeOption.TLS_KEYSTORE;
import static org.tunnelmesh.samples.NodeOption.TLS_KEYSTORE_PASSWORD_FILE;
import static org.tunnelmesh.samples.NodeOption.TUNNEL_ADDRESS;
import static org.tunnelmesh.samples.NodeOption.UNDERLAY;
import static org.tunnelmesh.samples.NodeOption.USER;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.tunnelmesh.Encapsulation;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.PeerSpec;
import org.tunnelmesh.TunnelMeshException;
import org.tunnelmesh.internal.PeerTable;
import org.tunnelmesh.jmx.remote.Credentials;
import org.tunnelmesh.jmx.remote.TlsKeyStore;
import org.tunnelmesh.micrometer.TunnelMeshMetrics;
import org.tunnelmesh.zookeeper.MembershipConfig;

/**
 * The node's command line, checked as far as it can be without the kernel: every option, every
 * peer, and the peers against each other and against this node (with the mesh's own
 * {@link PeerTable} rules), so a typo never reaches the kernel.
 *
 * <p>Management endpoints never run without credentials: the password comes from a file only its
 * owner can read, or from the environment, never from the command line (which every local user
 * can read in /proc) - except in the older spelling, which is still accepted with a warning.
 *
 * @param jolokia     where to serve Jolokia, or null for not at all
 * @param jmxPort     the loopback RMI port for remote JMX, or 0 for none
 * @param credentials the one login of every management endpoint; null when none is served
 * @param tls         TLS for both endpoints, or null for plain HTTP and RMI
 * @param warnings    what the node should log at start about how it was configured
 * @param zookeeper   cluster membership from ZooKeeper, or null for none
 * @param metricsPeerSeries with {@code --metrics}: per-peer series while the mesh has at most this many peers;
 *                    -1 without {@code --metrics}
 */
record NodeOptions(
        MeshConfig mesh,
        List<Peer> peers,
        InetSocketAddress jolokia,
        int jmxPort,
        Credentials credentials,
        SSLContext tls,
        boolean purgeOnExit,
        boolean help,
        List<String> warnings,
        MembershipConfig zookeeper,
        int metricsPeerSeries) {

    static final String USAGE = """
            usage: java -jar tunnelmesh-node.jar --underlay IP --tunnel-address IP [OPTIONS]

            Runs one node of an IPIP tunnel mesh until SIGTERM or SIGINT, with the mesh published
            over JMX. Prints READY once the mesh is applied and every MBean is registered.

            """ + NodeOption.helpText() + """

            Exit status: 0 after a normal stop, 2 for bad options or peers or a missing
            capability (nothing changed), 1 for other failures.
            """;

    /** @throws StartupFailure with exit status 2, naming the bad option or value */
    static NodeOptions parse(String... args) {
        return parse(System.getenv(), args);
    }

    /** @param environment where {@code TUNNELMESH_PASSWORD} is looked up */
    static NodeOptions parse(Map<String, String> environment, String... args) {
        for (String arg : args) {
            if (NodeOption.isHelp(arg)) {
                return new NodeOptions(null, List.of(), null, 0, null, null, false, true, List.of(), null, -1);
            }
        }
        NodeOption.Given given = NodeOption.read(args);

        boolean purgeOnExit = given.has(PURGE_ON_EXIT);
        MeshConfig mesh;
        try {
            mesh = meshConfig(given).toBuilder()
                    .ipipFilter(!given.has(NO_IPIP_FILTER))
                    .extraUnderlayDevices(given.values(EXTRA_UNDERLAY_DEVICE))
                    .build();
        } catch (org.tunnelmesh.InvalidInputException e) {
            throw StartupFailure.badInput(e.getMessage());
        }
        List<Peer> peers = peers(mesh, given.values(PEER));
        InetSocketAddress jolokia = given.has(JOLOKIA) ? jolokiaAddress(given.value(JOLOKIA)) : null;
        if (given.has(METRICS) && jolokia == null) {
            throw StartupFailure.badInput(
                    "--metrics serves /metrics on the Jolokia HTTP server: give --jolokia [HOST:]PORT too");
        }
        if (given.has(METRICS_PEER_SERIES) && !given.has(METRICS)) {
            throw StartupFailure.badInput(METRICS_PEER_SERIES.flag + " is given without " + METRICS.flag);
        }
        int jmxPort = given.has(JMX_PORT) ? port(JMX_PORT.flag, given.value(JMX_PORT), 1) : 0;
        List<String> warnings = new ArrayList<>();
        String endpoint = jolokia != null ? JOLOKIA.flag : jmxPort != 0 ? JMX_PORT.flag : null;
        Credentials credentials = credentials(given, environment, endpoint, warnings);
        SSLContext tls = tls(given, endpoint);
        if (jolokia != null && tls == null && !jolokia.getAddress().isLoopbackAddress()) {
            warnings.add("--jolokia " + jolokia.getAddress().getHostAddress() + ":" + jolokia.getPort()
                    + " serves plain HTTP off loopback: the password crosses the network readable; add --tls-keystore");
        }
        MembershipConfig zookeeper = ZooKeeperOptions.membership(given, peers);
        return new NodeOptions(
                mesh,
                peers,
                jolokia,
                jmxPort,
                credentials,
                tls,
                purgeOnExit,
                false,
                List.copyOf(warnings),
                zookeeper,
                metricsPeerSeries(given));
    }

    /**
     * The login of the management endpoints: {@code --user} with {@code --password-file} or the
     * environment, or the older {@code --jolokia-user}/{@code --jolokia-password}. Required when
     * an endpoint is served, on loopback too: any local user can reach loopback.
     */
    private static Credentials credentials(
            NodeOption.Given given, Map<String, String> environment, String endpoint, List<String> warnings) {
        String user = given.value(USER);
        String olderUser = given.value(JOLOKIA_USER);
        String passwordFile = given.value(PASSWORD_FILE);
        String commandLinePassword = given.value(JOLOKIA_PASSWORD);
        if (user != null && olderUser != null) {
            throw StartupFailure.badInput("--user and --jolokia-user both given: use --user");
        }
        if (passwordFile != null && commandLinePassword != null) {
            throw StartupFailure.badInput("--password-file and --jolokia-password both given: use --password-file");
        }
        if (olderUser != null) {
            warnings.add("--jolokia-user is the older spelling of --user");
            user = olderUser;
        }
        if (endpoint == null) {
            for (NodeOption option : List.of(USER, JOLOKIA_USER, PASSWORD_FILE, JOLOKIA_PASSWORD)) {
                if (given.has(option)) {
                    throw StartupFailure.badInput(
                            option.flag + " is given but no management endpoint is served (--jolokia or --jmx-port)");
                }
            }
            return null;
        }
        String how = "give --user U and --password-file F (a file only its owner can read) or the environment variable "
                + Credentials.PASSWORD_ENVIRONMENT_VARIABLE;
        if (user == null) {
            throw StartupFailure.badInput(endpoint + " needs credentials, on loopback too: " + how);
        }
        try {
            if (passwordFile != null) {
                return Credentials.fromPasswordFile(user, Path.of(passwordFile));
            }
            if (commandLinePassword != null) {
                warnings.add(
                        "--jolokia-password puts the password on the command line, where every local user can read it"
                                + " (/proc/PID/cmdline): use --password-file F or the environment variable "
                                + Credentials.PASSWORD_ENVIRONMENT_VARIABLE);
                return Credentials.of(user, commandLinePassword.toCharArray());
            }
            String fromEnvironment = environment.get(Credentials.PASSWORD_ENVIRONMENT_VARIABLE);
            if (fromEnvironment == null) {
                throw StartupFailure.badInput("--user " + user + " has no password: " + how);
            }
            return Credentials.of(user, fromEnvironment.toCharArray());
        } catch (IllegalArgumentException e) {
            throw StartupFailure.badInput((passwordFile != null ? "--password-file: " : "--user: ") + e.getMessage());
        }
    }

    /** Whether {@code --metrics} was given. */
    boolean metrics() {
        return metricsPeerSeries >= 0;
    }

    /** {@code --metrics-peer-series N}, its default with {@code --metrics}, or -1 without. */
    private static int metricsPeerSeries(NodeOption.Given given) {
        if (!given.has(METRICS)) {
            return -1;
        }
        if (!given.has(METRICS_PEER_SERIES)) {
            return TunnelMeshMetrics.DEFAULT_PEER_SERIES_LIMIT;
        }
        int limit = number(METRICS_PEER_SERIES.flag, given.value(METRICS_PEER_SERIES));
        if (limit < 0) {
            throw StartupFailure.badInput(METRICS_PEER_SERIES.flag + " " + limit + " is negative: give 0 or more");
        }
        return limit;
    }

    private static SSLContext tls(NodeOption.Given given, String endpoint) {
        String keyStore = given.value(TLS_KEYSTORE);
        String passwordFile = given.value(TLS_KEYSTORE_PASSWORD_FILE);
        if (keyStore == null && passwordFile == null) {
            return null;
        }
        if (keyStore == null || passwordFile == null) {
            throw StartupFailure.badInput("--tls-keystore and --tls-keystore-password-file go together");
        }
        if (endpoint == null) {
            throw StartupFailure.badInput(
                    "--tls-keystore is given but no management endpoint is served (--jolokia or --jmx-port)");
        }
        try {
            // the key store's password file must be as private as the login's
            char[] password = Credentials.readPasswordFile(Path.of(passwordFile));
            return TlsKeyStore.serverContext(Path.of(keyStore), password);
        } catch (IllegalArgumentException e) {
            throw StartupFailure.badInput("--tls-keystore: " + e.getMessage());
        }
    }

    private static MeshConfig meshConfig(NodeOption.Given given) {
        MeshConfig.Builder builder = MeshConfig.builder().name(given.value(NAME, "mesh"));
        builder.allowWideSubnets(given.has(ALLOW_WIDE_SUBNETS));
        builder.mode(mode(given.value(MODE, "shared")));
        builder.underlay(address(UNDERLAY, given, "this node's underlay address"));
        builder.tunnelAddress(address(TUNNEL_ADDRESS, given, "the /32 address of the tunnel device"));
        if (given.has(MTU)) {
            builder.mtu(number(MTU.flag, given.value(MTU)));
        }
        if (given.has(STATE_FILE)) {
            builder.stateFile(stateFile(given.value(STATE_FILE)));
        }
        if (given.has(NodeOption.ENCAP)) {
            try {
                builder.encapsulation(Encapsulation.parse(given.value(NodeOption.ENCAP)));
            } catch (InvalidInputException e) {
                throw StartupFailure.badInput(NodeOption.ENCAP.flag + ": " + e.getMessage());
            }
        }
        if (given.has(NodeOption.ENCRYPTION_KEY_FILE)) {
            builder.encryptionKeyFile(encryptionKeyFile(given.value(NodeOption.ENCRYPTION_KEY_FILE)));
        }
        if (given.has(NodeOption.PROBE_INTERVAL)) {
            int millis = number(NodeOption.PROBE_INTERVAL.flag, given.value(NodeOption.PROBE_INTERVAL));
            if (millis != 0 && (millis < 10 || millis > 3_600_000)) {
                throw StartupFailure.badInput(
                        "--probe-interval " + millis + " must be 0 (no active probes) or 10..3600000 milliseconds");
            }
            builder.probeInterval(java.time.Duration.ofMillis(millis));
        }
        try {
            return builder.build();
        } catch (InvalidInputException e) {
            throw StartupFailure.badInput(e.getMessage());
        }
    }

    /** The key file, read and checked now: a bad one stops the node before anything changed (exit 2). */
    private static java.nio.file.Path encryptionKeyFile(String value) {
        try {
            java.nio.file.Path path = java.nio.file.Path.of(value);
            org.tunnelmesh.EncryptionKeys.fromFile(path);
            return path;
        } catch (java.nio.file.InvalidPathException e) {
            throw StartupFailure.badInput("--encryption-key-file '" + value + "': " + e.getReason());
        } catch (InvalidInputException e) {
            throw StartupFailure.badInput("--encryption-key-file: " + e.getMessage());
        }
    }

    private static java.nio.file.Path stateFile(String value) {
        try {
            java.nio.file.Path path = java.nio.file.Path.of(value);
            if (value.isBlank() || path.getFileName() == null || value.endsWith("/")) {
                throw StartupFailure.badInput("--state-file '" + value + "' must name a file");
            }
            return path;
        } catch (java.nio.file.InvalidPathException e) {
            throw StartupFailure.badInput("--state-file '" + value + "': " + e.getReason());
        }
    }

    private static MeshMode mode(String mode) {
        return switch (mode) {
            case "shared" -> MeshMode.SHARED;
            case "p2p" -> MeshMode.POINT_TO_POINT;
            default -> throw StartupFailure.badInput("--mode '" + mode + "' must be shared or p2p");
        };
    }

    private static Ipv4Address address(NodeOption option, NodeOption.Given given, String what) {
        String value = given.value(option);
        if (value == null) {
            throw StartupFailure.badInput(option.flag + " is required: " + what);
        }
        try {
            return Ipv4Address.parse(value);
        } catch (InvalidInputException e) {
            throw StartupFailure.badInput(option.flag + ": " + e.getMessage());
        }
    }

    private static List<Peer> peers(MeshConfig mesh, List<String> specs) {
        List<Peer> peers = new ArrayList<>();
        for (String spec : specs) {
            try {
                peers.add(PeerSpec.parse(spec));
            } catch (InvalidInputException e) {
                throw StartupFailure.badInput("--peer: " + e.getMessage());
            }
        }
        if (peers.isEmpty()) {
            return List.of();
        }
        try {
            // checked here, before any port or cluster; the mesh's open takes them as checked
            return PeerTable.checkBatch(mesh, peers);
        } catch (TunnelMeshException e) {
            throw StartupFailure.badInput("--peer: " + e.getMessage());
        }
    }

    /** {@code HOST:PORT} or just {@code PORT} (then 127.0.0.1); HOST is an IPv4 literal or localhost, never looked up. */
    private static InetSocketAddress jolokiaAddress(String value) {
        int colon = value.lastIndexOf(':');
        String host = colon < 0 ? "127.0.0.1" : value.substring(0, colon);
        int port = port(JOLOKIA.flag, colon < 0 ? value : value.substring(colon + 1), 0);
        Ipv4Address address;
        try {
            address = host.equals("localhost") ? Ipv4Address.parse("127.0.0.1") : Ipv4Address.parse(host);
        } catch (InvalidInputException e) {
            throw StartupFailure.badInput(
                    "--jolokia '" + value + "': host '" + host + "' must be an IPv4 address or localhost");
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(address.toBytes()), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 bytes are always an address", e);
        }
    }

    private static int port(String option, String value, int lowest) {
        int port = number(option, value);
        if (port < lowest || port > 65535) {
            throw StartupFailure.badInput(option + " port " + port + " is out of range " + lowest + "..65535");
        }
        return port;
    }

    private static int number(String option, String value) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw StartupFailure.badInput(option + " '" + value + "' is not a number");
        }
    }
}
