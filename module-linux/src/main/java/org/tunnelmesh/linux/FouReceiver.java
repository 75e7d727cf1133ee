package org.tunnelmesh.linux;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.Encapsulation;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.linux.netlink.FouPort;
import org.tunnelmesh.linux.rtnetlink.Link;
import org.tunnelmesh.linux.rtnetlink.TunnelEncap;
import org.tunnelmesh.linux.syscall.NetworkNamespace;

/**
 * The mesh's {@code fou} receive port: with FOU ({@code ip fou add port P ipproto 4}) or GUE ({@code ip fou add port P
 * gue}) the kernel decapsulates what arrives on UDP port P and hands the IPIP inside to the tunnel devices. A kernel
 * object the mesh owns: made at open, adopted when it is there as wanted (a restart: no gap), made again when deleted
 * by hand, removed by purge.
 *
 * <p>A fou port carries no mark of its owner. The mesh's own devices do: the port their encapsulation sends to is the
 * one this mesh received on before (every node uses the same). So a port the devices point at but the configuration no
 * longer wants (a mesh switched to another port, to GUE, or to plain IPIP) is the mesh's to remove, and any other fou
 * port or UDP socket on the wanted number is someone else's: refused before the kernel is changed.
 *
 * <p>The generic netlink family {@code fou} has no multicast group, so nothing reports a deleted port: the kernel
 * watcher asks ({@link #present()}) a few times a second. Used under the mesh's lock; not thread-safe.
 */
