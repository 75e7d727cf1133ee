package org.tunnelmesh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How one node's side of the mesh is set up. Build with {@link #builder()}; validation happens in
 * {@link Builder#build()}, before anything touches the kernel.
 */
public final class MeshConfig {

    /** Default route protocol id marking the routes and nexthops this library owns (free in /etc/iproute2/rt_protos). */
    public static final int DEFAULT_ROUTE_PROTOCOL = 87;

    /** The outer TTL unless {@link Builder#ttl} says otherwise: 64, as the kernel's default for IPv4. */
    public static final int DEFAULT_TTL = 64;
    /** Smallest MTU IPv4 allows (RFC 791). */
    public static final int MIN_MTU = 68;
    /** The IPv4 header an IPIP packet adds in front of the inner one. */
    public static final int IPIP_OVERHEAD = 20;
    /** How often the mesh compares the whole kernel state with its own, besides reacting to events. */
    public static final Duration DEFAULT_RESYNC_INTERVAL = Duration.ofSeconds(30);
    /** How long a peer may be silent before it is probed, and how long a probe waits for its answer. */
    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(1);
    /** Missed intervals after which a peer reads unreachable (BFD's detect multiplier). */
    public static final int DEFAULT_PROBE_MISSES = 3;
    /** Probe packets per second the whole mesh may send, however many peers it has. */
    public static final int DEFAULT_PROBE_RATE = 100;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    /** A name the kernel takes for a device (dev_valid_name): up to IFNAMSIZ - 1 characters, not "." or "..". */
    private static final Pattern DEVICE_NAME = Pattern.compile("(?!\\.{1,2}$)[^/:\\s]{1,15}");

    /**
     * Prefixes shorter than this are refused unless {@link Builder#allowWideSubnets} is set: a /1
     * is almost always a typo, and it would pull half the Internet into the tunnel.
     */
    public static final int NARROWEST_WIDE_PREFIX = 8;

    /**
     * Route protocol ids of other route owners (the kernel's uapi rtnetlink.h and iproute2's
     * rt_protos): a mesh with one of these would take their routes for its own and delete them.
     */
    private static final String[] PROTOCOL_OWNERS = new String[256];

    static {
        String[] kernel = {"unspec", "redirect", "kernel", "boot", "static"};
        System.arraycopy(kernel, 0, PROTOCOL_OWNERS, 0, kernel.length);
        String[] daemons = {
            "gated", "ra", "mrt", "zebra", "bird", "dnrouted", "xorp", "ntk", "dhcp", "mrouted", "keepalived"
        };
        System.arraycopy(daemons, 0, PROTOCOL_OWNERS, 8, daemons.length);
        PROTOCOL_OWNERS[42] = "babel";
        PROTOCOL_OWNERS[99] = "openr";
        String[] routing = {
            "bgp", "isis", "ospf", "rip", "routing daemons (186-192)", "routing daemons (186-192)", "eigrp"
        };
        System.arraycopy(routing, 0, PROTOCOL_OWNERS, 186, routing.length);
    }

    /**
     * Who owns a route protocol id, by the kernel's uapi and iproute2's {@code rt_protos}.
     *
     * @param protocol a route protocol id, 0..255 (any other value has no owner)
     * @return the owner's name, e.g. {@code "bird"} for 12 or {@code "kernel"} for 2; null when no known daemon uses it
     */
    public static String protocolOwner(int protocol) {
        return protocol >= 0 && protocol < PROTOCOL_OWNERS.length ? PROTOCOL_OWNERS[protocol] : null;
    }

    private final String name;
    private final MeshMode mode;
    private final Ipv4Address underlay;
    private final Ipv4Address tunnelAddress;
    private final int mtu;
    private final int ttl;
    private final int routeProtocol;
    private final boolean pmtuDiscovery;
    private final String netns;
    private final boolean watchKernel;
    private final Duration resyncInterval;
    private final boolean ipipFilter;
    private final List<String> extraUnderlayDevices;
    private final boolean allowWideSubnets;
    private final Path stateFile;
    private final Duration probeInterval;
    private final int probeMisses;
    private final int probeRate;
    private final Encapsulation encapsulation;
    private final Path encryptionKeyFile;

    private MeshConfig(Builder b) {
        this.name = b.name;
        this.mode = b.mode;
        this.underlay = b.underlay;
        this.tunnelAddress = b.tunnelAddress;
        this.mtu = b.mtu;
        this.ttl = b.ttl;
        this.routeProtocol = b.routeProtocol;
        this.pmtuDiscovery = b.pmtuDiscovery;
        this.netns = b.netns;
        this.watchKernel = b.watchKernel;
        this.resyncInterval = b.resyncInterval;
        this.ipipFilter = b.ipipFilter;
        this.extraUnderlayDevices = List.copyOf(b.extraUnderlayDevices);
        this.allowWideSubnets = b.allowWideSubnets;
        this.stateFile = b.stateFile;
        this.probeInterval = b.probeInterval;
        this.probeMisses = b.probeMisses;
        this.probeRate = b.probeRate;
        this.encapsulation = b.encapsulation;
        this.encryptionKeyFile = b.encryptionKeyFile;
    }

    /**
     * A builder with every default: name {@code mesh}, {@link MeshMode#SHARED}, MTU from the underlay device, TTL
     * {@value #DEFAULT_TTL}, route protocol {@value #DEFAULT_ROUTE_PROTOCOL}, path MTU discovery on, the caller's network
     * namespace, kernel watching on with a full resync every 30 s, the IPIP filter on, no state file. The underlay and
     * tunnel addresses have no default.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The mesh's name: JMX {@code name=} and part of the ownership marks in the kernel.
     *
     * @return 1-64 letters, digits, '_', '.' or '-'
     */
    public String name() {
        return name;
    }

    /**
     * How peers are reached: {@link MeshMode#SHARED} (one device, {@code tunl0}) or
     * {@link MeshMode#POINT_TO_POINT} (a device per peer).
     *
     * @return the mode, never null
     */
    public MeshMode mode() {
        return mode;
    }

    /**
     * This node's underlay address: the outer source of what it sends.
     *
     * @return a unicast address that a device in the mesh's namespace holds when the mesh opens
     */
    public Ipv4Address underlay() {
        return underlay;
    }

    /**
     * The /32 overlay address put on the tunnel device(s).
     *
     * @return a unicast address, not the underlay's
     */
    public Ipv4Address tunnelAddress() {
        return tunnelAddress;
    }

    /**
     * The tunnel MTU asked for; {@link TunnelMesh#mtu()} is the one in effect.
     *
     * @return bytes, {@value #MIN_MTU}..65515 (less with encapsulation); or 0 for "underlay device MTU minus
     *     {@link Encapsulation#overhead()}" (20 bytes for plain IPIP)
     */
    public int mtu() {
        return mtu;
    }

    /**
     * The TTL of the outer header.
     *
     * @return 1..255, or 0 to inherit the inner packet's
     */
    public int ttl() {
        return ttl;
    }

    /**
     * The route protocol id that marks the routes and nexthops this mesh owns: it adopts, repairs and removes those, and
     * never touches a route with another id.
     *
     * @return 5..255, not an id a known daemon uses ({@link #protocolOwner})
     */
    public int routeProtocol() {
        return routeProtocol;
    }

    /**
     * Whether outer packets carry DF (IFLA_IPTUN_PMTUDISC, iproute2's default).
     *
     * @return true to set DF and learn the path MTU; false lets routers fragment (then the TTL must be 0)
     */
    public boolean pmtuDiscovery() {
        return pmtuDiscovery;
    }

    /**
     * The network namespace the mesh works in.
     *
     * @return a name under /run/netns (as {@code ip netns} makes them) or an absolute path such as
     *     {@code /proc/PID/ns/net}; null for the namespace of the thread that opens the mesh
     */
    public String netns() {
        return netns;
    }

    /**
     * Whether the mesh repairs drift as soon as the kernel reports it (rtnetlink events), plus a periodic full resync.
     *
     * @return true (the default) to watch; false repairs only on {@link TunnelMesh#reconcile()}
     */
    public boolean watchKernel() {
        return watchKernel;
    }

    /**
     * The period of the full resync while watching.
     *
     * @return positive, or {@link Duration#ZERO} for events only; default {@link #DEFAULT_RESYNC_INTERVAL} (30 s)
     */
    public Duration resyncInterval() {
        return resyncInterval;
    }

    /**
     * Keep the IPIP source filter on the underlay device (default): IPIP from anyone but a peer is
     * dropped and counted, and every peer's traffic is counted; IPIP that arrives on any other link
     * is dropped and counted at tunl0 (peers are reached through the underlay device only). Needs BPF
     * and the clsact qdisc in the kernel and CAP_BPF (or CAP_SYS_ADMIN) besides CAP_NET_ADMIN; off,
     * SHARED mode's tunl0 accepts IPIP from any source on any link and there are no per-peer counters.
     *
     * @return true (the default) when the mesh keeps the filter
     */
    public boolean ipipFilter() {
        return ipipFilter;
    }

    /**
     * Devices besides the underlay address's on which IPIP from peers may arrive (a node with two
     * uplinks); empty by default. The IPIP filter puts its underlay programs on each, so peers pass
     * and are counted there as on the underlay device, and IPIP arriving on any device not listed is
     * dropped at tunl0. What this node sends still leaves as its routes decide, from the underlay
     * address. Each must exist when the mesh opens.
     *
     * @return device names, unmodifiable; empty by default
     */
    public List<String> extraUnderlayDevices() {
        return extraUnderlayDevices;
    }

    /**
     * Peers may have subnets shorter than /{@value #NARROWEST_WIDE_PREFIX}, down to a default
     * route 0.0.0.0/0 through a gateway peer. Such a subnet loses to every more specific route
     * (longest prefix wins): other peers' subnets, the underlay's own connected route, local
     * addresses. Off by default.
     *
     * @return true when peers may have subnets shorter than /{@value #NARROWEST_WIDE_PREFIX}
     */
    public boolean allowWideSubnets() {
        return allowWideSubnets;
    }

    /**
     * Where the desired peer set is kept across restarts (versioned JSON, written atomically), or null for memory
     * only: then peers added or removed at runtime are lost when the process ends.
     *
     * @return the file, or null (the default)
     */
    public Path stateFile() {
        return stateFile;
    }

    /**
     * Peer health: a peer silent for this long (nothing counted from it through the mesh) is probed with an ICMP echo
     * to its tunnel address ({@link Peer#probeAddress()}), routed through the tunnel like data, and the probe waits this
     * long for its answer. {@link Duration#ZERO}: no active probes, passive liveness only (a peer is then reachable while
     * it sends, and a silent one reads unreachable after {@link #probeMisses()} x {@link #DEFAULT_PROBE_INTERVAL}).
     * Default {@link #DEFAULT_PROBE_INTERVAL}; at least 10 ms when not zero.
     *
     * @return the probe interval
     */
    public Duration probeInterval() {
        return probeInterval;
    }

    /**
     * A peer reads unreachable after this many missed intervals (default {@value #DEFAULT_PROBE_MISSES}): the first
     * interval of silence, then each probe unanswered within an interval. One answer or any traffic makes it reachable
     * again. 1..100.
     *
     * @return the missed intervals before a peer reads unreachable
     */
    public int probeMisses() {
        return probeMisses;
    }

    /**
     * The most probe packets per second the mesh sends (default {@value #DEFAULT_PROBE_RATE}), however many peers are
     * silent: probes of silent peers that are not known to be down go first; when they need more than this, each is
     * probed less often and counted as missed only for probes actually sent, so a small budget slows detection but
     * never marks a peer down. 1..100,000.
     *
     * @return the probe budget, packets per second
     */
    public int probeRate() {
        return probeRate;
    }

    /**
     * How IPIP crosses the underlay: plain (IP protocol 4, the default) or inside UDP to a port (FOU or GUE, for
     * networks that drop protocol 4; needs a kernel with CONFIG_NET_FOU_IP_TUNNELS). Every node of the mesh must use the
     * same. With FOU or GUE the mesh also owns the kernel's {@code fou} receive port, and a SHARED mesh routes through
     * its own one-to-many ipip device {@value TunnelDevice#ENCAPSULATED_SHARED_NAME} instead of {@code tunl0} (the
     * kernel refuses encapsulation on the fallback device). The default tunnel MTU is the underlay's minus
     * {@link Encapsulation#overhead()}.
     *
     * @return the encapsulation; {@link Encapsulation#NONE} by default
     */
    public Encapsulation encapsulation() {
        return encapsulation;
    }

    /**
     * Encryption: the key file whose keys protect the tunnel packets between this node and every peer (IPsec ESP in
     * transport mode, {@code rfc4106(gcm(aes))}), or null for none. One key per line, 64 hex digits; the first line
     * encrypts, every line decrypts ({@link EncryptionKeys}). The mesh reads it at open and again on
     * {@link TunnelMesh#reloadEncryptionKeys()}.
     *
     * @return the key file, or null (the default)
     */
    public Path encryptionKeyFile() {
        return encryptionKeyFile;
    }

    /**
     * A builder holding this configuration, to change a few values of it.
     *
     * @return a new builder with every value of this configuration
     */
    public Builder toBuilder() {
        return new Builder()
                .name(name)
                .mode(mode)
                .underlay(underlay)
                .tunnelAddress(tunnelAddress)
                .mtu(mtu)
                .ttl(ttl)
                .routeProtocol(routeProtocol)
                .pmtuDiscovery(pmtuDiscovery)
                .netns(netns)
                .watchKernel(watchKernel)
                .resyncInterval(resyncInterval)
                .ipipFilter(ipipFilter)
                .extraUnderlayDevices(extraUnderlayDevices)
                .allowWideSubnets(allowWideSubnets)
                .stateFile(stateFile)
                .probeInterval(probeInterval)
                .probeMisses(probeMisses)
                .probeRate(probeRate)
                .encapsulation(encapsulation)
                .encryptionKeyFile(encryptionKeyFile);
    }

    @Override
    public String toString() {
        return "MeshConfig[name=" + name + ", mode=" + mode + ", underlay=" + underlay + ", tunnelAddress="
                + tunnelAddress + ", mtu=" + (mtu == 0 ? "auto" : mtu) + ", ttl=" + ttl + ", routeProtocol="
                + routeProtocol + ", pmtuDiscovery=" + pmtuDiscovery + (netns == null ? "" : ", netns=" + netns)
                + ", watchKernel=" + watchKernel + ", resyncInterval=" + resyncInterval + ", ipipFilter=" + ipipFilter
                + (extraUnderlayDevices.isEmpty() ? "" : ", extraUnderlayDevices=" + extraUnderlayDevices)
                + (allowWideSubnets ? ", allowWideSubnets=true" : "")
                + (stateFile == null ? "" : ", stateFile=" + stateFile) + ", probeInterval=" + probeInterval
                + ", probeMisses=" + probeMisses + ", probeRate=" + probeRate
                + (encapsulation.encapsulates() ? ", encapsulation=" + encapsulation : "")
                + (encryptionKeyFile == null ? "" : ", encryptionKeyFile=" + encryptionKeyFile) + "]";
    }

    /**
     * Collects the values of a {@link MeshConfig}. The setters only store what they are given; {@link #build()} checks
     * everything, so a bad value fails there with a message that names it. Not thread-safe.
     */
    public static final class Builder {
        private String name = "mesh";
        private MeshMode mode = MeshMode.SHARED;
        private Ipv4Address underlay;
        private Ipv4Address tunnelAddress;
        private int mtu;
        private int ttl = DEFAULT_TTL;
        private int routeProtocol = DEFAULT_ROUTE_PROTOCOL;
        private boolean pmtuDiscovery = true;
        private String netns;
        private boolean watchKernel = true;
        private Duration resyncInterval = DEFAULT_RESYNC_INTERVAL;
        private boolean ipipFilter = true;
        private List<String> extraUnderlayDevices = List.of();
        private boolean allowWideSubnets;
        private Path stateFile;
        private Duration probeInterval = DEFAULT_PROBE_INTERVAL;
        private int probeMisses = DEFAULT_PROBE_MISSES;
        private int probeRate = DEFAULT_PROBE_RATE;
        private Encapsulation encapsulation = Encapsulation.NONE;
        private Path encryptionKeyFile;

        private Builder() {}

        /**
         * How IPIP crosses the underlay; see {@link MeshConfig#encapsulation()}.
         *
         * @param encapsulation {@link Encapsulation#NONE} (the default), {@link Encapsulation#fou} or
         *     {@link Encapsulation#gue}
         * @return this builder
         */
        public Builder encapsulation(Encapsulation encapsulation) {
            this.encapsulation = encapsulation;
            return this;
        }

        /**
         * Encrypts the tunnel packets with the keys of {@code file}; see {@link MeshConfig#encryptionKeyFile()}.
         *
         * @param file the key file, or null (the default) for no encryption
         * @return this builder
         */
        public Builder encryptionKeyFile(Path file) {
            this.encryptionKeyFile = file;
            return this;
        }

        /**
         * The encapsulation as text; see {@link Encapsulation#parse}.
         *
         * @param encapsulation {@code none}, {@code fou[:PORT]} or {@code gue[:PORT]}, e.g. {@code fou:5555}
         * @return this builder
         * @throws InvalidInputException naming the text when it is not one of those
         */
        public Builder encapsulation(String encapsulation) {
            return encapsulation(Encapsulation.parse(encapsulation));
        }

        /**
         * How long a peer may be silent before it is probed; see {@link MeshConfig#probeInterval()}.
         *
         * @param probeInterval {@link Duration#ZERO} (active probes off) or at least 10 ms; default 1 s
         * @return this builder
         */
        public Builder probeInterval(Duration probeInterval) {
            this.probeInterval = probeInterval;
            return this;
        }

        /**
         * Missed intervals before a peer reads unreachable; see {@link MeshConfig#probeMisses()}.
         *
         * @param probeMisses 1..100; default 3
         * @return this builder
         */
        public Builder probeMisses(int probeMisses) {
            this.probeMisses = probeMisses;
            return this;
        }

        /**
         * The probe budget of the whole mesh; see {@link MeshConfig#probeRate()}.
         *
         * @param probeRate packets per second, 1..100,000; default 100
         * @return this builder
         */
        public Builder probeRate(int probeRate) {
            this.probeRate = probeRate;
            return this;
        }

        /**
         * Whether to keep the IPIP source filter; see {@link MeshConfig#ipipFilter()}.
         *
         * @param ipipFilter true (the default) to keep it; false to run without it (no per-peer counters, and in SHARED
         *     mode tunl0 accepts IPIP from anyone)
         * @return this builder
         */
        public Builder ipipFilter(boolean ipipFilter) {
            this.ipipFilter = ipipFilter;
            return this;
        }

        /**
         * More devices on which IPIP from peers may arrive; see {@link MeshConfig#extraUnderlayDevices()}.
         *
         * @param devices device names, e.g. {@code eth1}: 1-15 characters without '/', ':' or white space, each once,
         *     not {@code lo} nor {@code tunl0}; empty by default. Needs the IPIP filter on
         * @return this builder
         */
        public Builder extraUnderlayDevices(List<String> devices) {
            this.extraUnderlayDevices = devices == null ? null : new java.util.ArrayList<>(devices);
            return this;
        }

        /**
         * Whether peers may have subnets shorter than /{@value MeshConfig#NARROWEST_WIDE_PREFIX}; see
         * {@link MeshConfig#allowWideSubnets()}.
         *
         * @param allowWideSubnets true to allow them, down to 0.0.0.0/0; false by default
         * @return this builder
         */
        public Builder allowWideSubnets(boolean allowWideSubnets) {
            this.allowWideSubnets = allowWideSubnets;
            return this;
        }

        /**
         * Keeps the desired peer set in a file across restarts; see {@link MeshConfig#stateFile()}.
         *
         * @param stateFile the file, or null (the default) for none
         * @return this builder
         */
        public Builder stateFile(Path stateFile) {
            this.stateFile = stateFile;
            return this;
        }

        /**
         * Whether to repair drift as the kernel reports it; see {@link MeshConfig#watchKernel()}.
         *
         * @param watchKernel true (the default) to watch rtnetlink events and resync periodically; false to repair
         *     only when {@link TunnelMesh#reconcile()} is called
         * @return this builder
         */
        public Builder watchKernel(boolean watchKernel) {
            this.watchKernel = watchKernel;
            return this;
        }

        /**
         * How often the watching mesh compares the whole kernel state with its own, besides reacting to events.
         *
         * @param resyncInterval positive, or {@link Duration#ZERO} for events only; default 30 s
         *     ({@link MeshConfig#DEFAULT_RESYNC_INTERVAL})
         * @return this builder
         */
        public Builder resyncInterval(Duration resyncInterval) {
            this.resyncInterval = resyncInterval;
            return this;
        }

        /**
         * Names the mesh: the JMX {@code name=} and part of the marks by which it knows its kernel objects.
         *
         * @param name 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit; default {@code mesh}
         * @return this builder
         */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * How peers are reached.
         *
         * @param mode {@link MeshMode#SHARED} (the default: the one-to-many {@code tunl0} and onlink routes) or
         *     {@link MeshMode#POINT_TO_POINT} (an ipip device per peer)
         * @return this builder
         */
        public Builder mode(MeshMode mode) {
            this.mode = mode;
            return this;
        }

        /**
         * This node's underlay address, the outer source of its tunnel packets. Required.
         *
         * @param underlay a unicast address (not 0.0.0.0, loopback, multicast or reserved) that a device in the
         *     mesh's namespace holds when the mesh opens
         * @return this builder
         */
        public Builder underlay(Ipv4Address underlay) {
            this.underlay = underlay;
            return this;
        }

        /**
         * This node's underlay address, as text; see {@link #underlay(Ipv4Address)}.
         *
         * @param underlay dotted quad, e.g. {@code 10.245.1.2}
         * @return this builder
         * @throws InvalidInputException when {@code underlay} is not a dotted-quad IPv4 address
         */
        public Builder underlay(String underlay) {
            return underlay(Ipv4Address.parse(underlay));
        }

        /**
         * The /32 overlay address put on the tunnel device(s). Required.
         *
         * @param tunnelAddress a unicast address other than the underlay address
         * @return this builder
         */
        public Builder tunnelAddress(Ipv4Address tunnelAddress) {
            this.tunnelAddress = tunnelAddress;
            return this;
        }

        /**
         * The tunnel address, as text; see {@link #tunnelAddress(Ipv4Address)}.
         *
         * @param tunnelAddress dotted quad, e.g. {@code 192.168.41.0}
         * @return this builder
         * @throws InvalidInputException when {@code tunnelAddress} is not a dotted-quad IPv4 address
         */
        public Builder tunnelAddress(String tunnelAddress) {
            return tunnelAddress(Ipv4Address.parse(tunnelAddress));
        }

        /**
         * The tunnel MTU. When the mesh opens it must also fit the underlay device (at most its MTU minus
         * {@link Encapsulation#overhead()}: {@value MeshConfig#IPIP_OVERHEAD} for plain IPIP, 28 with FOU, 32 with GUE).
         *
         * @param mtu bytes, {@value MeshConfig#MIN_MTU}..65515; or 0 (the default) for the underlay device's MTU minus
         *     {@value MeshConfig#IPIP_OVERHEAD}, picked when the mesh opens
         * @return this builder
         */
        public Builder mtu(int mtu) {
            this.mtu = mtu;
            return this;
        }

        /**
         * The TTL of the outer header.
         *
         * @param ttl 0..255: 0 inherits the inner packet's TTL; default {@value MeshConfig#DEFAULT_TTL}. A TTL other
         *     than 0 needs {@link #pmtuDiscovery} on (the kernel refuses the pair)
         * @return this builder
         */
        public Builder ttl(int ttl) {
            this.ttl = ttl;
            return this;
        }

        /**
         * The route protocol id that marks what this mesh owns in the kernel. Two meshes in one network namespace need
         * two ids.
         *
         * @param routeProtocol 5..255 (0-4 are the kernel's), not one a known routing daemon uses
         *     ({@link MeshConfig#protocolOwner}); default {@value MeshConfig#DEFAULT_ROUTE_PROTOCOL}
         * @return this builder
         */
        public Builder routeProtocol(int routeProtocol) {
            this.routeProtocol = routeProtocol;
            return this;
        }

        /**
         * Whether outer packets carry DF (IFLA_IPTUN_PMTUDISC).
         *
         * @param pmtuDiscovery true (the default, as iproute2's) to set DF; false needs {@link #ttl} 0
         * @return this builder
         */
        public Builder pmtuDiscovery(boolean pmtuDiscovery) {
            this.pmtuDiscovery = pmtuDiscovery;
            return this;
        }

        /**
         * The network namespace the mesh works in (the process needs CAP_SYS_ADMIN to enter it).
         *
         * @param netns a name under /run/netns, e.g. {@code blue}, or an absolute path such as
         *     {@code /proc/1234/ns/net}; null (the default) for the namespace of the thread that opens the mesh
         * @return this builder
         */
        public Builder netns(String netns) {
            this.netns = netns;
            return this;
        }

        /**
         * Checks every value against the others; nothing touches the kernel yet (that is the mesh's {@code open}).
         *
         * @return the configuration
         * @throws InvalidInputException naming the first bad value: a bad name, a missing or non-unicast address, the
         *     tunnel address equal to the underlay, an MTU, TTL or route protocol out of range, a fixed TTL without path
         *     MTU discovery, a route protocol a routing daemon owns, a bad namespace, a negative resync interval, a bad
         *     or repeated extra underlay device (or one without the IPIP filter), a state file path without a file name
         * @throws NullPointerException when the mode is null
         */
        public MeshConfig build() {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new InvalidInputException("mesh name '" + name
                        + "' must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit");
            }
            Objects.requireNonNull(mode, "mode");
            if (underlay == null) {
                throw new InvalidInputException("the underlay address is missing");
            }
            if (underlay.whyNotUnicast() != null) {
                throw new InvalidInputException("underlay " + underlay + " is " + underlay.whyNotUnicast()
                        + "; give this node's unicast address on the device that reaches the peers");
            }
            if (tunnelAddress == null) {
                throw new InvalidInputException("the tunnel address is missing");
            }
            if (tunnelAddress.whyNotUnicast() != null) {
                throw new InvalidInputException("tunnel address " + tunnelAddress + " is "
                        + tunnelAddress.whyNotUnicast() + "; give a unicast overlay address, e.g. 192.168.41.0");
            }
            if (extraUnderlayDevices == null) {
                throw new InvalidInputException("the list of extra underlay devices is missing (use an empty list)");
            }
            for (String device : extraUnderlayDevices) {
                if (device == null || !DEVICE_NAME.matcher(device).matches()) {
                    throw new InvalidInputException("extra underlay device '" + device + "' is not a device name"
                            + " (1-15 characters, no '/', ':' or white space)");
                }
                if (device.equals("lo") || device.equals(TunnelDevice.SHARED_NAME)) {
                    throw new InvalidInputException("extra underlay device '" + device
                            + "': IPIP from peers arrives on an uplink," + " not on " + device);
                }
                if (extraUnderlayDevices.indexOf(device) != extraUnderlayDevices.lastIndexOf(device)) {
                    throw new InvalidInputException("extra underlay device '" + device + "' is listed twice");
                }
            }
            if (!extraUnderlayDevices.isEmpty() && !ipipFilter) {
                throw new InvalidInputException("extra underlay devices " + extraUnderlayDevices
                        + " are for the IPIP filter," + " which is off: drop them, or turn the filter on");
            }
            if (tunnelAddress.equals(underlay)) {
                throw new InvalidInputException("tunnel address " + tunnelAddress
                        + " is the underlay address too; the overlay needs an address of its own");
            }
            if (encapsulation == null) {
                throw new InvalidInputException("the encapsulation is missing (use Encapsulation.NONE for plain IPIP)");
            }
            if (mtu != 0 && (mtu < MIN_MTU || mtu > 65535 - encapsulation.overhead())) {
                throw new InvalidInputException("MTU " + mtu + " is out of range " + MIN_MTU + ".."
                        + (65535 - encapsulation.overhead())
                        + (encapsulation.encapsulates() ? " (with " + encapsulation + ")" : ""));
            }
            if (ttl < 0 || ttl > 255) {
                throw new InvalidInputException("TTL " + ttl + " is out of range 0..255");
            }
            if (ttl != 0 && !pmtuDiscovery) {
                // the kernel refuses this pair (iproute2: "ttl != 0 and nopmtudisc are incompatible")
                throw new InvalidInputException(
                        "a fixed TTL " + ttl + " needs path MTU discovery: use ttl 0 (inherit) or keep pmtudisc");
            }
            if (routeProtocol < 5 || routeProtocol > 255) {
                throw new InvalidInputException(
                        "route protocol " + routeProtocol + " is out of range 5..255 (0-4 belong to the kernel)");
            }
            if (protocolOwner(routeProtocol) != null) {
                throw new InvalidInputException(
                        "route protocol " + routeProtocol + " belongs to " + protocolOwner(routeProtocol)
                                + " (/etc/iproute2/rt_protos): the mesh would take its routes for its own; choose a free id such as "
                                + DEFAULT_ROUTE_PROTOCOL);
            }
            if (netns != null
                    && (netns.isBlank()
                            || (!netns.startsWith("/") && (netns.contains("/") || netns.startsWith("."))))) {
                throw new InvalidInputException(
                        "network namespace '" + netns + "' must be a name under /run/netns or an absolute path");
            }
            if (resyncInterval == null || resyncInterval.isNegative()) {
                throw new InvalidInputException(
                        "resync interval " + resyncInterval + " must be zero (off) or positive");
            }
            if (probeInterval == null
                    || probeInterval.isNegative()
                    || (!probeInterval.isZero() && probeInterval.toMillis() < 10)
                    || probeInterval.compareTo(Duration.ofHours(1)) > 0) {
                throw new InvalidInputException("probe interval " + probeInterval
                        + " must be zero (no active probes) or between 10 ms and 1 hour");
            }
            if (probeMisses < 1 || probeMisses > 100) {
                throw new InvalidInputException("probe misses " + probeMisses + " is out of range 1..100");
            }
            if (probeRate < 1 || probeRate > 100_000) {
                throw new InvalidInputException("probe rate " + probeRate + " packets/s is out of range 1..100000");
            }
            if (stateFile != null
                    && (stateFile.getFileName() == null || stateFile.toString().isBlank())) {
                throw new InvalidInputException("state file '" + stateFile + "' must name a file");
            }
            return new MeshConfig(this);
        }
    }
}
