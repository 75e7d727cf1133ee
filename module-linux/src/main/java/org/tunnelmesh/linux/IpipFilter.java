package org.tunnelmesh.linux;

import static org.tunnelmesh.linux.tc.Tc.*;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.KernelSupportException;
import org.tunnelmesh.Peer;
import org.tunnelmesh.PeerCounters;
import org.tunnelmesh.PermissionDeniedException;
import org.tunnelmesh.TrafficCounters;
import org.tunnelmesh.TunnelMeshException;
import org.tunnelmesh.linux.bpf.BpfProgram;
import org.tunnelmesh.linux.bpf.IpipFilterProgram;
import org.tunnelmesh.linux.bpf.PeerMap;
import org.tunnelmesh.linux.bpf.RejectedCounters;
import org.tunnelmesh.linux.netlink.BatchOutcome;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;
import org.tunnelmesh.linux.rtnetlink.KernelErrors;
import org.tunnelmesh.linux.syscall.BpfSyscall.BpfException;
import org.tunnelmesh.linux.syscall.Errno;
import org.tunnelmesh.linux.syscall.Native;
import org.tunnelmesh.linux.tc.TcObject;
import org.tunnelmesh.linux.tc.TcRequests;

/**
 * The mesh's IPIP source filter: two tc programs on the underlay device's clsact qdisc (ingress
 * drops IPIP from non-peers and counts, egress counts), the peer map they share, and a third
 * program on tunl0's ingress that drops what was decapsulated without coming in through the
 * underlay's filter (IPIP that arrived on any other link; see {@link IpipFilterProgram}). The map
 * holds exactly the mesh's peers: it changes in the same call as the routes and is rolled back with
 * them. What is dropped is counted in {@link RejectedCounters}, which outlives map growth. A node
 * with more uplinks lists them ({@link org.tunnelmesh.MeshConfig#extraUnderlayDevices()}): each
 * gets the underlay device's two programs, so peers pass and count there too. With an
 * encapsulation port (FOU or GUE), IPv4 UDP to that port is judged and counted as IPIP is: from a
 * non-peer it is dropped before the fou socket could decapsulate it; and the third program also
 * guards {@value #ENCAP_SHARED_DEVICE}, the SHARED mesh's one-to-many device then, which takes
 * what fou decapsulates from any link.
 *
 * <p>Ours on the underlay device and on tunl0: bpf filters with protocol ip, priority = the mesh's
 * route protocol id, handle 1, named {@code tunnelmesh:<mesh>} (any mesh name: a renamed mesh adopts
 * them). Other filters and qdiscs are never touched; a clsact qdisc is removed by {@link #purge()}
 * only when no filter of anyone is left on it. Meshes of other route protocols may have their
 * filter on tunl0 beside ours: each passes what carries the stamp, whichever underlay stamped it.
 *
 * <p>A restart loads fresh programs and a fresh map (filled before it is attached) and replaces
 * the old filters in place: cls_bpf swaps the program under RCU, so no packet goes unfiltered.
 * Counters start from zero then.
 */
