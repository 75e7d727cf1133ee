package org.tunnelmesh.jmx;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.management.MBeanException;
import javax.management.MBeanOperationInfo;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import javax.management.openmbean.TabularData;
import javax.management.openmbean.TabularDataSupport;
import javax.management.openmbean.TabularType;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.LinkCounters;
import org.tunnelmesh.Peer;
import org.tunnelmesh.PeerSpec;
import org.tunnelmesh.TunnelDevice;
import org.tunnelmesh.TunnelMesh;
import org.weakref.jmx.Managed;

/**
 * The mesh itself ({@code org.tunnelmesh:type=Mesh,name=<mesh>}).
 *
 * <p>Errors cross the wire as standard types: a bad argument arrives as an {@link MBeanException}
 * carrying the mesh's message, wrapping an {@link IllegalArgumentException} with the same message
 * (an {@link IllegalStateException} for a kernel failure or a closed mesh), never a tunnelmesh class a remote
 * client could not deserialize. The mesh validates before it changes anything, so a rejected
 * call leaves it as it was. Peer and device MBeans follow these calls through the mesh's
 * listener, as they follow calls made from Java.
 */
@ManagedDescription(
        description =
                "One node's side of an IPIP tunnel mesh: its settings, its peers, and the operations that change them")
public final class ManagedMesh {

    // JConsole and Jolokia show a row's items sorted by name (CompositeType keeps them sorted): the
    // numbers put them in the order a person reads a peer, name and underlay first.
    static final String[] PEER_COLUMNS = {
        "1 name", "2 underlay", "3 subnets", "4 device", "5 rx bytes", "6 rx packets", "7 tx bytes", "8 tx packets"
    };
    private static final TabularType PEERS_TYPE = peersType();
    static final int REPORT_WIDTH = 52;
    private static final String CONTINUATION = "    ";

    private final TunnelMesh mesh;
    private final MeshMBeans mbeans;
    private final DeviceSnapshots snapshots;

    ManagedMesh(TunnelMesh mesh, MeshMBeans mbeans, DeviceSnapshots snapshots) {
        this.mesh = mesh;
        this.mbeans = mbeans;
        this.snapshots = snapshots;
    }

    /** {@return {@code SHARED} or {@code POINT_TO_POINT}, the mesh's mode (attribute {@code Mode})} */
    @Managed(description = "SHARED: one tunl0 carries every peer; POINT_TO_POINT: one ipip device per peer")
    public String getMode() {
        return mesh.config().mode().name();
    }

    /** {@return {@code NONE}, {@code FOU:<port>} or {@code GUE:<port>}, how IPIP crosses the underlay (attribute {@code Encapsulation})} */
    @Managed(
            description =
                    "How IPIP crosses the underlay: NONE (IP protocol 4), FOU:<port> or GUE:<port> (inside UDP to that port)")
    public String getEncapsulation() {
        return mesh.config().encapsulation().toString();
    }

    /** {@return this node's underlay address, dotted quad (attribute {@code UnderlayAddress})} */
    @Managed(description = "This node's underlay address: the outer source of what it sends")
    public String getUnderlayAddress() {
        return mesh.config().underlay().toString();
    }

    /** {@return the /32 overlay address on the tunnel device(s), dotted quad (attribute {@code TunnelAddress})} */
    @Managed(description = "The /32 overlay address on the tunnel device(s)")
    public String getTunnelAddress() {
        return mesh.config().tunnelAddress().toString();
    }

    /** {@return the tunnel MTU in effect, bytes (attribute {@code Mtu})} */
    @Managed(description = "Tunnel MTU in effect")
    public int getMtu() {
        return mesh.mtu();
    }

    /** {@return the state file's absolute path, or {@code memory only} (attribute {@code StateFile})} */
    @Managed(
            description = "Where the desired peer set is kept across restarts: the state file's path, "
                    + "or 'memory only' when runtime changes are lost on restart")
    public String getStateFile() {
        java.nio.file.Path file = mesh.config().stateFile();
        return file == null ? "memory only" : file.toAbsolutePath().normalize().toString();
    }

    /** {@return how many repairs of kernel drift were made since the MBeans were exported (attribute {@code RepairCount})} */
    @Managed(
            description =
                    "Kernel drift repaired since the MBeans were exported (each also sent as a MeshEvents notification)")
    public long getRepairCount() {
        return mbeans.repairCount();
    }

    /**
     * {@return IPIP packets the mesh's IPIP filter dropped, from sources that are not peers or arriving on another link
     * (attribute {@code RejectedPackets}; 0 without the filter)}
     */
    @Managed(
            description =
                    "IPIP packets the mesh's IPIP filter dropped: from sources that are not peers (at the underlay device), and arriving on any other link (at tunl0)")
    public long getRejectedPackets() {
        return mbeans.traffic().current().rejectedPackets();
    }

