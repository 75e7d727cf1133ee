package org.tunnelmesh.linux;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.EncryptionKeys;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.internal.CheckedPeers;
import org.tunnelmesh.internal.PeerTable;
import org.tunnelmesh.internal.StateFile;
import org.tunnelmesh.linux.bpf.IpipFilterProgram;
import org.tunnelmesh.linux.netlink.FouPort;
import org.tunnelmesh.linux.netlink.Netlink;
import org.tunnelmesh.linux.netlink.NetlinkSocket;
import org.tunnelmesh.linux.rtnetlink.Address;
import org.tunnelmesh.linux.rtnetlink.KernelErrors;
import org.tunnelmesh.linux.rtnetlink.Link;
import org.tunnelmesh.linux.rtnetlink.RtnetlinkSession;
import org.tunnelmesh.linux.syscall.NetworkNamespace;
import org.tunnelmesh.linux.xfrm.Xfrm;

/**
 * How {@link LinuxTunnelMesh#open} puts a mesh together: checks the starting peers (with those of
 * the state file), opens the sockets in the mesh's namespace, takes the {@link MeshLock}, finds
 * the underlay device, loads the IPIP filter, applies the peers, and starts watching the kernel.
 * The checks come first, so a refusal changes nothing; a failure closes what was opened.
 */
final class MeshAssembly {
    // the mesh's logger: operators select its lines ("mesh '...' open") by that name
    private static final Logger log = LogManager.getLogger(LinuxTunnelMesh.class);

    /** How often a watching mesh with FOU or GUE checks that its receive port is there: a deleted one is back within 1 s. */
    static final int FOU_PORT_POLL_MILLIS = 250;

    private MeshAssembly() {}

