package org.tunnelmesh.micrometer;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.EncryptionCounters;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.LinkCounters;
import org.tunnelmesh.MeshListener;
import org.tunnelmesh.MeshListener.Operation;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.PeerCounters;
import org.tunnelmesh.PeerHealth;
import org.tunnelmesh.TrafficCounters;
import org.tunnelmesh.TunnelDevice;
import org.tunnelmesh.TunnelMesh;

/**
 * A Micrometer {@link MeterBinder} for a mesh. Its meters, as Prometheus names them:
 *
 * <ul>
 *   <li>{@code tunnelmesh_peers{mesh}}: the peers the mesh has;
 *   <li>{@code tunnelmesh_peer_receive_packets_total{mesh,peer}}, {@code tunnelmesh_peer_receive_bytes_total},
 *       {@code tunnelmesh_peer_transmit_packets_total}, {@code tunnelmesh_peer_transmit_bytes_total}: IPIP traffic
 *       with each peer, as the mesh's IPIP filter counts it ({@link TunnelMesh#trafficCounters()}; bytes are outer
 *       IPv4 lengths);
 *   <li>{@code tunnelmesh_peer_esp_transmit_packets_total{mesh,peer}}, {@code _esp_transmit_bytes_total},
 *       {@code _esp_receive_packets_total}, {@code _esp_receive_bytes_total}, {@code _esp_integrity_failures_total},
 *       {@code _esp_replay_failures_total}: when the mesh encrypts ({@link org.tunnelmesh.MeshConfig#encryptionKeyFile()}),
 *       what the kernel's IPsec ESP states with each peer counted ({@link TunnelMesh#encryptionCounters()});
 *   <li>{@code tunnelmesh_rejected_packets_total{mesh}}, {@code tunnelmesh_rejected_bytes_total}: IPIP the filter
 *       dropped (not from a peer, or not through the underlay);
 *   <li>{@code tunnelmesh_device_receive_packets_total{mesh,device}} and {@code _bytes}, {@code _errors},
 *       {@code _dropped}, the same for {@code transmit}: the tunnel devices' own counters (IFLA_STATS64). SHARED:
 *       the devices the mesh listed when bound ({@code tunl0}); POINT_TO_POINT: each peer's device, with the peer's
 *       series;
 *   <li>{@code tunnelmesh_operation_duration_seconds{mesh,operation}}: a summary (count, sum, max, quantiles 0.5,
 *       0.9, 0.99) of the {@code add_peer}, {@code remove_peer} and {@code reconcile} calls that succeeded, as
 *       the mesh reports them to its listeners ({@link MeshListener#timed}): calls made on any handle, over JMX or
 *       from ZooKeeper alike;
 *   <li>{@code tunnelmesh_peer_series_enabled{mesh}}: 1 while the per-peer series are published, 0 while the mesh
 *       has more peers than {@link Builder#peerSeriesLimit(int)}.
 * </ul>
 *
 * <p>Every value is read from the kernel when a scrape asks for it, through the mesh's own API: no thread of its own,
 * and one read of the traffic counters and one device dump per scrape, however many series ask (a read is reused for
 * {@link Builder#counterMaxAge(Duration)}). A read that fails (the mesh closed) shows as NaN. Per-peer series follow
 * the mesh through a {@link MeshListener}: a peer added or removed, by any handle, adds or removes its series.
 *
 * <pre>{@code
 * TunnelMeshMetrics metrics = TunnelMeshMetrics.of(mesh);
 * metrics.bindTo(registry);
 * }</pre>
 */
public final class TunnelMeshMetrics implements MeterBinder, AutoCloseable {

    /**
     * Per-peer series are published while the mesh has at most this many peers (measured: a scrape of 20,000 peers'
     * series costs about a second in the lab, see docs/metrics.md).
     */
    public static final int DEFAULT_PEER_SERIES_LIMIT = 5_000;

    /** A kernel read serves every meter of a scrape for this long. */
    public static final Duration DEFAULT_COUNTER_MAX_AGE = Duration.ofMillis(500);

    private static final Logger log = LogManager.getLogger(TunnelMeshMetrics.class);