    /** {@return the bytes (outer IPv4 length) of those packets (attribute {@code RejectedBytes})} */
    @Managed(description = "Bytes (outer IPv4 length) of the IPIP packets the mesh's IPIP filter dropped")
    public long getRejectedBytes() {
        return mbeans.traffic().current().rejectedBytes();
    }

    /** {@return {@code NONE}, or the AEAD protecting the tunnel packets, e.g. {@code rfc4106(gcm(aes))} (attribute {@code Encryption})} */
    @Managed(
            description =
                    "NONE, or the AEAD of the IPsec ESP (transport mode) that protects every tunnel packet between this node and its peers")
    public String getEncryption() {
        return mesh.encryption();
    }

    /**
     * {@return tunnel packets the kernel dropped because a peer sent them without the mesh's encryption, -1 when the
     * mesh does not encrypt (attribute {@code UnprotectedRejectedPackets})}
     */
    @Managed(
            description =
                    "Tunnel packets the kernel dropped because they came from a peer without ESP (the inbound policy requires it; XfrmInTmplMismatch); -1 when the mesh does not encrypt")
    public long getUnprotectedRejectedPackets() {
        return mesh.unprotectedRejectedPackets();
    }

    /** {@return the number of peers (attribute {@code PeerCount})} */
    @Managed(description = "Number of peers")
    public int getPeerCount() {
        return mesh.peers().size();
    }

    /** {@return the names of the peers that missed the configured intervals (attribute {@code UnreachablePeers})} */
    @Managed(
            description =
                    "Peers that missed the configured number of intervals (nothing through the mesh, probes unanswered); empty when all answer or the mesh watches no health")
    public String[] getUnreachablePeers() {
        try {
            return mesh.peerHealth().stream()
                    .filter(h -> h.state() == org.tunnelmesh.PeerHealth.State.UNREACHABLE)
                    .map(org.tunnelmesh.PeerHealth::name)
                    .toArray(String[]::new);
        } catch (UnsupportedOperationException e) {
            return new String[0];
        }
    }

    /** {@return the peers' names, in the order they were added (attribute {@code PeerNames})} */
    @Managed(description = "Peer names, in the order they were added")
    public String[] getPeerNames() {
        return mesh.peers().stream().map(Peer::name).toArray(String[]::new);
    }

    /**
     * {@return one row per peer, indexed by name: name, underlay, subnets, device, and that device's rx/tx bytes and
     * packets (attribute {@code Peers}; in SHARED mode every row shows tunl0's counters)}
     */
    @Managed(
            description =
                    "One row per peer, indexed by name: 1 name, 2 underlay, 3 subnets, 4 device, 5-8 that device's rx/tx bytes and packets. "
                            + "In SHARED mode every peer's device is tunl0, so the counters are tunl0's, shared by all peers.")
    public TabularData getPeers() {
        Map<String, TunnelDevice> devices = snapshots.current();
        TabularDataSupport table = new TabularDataSupport(PEERS_TYPE);
        for (Peer peer : mesh.peers()) {
            String device = mbeans.deviceOf(peer.name());
            if (device == null) {
                continue; // removed while we were reading
            }
            TunnelDevice tunnel = devices.get(device);
            LinkCounters counters = tunnel == null ? LinkCounters.ZERO : tunnel.counters();
            try {
                table.put(new CompositeDataSupport(PEERS_TYPE.getRowType(), PEER_COLUMNS, new Object[] {
                    peer.name(),
                    peer.underlay().toString(),
                    ManagedPeer.subnetList(peer),
                    device,
                    counters.rxBytes(),
                    counters.rxPackets(),
                    counters.txBytes(),
                    counters.txPackets()
                }));
            } catch (OpenDataException e) {
                throw new IllegalStateException(e);
            }
        }
        return table;
    }

    /**
     * Adds a peer, as {@link org.tunnelmesh.TunnelMesh#addPeer}.
     *
     * @param name the peer's name: letters, digits, '_', '.', '-'
     * @param underlay the peer's underlay address, dotted quad
     * @param subnets the overlay subnets routed to the peer: CIDRs separated by commas
     * @throws MBeanException carrying the mesh's message: wrapping an {@link IllegalArgumentException} for a bad
     *     argument or a conflict (nothing changed), an {@link IllegalStateException} for a refusal of the kernel
     */
    @Managed(
            description =
                    "Adds a peer: routes its subnets through the tunnel (and, POINT_TO_POINT, creates its device)")
    @ManagedImpact(MBeanOperationInfo.ACTION)
    public void addPeer(
            @ManagedDescription(description = "peer name: letters, digits, '_', '.', '-'") String name,
            @ManagedDescription(description = "the peer's underlay IPv4 address, e.g. 10.245.1.3") String underlay,
            @ManagedDescription(description = "overlay subnets routed to the peer: CIDRs separated by commas")
                    String subnets)
            throws MBeanException {
        try {
            mesh.addPeer(Peer.of(name, underlay, subnets));
        } catch (RuntimeException e) {
            throw rejected(e);
        }
    }

