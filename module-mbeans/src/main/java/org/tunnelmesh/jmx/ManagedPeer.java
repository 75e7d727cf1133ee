package org.tunnelmesh.jmx;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.tunnelmesh.EncryptionCounters;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.Peer;
import org.tunnelmesh.PeerHealth;
import org.tunnelmesh.TrafficCounters;
import org.weakref.jmx.Managed;

/** One peer ({@code org.tunnelmesh:type=Peer,mesh=<mesh>,name=<peer>}), registered while the peer exists. */
@ManagedDescription(description = "A peer of the mesh: where its IPIP packets go and which subnets are routed to it")
public final class ManagedPeer {

    private final Peer peer;
    private final String device;
    private final Snapshots<TrafficCounters> traffic;
    private final Snapshots<Map<String, EncryptionCounters>> encryption;

    /** The mesh's health of a peer by name; empty when the mesh watches none. */
    private final Function<String, Optional<PeerHealth>> health;

    ManagedPeer(Peer peer, String device, Snapshots<TrafficCounters> traffic) {
        this(peer, device, traffic, name -> Optional.empty(), new Snapshots<>(Map::of, 0, System::nanoTime));
    }

    ManagedPeer(
            Peer peer,
            String device,
            Snapshots<TrafficCounters> traffic,
            Function<String, Optional<PeerHealth>> health,
            Snapshots<Map<String, EncryptionCounters>> encryption) {
        this.peer = peer;
        this.device = device;
        this.traffic = traffic;
        this.health = health;
        this.encryption = encryption;
    }

    private Optional<PeerHealth> health() {
        try {
            return health.apply(peer.name());
        } catch (UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /** {@return whether the peer was heard from through the mesh within the configured intervals (attribute {@code Reachable})} */
    @Managed(
            description =
                    "True while something comes back from this peer through the mesh: its traffic, or answers to the"
                            + " mesh's probes of its tunnel address; false once it missed the configured number of"
                            + " intervals (default 3 x 1 s), and before it was first heard")
    public boolean isReachable() {
        return health().map(PeerHealth::reachable).orElse(false);
    }

    /** {@return milliseconds since anything came from the peer through the mesh, -1 if never (attribute {@code LastHeardMillis})} */
    @Managed(description = "Milliseconds since anything came from this peer through the mesh; -1 if never")
    public long getLastHeardMillis() {
        return health().map(PeerHealth::lastHeardMillis).orElse(-1L);
    }

    /** {@return the last answered probe's round trip in milliseconds, -1 if none (attribute {@code RttMillis})} */
    @Managed(
            description =
                    "Round trip of the last answered probe (ICMP echo to the peer's tunnel address, through the tunnel), in milliseconds; -1 if none")
    public double getRttMillis() {
        return health().map(PeerHealth::rttMillis).orElse(-1.0);
    }

    /** {@return IPIP packets received from this peer's underlay address (0 without the IPIP filter)} */
    @Managed(
            description =
                    "IPIP packets received from this peer's underlay address (counted by the mesh's IPIP filter; 0 when it is off)")
    public long getRxPackets() {
        return traffic.current().peer(peer.name()).rxPackets();
    }

    /** {@return the bytes (outer IPv4 length) of the IPIP packets received from this peer} */
    @Managed(description = "Bytes (outer IPv4 length) of IPIP packets received from this peer")
    public long getRxBytes() {
        return traffic.current().peer(peer.name()).rxBytes();
    }

    /** {@return IPIP packets sent to this peer's underlay address (0 without the IPIP filter)} */
    @Managed(description = "IPIP packets sent to this peer's underlay address")
    public long getTxPackets() {
        return traffic.current().peer(peer.name()).txPackets();
    }

    /** {@return the bytes (outer IPv4 length) of the IPIP packets sent to this peer} */
    @Managed(description = "Bytes (outer IPv4 length) of IPIP packets sent to this peer")
    public long getTxBytes() {
        return traffic.current().peer(peer.name()).txBytes();
    }

    /** {@return tunnel packets protected with ESP and sent to this peer (0 when the mesh does not encrypt)} */
    @Managed(
            description =
                    "Tunnel packets protected with IPsec ESP and sent to this peer (the kernel's count of the mesh's"
                            + " outbound states to it; 0 when the mesh does not encrypt)")
    public long getEspTxPackets() {
        return esp().txPackets();
    }

    /** {@return the bytes of the tunnel packets protected with ESP and sent to this peer} */
    @Managed(description = "Bytes of the tunnel packets protected with IPsec ESP and sent to this peer")
    public long getEspTxBytes() {
        return esp().txBytes();
    }

    /** {@return ESP packets from this peer that passed authentication and the replay check} */
    @Managed(
            description =
                    "IPsec ESP packets from this peer that passed authentication and the replay check (the kernel's"
                            + " count of the mesh's inbound states from it; 0 when the mesh does not encrypt)")
    public long getEspRxPackets() {
        return esp().rxPackets();
    }

    /** {@return the bytes of the ESP packets received from this peer} */
    @Managed(description = "Bytes of the IPsec ESP packets received from this peer")
    public long getEspRxBytes() {
        return esp().rxBytes();
    }

    /** {@return ESP packets from this peer's address that failed authentication} */
    @Managed(
            description =
                    "IPsec ESP packets from this peer's address that failed authentication: another key, or forged or"
                            + " changed on the way")
    public long getEspIntegrityFailures() {
        return esp().integrityFailed();
    }

    /** {@return ESP packets from this peer's address dropped as replays} */
    @Managed(
            description =
                    "IPsec ESP packets from this peer's address dropped as replays (a sequence number already seen, or"
                            + " too old for the replay window)")
    public long getEspReplayFailures() {
        return esp().replayFailed();
    }

    /** {@return the peer's underlay address, dotted quad} */
    @Managed(description = "The peer's underlay address: outer destination of what this node sends it")
    public String getUnderlayAddress() {
        return peer.underlay().toString();
    }

    /** {@return the overlay subnets routed to this peer, as CIDRs} */
    @Managed(description = "Overlay subnets routed to this peer (CIDRs)")
    public String[] getSubnets() {
        return peer.subnets().stream().map(Ipv4Prefix::toString).toArray(String[]::new);
    }

    /** {@return the tunnel device carrying this peer's traffic ({@code tunl0} in a SHARED mesh)} */
    @Managed(description = "The tunnel device carrying this peer's traffic (tunl0 when the mesh is SHARED)")
    public String getDevice() {
        return device;
    }

    static String subnetList(Peer peer) {
        return peer.subnets().stream().map(Ipv4Prefix::toString).collect(Collectors.joining(","));
    }

    /** This peer's ESP counters from the shared read; zero when the read has none for it. */
    private EncryptionCounters esp() {
        return encryption.current().getOrDefault(peer.name(), EncryptionCounters.ZERO);
    }
}