    /** The {@code operation} tag of each call the mesh times. */
    private static String tag(Operation operation) {
        return switch (operation) {
            case ADD_PEER -> "add_peer";
            case REMOVE_PEER -> "remove_peer";
            case RECONCILE -> "reconcile";
        };
    }

    private final TunnelMesh mesh;
    private final String meshName;
    private final MeshMode mode;
    private final int peerSeriesLimit;
    private final Tags meshTags;
    private final KernelReading<TrafficCounters> traffic;
    private final KernelReading<Map<String, EncryptionCounters>> esp;
    private final KernelReading<Map<String, TunnelDevice>> devices;
    private final Map<Operation, List<Timer>> timers = new EnumMap<>(Operation.class);

    private final MeshListener listener = new MeshListener() {
        @Override
        public void peersAdded(List<Peer> added) {
            changed(added, List.of());
        }

        @Override
        public void peersRemoved(List<Peer> removed) {
            changed(List.of(), removed);
        }

        @Override
        public void timed(Operation operation, long nanos) {
            recorded(operation, nanos);
        }
    };

    // guarded by this
    private final List<MeterRegistry> registries = new ArrayList<>();
    private final List<Meter> meshMeters = new ArrayList<>();
    private final Set<String> peers = new LinkedHashSet<>();
    private final Map<String, List<Meter>> peerMeters = new HashMap<>();
    /** Written under the lock, read by scrapes without it: a scrape never waits for a listener registering meters. */
    private volatile boolean peerSeries = true;

    private boolean listening;
    private boolean closed;
    private long changes;
    private volatile int peerCount;

    private TunnelMeshMetrics(Builder builder) {
        this.mesh = builder.mesh;
        this.meshName = mesh.config().name();
        this.mode = mesh.config().mode();
        this.peerSeriesLimit = builder.peerSeriesLimit;
        this.meshTags = Tags.of("mesh", meshName);
        long maxAge = builder.counterMaxAge.toNanos();
        this.traffic = new KernelReading<>(
                "the traffic counters of mesh " + meshName, mesh::trafficCounters, maxAge, builder.clock);
        this.esp = new KernelReading<>(
                "the ESP counters of mesh " + meshName, mesh::encryptionCounters, maxAge, builder.clock);
        this.devices =
                new KernelReading<>("the devices of mesh " + meshName, this::devicesByName, maxAge, builder.clock);
        for (Operation operation : Operation.values()) {
            timers.put(operation, new CopyOnWriteArrayList<>());
        }
    }

    /**
     * A binder for {@code mesh} with the defaults.
     *
     * @param mesh the mesh whose meters to publish
     * @return the binder; call {@link #bindTo} to register its meters
     */
    public static TunnelMeshMetrics of(TunnelMesh mesh) {
        return builder(mesh).build();
    }

    /**
     * A builder for a binder of {@code mesh}, to change the per-peer limit, the counters' maximum age or the clock.
     *
     * @param mesh the mesh whose meters to publish
     * @return a builder with the defaults
     * @throws NullPointerException when {@code mesh} is null
     */
    public static Builder builder(TunnelMesh mesh) {
        if (mesh == null) {
            throw new NullPointerException("mesh");
        }
        return new Builder(mesh);
    }

    /**
     * Whether the per-peer series are published now: the mesh has at most the limit's peers.
     *
     * @return true while per-peer series are published
     */
    public boolean publishesPeerSeries() {
        return peerSeries;
    }

