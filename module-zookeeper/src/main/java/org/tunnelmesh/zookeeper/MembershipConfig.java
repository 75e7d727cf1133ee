package org.tunnelmesh.zookeeper;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.Ipv4Prefix;

/**
 * How a node joins a cluster in ZooKeeper. Build with {@link #builder()}.
 *
 * <p>Identities (ZooKeeper digest authentication). A fleet gives each node an identity of its own
 * ({@link Builder#digest}, e.g. user {@code node1} with a random password of its own) and one
 * identity shared by the whole cluster ({@link Builder#clusterDigest}, e.g. {@code mesh}). A node's
 * member znode is then ALL for its own identity and READ for the cluster's: no other node can
 * rewrite or delete it, and a node that finds it rewritten or deleted restores it. The parents a
 * node makes ({@code /tunnelmesh/<cluster>}, {@code .../members}) are READ and CREATE for the
 * cluster's identity and DELETE for nobody, so no node can delete another's member (ZooKeeper
 * checks DELETE on the parent); {@code /tunnelmesh} is READ and CREATE for anyone, so that each
 * cluster can make its own. An operator who wants to manage the tree makes those parents
 * beforehand with an admin identity ({@code setAcl} with ALL for it and READ, CREATE for the
 * cluster's). ZooKeeper cannot tie a member's name to the identity that made it: any holder of the
 * cluster's identity can register a name nobody uses; a live name stays its node's.
 *
 * @param connect        the ensemble, {@code host:port[,host:port...]}
 * @param cluster        the cluster: members live under {@code /tunnelmesh/<cluster>/members}
 * @param subnets        the overlay subnets this node serves, announced to the others
 * @param fixedPeers     names of peers that are not the cluster's (given with {@code --peer}): never touched
 * @param digestUser     this node's own ZooKeeper identity (digest authentication), or null for none (then the znodes
 *                       are world-writable): the only identity that may write this node's member znode
 * @param digestPassword that user's password
 * @param clusterUser    the cluster's shared identity, which every node holds as well: it may list, create and read
 *                       members, never write or delete one. Null: the node's own identity serves, which makes one
 *                       identity for the whole cluster (then any node can rewrite another's member)
 * @param clusterPassword that user's password
 * @param coalesce       how long a burst of changes is gathered before one batch applies it
 * @param sessionTimeout ZooKeeper session timeout: how long after a node dies its member disappears
 * @param joinTimeout    how long the start waits for ZooKeeper before going on with the last known members
 */