    /**
     * Adds many peers, all or none, as {@link org.tunnelmesh.TunnelMesh#addPeers}.
     *
     * @param peers {@value PeerSpec#FORMAT} entries separated by ';' or white space
     * @throws MBeanException carrying the mesh's message: wrapping an {@link IllegalArgumentException} for a bad
     *     argument or a conflict (nothing changed), an {@link IllegalStateException} for a refusal of the kernel
     */
    @Managed(description = "Adds many peers, all or none: " + PeerSpec.FORMAT + " entries separated by ';' or spaces")
    @ManagedImpact(MBeanOperationInfo.ACTION)
    public void addPeers(
            @ManagedDescription(description = "e.g. node2@10.245.1.3=192.168.42.0/24;node3@10.245.1.4=192.168.43.0/24")
                    String peers)
            throws MBeanException {
        try {
            mesh.addPeers(PeerSpec.parseList(peers));
        } catch (RuntimeException e) {
            throw rejected(e);
        }
    }

    /**
     * Removes a peer, as {@link org.tunnelmesh.TunnelMesh#removePeer}.
     *
     * @param name the peer's name
     * @throws MBeanException carrying the mesh's message: wrapping an {@link IllegalArgumentException} for a bad
     *     argument or a conflict (nothing changed), an {@link IllegalStateException} for a refusal of the kernel
     */
    @Managed(description = "Removes a peer's routes (and its device, POINT_TO_POINT)")
    @ManagedImpact(MBeanOperationInfo.ACTION)
    public void removePeer(@ManagedDescription(description = "name of the peer to remove") String name)
            throws MBeanException {
        try {
            mesh.removePeer(name);
        } catch (RuntimeException e) {
            throw rejected(e);
        }
    }

    /**
     * Removes many peers, all or none, as {@link org.tunnelmesh.TunnelMesh#removePeers}.
     *
     * @param names peer names separated by commas
     * @throws MBeanException carrying the mesh's message: wrapping an {@link IllegalArgumentException} for a bad
     *     argument or a conflict (nothing changed), an {@link IllegalStateException} for a refusal of the kernel
     */
    @Managed(description = "Removes many peers, all or none")
    @ManagedImpact(MBeanOperationInfo.ACTION)
    public void removePeers(@ManagedDescription(description = "peer names separated by commas") String names)
            throws MBeanException {
        try {
            mesh.removePeers(nameList(names));
        } catch (RuntimeException e) {
            throw rejected(e);
        }
    }

    /**
     * Repairs kernel drift now, as {@link org.tunnelmesh.TunnelMesh#reconcile}.
     *
     * @return the number of repairs made
     * @throws MBeanException carrying the mesh's message, wrapping an {@link IllegalStateException}, when the kernel
     *     refused a repair
     */
    @Managed(
            description = "Compares the kernel with the mesh and repairs the difference; returns the number of repairs")
    @ManagedImpact(MBeanOperationInfo.ACTION)
    public int reconcile() throws MBeanException {
        try {
            return mesh.reconcile();
        } catch (RuntimeException e) {
            throw rejected(e);
        }
    }

    /**
     * Reads the encryption key file again and applies it, as {@link org.tunnelmesh.TunnelMesh#reloadEncryptionKeys}.
     *
     * @throws MBeanException carrying the mesh's message: wrapping an {@link IllegalArgumentException} for a bad key
     *     file or a mesh that does not encrypt (nothing changed), an {@link IllegalStateException} when the kernel
     *     refused a change
     */
    @Managed(
            description =
                    "Reads the encryption key file again (first line encrypts, every line decrypts) and applies it without losing a packet: states for new keys first, old keys' states removed after a grace period")
    @ManagedImpact(MBeanOperationInfo.ACTION)
    public void reloadEncryptionKeys() throws MBeanException {
        try {
            mesh.reloadEncryptionKeys();
        } catch (RuntimeException e) {
            throw rejected(e);
        }
    }