    /**
     * Registers the meters with {@code registry}, and from then on the series of peers added or removed.
     *
     * @throws IllegalStateException when closed
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        // SHARED: one device for every peer, so its series are the mesh's, whatever the number of peers. Read outside
        // this object's lock: a mesh may call its listeners, which take it, with its own lock held.
        Map<String, TunnelDevice> sharedDevices = mode == MeshMode.SHARED ? devices.current() : null;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the metrics of mesh " + meshName + " are closed");
            }
            if (registries.contains(registry)) {
                return;
            }
            registries.add(registry);
            bindMeshMeters(registry, sharedDevices == null ? List.of() : List.copyOf(sharedDevices.keySet()));
            if (listening) {
                if (peerSeries) {
                    peers.forEach(peer -> registerPeer(registry, peer));
                }
                return;
            }
            listening = true;
        }
        // listen first, then look: a change in between is seen by one or the other, or both (registering is
        // idempotent); a listener's change during the look makes the look stale, so it is taken again
        mesh.addListener(listener);
        while (true) {
            long before;
            synchronized (this) {
                before = changes;
            }
            List<Peer> current = mesh.peers();
            synchronized (this) {
                if (closed) {
                    return;
                }
                if (changes == before) {
                    Set<String> names = new LinkedHashSet<>();
                    current.forEach(peer -> names.add(peer.name()));
                    List<String> gone = new ArrayList<>(peers);
                    gone.removeAll(names);
                    apply(names, gone);
                    return;
                }
            }
        }
    }

    private void bindMeshMeters(MeterRegistry registry, List<String> sharedDevices) {
        meshMeters.add(Gauge.builder("tunnelmesh.peers", this, metrics -> metrics.peerCount)
                .tags(meshTags)
                .description("Peers of the mesh")
                .register(registry));
        meshMeters.add(Gauge.builder("tunnelmesh.peer.series.enabled", this, TunnelMeshMetrics::peerSeriesGauge)
                .tags(meshTags)
                .description("1 while per-peer series are published, 0 while the mesh has more peers than the limit")
                .register(registry));
        meshMeters.add(Gauge.builder("tunnelmesh.peers.unreachable", this, TunnelMeshMetrics::unreachablePeers)
                .tags(meshTags)
                .description("Peers that missed the configured intervals: nothing through the mesh, probes unanswered")
                .register(registry));
        if (mesh.config().ipipFilter()) {
            meshMeters.add(counter(
                    registry,
                    "tunnelmesh.rejected.packets",
                    "packets",
                    "IPIP packets the mesh's filter dropped: not from a peer, or not through the underlay",
                    meshTags,
                    metrics -> metrics.rejected(TrafficCounters::rejectedPackets)));
            meshMeters.add(counter(
                    registry,
                    "tunnelmesh.rejected.bytes",
                    "bytes",
                    "Bytes (outer IPv4 length) of the IPIP packets the mesh's filter dropped",
                    meshTags,
                    metrics -> metrics.rejected(TrafficCounters::rejectedBytes)));
        }
        sharedDevices.stream().sorted().forEach(device -> meshMeters.addAll(deviceMeters(registry, device)));
        for (Operation operation : Operation.values()) {
            Timer timer = Timer.builder("tunnelmesh.operation.duration")
                    .tags(meshTags.and("operation", tag(operation)))
                    .description("Duration of the mesh's addPeer, removePeer and reconcile calls that succeeded")
                    .publishPercentiles(0.5, 0.9, 0.99)
                    .register(registry);
            meshMeters.add(timer);
            timers.get(operation).add(timer);
        }
    }

    /** Called by the mesh, through the listener, after a call that succeeded. */
    private void recorded(Operation operation, long elapsedNanos) {
        for (Timer timer : timers.get(operation)) {
            timer.record(Math.max(0, elapsedNanos), TimeUnit.NANOSECONDS);
        }
    }

    // The listener runs on the thread that changed the mesh, after the change: it must not throw, or the caller's
    // successful change would look failed.
    private void changed(List<Peer> added, List<Peer> removed) {
        try {
            synchronized (this) {
                if (closed) {
                    return;
                }
                changes++;
                Set<String> names = new LinkedHashSet<>(peers);
                removed.forEach(peer -> names.remove(peer.name()));
                added.forEach(peer -> names.add(peer.name()));
                apply(names, removed.stream().map(Peer::name).toList());
            }
        } catch (RuntimeException e) {
            log.warn(
                    "the meters of {} peer(s) of mesh {} may be out of date: {}",
                    added.size() + removed.size(),
                    meshName,
                    e.toString());
        }
    }