    static LinuxTunnelMesh open(MeshConfig config, Collection<Peer> peers) {
        PeerTable table = new PeerTable(config);
        // the node's --peers come checked (CheckedPeers): the table takes them without checking them again
        List<Peer> initial = peers instanceof CheckedPeers checked ? checked : List.copyOf(peers);
        StateJournal journal = new StateJournal(config);
        List<Peer> saved = journal.read();
        if (!saved.isEmpty()) {
            initial = StateFile.startingPeers(saved, initial);
        }
        if (!initial.isEmpty()) {
            try {
                table.checkAdd(initial);
            } catch (InvalidInputException | ConflictException e) {
                throw journal.notFitting(e, saved, peers);
            }
            if (config.mode() == MeshMode.POINT_TO_POINT) {
                PointToPointTopology.checkDeviceNames(Map.of(), initial);
            }
        }
        // read and checked before the kernel: a bad key file changes nothing
        EncryptionKeys keys =
                config.encryptionKeyFile() == null ? null : EncryptionKeys.fromFile(config.encryptionKeyFile());
        long started = System.nanoTime();
        Sockets sockets;
        try {
            sockets = Sockets.open(config);
        } catch (RuntimeException e) {
            throw KernelErrors.translate(e);
        }
        IpipFilter filter = null;
        MeshEncryption encryption = null;
        MeshLock lock = null;
        FouReceiver receiver = new FouReceiver(config);
        try {
            String where = (config.netns() == null ? "this network namespace" : "network namespace " + config.netns())
                    + " (net:[" + sockets.netnsInode + "])";
            lock = MeshLock.acquire(sockets.netnsInode, config.routeProtocol(), config.name(), where);
            KernelState state =
                    new KernelState(sockets.control.links(false), sockets.control.addresses(), List.of(), List.of());
            MeshContext ctx = discover(config, sockets.control, state);
            HostRouteGuard guard = new HostRouteGuard(
                    sockets.control, sockets.hostRoutes, config.routeProtocol(), ctx.underlayIfindex);
            if (!initial.isEmpty()) {
                try {
                    guard.check(initial);
                } catch (InvalidInputException e) {
                    throw journal.notFitting(e, saved, peers);
                }
            }
            // before the kernel: a file that cannot be written fails the open with nothing changed
            journal.save(initial);
            if (keys != null) {
                encryption = MeshEncryption.open(
                        config.netns(),
                        config.underlay(),
                        config.routeProtocol(),
                        MeshEncryption.tunnelProtocol(config),
                        MeshEncryption.tunnelPort(config),
                        keys);
                encryption.probe(); // a kernel without esp4 or the AEAD fails here, before anything changed
            }
            // programs and map first: a kernel without BPF fails here, before anything changed
            long loadStart = System.nanoTime();
            filter = config.ipipFilter() ? IpipFilter.open(ctx, initial.size(), encapsulationPort(config)) : null;
            long filterLoad = System.nanoTime() - loadStart;
            Topology topology =
                    config.mode() == MeshMode.SHARED ? SharedTopology.open(ctx, state) : new PointToPointTopology(ctx);
            // the receive port before the devices send to it; a port someone else holds fails here, nothing changed
            Set<FouPort> previousPorts = FouReceiver.portsOfOurDevices(state.links(), ctx);
            List<String> portRepairs = new ArrayList<>(receiver.claim(previousPorts));
            table.addAll(initial);
            LinuxTunnelMesh mesh = new LinuxTunnelMesh(
                    ctx,
                    topology,
                    table,
                    new KernelReader(sockets.stats),
                    new KernelReader(sockets.snapshots),
                    filter,
                    guard,
                    lock,
                    journal,
                    receiver);
            if (encryption != null) {
                mesh.encrypt(encryption);
            }
            if (journal.persistent()) {
                log.info(
                        "mesh '{}': desired peers kept in state file {} ({} restored from it)",
                        config.name(),
                        journal.path(),
                        saved.size());
            }
            // the peers in the map before the filter is attached, and the filter before the routes
            long filterStart = System.nanoTime();
            List<String> repairs = new ArrayList<>(portRepairs);
            repairs.addAll(filter == null ? List.of() : filter.reconcile(initial));
            long topologyStart = System.nanoTime();
            ctx.describeRepairs = log.isDebugEnabled();
            try {
                if (encryption != null) {
                    repairs.addAll(encryption.reconcile(initial)); // adopted on restart: the same states are kept
                }
                repairs.addAll(topology.reconcile(initial, null));
                if (filter != null) {
                    filter.attachMissing(); // tm0 made just now: guarded before the first peer's packet
                }
            } finally {
                ctx.describeRepairs = true;
            }
            // the devices send elsewhere now: the ports they sent to before go
            repairs.addAll(receiver.releaseStale(previousPorts));
            long end = System.nanoTime();
            log.info(
                    "mesh '{}' open: {}{} on {} (dev {}), tunnel {} mtu {}, {} peer(s){}, {} kernel change(s) in {} ms"
                            + " (the IPIP filter's map and programs {} ms, devices and routes {} ms)",
                    config.name(),
                    config.mode(),
                    config.encapsulation().encapsulates() ? " with " + config.encapsulation() : "",
                    config.underlay(),
                    ctx.underlayDevice,
                    config.tunnelAddress(),
                    ctx.mtu,
                    initial.size(),
                    topology instanceof SharedTopology s && s.usesNexthops() ? " via nexthop objects" : "",
                    repairs.size(),
                    (end - started) / 1_000_000,
                    (topologyStart - filterStart + filterLoad) / 1_000_000,
                    (end - topologyStart) / 1_000_000);
            if (log.isDebugEnabled()) {
                repairs.forEach(r -> log.debug("applied: {}", r));
            }
            mesh.watchHealth();
            if (sockets.events != null) {
                IpipFilter ipipFilter = filter;
                MeshEventFilter eventFilter = new MeshEventFilter(
                        config.routeProtocol(),
                        config.tunnelAddress(),
                        ctx.underlayIfindex,
                        ipipFilter == null ? ifindex -> false : ipipFilter::isGuardedDevice);
                KernelWatcher watcher = new KernelWatcher(
                        sockets.events,
                        sockets.control.portId(),
                        eventFilter::concerns,
                        config.name(),
                        config.resyncInterval().toMillis(),
                        mesh::repairQuietly);
                if (receiver.wanted() != null) {
                    // the fou family has no multicast group: a port deleted by hand is only seen by asking
                    watcher.pollEvery(FOU_PORT_POLL_MILLIS, mesh::receivePortMissing);
                }
                mesh.watch(watcher);
                if (encryption != null) {
                    mesh.watchEncryption(new KernelWatcher(
                            encryption.openEvents(),
                            encryption.portId(),
                            encryption::concerns,
                            config.name() + "-xfrm",
                            0, // the rtnetlink watcher's resync reconciles the states and policies too
                            mesh::repairQuietly,
                            new int[] {Xfrm.XFRMNLGRP_SA, Xfrm.XFRMNLGRP_POLICY}));
                }
            }
            return mesh;
        } catch (RuntimeException e) {
            receiver.rollback();
            receiver.close();
            if (lock != null) {
                lock.close();
            }
            sockets.close();
            if (filter != null) {
                filter.close();
            }
            if (encryption != null) {
                encryption.close();
            }
            throw KernelErrors.translate(e);
        }
    }

