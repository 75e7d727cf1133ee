package org.tunnelmesh.samples;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.PeerTable;
import org.tunnelmesh.TunnelMeshException;
import org.tunnelmesh.jmx.PeerSpec;

/**
 * The node's command line, checked as far as it can be without the kernel: every option, every
 * peer, and the peers against each other and against this node (with the mesh's own
 * {@link PeerTable} rules), so a typo never reaches the kernel.
 *
 * @param jolokia    where to serve Jolokia, or null for not at all
 * @param jmxPort    the loopback RMI port for remote JMX, or 0 for none
 */
record NodeOptions(MeshConfig mesh, List<Peer> peers, InetSocketAddress jolokia, String jolokiaUser,
                   String jolokiaPassword, int jmxPort, boolean purgeOnExit, boolean help) {

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
              --jolokia [HOST:]PORT       serve Jolokia over HTTP (HOST defaults to 127.0.0.1; PORT 0 picks one)
              --jolokia-user U --jolokia-password P
                                          HTTP basic auth for Jolokia; required when HOST is not loopback
              --jmx-port N                remote JMX (RMI) on 127.0.0.1:N
              --purge-on-exit             remove the mesh's kernel state when stopping (default: leave it)
              --no-ipip-filter            do not install the IPIP source filter on the underlay device
                                          (it drops IPIP from non-peers and counts each peer's traffic)
              --help                      this text

            Exit status: 0 after a normal stop, 2 for bad options or peers (nothing changed),
            1 for other failures.
            """;

    private static final Set<String> TAKES_VALUE = Set.of("--name", "--underlay", "--tunnel-address", "--mode", "--peer",
            "--mtu", "--jolokia", "--jolokia-user", "--jolokia-password", "--jmx-port");

    /** @throws StartupFailure with exit status 2, naming the bad option or value */
    static NodeOptions parse(String... args) {
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                return new NodeOptions(null, List.of(), null, null, null, 0, false, true);
            }
        }
        Map<String, String> values = new HashMap<>();
        List<String> peerSpecs = new ArrayList<>();
        boolean purgeOnExit = false;
        boolean ipipFilter = true;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--purge-on-exit")) {
                purgeOnExit = true;
                continue;
            }
            if (arg.equals("--no-ipip-filter")) {
                ipipFilter = false;
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
            } else if (values.put(option, value) != null) {
                throw StartupFailure.badInput("option " + option + " is given twice");
            }
        }

        MeshConfig mesh = meshConfig(values).toBuilder().ipipFilter(ipipFilter).build();
        List<Peer> peers = peers(mesh, peerSpecs);
        InetSocketAddress jolokia = values.containsKey("--jolokia") ? jolokiaAddress(values.get("--jolokia")) : null;
        String user = values.get("--jolokia-user");
        String password = values.get("--jolokia-password");
        checkJolokiaAuth(jolokia, user, password);
        int jmxPort = values.containsKey("--jmx-port") ? port("--jmx-port", values.get("--jmx-port"), 1) : 0;
        return new NodeOptions(mesh, peers, jolokia, user, password, jmxPort, purgeOnExit, false);
    }

    private static MeshConfig meshConfig(Map<String, String> values) {
        MeshConfig.Builder builder = MeshConfig.builder().name(values.getOrDefault("--name", "mesh"));
        builder.mode(mode(values.getOrDefault("--mode", "shared")));
        builder.underlay(address("--underlay", values.get("--underlay"), "this node's underlay address"));
        builder.tunnelAddress(address("--tunnel-address", values.get("--tunnel-address"), "the /32 address of the tunnel device"));
        if (values.containsKey("--mtu")) {
            builder.mtu(number("--mtu", values.get("--mtu")));
        }
        try {
            return builder.build();
        } catch (InvalidInputException e) {
            throw StartupFailure.badInput(e.getMessage());
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

    private static void checkJolokiaAuth(InetSocketAddress jolokia, String user, String password) {
        if (jolokia == null && (user != null || password != null)) {
            throw StartupFailure.badInput((user != null ? "--jolokia-user" : "--jolokia-password") + " is given without --jolokia");
        }
        if (user != null && password == null) {
            throw StartupFailure.badInput("--jolokia-user needs --jolokia-password");
        }
        if (password != null && user == null) {
            throw StartupFailure.badInput("--jolokia-password needs --jolokia-user");
        }
        if (jolokia != null && user == null && !jolokia.getAddress().isLoopbackAddress()) {
            throw StartupFailure.badInput("--jolokia " + jolokia.getAddress().getHostAddress() + ":" + jolokia.getPort()
                    + " is not a loopback address: serving it needs --jolokia-user and --jolokia-password");
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