    /** Makes the meters match {@code names}, the mesh's peers now; {@code gone} lost theirs. Holds the lock. */
    private void apply(Set<String> names, List<String> gone) {
        peers.clear();
        peers.addAll(names);
        peerCount = names.size();
        boolean wanted = names.size() <= peerSeriesLimit;
        if (!wanted) {
            if (peerSeries) {
                log.warn(
                        "mesh {} has {} peers, more than {}: its per-peer series are withdrawn (the mesh's own stay); "
                                + "raise the limit (TunnelMeshMetrics.builder(mesh).peerSeriesLimit(n), node: "
                                + "--metrics-peer-series n) to keep them",
                        meshName,
                        names.size(),
                        peerSeriesLimit);
                List.copyOf(peerMeters.keySet()).forEach(this::unregisterPeer);
                peerSeries = false;
            }
            return;
        }
        if (!peerSeries) {
            log.info(
                    "mesh {} has {} peers, at most {}: its per-peer series are published again",
                    meshName,
                    names.size(),
                    peerSeriesLimit);
            peerSeries = true;
        }
        gone.forEach(this::unregisterPeer);
        for (String peer : names) {
            if (!peerMeters.containsKey(peer)) {
                registries.forEach(registry -> registerPeer(registry, peer));
            }
        }
    }

    /** A peer's series in one registry: its traffic, its device in POINT_TO_POINT. Holds the lock. */
    private void registerPeer(MeterRegistry registry, String peer) {
        List<Meter> meters = peerMeters.computeIfAbsent(peer, name -> new ArrayList<>());
        Tags tags = meshTags.and("peer", peer);
        if (mesh.config().ipipFilter()) {
            meters.add(counter(
                    registry,
                    "tunnelmesh.peer.receive.packets",
                    "packets",
                    "IPIP packets received from the peer",
                    tags,
                    metrics -> metrics.peer(peer, PeerCounters::rxPackets)));
            meters.add(counter(
                    registry,
                    "tunnelmesh.peer.receive.bytes",
                    "bytes",
                    "Bytes (outer IPv4 length) of the IPIP packets received from the peer",
                    tags,
                    metrics -> metrics.peer(peer, PeerCounters::rxBytes)));
            meters.add(counter(
                    registry,
                    "tunnelmesh.peer.transmit.packets",
                    "packets",
                    "IPIP packets sent to the peer",
                    tags,
                    metrics -> metrics.peer(peer, PeerCounters::txPackets)));
            meters.add(counter(
                    registry,
                    "tunnelmesh.peer.transmit.bytes",
                    "bytes",
                    "Bytes (outer IPv4 length) of the IPIP packets sent to the peer",
                    tags,
                    metrics -> metrics.peer(peer, PeerCounters::txBytes)));
        }
        if (mesh.config().encryptionKeyFile() != null) {
            meters.add(counter(
                    registry,
                    "tunnelmesh.peer.esp.transmit.packets",
                    "packets",
                    "Tunnel packets protected with IPsec ESP and sent to the peer (the kernel's states)",
                    tags,
                    metrics -> metrics.esp(peer, EncryptionCounters::txPackets)));
            meters.add(counter(
                    registry,
                    "tunnelmesh.peer.esp.transmit.bytes",
                    "bytes",
                    "Bytes of the tunnel packets protected with IPsec ESP and sent to the peer",
                    tags,
                    metrics -> metrics.esp(peer, EncryptionCounters::txBytes)));
            meters.add(counter(
                    registry,
                    "tunnelmesh.peer.esp.receive.packets",
                    "packets",
                    "IPsec ESP packets from the peer that passed authentication and the replay check",
                    tags,
                    metrics -> metrics.esp(peer, EncryptionCounters::rxPackets)));
            meters.add(counter(
                    registry,
                    "tunnelmesh.peer.esp.receive.bytes",
                    "bytes",
                    "Bytes of the IPsec ESP packets received from the peer",
                    tags,
                    metrics -> metrics.esp(peer, EncryptionCounters::rxBytes)));
            meters.add(counter(
                    registry,
                    "tunnelmesh.peer.esp.integrity.failures",
                    null,
                    "IPsec ESP packets from the peer's address that failed authentication",
                    tags,
                    metrics -> metrics.esp(peer, EncryptionCounters::integrityFailed)));
            meters.add(counter(
                    registry,
                    "tunnelmesh.peer.esp.replay.failures",
                    null,
                    "IPsec ESP packets from the peer's address dropped as replays",
                    tags,
                    metrics -> metrics.esp(peer, EncryptionCounters::replayFailed)));
        }
        // Peer health: read from the mesh's memory (no system call), with the peer's other series, so they come and go
        // with the peer and with the per-peer limit.
        meters.add(Gauge.builder("tunnelmesh.peer.reachable", this, metrics -> metrics.reachable(peer))
                .tags(tags)
                .description("1 while the peer answers through the mesh (traffic or probes), 0 once it missed the"
                        + " configured intervals or before it was first heard")
                .register(registry));
        meters.add(Gauge.builder("tunnelmesh.peer.rtt", this, metrics -> metrics.rttSeconds(peer))
                .tags(tags)
                .baseUnit("seconds")
                .description("Round trip of the last answered probe to the peer's tunnel address, through the tunnel")
                .register(registry));
        if (mode == MeshMode.POINT_TO_POINT) {
            meters.addAll(deviceMeters(registry, TunnelDevice.nameFor(mode, peer)));
        }
    }

