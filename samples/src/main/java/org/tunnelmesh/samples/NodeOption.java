package org.tunnelmesh.samples;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every option of the node, once: its spelling, its argument, whether it may repeat, the option it
 * needs, and its lines in {@code --help} (in this order). {@link NodeOptions} reads the command line
 * with {@link #read} and looks the values up by these constants; {@link #helpText} writes the option
 * part of its usage text.
 */
enum NodeOption {
    NAME("--name", "NAME", Kind.ONCE, "this node's mesh name, also the JMX name= (default: mesh)"),
    UNDERLAY("--underlay", "IP", Kind.ONCE, "this node's underlay address (outer source)"),
    TUNNEL_ADDRESS("--tunnel-address", "IP", Kind.ONCE, "the /32 address put on the tunnel device, e.g. 192.168.41.0"),
    MODE("--mode", "shared|p2p", Kind.ONCE, "shared: one tunl0 for all peers (default); p2p: one device per peer"),
    PEER("--peer", "NAME@UNDERLAY=CIDR[,CIDR...][,tunnel=IP]", Kind.REPEATED, """
            a peer; repeatable. tunnel=IP: the address its health probes go to
            (default: the first address of its first subnet)"""),
    MTU("--mtu", "N", Kind.ONCE, "tunnel MTU (default: underlay device MTU minus 20; 28 with fou, 32 with gue)"),
    JOLOKIA("--jolokia", "[HOST:]PORT", Kind.ONCE, """
            serve Jolokia over HTTP (HOST defaults to 127.0.0.1; PORT 0 picks one);
            bound at start, answering from just after READY"""),
    JMX_PORT("--jmx-port", "N", Kind.ONCE, "remote JMX (RMI) on 127.0.0.1:N"),
    USER("--user", "U", Kind.ONCE, "the user of every management endpoint (required with --jolokia or --jmx-port)"),
    PASSWORD_FILE("--password-file", "F", Kind.ONCE, """
            U's password: the first line of F, which only its owner may read
            (chmod 600); or the environment variable TUNNELMESH_PASSWORD"""),
    TLS_KEYSTORE("--tls-keystore", "F", Kind.ONCE, """
            serve Jolokia over HTTPS and JMX over TLS with the key in F (PKCS#12 or JKS;
            chmod 600)"""),
    TLS_KEYSTORE_PASSWORD_FILE(
            "--tls-keystore-password-file", "F", Kind.ONCE, "the key store's password: first line of F (chmod 600)"),
    JOLOKIA_USER("--jolokia-user", "U", Kind.ONCE, """
            older spelling of --user and a password; P is visible to every
            local user in /proc: use --password-file"""),
    /** Shown in {@code --help} with {@link #JOLOKIA_USER}. */
    JOLOKIA_PASSWORD("--jolokia-password", "P", Kind.ONCE, null),
    METRICS("--metrics", null, Kind.FLAG, JOLOKIA, """
            serve the Prometheus text format at /metrics on the --jolokia HTTP
            server, behind the same login"""),
    METRICS_PEER_SERIES("--metrics-peer-series", "N", Kind.ONCE, METRICS, """
            publish per-peer series while the mesh has at most N peers
            (default 5000; 0: never)"""),
    ALLOW_WIDE_SUBNETS(
            "--allow-wide-subnets",
            null,
            Kind.FLAG,
            "allow peer subnets shorter than /8, e.g. 0.0.0.0/0 via a gateway peer"),
    STATE_FILE("--state-file", "F", Kind.ONCE, """
            keep the desired peer set in F: saved before every change, restored at start
            (with --peer: the file's peers plus the --peer ones; a --peer replaces
            a saved peer of the same name). A damaged F is refused (exit 2), and so
            is one that another user could have written (see README, Security)"""),
    ZOOKEEPER("--zookeeper", "HOST:PORT[,HOST:PORT...]", Kind.ONCE, """
            take the peers from a ZooKeeper cluster: announce this node as a member,
            every other member becomes a peer (with --peer: those are kept apart)"""),
    CLUSTER("--cluster", "NAME", Kind.ONCE, ZOOKEEPER, "the cluster in ZooKeeper (default: default)"),
    SUBNETS(
            "--subnets",
            "CIDR[,CIDR...]",
            Kind.ONCE,
            ZOOKEEPER,
            "the overlay subnets this node serves, announced to the cluster"),
    ZOOKEEPER_AUTH_FILE("--zookeeper-auth-file", "F", Kind.ONCE, ZOOKEEPER, """
            ZooKeeper digest auth; F readable by its owner only. First line: this
            node's own USER:PASSWORD, the only identity that may write its member;
            second line: the cluster's USER:PASSWORD, shared by every node, which
            lists, creates and reads members. With one line, that identity is the
            whole cluster's (then any node can rewrite another's member)"""),
    PURGE_ON_EXIT(
            "--purge-on-exit", null, Kind.FLAG, "remove the mesh's kernel state when stopping (default: leave it)"),
    NO_IPIP_FILTER("--no-ipip-filter", null, Kind.FLAG, """
            do not install the IPIP source filter on the underlay device
            and tunl0 (it drops IPIP from non-peers and from other links,
            and counts each peer's traffic)"""),
    EXTRA_UNDERLAY_DEVICE("--extra-underlay-device", "DEV", Kind.REPEATED, """
            another uplink on which IPIP from peers may arrive (the IPIP filter
            lets peers in there too; elsewhere it drops IPIP); repeatable"""),
    ENCRYPTION_KEY_FILE("--encryption-key-file", "F", Kind.ONCE, """
            encrypt the tunnel packets between underlays (IPsec ESP, transport mode):
            one key per line, 64 hex digits each (openssl rand -hex 32); the first
            line encrypts, every line decrypts; F only its owner may read (chmod 600).
            SIGHUP (or the Mesh MBean's reloadEncryptionKeys()) re-reads it"""),
    PROBE_INTERVAL("--probe-interval", "MS", Kind.ONCE, """
            probe a peer silent this long through the tunnel (ICMP echo to its
            tunnel address; needs CAP_NET_RAW or net.ipv4.ping_group_range);
            unreachable after 3 missed intervals (default 1000; 0: no probes,
            passive liveness only)"""),
    ENCAP("--encap", "none|fou[:PORT]|gue[:PORT]", Kind.ONCE, """
            carry IPIP inside UDP (Linux FOU or GUE) for networks that drop IP
            protocol 4; every node of the mesh must use the same (default none,
            PORT 5555). shared mode then routes through the mesh's own ipip
            device tm0 instead of tunl0"""),
    /** Also {@code -h}; wins over every other argument, bad ones too. */
    HELP("--help", null, Kind.FLAG, "this text");

    enum Kind {
        /** Without a value; given twice, the same as once. */
        FLAG,
        /** With a value, at most once. */
        ONCE,
        /** With a value, as often as wanted. */
        REPEATED
    }

    /** Where the help text starts on its line. */
    private static final int HELP_COLUMN = 30;

    private static final Map<String, NodeOption> BY_FLAG = new HashMap<>();

    static {
        for (NodeOption option : values()) {
            BY_FLAG.put(option.flag, option);
        }
    }

    final String flag;
    private final String argument;
    private final Kind kind;
    /** The option without which this one is refused, or null. */
    final NodeOption needs;
    /** Null: shown with the option above it. */
    private final String help;

    NodeOption(String flag, String argument, Kind kind, String help) {
        this(flag, argument, kind, null, help);
    }

    NodeOption(String flag, String argument, Kind kind, NodeOption needs, String help) {
        this.flag = flag;
        this.argument = argument;
        this.kind = kind;
        this.needs = needs;
        this.help = help;
    }

    static boolean isHelp(String arg) {
        return arg.equals(HELP.flag) || arg.equals("-h");
    }

    /**
     * Reads {@code --option VALUE}, {@code --option=VALUE} and flags; a value never starts with
     * {@code --}.
     *
     * @throws StartupFailure naming an unknown option, a missing value or an option given twice
     */
    static Given read(String... args) {
        Given given = new Given();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            NodeOption flag = BY_FLAG.get(arg);
            if (flag != null && flag.kind == Kind.FLAG) {
                given.values.computeIfAbsent(flag, f -> List.of());
                continue;
            }
            int equals = arg.indexOf('=');
            String name = arg.startsWith("--") && equals > 0 ? arg.substring(0, equals) : arg;
            NodeOption option = BY_FLAG.get(name);
            if (option == null || option.kind == Kind.FLAG) {
                throw StartupFailure.badInput(
                        arg.startsWith("-")
                                ? "unknown option '" + arg + "' (see --help)"
                                : "unexpected argument '" + arg + "' (see --help)");
            }
            String value;
            if (equals > 0 && arg.startsWith("--")) {
                value = arg.substring(equals + 1);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                throw StartupFailure.badInput("option " + name + " needs a value (see --help)");
            }
            if (option.kind == Kind.ONCE && given.has(option)) {
                throw StartupFailure.badInput("option " + name + " is given twice");
            }
            given.values.computeIfAbsent(option, o -> new ArrayList<>()).add(value);
        }
        return given;
    }

    /** The options' part of the usage text: each option's synopsis, its help from column 30. */
    static String helpText() {
        StringBuilder text = new StringBuilder();
        NodeOption[] options = values();
        for (int i = 0; i < options.length; i++) {
            NodeOption shown = options[i];
            StringBuilder synopsis = new StringBuilder(shown.synopsis());
            while (i + 1 < options.length && options[i + 1].help == null) {
                synopsis.append(' ').append(options[++i].synopsis());
            }
            text.append("  ").append(synopsis);
            if (2 + synopsis.length() < HELP_COLUMN) {
                text.append(" ".repeat(HELP_COLUMN - 2 - synopsis.length()));
            } else {
                text.append('\n').append(" ".repeat(HELP_COLUMN));
            }
            text.append(String.join(
                            "\n" + " ".repeat(HELP_COLUMN), shown.help.lines().toList()))
                    .append('\n');
        }
        return text.toString();
    }

    private String synopsis() {
        return argument == null ? flag : flag + " " + argument;
    }

    /** The options of one command line, by option. */
    static final class Given {
        private final Map<NodeOption, List<String>> values = new EnumMap<>(NodeOption.class);

        private Given() {}

        boolean has(NodeOption option) {
            return values.containsKey(option);
        }

        /** The value of an option given once, or null. */
        String value(NodeOption option) {
            List<String> given = values.get(option);
            return given == null || given.isEmpty() ? null : given.get(0);
        }

        String value(NodeOption option, String otherwise) {
            String value = value(option);
            return value == null ? otherwise : value;
        }

        /** Every value of a repeatable option, in order. */
        List<String> values(NodeOption option) {
            return List.copyOf(values.getOrDefault(option, List.of()));
        }
    }
}