    /**
     * The mesh's sockets: control (changes), stats (counters), snapshots (the resync's reads before it takes the lock),
     * events (watching), hostRoutes (route notifications for the {@link HostRouteGuard}, or null); all in the mesh's
     * namespace.
     */
    private record Sockets(
            RtnetlinkSession control,
            RtnetlinkSession stats,
            RtnetlinkSession snapshots,
            NetlinkSocket events,
            NetlinkSocket hostRoutes,
            long netnsInode) {

        static Sockets open(MeshConfig config) {
            if (config.netns() == null) {
                return openHere(config.watchKernel());
            }
            try {
                NetworkNamespace.resolve(config.netns());
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(e.getMessage());
            }
            // one trip into the namespace: a socket stays in the namespace it was made in
            return NetworkNamespace.call(config.netns(), () -> openHere(config.watchKernel()));
        }

        private static Sockets openHere(boolean watch) {
            RtnetlinkSession control = RtnetlinkSession.open();
            RtnetlinkSession stats = null;
            RtnetlinkSession snapshots = null;
            NetlinkSocket hostRoutes = null;
            try {
                stats = RtnetlinkSession.open();
                snapshots = RtnetlinkSession.open();
                hostRoutes = HostRouteGuard.openEvents(control.portId());
                return new Sockets(
                        control,
                        stats,
                        snapshots,
                        watch ? NetlinkSocket.open(Netlink.NETLINK_ROUTE) : null,
                        hostRoutes,
                        NetworkNamespace.currentInode());
            } catch (RuntimeException e) {
                control.close();
                if (stats != null) {
                    stats.close();
                }
                if (snapshots != null) {
                    snapshots.close();
                }
                if (hostRoutes != null) {
                    hostRoutes.close();
                }
                throw e;
            }
        }

        void close() {
            control.close();
            stats.close();
            snapshots.close();
            if (events != null) {
                events.close();
            }
            if (hostRoutes != null) {
                hostRoutes.close();
            }
        }
    }

    /** Finds the underlay device (the one holding our underlay address) and settles the MTU. */
    /** The UDP port the IPIP filter judges like IP protocol 4: the FOU or GUE port, none for plain IPIP. */
    private static int encapsulationPort(MeshConfig config) {
        return config.encapsulation().encapsulates() ? config.encapsulation().port() : IpipFilterProgram.NO_PORT;
    }

    private static MeshContext discover(MeshConfig config, RtnetlinkSession session, KernelState state) {
        Address underlay = null;
        for (Address a : state.addresses()) {
            if (a.address().equals(config.underlay())) {
                underlay = a;
                break;
            }
        }
        String where = config.netns() == null ? "this network namespace" : "network namespace " + config.netns();
        if (underlay == null) {
            throw new InvalidInputException(
                    "underlay " + config.underlay() + " is not an address of any device in " + where);
        }
        Link device = state.link(underlay.ifindex());
        if (device == null) {
            throw new InvalidInputException("the device holding underlay " + config.underlay() + " vanished");
        }
        boolean encrypted = config.encryptionKeyFile() != null;
        int overhead = config.encapsulation().overhead() + (encrypted ? MeshEncryption.ESP_OVERHEAD : 0);
        int maxMtu = device.mtu() - overhead;
        if (config.mtu() > maxMtu) {
            throw new InvalidInputException("MTU " + config.mtu() + " is too big: underlay device " + device.name()
                    + " has MTU " + device.mtu() + ", so the tunnel can carry at most " + maxMtu
                    + (config.encapsulation().encapsulates() || encrypted
                            ? " (" + (config.encapsulation().encapsulates() ? config.encapsulation() : "IPIP")
                                    + (encrypted ? " and ESP" : "") + " take " + overhead + " bytes)"
                            : ""));
        }
        int mtu = config.mtu() != 0 ? config.mtu() : maxMtu;
        if (mtu < MeshConfig.MIN_MTU) {
            throw new InvalidInputException("underlay device " + device.name() + " has MTU " + device.mtu()
                    + ", too small for a tunnel (needs at least " + (MeshConfig.MIN_MTU + overhead)
                    + ")");
        }
        return new MeshContext(config, session, device.ifindex(), device.name(), mtu);
    }
}