    private void unregisterPeer(String peer) {
        List<Meter> meters = peerMeters.remove(peer);
        if (meters != null) {
            for (Meter meter : meters) {
                registries.forEach(registry -> registry.remove(meter));
            }
        }
    }

    private List<Meter> deviceMeters(MeterRegistry registry, String device) {
        Tags tags = meshTags.and("device", device);
        List<Meter> meters = new ArrayList<>();
        for (String direction : List.of("receive", "transmit")) {
            boolean rx = direction.equals("receive");
            meters.add(counter(
                    registry,
                    "tunnelmesh.device." + direction + ".packets",
                    "packets",
                    "Packets the tunnel device " + (rx ? "received" : "sent") + " (kernel link statistics)",
                    tags,
                    metrics -> metrics.device(device, rx ? LinkCounters::rxPackets : LinkCounters::txPackets)));
            meters.add(counter(
                    registry,
                    "tunnelmesh.device." + direction + ".bytes",
                    "bytes",
                    "Bytes the tunnel device " + (rx ? "received" : "sent") + " (kernel link statistics)",
                    tags,
                    metrics -> metrics.device(device, rx ? LinkCounters::rxBytes : LinkCounters::txBytes)));
            meters.add(counter(
                    registry,
                    "tunnelmesh.device." + direction + ".errors",
                    null,
                    "Errors of the tunnel device on " + direction + " (kernel link statistics)",
                    tags,
                    metrics -> metrics.device(device, rx ? LinkCounters::rxErrors : LinkCounters::txErrors)));
            meters.add(counter(
                    registry,
                    "tunnelmesh.device." + direction + ".dropped",
                    null,
                    "Packets the tunnel device dropped on " + direction + " (kernel link statistics)",
                    tags,
                    metrics -> metrics.device(device, rx ? LinkCounters::rxDropped : LinkCounters::txDropped)));
        }
        return meters;
    }

    private FunctionCounter counter(
            MeterRegistry registry,
            String name,
            String baseUnit,
            String description,
            Tags tags,
            java.util.function.ToDoubleFunction<TunnelMeshMetrics> value) {
        FunctionCounter.Builder<TunnelMeshMetrics> builder =
                FunctionCounter.builder(name, this, value).tags(tags).description(description);
        if (baseUnit != null) {
            builder.baseUnit(baseUnit);
        }
        return builder.register(registry);
    }

    private double peer(String name, ToLongFunction<PeerCounters> which) {
        TrafficCounters counters = traffic.current();
        return counters == null ? Double.NaN : which.applyAsLong(counters.peer(name));
    }

    private double esp(String name, ToLongFunction<EncryptionCounters> which) {
        Map<String, EncryptionCounters> counters = esp.current();
        return counters == null ? Double.NaN : which.applyAsLong(counters.getOrDefault(name, EncryptionCounters.ZERO));
    }

    private double rejected(ToLongFunction<TrafficCounters> which) {
        TrafficCounters counters = traffic.current();
        return counters == null ? Double.NaN : which.applyAsLong(counters);
    }

    /** NaN while the device is missing (being repaired, or gone): 0 would read as a counter reset. */
    private double device(String name, ToLongFunction<LinkCounters> which) {
        Map<String, TunnelDevice> byName = devices.current();
        TunnelDevice device = byName == null ? null : byName.get(name);
        return device == null ? Double.NaN : which.applyAsLong(device.counters());
    }