    /**
     * Removes everything the mesh owns from the kernel, as {@link org.tunnelmesh.TunnelMesh#purge}: traffic to every
     * peer stops.
     *
     * @param confirmMeshName the mesh's name, typed again so a stray call cannot purge
     * @throws MBeanException wrapping an {@link IllegalArgumentException} when {@code confirmMeshName} is not the mesh's
     *     name (nothing changed), an {@link IllegalStateException} when the kernel refused a delete
     */
    @Managed(
            description =
                    "Removes everything this mesh owns from the kernel - routes, devices, addresses - so traffic to every peer "
                            + "stops. The mesh stays, empty. Refused unless confirmMeshName is this mesh's name")
    @ManagedImpact(MBeanOperationInfo.ACTION)
    public void purge(
            @ManagedDescription(description = "this mesh's name (the name= of this MBean), typed to confirm")
                    String confirmMeshName)
            throws MBeanException {
        String meshName = mesh.config().name();
        if (!meshName.equals(confirmMeshName)) {
            throw rejected(new InvalidInputException("purge refused: confirmMeshName '" + confirmMeshName
                    + "' is not this mesh's name (" + meshName + ")"));
        }
        try {
            mesh.purge();
        } catch (RuntimeException e) {
            throw rejected(e);
        }
    }

    /**
     * What the kernel offers and what may stop traffic, as {@link org.tunnelmesh.TunnelMesh#diagnose}.
     *
     * @return the findings, one a line (wrapped at {@value #REPORT_WIDTH} characters for JConsole's dialog), each
     *     beginning with OK, WARN or FAIL
     * @throws MBeanException wrapping an {@link IllegalStateException} when a read of the kernel failed
     */
    @Managed(
            description =
                    "What the kernel offers and what may stop traffic: one finding per line, each beginning with OK, WARN or FAIL")
    @ManagedImpact(MBeanOperationInfo.INFO)
    public String diagnose() throws MBeanException {
        try {
            return report(mesh.diagnose());
        } catch (RuntimeException e) {
            throw rejected(e);
        }
    }

    /**
     * The findings as one text, each wrapped at {@link #REPORT_WIDTH} characters with its
     * continuation lines indented. JConsole shows a String result in a dialog 400 pixels wide
     * (a String[] in one that opens scrolled to its end), so only a text this narrow is seen
     * whole there; Jolokia and jmxterm show it as it is.
     */
    static String report(List<String> findings) {
        StringBuilder text = new StringBuilder();
        for (String finding : findings) {
            int column = 0;
            for (String word : finding.strip().split(" +")) {
                if (column > 0 && column + 1 + word.length() > REPORT_WIDTH) {
                    text.append('\n').append(CONTINUATION);
                    column = CONTINUATION.length();
                } else if (column > 0) {
                    text.append(' ');
                    column++;
                }
                text.append(word);
                column += word.length();
            }
            text.append('\n');
        }
        return text.toString();
    }

    private static List<String> nameList(String names) {
        List<String> list = new ArrayList<>();
        if (names != null) {
            for (String name : names.split(",")) {
                if (!name.isBlank()) {
                    list.add(name.strip());
                }
            }
        }
        if (list.isEmpty()) {
            throw new InvalidInputException("no peer names given: expected names separated by commas");
        }
        return list;
    }

    /**
     * Re-expresses a failure in standard types, keeping its message: a client has none of our
     * classes (a MeshClosedException would not deserialize). jmxutils passes an MBeanException
     * through unchanged, so the client sees the message at the top ("mesh 'edge' is closed"), not
     * jmxutils' generic "RuntimeException occurred while invoking"; over Jolokia the standard
     * type and the message are what the error names.
     */
    static MBeanException rejected(RuntimeException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        RuntimeException standard = e instanceof InvalidInputException
                        || e instanceof ConflictException
                        || e instanceof IllegalArgumentException
                ? new IllegalArgumentException(message)
                : new IllegalStateException(message);
        return new MBeanException(standard, message);
    }

    private static TabularType peersType() {
        try {
            CompositeType row = new CompositeType(
                    "org.tunnelmesh.PeerRow",
                    "A peer and the counters of its device",
                    PEER_COLUMNS,
                    new String[] {
                        "peer name",
                        "underlay address",
                        "overlay subnets, comma-separated",
                        "device carrying its traffic",
                        "bytes received by the device",
                        "packets received by the device",
                        "bytes sent by the device",
                        "packets sent by the device"
                    },
                    new OpenType<?>[] {
                        SimpleType.STRING,
                        SimpleType.STRING,
                        SimpleType.STRING,
                        SimpleType.STRING,
                        SimpleType.LONG,
                        SimpleType.LONG,
                        SimpleType.LONG,
                        SimpleType.LONG
                    });
            return new TabularType(
                    "org.tunnelmesh.Peers", "The peers of the mesh", row, new String[] {PEER_COLUMNS[0]});
        } catch (OpenDataException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
