package org.tunnelmesh.samples;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;
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
 */
record NodeOptions(MeshConfig mesh, List<Peer> peers, InetSocketAddress jolokia, int jmxPort, Credentials credentials,
                   SSLContext tls, boolean purgeOnExit, boolean help, List<String> warnings, MembershipConfig zookeeper) {

    static final String USAGE = """
            usage: java -jar tunnelmesh-node.jar --underlay IP --tunnel-address IP [OPTIONS]

            Runs one node of an IPIP tunnel mesh until SIGTERM or SIGINT, with the mesh published
            over JMX. Prints READY once the mesh is applied and every MBean is registered.

              --name NAME                 this node's mesh name, also the JMX name= (default: mesh)
              --underlay IP               this node's underlay address (outer source)
              --tunnel-address IP         the /32 address put on the tunnel device, e.g. 192.168.41.0
              --mode shared|p2p           shared: one tunl0 for all peers (default); p2p: one device per peer
              --peer NAME@UNDERLAY=CIDR[,CIDR...]
                                          a peer; repeatable
              --mtu N                     tunnel MTU (default: underlay device MTU minus 20)
              --jolokia [HOST:]PORT       serve Jolokia over HTTP (HOST defaults to 127.0.0.1; PORT 0 picks one);
                                          bound at start, answering from just after READY
              --jmx-port N                remote JMX (RMI) on 127.0.0.1:N
              --user U                    the user of every management endpoint (required with --jolokia or --jmx-port)
              --password-file F           U's password: the first line of F, which only its owner may read
                                          (chmod 600); or the environment variable TUNNELMESH_PASSWORD
              --tls-keystore F            serve Jolokia over HTTPS and JMX over TLS with the key in F (PKCS#12 or JKS;
                                          chmod 600)
              --tls-keystore-password-file F
                                          the key store's password: first line of F (chmod 600)
              --jolokia-user U --jolokia-password P
                                          older spelling of --user and a password; P is visible to every
                                          local user in /proc: use --password-file
              --allow-wide-subnets        allow peer subnets shorter than /8, e.g. 0.0.0.0/0 via a gateway peer
              --state-file F              keep the desired peer set in F: saved before every change, restored at start
                                          (with --peer: the file's peers plus the --peer ones; a --peer replaces
                                          a saved peer of the same name). A damaged F is refused (exit 2), and so
                                          is one that another user could have written (see README, Security)
              --zookeeper HOST:PORT[,HOST:PORT...]
                                          take the peers from a ZooKeeper cluster: announce this node as a member,
                                          every other member becomes a peer (with --peer: those are kept apart)
              --cluster NAME              the cluster in ZooKeeper (default: default)
              --subnets CIDR[,CIDR...]    the overlay subnets this node serves, announced to the cluster
              --zookeeper-auth-file F     ZooKeeper digest auth; F readable by its owner only. First line: this
                                          node's own USER:PASSWORD, the only identity that may write its member;
                                          second line: the cluster's USER:PASSWORD, shared by every node, which
                                          lists, creates and reads members. With one line, that identity is the
                                          whole cluster's (then any node can rewrite another's member)
              --purge-on-exit             remove the mesh's kernel state when stopping (default: leave it)
              --no-ipip-filter            do not install the IPIP source filter on the underlay device
                                          and tunl0 (it drops IPIP from non-peers and from other links,
                                          and counts each peer's traffic)
              --extra-underlay-device DEV another uplink on which IPIP from peers may arrive (the IPIP filter
                                          lets peers in there too; elsewhere it drops IPIP); repeatable
              --help                      this text

            Exit status: 0 after a normal stop, 2 for bad options or peers (nothing changed),
            1 for other failures.
            """;

    /** Options without a value. */
    private static final Set<String> FLAGS = Set.of("--purge-on-exit", "--allow-wide-subnets", "--no-ipip-filter");

    private static final Set<String> TAKES_VALUE = Set.of("--name", "--underlay", "--tunnel-address", "--mode", "--peer",
            "--mtu", "--jolokia", "--jmx-port", "--user", "--password-file", "--tls-keystore", "--tls-keystore-password-file",
            "--jolokia-user", "--jolokia-password", "--state-file", "--zookeeper", "--cluster", "--subnets", "--zookeeper-auth-file",
            "--extra-underlay-device");

    /** @throws StartupFailure with exit status 2, naming the bad option or value */
    static NodeOptions parse(String... args) {
        return parse(System.getenv(), args);
    }

    /** @param environment where {@code TUNNELMESH_PASSWORD} is looked up */
    static NodeOptions parse(Map<String, String> environment, String... args) {
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                return new NodeOptions(null, List.of(), null, 0, null, null, false, true, List.of(), null);
            }
        }
        Map<String, String> values = new HashMap<>();
        List<String> peerSpecs = new ArrayList<>();
        List<String> extraUnderlayDevices = new ArrayList<>();
        Set<String> flags = new java.util.HashSet<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (FLAGS.contains(arg)) {
                flags.add(arg);
                continue;
            }
            int equals = arg.indexOf('=');
            String option = arg.startsWith("--") && equals > 0 ? arg.substring(0, equals) : arg;
            if (!TAKES_VALUE.contains(option)) {
                throw StartupFailure.badInput(arg.startsWith("-")
                        ? "unknown option '" + arg + "' (see --help)"
                        : "unexpected argument '" + arg + "' (see --help)");
            }
            String value;
            if (equals > 0 && arg.startsWith("--")) {
                value = arg.substring(equals + 1);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                throw StartupFailure.badInput("option " + option + " needs a value (see --help)");
            }
            if (option.equals("--peer")) {
                peerSpecs.add(value);
            } else if (option.equals("--extra-underlay-device")) {
                extraUnderlayDevices.add(value);
            } else if (values.put(option, value) != null) {
                throw StartupFailure.badInput("option " + option + " is given twice");
            }
        }

        boolean purgeOnExit = flags.contains("--purge-on-exit");
        MeshConfig mesh;
        try {
            mesh = meshConfig(values, flags).toBuilder().ipipFilter(!flags.contains("--no-ipip-filter"))
                    .extraUnderlayDevices(extraUnderlayDevices).build();
        } catch (org.tunnelmesh.InvalidInputException e) {
            throw StartupFailure.badInput(e.getMessage());
        }
        List<Peer> peers = peers(mesh, peerSpecs);
        InetSocketAddress jolokia = values.containsKey("--jolokia") ? jolokiaAddress(values.get("--jolokia")) : null;
        int jmxPort = values.containsKey("--jmx-port") ? port("--jmx-port", values.get("--jmx-port"), 1) : 0;
        List<String> warnings = new ArrayList<>();
        String endpoint = jolokia != null ? "--jolokia" : jmxPort != 0 ? "--jmx-port" : null;
        Credentials credentials = credentials(values, environment, endpoint, warnings);
        SSLContext tls = tls(values, endpoint);
        if (jolokia != null && tls == null && !jolokia.getAddress().isLoopbackAddress()) {
            warnings.add("--jolokia " + jolokia.getAddress().getHostAddress() + ":" + jolokia.getPort()
                    + " serves plain HTTP off loopback: the password crosses the network readable; add --tls-keystore");
        }
        MembershipConfig zookeeper = ZooKeeperOptions.membership(values, peers);
        return new NodeOptions(mesh, peers, jolokia, jmxPort, credentials, tls, purgeOnExit, false, List.copyOf(warnings),
                zookeeper);
    }

    /**
     * The login of the management endpoints: {@code --user} with {@code --password-file} or the
     * environment, or the older {@code --jolokia-user}/{@code --jolokia-password}. Required when
     * an endpoint is served, on loopback too: any local user can reach loopback.
     */
    private static Credentials credentials(Map<String, String> values, Map<String, String> environment, String endpoint,
                                           List<String> warnings) {
        String user = values.get("--user");
        String olderUser = values.get("--jolokia-user");
        String passwordFile = values.get("--password-file");
        String commandLinePassword = values.get("--jolokia-password");
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
            for (String option : List.of("--user", "--jolokia-user", "--password-file", "--jolokia-password")) {
                if (values.containsKey(option)) {
                    throw StartupFailure.badInput(option + " is given but no management endpoint is served (--jolokia or --jmx-port)");
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
                warnings.add("--jolokia-password puts the password on the command line, where every local user can read it"
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

    private static SSLContext tls(Map<String, String> values, String endpoint) {
        String keyStore = values.get("--tls-keystore");
        String passwordFile = values.get("--tls-keystore-password-file");
        if (keyStore == null && passwordFile == null) {
            return null;
        }
        if (keyStore == null || passwordFile == null) {
            throw StartupFailure.badInput("--tls-keystore and --tls-keystore-password-file go together");
        }
        if (endpoint == null) {
            throw StartupFailure.badInput("--tls-keystore is given but no management endpoint is served (--jolokia or --jmx-port)");
        }
        try {
            // the key store's password file must be as private as the login's
            char[] password = Credentials.readPasswordFile(Path.of(passwordFile));
            return TlsKeyStore.serverContext(Path.of(keyStore), password);
        } catch (IllegalArgumentException e) {
            throw StartupFailure.badInput("--tls-keystore: " + e.getMessage());
        }
    }

    private static MeshConfig meshConfig(Map<String, String> values, Set<String> flags) {
        MeshConfig.Builder builder = MeshConfig.builder().name(values.getOrDefault("--name", "mesh"));
        builder.allowWideSubnets(flags.contains("--allow-wide-subnets"));
        builder.mode(mode(values.getOrDefault("--mode", "shared")));
        builder.underlay(address("--underlay", values.get("--underlay"), "this node's underlay address"));
        builder.tunnelAddress(address("--tunnel-address", values.get("--tunnel-address"), "the /32 address of the tunnel device"));
        if (values.containsKey("--mtu")) {
            builder.mtu(number("--mtu", values.get("--mtu")));
        }
        if (values.containsKey("--state-file")) {
            builder.stateFile(stateFile(values.get("--state-file")));
        }
        try {
            return builder.build();
        } catch (InvalidInputException e) {
            throw StartupFailure.badInput(e.getMessage());
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

    private static Ipv4Address address(String option, String value, String what) {
        if (value == null) {
            throw StartupFailure.badInput(option + " is required: " + what);
        }
        try {
            return Ipv4Address.parse(value);
        } catch (InvalidInputException e) {
            throw StartupFailure.badInput(option + ": " + e.getMessage());
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
        if (!peers.isEmpty()) {
            try {
                new PeerTable(mesh).checkAdd(peers);
            } catch (TunnelMeshException e) {
                throw StartupFailure.badInput("--peer: " + e.getMessage());
            }
        }
        return List.copyOf(peers);
    }

    /** {@code HOST:PORT} or just {@code PORT} (then 127.0.0.1); HOST is an IPv4 literal or localhost, never looked up. */
    private static InetSocketAddress jolokiaAddress(String value) {
        int colon = value.lastIndexOf(':');
        String host = colon < 0 ? "127.0.0.1" : value.substring(0, colon);
        int port = port("--jolokia", colon < 0 ? value : value.substring(colon + 1), 0);
        Ipv4Address address;
        try {
            address = host.equals("localhost") ? Ipv4Address.parse("127.0.0.1") : Ipv4Address.parse(host);
        } catch (InvalidInputException e) {
            throw StartupFailure.badInput("--jolokia '" + value + "': host '" + host + "' must be an IPv4 address or localhost");
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