    private Map<String, TunnelDevice> devicesByName() {
        Map<String, TunnelDevice> byName = new HashMap<>();
        for (TunnelDevice device : mesh.devices()) {
            byName.put(device.name(), device);
        }
        return byName;
    }

    /** 1 or 0; NaN when the mesh watches no health or is closed. */
    private double reachable(String peer) {
        try {
            return mesh.peerHealth(peer)
                    .map(health -> health.reachable() ? 1.0 : 0.0)
                    .orElse(Double.NaN);
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    /** Seconds; NaN when no probe was answered, or the mesh watches no health or is closed. */
    private double rttSeconds(String peer) {
        try {
            return mesh.peerHealth(peer)
                    .filter(health -> health.rttMillis() >= 0)
                    .map(health -> health.rttMillis() / 1000.0)
                    .orElse(Double.NaN);
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    /** Peers that missed the configured intervals; NaN when the mesh watches no health or is closed. */
    private double unreachablePeers() {
        try {
            return mesh.peerHealth().stream()
                    .filter(health -> health.state() == PeerHealth.State.UNREACHABLE)
                    .count();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private double peerSeriesGauge() {
        return peerSeries ? 1 : 0;
    }

    /** Stops following the mesh and removes every meter from the registries. The mesh stays open. */
    @Override
    public void close() {
        try {
            mesh.removeListener(listener);
        } catch (RuntimeException e) {
            log.debug("mesh {} did not take its listener back: {}", meshName, e.toString());
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            List.copyOf(peerMeters.keySet()).forEach(this::unregisterPeer);
            for (Meter meter : meshMeters) {
                registries.forEach(registry -> registry.remove(meter));
            }
            meshMeters.clear();
            timers.values().forEach(List::clear);
            registries.clear();
        }
    }

    /** How a {@link TunnelMeshMetrics} is made: {@link TunnelMeshMetrics#builder(TunnelMesh)}. */
    public static final class Builder {
        private final TunnelMesh mesh;
        private int peerSeriesLimit = DEFAULT_PEER_SERIES_LIMIT;
        private Duration counterMaxAge = DEFAULT_COUNTER_MAX_AGE;
        private Clock clock = Clock.SYSTEM;

        private Builder(TunnelMesh mesh) {
            this.mesh = mesh;
        }

        /**
         * Publishes per-peer series (and POINT_TO_POINT device series) while the mesh has at most {@code limit} peers;
         * above it they are withdrawn, and come back when the mesh shrinks. 0: never. Default {@value
         * #DEFAULT_PEER_SERIES_LIMIT}.
         *
         * @param limit the most peers for which per-peer series are published, 0 or more
         * @return this builder
         * @throws InvalidInputException when negative
         */
        public Builder peerSeriesLimit(int limit) {
            if (limit < 0) {
                throw new InvalidInputException("peer series limit " + limit + " is negative: give 0 or more");
            }
            this.peerSeriesLimit = limit;
            return this;
        }

        /**
         * How long one kernel read serves the meters (default 500 ms): long enough for one scrape, shorter than the
         * scrape interval. Zero reads on every value (tests).
         *
         * @param maxAge the longest one kernel read serves, zero or more
         * @return this builder
         * @throws InvalidInputException when negative
         */
        public Builder counterMaxAge(Duration maxAge) {
            if (maxAge == null || maxAge.isNegative()) {
                throw new InvalidInputException("counter max age " + maxAge + " must be zero or more");
            }
            this.counterMaxAge = maxAge;
            return this;
        }

        /**
         * The clock that ages kernel reads (Micrometer's {@code MockClock} in tests).
         *
         * @param clock the clock; default Micrometer's system clock
         * @return this builder
         * @throws NullPointerException when {@code clock} is null
         */
        public Builder clock(Clock clock) {
            if (clock == null) {
                throw new NullPointerException("clock");
            }
            this.clock = clock;
            return this;
        }

        /**
         * The binder.
         *
         * @return a binder with this builder's settings
         */
        public TunnelMeshMetrics build() {
            return new TunnelMeshMetrics(this);
        }
    }
}