public record MembershipConfig(
        String connect,
        String cluster,
        List<Ipv4Prefix> subnets,
        Set<String> fixedPeers,
        String digestUser,
        String digestPassword,
        String clusterUser,
        String clusterPassword,
        Duration coalesce,
        Duration sessionTimeout,
        Duration joinTimeout) {

    /** The cluster a node joins unless told otherwise. */
    public static final String DEFAULT_CLUSTER = "default";
    /** How long a burst of member changes is gathered by default: 100 ms. */
    public static final Duration DEFAULT_COALESCE = Duration.ofMillis(100);
    /** The default ZooKeeper session timeout: 10 s. */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(10);
    /** How long the start waits for ZooKeeper by default: 15 s. */
    public static final Duration DEFAULT_JOIN_TIMEOUT = Duration.ofSeconds(15);

    private static final Pattern CLUSTER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9.\\-\\[\\]:]+:[0-9]{1,5}");

    /**
     * Checks every value; {@link #builder()} fills in the defaults.
     *
     * @param connect the ensemble, {@code host:port[,host:port...]}, optionally followed by a chroot path
     * @param cluster 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit
     * @param subnets one or more subnets this node serves, none overlapping another
     * @param fixedPeers names of peers that are not the cluster's, or null for none
     * @param digestUser this node's own identity, or null for none: not empty, no ':'
     * @param digestPassword its password; given exactly when {@code digestUser} is
     * @param clusterUser the cluster's shared identity, or null; needs {@code digestUser}, and differs from it
     * @param clusterPassword its password; given exactly when {@code clusterUser} is
     * @param coalesce zero or positive
     * @param sessionTimeout at least 1 s
     * @param joinTimeout zero or positive
     * @throws InvalidInputException naming the first bad value
     */
    public MembershipConfig {
        if (connect == null || connect.isBlank()) {
            throw new InvalidInputException("the ZooKeeper connect string is missing");
        }
        String hosts = connect.contains("/") ? connect.substring(0, connect.indexOf('/')) : connect;
        for (String hostPort : hosts.split(",")) {
            if (!HOST_PORT.matcher(hostPort).matches()) {
                throw new InvalidInputException(
                        "ZooKeeper connect string '" + connect + "': '" + hostPort + "' is not host:port");
            }
        }
        if (cluster == null || !CLUSTER.matcher(cluster).matches()) {
            throw new InvalidInputException("cluster name '" + cluster
                    + "' must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit");
        }
        if (subnets == null || subnets.isEmpty()) {
            throw new InvalidInputException("a cluster member needs the subnets it serves (--subnets)");
        }
        subnets = List.copyOf(subnets);
        for (int i = 0; i < subnets.size(); i++) {
            for (int j = i + 1; j < subnets.size(); j++) {
                if (subnets.get(i).overlaps(subnets.get(j))) {
                    throw new InvalidInputException(
                            "subnets " + subnets.get(i) + " and " + subnets.get(j) + " overlap");
                }
            }
        }
        fixedPeers = fixedPeers == null ? Set.of() : Set.copyOf(fixedPeers);
        if ((digestUser == null) != (digestPassword == null)) {
            throw new InvalidInputException("ZooKeeper digest authentication needs both a user and a password");
        }
        if (digestUser != null && (digestUser.isEmpty() || digestUser.contains(":"))) {
            throw new InvalidInputException("ZooKeeper user '" + digestUser + "' must be non-empty and without ':'");
        }
        if ((clusterUser == null) != (clusterPassword == null)) {
            throw new InvalidInputException("the cluster's ZooKeeper identity needs both a user and a password");
        }
        if (clusterUser != null && digestUser == null) {
            throw new InvalidInputException(
                    "the cluster's ZooKeeper identity '" + clusterUser + "' is given without this node's own");
        }
        if (clusterUser != null && (clusterUser.isEmpty() || clusterUser.contains(":"))) {
            throw new InvalidInputException("ZooKeeper user '" + clusterUser + "' must be non-empty and without ':'");
        }
        if (clusterUser != null && clusterUser.equals(digestUser)) {
            throw new InvalidInputException(
                    "ZooKeeper user '" + clusterUser + "' is both this node's own identity and the cluster's: "
                            + "give each node an identity of its own");
        }
        if (coalesce == null || coalesce.isNegative()) {
            throw new InvalidInputException("coalescing delay " + coalesce + " must be zero or positive");
        }
        if (sessionTimeout == null || sessionTimeout.toMillis() < 1000) {
            throw new InvalidInputException("session timeout " + sessionTimeout + " must be at least 1 s");
        }
        if (joinTimeout == null || joinTimeout.isNegative()) {
            throw new InvalidInputException("join timeout " + joinTimeout + " must be zero or positive");
        }
    }

    /**
     * {@return a builder with the defaults: cluster {@value #DEFAULT_CLUSTER}, no fixed peers, no authentication,
     * coalescing 100 ms, session timeout 10 s, join timeout 15 s; the connect string and the subnets have none}
     */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the znode that holds one member per child, {@code /tunnelmesh/<cluster>/members}} */
    public String membersPath() {
        return "/tunnelmesh/" + cluster + "/members";
    }

    /** {@return whether the node authenticates to ZooKeeper (digest), so its znodes carry ACLs} */
    public boolean authenticated() {
        return digestUser != null;
    }

    /** {@return whether this node has an identity of its own, apart from the cluster's (see {@code clusterUser})} */
    public boolean ownIdentity() {
        return clusterUser != null;
    }

    @Override
    public String toString() {
        return "MembershipConfig[connect=" + connect + ", cluster=" + cluster + ", subnets=" + subnets + ", fixedPeers="
                + fixedPeers + ", auth="
                + (digestUser == null
                        ? "none"
                        : "digest " + digestUser + (clusterUser == null ? "" : ", cluster " + clusterUser))
                + ", coalesce=" + coalesce
                + ", sessionTimeout=" + sessionTimeout + "]";
    }

    /** Collects the values of a {@link MembershipConfig}; {@link #build()} checks them. Not thread-safe. */
    public static final class Builder {
        private String connect;
        private String cluster = DEFAULT_CLUSTER;
        private List<Ipv4Prefix> subnets;
        private Set<String> fixedPeers = Set.of();
        private String digestUser;
        private String digestPassword;
        private String clusterUser;
        private String clusterPassword;
        private Duration coalesce = DEFAULT_COALESCE;
        private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
        private Duration joinTimeout = DEFAULT_JOIN_TIMEOUT;

        private Builder() {}

        /**
         * The ZooKeeper ensemble. Required.
         *
         * @param connect {@code host:port[,host:port...]}, e.g. {@code 10.245.1.2:2181,10.245.1.3:2181}
         * @return this builder
         */
        public Builder connect(String connect) {
            this.connect = connect;
            return this;
        }

        /**
         * The cluster to join; nodes of one cluster become each other's peers.
         *
         * @param cluster 1-64 letters, digits, '_', '.' or '-'; default {@value MembershipConfig#DEFAULT_CLUSTER}
         * @return this builder
         */
        public Builder cluster(String cluster) {
            this.cluster = cluster;
            return this;
        }

        /**
         * The overlay subnets this node serves, announced to the others. Required.
         *
         * @param subnets one or more, none overlapping another
         * @return this builder
         */
        public Builder subnets(List<Ipv4Prefix> subnets) {
            this.subnets = subnets;
            return this;
        }

        /**
         * The subnets, as text; see {@link #subnets(List)}.
         *
         * @param subnets CIDRs separated by commas, e.g. {@code 192.168.42.0/24,192.168.43.0/24}
         * @return this builder
         * @throws InvalidInputException naming the first item that is not a CIDR
         */
        public Builder subnets(String subnets) {
            return subnets(Ipv4Prefix.parseList(subnets));
        }

        /**
         * Peers the mesh has that are not the cluster's (the node's {@code --peer}): membership never adds, changes or
         * removes them.
         *
         * @param fixedPeers their names; none by default
         * @return this builder
         */
        public Builder fixedPeers(Set<String> fixedPeers) {
            this.fixedPeers = fixedPeers;
            return this;
        }

        /**
         * This node's own ZooKeeper identity (digest authentication): the only one that may write its member znode.
         * Without it the znodes are world-writable.
         *
         * @param user the user, e.g. the node's name: not empty, no ':'
         * @param password its password
         * @return this builder
         */
        public Builder digest(String user, String password) {
            this.digestUser = user;
            this.digestPassword = password;
            return this;
        }

        /**
         * The cluster's shared identity, apart from this node's own ({@link #digest}): see {@link MembershipConfig}.
         *
         * @param user the cluster's user, e.g. {@code mesh}: not empty, no ':', not this node's own
         * @param password its password
         * @return this builder
         */
        public Builder clusterDigest(String user, String password) {
            this.clusterUser = user;
            this.clusterPassword = password;
            return this;
        }

        /**
         * How long a burst of member changes is gathered before one batch applies it.
         *
         * @param coalesce zero (apply each change at once) or positive; default 100 ms
         * @return this builder
         */
        public Builder coalesce(Duration coalesce) {
            this.coalesce = coalesce;
            return this;
        }

        /**
         * The ZooKeeper session timeout: how long after a node dies its member disappears (and the others remove it).
         *
         * @param sessionTimeout at least 1 s (ZooKeeper bounds it further by the server's tickTime); default 10 s
         * @return this builder
         */
        public Builder sessionTimeout(Duration sessionTimeout) {
            this.sessionTimeout = sessionTimeout;
            return this;
        }

        /**
         * How long the start waits for ZooKeeper before going on with the last known members.
         *
         * @param joinTimeout zero or positive; default 15 s
         * @return this builder
         */
        public Builder joinTimeout(Duration joinTimeout) {
            this.joinTimeout = joinTimeout;
            return this;
        }

        /**
         * {@return the configuration}
         *
         * @throws InvalidInputException naming the first bad value (see {@link MembershipConfig#MembershipConfig})
         */
        public MembershipConfig build() {
            return new MembershipConfig(
                    connect,
                    cluster,
                    subnets,
                    fixedPeers,
                    digestUser,
                    digestPassword,
                    clusterUser,
                    clusterPassword,
                    coalesce,
                    sessionTimeout,
                    joinTimeout);
        }
    }
}