final class IpipFilter implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(IpipFilter.class);
    /**
     * The smallest map: room for 1023 peers. The kernel preallocates every element (about 90 bytes),
     * so the map is sized to the mesh - the next power of two above its peers - and replaced by one
     * twice as big when it fills up.
     */
    static final int MIN_CAPACITY = 1024;

    static final int HANDLE = 1;
    /** The one-to-many ipip device of a SHARED mesh with encapsulation (CONTRACT.md: {@code --encap}). */
    static final String ENCAP_SHARED_DEVICE = "tm0";

    static final String NAME_PREFIX = "tunnelmesh:";
    static final String TURN_OFF = "; to run without the IPIP filter (SHARED mode then accepts IPIP from any source),"
            + " set MeshConfig.ipipFilter(false) (node: --no-ipip-filter)";

    private final MeshContext ctx;
    /** Map and programs: replaced together when the map grows. */
    private PeerMap map;

    private BpfProgram ingress;
    private BpfProgram egress;
    /** Kept when the map grows: the programs of every size count into them. */
    private final RejectedCounters rejected;

    private final BpfProgram tunnel;
    /** tunl0's and the extra underlay devices' ifindexes, as last seen (read by the watcher's thread). */
    private volatile Set<Integer> otherDevices = Set.of();

    private final int priority;
    private final String name;
    /** The FOU/GUE port whose UDP the underlay's programs judge as IPIP; {@link IpipFilterProgram#NO_PORT}: IPIP only. */
    private final int encapPort;
    /** Underlay addresses in the map. */
    private final Set<Integer> allowed = new HashSet<>();
    /** The map was just made and is empty: the first reconcile need not read it. */
    private boolean fresh = true;

    private IpipFilter(MeshContext ctx, Loaded loaded, RejectedCounters rejected, BpfProgram tunnel, int encapPort) {
        this.ctx = ctx;
        this.encapPort = encapPort;
        this.map = loaded.map;
        this.ingress = loaded.ingress;
        this.egress = loaded.egress;
        this.rejected = rejected;
        this.tunnel = tunnel;
        this.priority = ctx.protocol();
        this.name = NAME_PREFIX + ctx.config.name();
    }

    /**
     * Creates the map and loads both programs; attaches nothing yet.
     *
     * @param encapPort the UDP port the mesh's IPIP arrives on inside FOU or GUE (1-65535): UDP to it is judged
     *     and counted as IPIP is, on top of IPIP; {@link IpipFilterProgram#NO_PORT} (0) for plain IPIP
     * @throws KernelSupportException naming what the kernel or the process lacks, and how to go without
     */
    static IpipFilter open(MeshContext ctx, int peers, int encapPort) {
        if (encapPort < IpipFilterProgram.NO_PORT || encapPort > 65535) {
            throw new InvalidInputException("the IPIP filter's encapsulation port " + encapPort
                    + " is not a UDP port: give 1-65535 (the FOU or GUE port), or 0 for plain IPIP");
        }
        Throwable unavailable = Native.unavailabilityCause();
        if (unavailable != null) {
            throw new KernelSupportException("the IPIP filter needs bpf(2): " + unavailable.getMessage() + TURN_OFF);
        }
        for (String device : ctx.config.extraUnderlayDevices()) {
            if (device.equals(ctx.underlayDevice)) {
                throw new InvalidInputException("extra underlay device '" + device + "' is the underlay device"
                        + " already (it holds " + ctx.config.underlay() + "): drop it from the list");
            }
            if (ctx.session.link(device).isEmpty()) {
                throw new InvalidInputException("extra underlay device '" + device + "' is not a device in "
                        + (ctx.config.netns() == null
                                ? "this network namespace"
                                : "network namespace " + ctx.config.netns())
                        + "; create it first, or drop it from the list");
            }
        }
        RejectedCounters rejected;
        try {
            rejected = RejectedCounters.create("tm_rej_" + ctx.config.name());
        } catch (BpfException e) {
            throw bpfRefused("the IPIP filter cannot create its BPF array map: " + e.getMessage(), e.errno(), e);
        }
        Loaded loaded = null;
        try {
            loaded = load(ctx, peers, rejected, encapPort);
            BpfProgram tunnel = loadProgram("tm_ipip_tun", IpipFilterProgram.tunnelIngress(rejected.fd()));
            return new IpipFilter(ctx, loaded, rejected, tunnel, encapPort);
        } catch (RuntimeException e) {
            if (loaded != null) {
                loaded.close();
            }
            rejected.close();
            throw e;
        }
    }

    private static BpfProgram loadProgram(String name, byte[] instructions) {
        try {
            return BpfProgram.loadSchedCls(name, instructions);
        } catch (BpfProgram.ProgramRefusedException e) {
            throw bpfRefused("the IPIP filter's tc program was refused: " + e.getMessage(), e.errno(), e);
        }
    }

    private record Loaded(PeerMap map, BpfProgram ingress, BpfProgram egress) {
        void close() {
            ingress.close();
            egress.close();
            map.close();
        }
    }

    /** A map with room for {@code peers} (and as many again), and both underlay programs bound to it. */
    private static Loaded load(MeshContext ctx, int peers, RejectedCounters rejected, int encapPort) {
        int capacity = MIN_CAPACITY;
        while (capacity < peers + 1L) {
            capacity *= 2;
        }
        PeerMap map;
        try {
            map = PeerMap.create("tm_" + ctx.config.name(), capacity - 1);
        } catch (BpfException e) {
            throw bpfRefused("the IPIP filter cannot create its BPF hash map: " + e.getMessage(), e.errno(), e);
        }
        BpfProgram in = null;
        try {
            in = loadProgram("tm_ipip_in", IpipFilterProgram.ingress(map.fd(), rejected.fd(), encapPort));
            BpfProgram out = loadProgram("tm_ipip_out", IpipFilterProgram.egress(map.fd(), encapPort));
            return new Loaded(map, in, out);
        } catch (RuntimeException e) {
            if (in != null) {
                in.close();
            }
            map.close();
            throw e;
        }
    }

    /**
     * Makes room for {@code peers}: a map twice the size with the same entries and counters, new
     * programs bound to it, and both filters replaced in place (cls_bpf swaps programs under RCU).
     * Packets counted in the old map between the copy and the swap are not carried over.
     *
     * @param replaceFilters false when {@link #attach()} follows and puts the new programs in
     */
    private void grow(int peers, boolean replaceFilters) {
        Loaded bigger = load(ctx, 2 * peers, rejected, encapPort);
        try {
            bigger.map.putAll(map.readAll());
            if (replaceFilters) {
                NetlinkMessageBuilder batch = ctx.session.batch();
                for (Map.Entry<Hook, BpfProgram> e : wanted().entrySet()) {
                    BpfProgram program =
                            e.getValue() == ingress ? bigger.ingress : e.getValue() == egress ? bigger.egress : null;
                    if (program != null) {
                        Hook hook = e.getKey();
                        TcRequests.addBpfFilter(
                                batch,
                                TcRequests.REPLACE,
                                hook.ifindex(),
                                hook.parent(),
                                priority,
                                HANDLE,
                                program.fd(),
                                name);
                    }
                }
                ctx.session.execute(batch);
            }
        } catch (RuntimeException e) {
            bigger.close();
            throw e;
        }
        Loaded old = new Loaded(map, ingress, egress);
        map = bigger.map;
        ingress = bigger.ingress;
        egress = bigger.egress;
        old.close();
        log.info("IPIP filter map grown to room for {} peers", map.maxPeers());
    }

    /**
     * A refused bpf(2) call as the API's exception: the missing privilege (EPERM, EACCES) a
     * {@link PermissionDeniedException}, what the kernel lacks a {@link KernelSupportException}.
     */
    private static TunnelMeshException bpfRefused(String what, int errno, Throwable cause) {
        String message = what + ". " + bpfAdvice(errno) + TURN_OFF;
        return Errno.EPERM.is(errno) || Errno.EACCES.is(errno)
                ? new PermissionDeniedException(message, cause)
                : new KernelSupportException(message, cause);
    }

    private static String bpfAdvice(int errno) {
        Errno known = Errno.of(errno);
        if (known == null) {
            return "See the kernel's answer above";
        }
        return switch (known) {
            case EPERM, EACCES -> Capabilities.bpfPermissionAdvice(Capabilities.effective());
            case ENOSYS -> "This kernel is built without CONFIG_BPF_SYSCALL";
            case EINVAL -> "This kernel lacks a BPF feature the filter uses (batch operations on hash maps: 5.6+)";
            default -> "See the kernel's answer above";
        };
    }

    /** Adds the peers' underlays to the map, all or none. */
    void add(Collection<Peer> peers) {
        List<Integer> keys = new ArrayList<>(peers.size());
        for (Peer peer : peers) {
            keys.add(peer.underlay().bits());
        }
        fresh = false;
        if (allowed.size() + keys.size() > map.maxPeers()) {
            grow(allowed.size() + keys.size(), true);
        }
        try {
            map.add(keys);
        } catch (BpfException e) {
            throw new ConflictException(
                    "adding " + keys.size() + " peer(s) to the IPIP filter's map failed: " + e.getMessage());
        }
        allowed.addAll(keys);
    }

    /** Removes the peers' underlays from the map; traffic from them is dropped from now on. */
    void remove(Collection<Peer> peers) {
        List<Integer> keys = new ArrayList<>(peers.size());
        for (Peer peer : peers) {
            keys.add(peer.underlay().bits());
        }
        allowed.removeAll(keys);
        map.remove(keys);
    }

    /**
     * Makes the map hold exactly {@code peers}, and puts back the clsact qdisc and our two filters
     * when they are missing or hold another program (an earlier run's, at open).
     *
     * @return the repairs made, as tc commands
     */
    List<String> reconcile(Collection<Peer> peers) {
        List<String> repairs = new ArrayList<>();
        Set<Integer> wanted = new HashSet<>();
        for (Peer peer : peers) {
            wanted.add(peer.underlay().bits());
        }
        if (fresh) {
            refuseAnotherMeshsFilter();
        }
        Set<Integer> inMap = fresh ? Set.of() : map.keys();
        fresh = false;
        List<Integer> stale = new ArrayList<>();
        for (int key : inMap) {
            if (!wanted.remove(key)) {
                stale.add(key);
            }
        }
        if (!stale.isEmpty()) {
            map.remove(stale);
            repairs.add("bpf map: " + stale.size() + " address(es) of non-peers removed");
        }
        if (inMap.size() - stale.size() + wanted.size() > map.maxPeers()) {
            grow(peers.size(), false);
        }
        if (!wanted.isEmpty()) {
            map.add(new ArrayList<>(wanted));
            repairs.add("bpf map: " + wanted.size() + " peer address(es) put back");
        }
        allowed.clear();
        for (Peer peer : peers) {
            allowed.add(peer.underlay().bits());
        }
        repairs.addAll(attach());
        return repairs;
    }

    /** Where a program of ours hangs: a device and its ingress or egress hook. */
    private record Hook(int ifindex, String device, int parent) {
        String describe() {
            return hookName(parent) + " filter on " + device;
        }
    }

    /**
     * Our filters and their programs: the underlay device's two, the same two on each extra
     * underlay device there is, and tunl0's ingress when there is a tunl0.
     */
    private Map<Hook, BpfProgram> wanted() {
        Map<Hook, BpfProgram> wanted = new java.util.LinkedHashMap<>();
        for (Hook device : underlayDevices()) {
            wanted.put(new Hook(device.ifindex(), device.device(), INGRESS), ingress);
            wanted.put(new Hook(device.ifindex(), device.device(), EGRESS), egress);
        }
        for (String device : tunnelDevices()) {
            int ifindex = ctx.session.link(device).map(l -> l.ifindex()).orElse(0);
            if (ifindex != 0) {
                wanted.put(new Hook(ifindex, device, INGRESS), tunnel);
            }
        }
        Set<Integer> others = new HashSet<>();
        wanted.keySet().forEach(h -> others.add(h.ifindex()));
        others.remove(ctx.underlayIfindex);
        otherDevices = Set.copyOf(others);
        return wanted;
    }

    /**
     * The devices that decapsulate IPIP from any source: tunl0, and with an encapsulation port the
     * SHARED mesh's one-to-many device tm0 (local = underlay, no remote), which the kernel picks
     * before tunl0 for IPIP to the underlay address, plain or out of the fou port, from any link.
     */
    private List<String> tunnelDevices() {
        return encapPort == IpipFilterProgram.NO_PORT
                ? List.of(DeviceNames.FALLBACK)
                : List.of(DeviceNames.FALLBACK, ENCAP_SHARED_DEVICE);
    }

    /** The underlay device and the extra underlay devices that exist now (parent 0: the device, no hook). */
    private List<Hook> underlayDevices() {
        List<Hook> devices = new ArrayList<>();
        devices.add(new Hook(ctx.underlayIfindex, ctx.underlayDevice, 0));
        for (String name : ctx.config.extraUnderlayDevices()) {
            ctx.session.link(name).ifPresent(l -> devices.add(new Hook(l.ifindex(), name, 0)));
        }
        return devices;
    }

    /** True for tunl0 and the extra underlay devices as last seen: their tc events concern the mesh, as the underlay's do. */
    boolean isGuardedDevice(int ifindex) {
        return otherDevices.contains(ifindex);
    }

    /** Our filter on each hook as the kernel has it now; absent when missing. */
    private Map<Hook, TcObject> ourFilters(java.util.Collection<Hook> hooks) {
        Map<Hook, TcObject> ours = new HashMap<>();
        for (Hook hook : hooks) {
            for (TcObject f : filters(hook.ifindex(), hook.parent())) {
                if (isOurs(f)) {
                    ours.put(hook, f);
                }
            }
        }
        return ours;
    }

    private List<TcObject> filters(int ifindex, int hook) {
        // handle 0 entries are the filter chains' headers, not filters
        List<TcObject> all = ctx.session.dump(b -> TcRequests.dumpFilters(b, ifindex, hook), TcObject::parse);
        all.removeIf(f -> f == null || f.handle() == 0);
        return all;
    }

    /** Ours by priority (= route protocol: one mesh per namespace and protocol), handle and name prefix, whatever the mesh's name was. */
    private boolean isOurs(TcObject f) {
        return isMeshFilter(f) && f.priority() == priority && f.handle() == HANDLE;
    }

    private static boolean isMeshFilter(TcObject f) {
        return "bpf".equals(f.kind()) && f.name() != null && f.name().startsWith(NAME_PREFIX);
    }

    /**
     * Another mesh's IPIP filter on the same underlay device (another route protocol) would drop
     * every peer of ours and we every peer of its: refused at open, before anything is attached.
     */
    private void refuseAnotherMeshsFilter() {
        for (Hook device : underlayDevices()) {
            for (int hook : new int[] {INGRESS, EGRESS}) {
                for (TcObject f : filters(device.ifindex(), hook)) {
                    if (isMeshFilter(f) && f.priority() != priority) {
                        throw new ConflictException(
                                "the IPIP filter of mesh '" + f.name().substring(NAME_PREFIX.length()) + "'"
                                        + " (route protocol " + f.priority() + ") is on " + device.device()
                                        + ": two IPIP filters on one device"
                                        + " drop each other's peers. Turn the filter off for one of the meshes (MeshConfig.ipipFilter(false),"
                                        + " node: --no-ipip-filter), or purge the other mesh");
                    }
                }
            }
        }
    }

    /**
     * Puts our programs on every hook that lacks them, as {@link #reconcile} does last: called again after the
     * topology, which may just have made tm0 (a SHARED mesh with FOU or GUE), so that device is guarded at once.
     *
     * @return the repairs made, as tc commands
     */
    List<String> attachMissing() {
        // only tm0 can appear behind the filter's back, and only with an encapsulation port: no second tc dump
        // otherwise
        return encapPort == IpipFilterProgram.NO_PORT ? List.of() : attach();
    }

    private List<String> attach() {
        Map<Hook, BpfProgram> wanted = wanted();
        Map<Hook, TcObject> ours = ourFilters(wanted.keySet());
        List<Hook> wrong = new ArrayList<>();
        for (Map.Entry<Hook, BpfProgram> e : wanted.entrySet()) {
            TcObject f = ours.get(e.getKey());
            if (f == null || f.programId() != e.getValue().id()) {
                wrong.add(e.getKey());
            }
        }
        if (wrong.isEmpty()) {
            return List.of();
        }
        List<String> repairs = new ArrayList<>();
        Set<Integer> devicesDone = new HashSet<>();
        for (Hook hook : wrong) {
            boolean noneOfOursThere = ours.keySet().stream().noneMatch(h -> h.ifindex() == hook.ifindex());
            if (noneOfOursThere && devicesDone.add(hook.ifindex())) {
                addClsact(hook, repairs);
            }
        }
        NetlinkMessageBuilder batch = ctx.session.batch();
        List<String> commands = new ArrayList<>();
        for (Hook hook : wrong) {
            boolean missing = ours.get(hook) == null;
            TcRequests.addBpfFilter(
                    batch,
                    missing ? TcRequests.ADD : TcRequests.REPLACE,
                    hook.ifindex(),
                    hook.parent(),
                    priority,
                    HANDLE,
                    wanted.get(hook).fd(),
                    name);
            commands.add(filterCommand(missing ? "add" : "replace", hook));
        }
        BatchOutcome outcome = ctx.session.send(batch);
        for (int i = 0; i < outcome.size(); i++) {
            if (outcome.succeeded(i)) {
                repairs.add(commands.get(i));
            } else {
                var e = KernelErrors.translate(outcome.exception(), commands.get(i));
                int errno = outcome.errno(i);
                if (Errno.ENOENT.is(errno) || Errno.EOPNOTSUPP.is(errno) || Errno.EPROTONOSUPPORT.is(errno)) {
                    throw new KernelSupportException(
                            e.getMessage() + ". The IPIP filter needs cls_bpf (CONFIG_NET_CLS_BPF: modprobe cls_bpf)"
                                    + TURN_OFF,
                            e);
                }
                throw e;
            }
        }
        return repairs;
    }

    private void addClsact(Hook hook, List<String> repairs) {
        NetlinkMessageBuilder qdisc = ctx.session.batch();
        TcRequests.addClsact(qdisc, hook.ifindex());
        BatchOutcome outcome = ctx.session.send(qdisc);
        if (outcome.failures() == 0) {
            repairs.add("tc qdisc add dev " + hook.device() + " clsact");
        } else if (Errno.EPERM.is(outcome.errno(0)) || Errno.EACCES.is(outcome.errno(0))) {
            throw KernelErrors.translate(outcome.exception(), "tc qdisc add dev " + hook.device() + " clsact");
        } else if (!Errno.EEXIST.is(outcome.errno(0))) {
            throw new KernelSupportException(
                    KernelErrors.translate(outcome.exception(), "tc qdisc add dev " + hook.device() + " clsact")
                                    .getMessage()
                            + ". The IPIP filter needs the clsact qdisc (CONFIG_NET_SCH_INGRESS: modprobe sch_ingress)"
                            + TURN_OFF);
        }
    }

    private String filterCommand(String verb, Hook hook) {
        return "tc filter " + verb + " dev " + hook.device() + " " + hookName(hook.parent()) + " protocol ip prio "
                + priority + " handle " + HANDLE + " bpf da name " + name;
    }

    /**
     * Removes our filters, and a clsact qdisc when nothing else is left on it (an empty clsact
     * does nothing, and removing one with filters would remove those filters too). The map is
     * emptied of peers; programs and maps stay loaded for a mesh that gets peers again.
     */
    void purge() {
        Set<Hook> hooks = wanted().keySet();
        Map<Hook, TcObject> ours = ourFilters(hooks); // dumps first: they reuse the session's one request buffer
        NetlinkMessageBuilder batch = ctx.session.batch();
        for (Map.Entry<Hook, TcObject> e : ours.entrySet()) {
            TcRequests.deleteBpfFilter(batch, e.getKey().ifindex(), e.getValue().parent(), priority, HANDLE);
        }
        MeshContext.throwUnlessGone(ctx.session.send(batch));
        Set<Integer> devices = new java.util.LinkedHashSet<>();
        hooks.forEach(h -> devices.add(h.ifindex()));
        for (int ifindex : devices) {
            removeClsactIfEmpty(ifindex);
        }
        List<Integer> peers = new ArrayList<>(allowed);
        allowed.clear();
        map.remove(peers);
    }

    private void removeClsactIfEmpty(int ifindex) {
        if (filters(ifindex, INGRESS).isEmpty() && filters(ifindex, EGRESS).isEmpty() && hasClsact(ifindex)) {
            NetlinkMessageBuilder qdisc = ctx.session.batch();
            TcRequests.deleteClsact(qdisc, ifindex);
            MeshContext.throwUnlessGone(ctx.session.send(qdisc));
        }
    }

    private boolean hasClsact(int ifindex) {
        for (TcObject q : ctx.session.dump(TcRequests::dumpQdiscs, TcObject::parse)) {
            if (q != null && q.ifindex() == ifindex && "clsact".equals(q.kind())) {
                return true;
            }
        }
        return false;
    }

    /** Every peer's counters and the rejected ones: one read of each map. Safe without the mesh's lock. */
    TrafficCounters counters(Collection<Peer> peers) {
        Map<Integer, PeerMap.Counters> all = map.readAll();
        Map<String, PeerCounters> byName = new HashMap<>();
        for (Peer peer : peers) {
            PeerMap.Counters c = all.get(peer.underlay().bits());
            byName.put(
                    peer.name(),
                    c == null
                            ? PeerCounters.ZERO
                            : new PeerCounters(c.rxPackets(), c.rxBytes(), c.txPackets(), c.txBytes()));
        }
        RejectedCounters.Counts dropped = rejected.read();
        return new TrafficCounters(true, byName, dropped.packets(), dropped.bytes());
    }

    /** Every peer's received packets, keyed by underlay: one read of the map, for the health monitor. */
    void readRx(org.tunnelmesh.linux.health.HealthMonitor.RxCounters into) {
        map.forEachRx(into::add);
    }

    /** diagnose() lines: attached or not, with which programs, how many peers, what was rejected and where. */
    List<String> diagnose() {
        List<String> lines = new ArrayList<>();
        Map<Hook, BpfProgram> wanted;
        Map<Hook, TcObject> ours;
        try {
            wanted = wanted();
            ours = ourFilters(wanted.keySet());
        } catch (RuntimeException e) {
            return List.of("FAIL ipip filter: cannot list the tc filters of " + ctx.underlayDevice + " and "
                    + String.join(", ", tunnelDevices()) + ": " + e.getMessage());
        }
        for (Map.Entry<Hook, BpfProgram> e : wanted.entrySet()) {
            Hook hook = e.getKey();
            TcObject f = ours.get(hook);
            BpfProgram program = e.getValue();
            if (f == null) {
                lines.add(
                        "FAIL ipip filter: no " + hook.describe() + " (reconcile puts it back; at once when watching)");
            } else if (f.programId() != program.id()) {
                lines.add("FAIL ipip filter: the " + hook.describe() + " runs program id " + f.programId()
                        + ", not ours (" + program.id() + "); reconcile replaces it");
            } else {
                lines.add("OK ipip filter: " + hookName(hook.parent()) + " bpf program id " + program.id() + " on "
                        + hook.device() + " (clsact, prio " + priority + ")");
            }
        }
        for (String device : ctx.config.extraUnderlayDevices()) {
            if (wanted.keySet().stream().noneMatch(h -> h.device().equals(device))) {
                lines.add("FAIL ipip filter: extra underlay device " + device
                        + " is gone: IPIP from peers that arrives there is dropped");
            }
        }
        RejectedCounters.Counts dropped = rejected.read();
        lines.add("OK ipip filter: " + allowed.size() + " peer underlay(s) allowed; " + dropped.underlayPackets()
                + (encapPort == IpipFilterProgram.NO_PORT ? " IPIP" : " IPIP and UDP-to-port-" + encapPort)
                + " packet(s) from non-peers dropped (" + dropped.underlayBytes() + " bytes)");
        lines.add(
                (dropped.offUnderlayPackets() == 0 ? "OK" : "WARN") + " ipip filter: " + dropped.offUnderlayPackets()
                        + " IPIP packet(s) that arrived on a link other than " + underlayNames() + " dropped at "
                        + String.join(" or ", tunnelDevices())
                        + " (" + dropped.offUnderlayBytes() + " bytes)"
                        + (dropped.offUnderlayPackets() == 0
                                ? ""
                                : "; peers reach this node only through " + underlayNames()
                                        + " (route their underlays through it, or list"
                                        + " another uplink in MeshConfig.extraUnderlayDevices, node: --extra-underlay-device)"));
        return lines;
    }

    private String underlayNames() {
        List<String> names = new ArrayList<>();
        names.add(ctx.underlayDevice);
        names.addAll(ctx.config.extraUnderlayDevices());
        return String.join(", ", names);
    }

    @Override
    public void close() {
        // the attached filters hold their own references to programs and maps: traffic stays filtered
        ingress.close();
        egress.close();
        tunnel.close();
        map.close();
        rejected.close();
    }
}