final class FouReceiver implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(FouReceiver.class);

    private final MeshConfig config;
    /** The port the configuration wants; null for plain IPIP. */
    private final FouPort wanted;

    private FouPorts ports;
    /** Whether this open made the port, so a failed open removes it again. */
    private boolean created;

    FouReceiver(MeshConfig config) {
        this.config = config;
        this.wanted = portFor(config.encapsulation());
    }

    /** The receive port of an encapsulation; null for none. */
    static FouPort portFor(Encapsulation encapsulation) {
        return switch (encapsulation.type()) {
            case NONE -> null;
            case FOU -> FouPort.ipip(encapsulation.port());
            case GUE -> FouPort.gue(encapsulation.port());
        };
    }

    /** The receive port matching a device's encapsulation; null for none. */
    static FouPort portFor(TunnelEncap encap) {
        return switch (encap.type()) {
            case TunnelEncap.TUNNEL_ENCAP_FOU -> FouPort.ipip(encap.destinationPort());
            case TunnelEncap.TUNNEL_ENCAP_GUE -> FouPort.gue(encap.destinationPort());
            default -> null;
        };
    }

    /** The receive ports the mesh's own devices (tm0, tm-...) send to: those this mesh listened on before. */
    static Set<FouPort> portsOfOurDevices(Collection<Link> links, MeshContext ctx) {
        Set<FouPort> found = new LinkedHashSet<>();
        for (Link link : links) {
            if (link.ipip() != null && (OwnedState.isOurDevice(link, ctx) || OwnedState.isOurSharedDevice(link, ctx))) {
                FouPort port = portFor(link.ipip().encap());
                if (port != null) {
                    found.add(port);
                }
            }
        }
        return found;
    }

    /** The port wanted, or null for plain IPIP. */
    FouPort wanted() {
        return wanted;
    }

    /** The genetlink socket, opened in the mesh's namespace at first use (a plain mesh on a kernel without fou never asks). */
    private FouPorts ports() {
        if (ports == null) {
            ports = config.netns() == null ? FouPorts.open() : NetworkNamespace.call(config.netns(), FouPorts::open);
        }
        return ports;
    }

    /**
     * At open, before anything else is changed: makes or adopts the wanted port. A port of another kind on the wanted
     * number is replaced when the mesh's devices point at it (the mesh switched between FOU and GUE), else refused.
     *
     * @param previous the ports the mesh's devices point at now ({@link #portsOfOurDevices})
     * @return the repairs made, as ip commands
     * @throws ConflictException when the number is another socket's, or a fou port not this mesh's
     * @throws org.tunnelmesh.KernelSupportException when the kernel has no fou
     */
    List<String> claim(Set<FouPort> previous) {
        List<String> repairs = new ArrayList<>();
        if (wanted == null) {
            return repairs;
        }
        Optional<FouPort> there = ports().get(wanted.port());
        if (there.isPresent() && !there.get().equals(wanted) && previous.contains(there.get())) {
            ports().delete(wanted.port());
            repairs.add("ip fou del " + there.get().arguments());
            log.info("fou port {} was this mesh's ({}): replaced by {}", wanted.port(), there.get(), wanted);
        }
        if (ports().ensure(wanted) == FouPorts.Ensured.CREATED) {
            created = true;
            repairs.add("ip fou add " + wanted.arguments());
        }
        return repairs;
    }

    /**
     * After the devices follow the configuration: removes the ports they pointed at before that it no longer wants.
     *
     * @param previous the ports the mesh's devices pointed at when it opened
     * @return the repairs made, as ip commands
     */
    List<String> releaseStale(Set<FouPort> previous) {
        List<String> repairs = new ArrayList<>();
        for (FouPort old : previous) {
            if (wanted != null && old.port() == wanted.port()) {
                continue; // the same number: claim() replaced it already
            }
            if (old.equals(ports().get(old.port()).orElse(null)) && ports().delete(old.port())) {
                repairs.add("ip fou del " + old.arguments());
            }
        }
        return repairs;
    }

    /** A failed open: removes the port when this open made it. */
    void rollback() {
        if (created) {
            try {
                ports().delete(wanted.port());
            } catch (RuntimeException e) {
                log.error("rollback of fou port {} failed: {}", wanted.port(), e.getMessage());
            }
        }
    }

    /**
     * Makes the wanted port again when it is gone.
     *
     * @return the repair, or empty when it was there
     */
    List<String> reconcile() {
        if (wanted == null) {
            return List.of();
        }
        if (ports().get(wanted.port()).isPresent()) {
            return List.of(); // there (another kind on our number is reported by diagnose(): never ours to remove)
        }
        return ports().ensure(wanted) == FouPorts.Ensured.CREATED
                ? List.of("ip fou add " + wanted.arguments())
                : List.of();
    }

    /** Whether the wanted port is there as wanted: one FOU_CMD_GET. True for plain IPIP. */
    boolean present() {
        return wanted == null || wanted.equals(ports().get(wanted.port()).orElse(null));
    }

    /**
     * Removes the wanted port and those the mesh's devices pointed at.
     *
     * @param pointedAt the ports the mesh's devices point at ({@link #portsOfOurDevices}), read before they go
     */
    void purge(Set<FouPort> pointedAt) {
        Set<FouPort> ours = new LinkedHashSet<>(pointedAt);
        if (wanted != null) {
            ours.add(wanted);
        }
        for (FouPort port : ours) {
            if (port.equals(ports().get(port.port()).orElse(null))) {
                ports().delete(port.port());
            }
        }
    }

    /** diagnose() lines: which encapsulation, and whether its port is there. */
    List<String> diagnose() {
        Encapsulation e = config.encapsulation();
        if (wanted == null) {
            return List.of("OK encapsulation: NONE (plain IPIP, IP protocol 4; overhead 20 bytes)");
        }
        List<String> lines = new ArrayList<>();
        lines.add("OK encapsulation: " + e + " (IPIP inside UDP to port " + e.port() + "; overhead " + e.overhead()
                + " bytes); every peer must use the same");
        try {
            FouPort there = ports().get(wanted.port()).orElse(null);
            if (wanted.equals(there)) {
                lines.add("OK fou port: " + wanted.arguments() + " present");
            } else if (there == null) {
                lines.add("FAIL fou port: no fou port " + wanted.port() + ": peers' packets are not decapsulated"
                        + " (reconcile makes it: ip fou add " + wanted.arguments() + ")");
            } else {
                lines.add("FAIL fou port: " + wanted.port() + " is a fou port (" + there.arguments() + ") not this"
                        + " mesh's; delete it (ip fou del port " + wanted.port() + ") or choose another port");
            }
        } catch (RuntimeException ex) {
            lines.add("FAIL fou port: cannot read fou port " + wanted.port() + ": " + ex.getMessage());
        }
        return lines;
    }

    @Override
    public void close() {
        if (ports != null) {
            ports.close();
        }
    }
}
