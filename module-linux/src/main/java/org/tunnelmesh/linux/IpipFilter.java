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
import org.tunnelmesh.KernelSupportException;
import org.tunnelmesh.Peer;
import org.tunnelmesh.PeerCounters;
import org.tunnelmesh.TrafficCounters;
import org.tunnelmesh.linux.bpf.BpfProgram;
import org.tunnelmesh.linux.bpf.IpipFilterProgram;
import org.tunnelmesh.linux.bpf.PeerMap;
import org.tunnelmesh.linux.netlink.BatchOutcome;
import org.tunnelmesh.linux.netlink.BpfSyscall;
import org.tunnelmesh.linux.netlink.BpfSyscall.BpfException;
import org.tunnelmesh.linux.netlink.Errno;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;
import org.tunnelmesh.linux.rtnetlink.KernelErrors;
import org.tunnelmesh.linux.tc.TcObject;
import org.tunnelmesh.linux.tc.TcRequests;

/**
 * The mesh's IPIP source filter: two tc programs on the underlay device's clsact qdisc (ingress
 * drops IPIP from non-peers and counts, egress counts) and the peer map they share. The map holds
 * exactly the mesh's peers: it changes in the same call as the routes and is rolled back with them.
 *
 * <p>Ours on the device: bpf filters with protocol ip, priority = the mesh's route protocol id,
 * handle 1, named {@code tunnelmesh:<mesh>} (any mesh name: a renamed mesh adopts them). Other filters and qdiscs are never touched; the clsact
 * qdisc is removed by {@link #purge()} only when no filter of anyone is left on it.
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
    static final String NAME_PREFIX = "tunnelmesh:";
    static final String TURN_OFF = "; to run without the IPIP filter (SHARED mode then accepts IPIP from any source),"
            + " set MeshConfig.ipipFilter(false) (node: --no-ipip-filter)";

    private final MeshContext ctx;
    /** Map and programs: replaced together when the map grows. */
    private PeerMap map;
    private BpfProgram ingress;
    private BpfProgram egress;
    private final int priority;
    private final String name;
    /** Underlay addresses in the map, besides the rejected slot. */
    private final Set<Integer> allowed = new HashSet<>();
    /** The map was just made and holds only the rejected slot: the first reconcile need not read it. */
    private boolean fresh = true;

    private IpipFilter(MeshContext ctx, PeerMap map, BpfProgram ingress, BpfProgram egress) {
        this.ctx = ctx;
        this.map = map;
        this.ingress = ingress;
        this.egress = egress;
        this.priority = ctx.protocol();
        this.name = NAME_PREFIX + ctx.config.name();
    }

    /**
     * Creates the map and loads both programs; attaches nothing yet.
     *
     * @throws KernelSupportException naming what the kernel or the process lacks, and how to go without
     */
    static IpipFilter open(MeshContext ctx, int peers) {
        Throwable unavailable = BpfSyscall.unavailabilityCause();
        if (unavailable != null) {
            throw new KernelSupportException("the IPIP filter needs bpf(2): " + unavailable.getMessage() + TURN_OFF);
        }
        Loaded loaded = load(ctx, peers);
        return new IpipFilter(ctx, loaded.map, loaded.ingress, loaded.egress);
    }

    private record Loaded(PeerMap map, BpfProgram ingress, BpfProgram egress) {
        void close() {
            ingress.close();
            egress.close();
            map.close();
        }
    }

    /** A map with room for {@code peers} (and as many again), and both programs bound to it. */
    private static Loaded load(MeshContext ctx, int peers) {
        int capacity = MIN_CAPACITY;
        while (capacity < peers + 1L) {
            capacity *= 2;
        }
        PeerMap map;
        try {
            map = PeerMap.create("tm_" + ctx.config.name(), capacity - 1);
        } catch (BpfException e) {
            throw new KernelSupportException("the IPIP filter cannot create its BPF hash map: " + e.getMessage() + ". "
                    + bpfAdvice(e.errno()) + TURN_OFF);
        }
        BpfProgram in = null;
        try {
            in = BpfProgram.loadSchedCls("tm_ipip_in", IpipFilterProgram.ingress(map.fd()));
            BpfProgram out = BpfProgram.loadSchedCls("tm_ipip_out", IpipFilterProgram.egress(map.fd()));
            return new Loaded(map, in, out);
        } catch (BpfProgram.ProgramRefusedException e) {
            if (in != null) {
                in.close();
            }
            map.close();
            throw new KernelSupportException("the IPIP filter's tc program was refused: " + e.getMessage() + ". "
                    + bpfAdvice(e.errno()) + TURN_OFF, e);
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
        Loaded bigger = load(ctx, 2 * peers);
        try {
            bigger.map.putAll(map.readAll());
            if (replaceFilters) {
                NetlinkMessageBuilder batch = ctx.session.batch();
                TcRequests.addBpfFilter(batch, TcRequests.REPLACE, ctx.underlayIfindex, INGRESS, priority, HANDLE, bigger.ingress.fd(), name);
                TcRequests.addBpfFilter(batch, TcRequests.REPLACE, ctx.underlayIfindex, EGRESS, priority, HANDLE, bigger.egress.fd(), name);
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

    private static String bpfAdvice(int errno) {
        Errno known = Errno.of(errno);
        if (known == null) {
            return "See the kernel's answer above";
        }
        return switch (known) {
            case EPERM -> "The process needs CAP_BPF and CAP_NET_ADMIN (or CAP_SYS_ADMIN; kernels before 5.8 need CAP_SYS_ADMIN)";
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
            throw new ConflictException("adding " + keys.size() + " peer(s) to the IPIP filter's map failed: " + e.getMessage());
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
        List<Integer> inMap = fresh ? List.of(PeerMap.REJECTED) : map.keys();
        fresh = false;
        List<Integer> stale = new ArrayList<>();
        for (int key : inMap) {
            if (key != PeerMap.REJECTED && !wanted.remove(key)) {
                stale.add(key);
            }
        }
        if (!inMap.contains(PeerMap.REJECTED)) {
            wanted.add(PeerMap.REJECTED);
        }
        if (!stale.isEmpty()) {
            map.remove(stale);
            repairs.add("bpf map: " + stale.size() + " address(es) of non-peers removed");
        }
        if (inMap.size() - stale.size() + wanted.size() > map.maxPeers() + 1) {
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

    /** Our filter on each hook as the kernel has it now; absent when missing. */
    private Map<Integer, TcObject> ourFilters() {
        Map<Integer, TcObject> ours = new HashMap<>();
        for (int hook : new int[] {INGRESS, EGRESS}) {
            for (TcObject f : filters(hook)) {
                if (isOurs(f)) {
                    ours.put(hook, f);
                }
            }
        }
        return ours;
    }

    private List<TcObject> filters(int hook) {
        // handle 0 entries are the filter chains' headers, not filters
        List<TcObject> all = ctx.session.dump(b -> TcRequests.dumpFilters(b, ctx.underlayIfindex, hook), TcObject::parse);
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
     * Another mesh's IPIP filter on the same device (another route protocol) would drop every peer
     * of ours and we every peer of its: refused at open, before anything is attached.
     */
    private void refuseAnotherMeshsFilter() {
        for (int hook : new int[] {INGRESS, EGRESS}) {
            for (TcObject f : filters(hook)) {
                if (isMeshFilter(f) && f.priority() != priority) {
                    throw new ConflictException("the IPIP filter of mesh '" + f.name().substring(NAME_PREFIX.length()) + "'"
                            + " (route protocol " + f.priority() + ") is on " + ctx.underlayDevice + ": two IPIP filters on one device"
                            + " drop each other's peers. Turn the filter off for one of the meshes (MeshConfig.ipipFilter(false),"
                            + " node: --no-ipip-filter), or purge the other mesh");
                }
            }
        }
    }

    private List<String> attach() {
        Map<Integer, TcObject> ours = ourFilters();
        TcObject in = ours.get(INGRESS);
        TcObject out = ours.get(EGRESS);
        boolean inRight = in != null && in.programId() == ingress.id();
        boolean outRight = out != null && out.programId() == egress.id();
        if (inRight && outRight) {
            return List.of();
        }
        List<String> repairs = new ArrayList<>();
        if (in == null && out == null) {
            NetlinkMessageBuilder qdisc = ctx.session.batch();
            TcRequests.addClsact(qdisc, ctx.underlayIfindex);
            BatchOutcome outcome = ctx.session.send(qdisc);
            if (outcome.failures() == 0) {
                repairs.add("tc qdisc add dev " + ctx.underlayDevice + " clsact");
            } else if (!Errno.EEXIST.is(outcome.errno(0))) {
                throw new KernelSupportException(KernelErrors.translate(outcome.exception(),
                        "tc qdisc add dev " + ctx.underlayDevice + " clsact").getMessage()
                        + ". The IPIP filter needs the clsact qdisc (CONFIG_NET_SCH_INGRESS: modprobe sch_ingress)" + TURN_OFF);
            }
        }
        NetlinkMessageBuilder batch = ctx.session.batch();
        List<String> commands = new ArrayList<>();
        if (!inRight) {
            TcRequests.addBpfFilter(batch, in == null ? TcRequests.ADD : TcRequests.REPLACE, ctx.underlayIfindex, INGRESS, priority, HANDLE, ingress.fd(), name);
            commands.add(filterCommand(in == null ? "add" : "replace", INGRESS));
        }
        if (!outRight) {
            TcRequests.addBpfFilter(batch, out == null ? TcRequests.ADD : TcRequests.REPLACE, ctx.underlayIfindex, EGRESS, priority, HANDLE, egress.fd(), name);
            commands.add(filterCommand(out == null ? "add" : "replace", EGRESS));
        }
        BatchOutcome outcome = ctx.session.send(batch);
        for (int i = 0; i < outcome.size(); i++) {
            if (outcome.succeeded(i)) {
                repairs.add(commands.get(i));
            } else {
                var e = KernelErrors.translate(outcome.exception(), commands.get(i));
                int errno = outcome.errno(i);
                if (Errno.ENOENT.is(errno) || Errno.EOPNOTSUPP.is(errno) || Errno.EPROTONOSUPPORT.is(errno)) {
                    throw new KernelSupportException(e.getMessage() + ". The IPIP filter needs cls_bpf (CONFIG_NET_CLS_BPF: modprobe cls_bpf)"
                            + TURN_OFF, e);
                }
                throw e;
            }
        }
        return repairs;
    }

    private String filterCommand(String verb, int hook) {
        return "tc filter " + verb + " dev " + ctx.underlayDevice + " " + hookName(hook) + " protocol ip prio " + priority
                + " handle " + HANDLE + " bpf da name " + name;
    }

    /**
     * Removes our two filters, and the clsact qdisc when nothing else is left on it (an empty
     * clsact does nothing, and removing one with filters would remove those filters too). The map
     * is emptied of peers; programs and map stay loaded for a mesh that gets peers again.
     */
    void purge() {
        Map<Integer, TcObject> ours = ourFilters(); // dumps first: they reuse the session's one request buffer
        NetlinkMessageBuilder batch = ctx.session.batch();
        for (TcObject f : ours.values()) {
            TcRequests.deleteBpfFilter(batch, ctx.underlayIfindex, f.parent(), priority, HANDLE);
        }
        SharedTopology.throwUnlessGone(ctx.session.send(batch));
        removeClsactIfEmpty();
        List<Integer> peers = new ArrayList<>(allowed);
        allowed.clear();
        map.remove(peers);
    }

    private void removeClsactIfEmpty() {
        if (filters(INGRESS).isEmpty() && filters(EGRESS).isEmpty() && hasClsact()) {
            NetlinkMessageBuilder qdisc = ctx.session.batch();
            TcRequests.deleteClsact(qdisc, ctx.underlayIfindex);
            SharedTopology.throwUnlessGone(ctx.session.send(qdisc));
        }
    }

    private boolean hasClsact() {
        for (TcObject q : ctx.session.dump(TcRequests::dumpQdiscs, TcObject::parse)) {
            if (q != null && q.ifindex() == ctx.underlayIfindex && "clsact".equals(q.kind())) {
                return true;
            }
        }
        return false;
    }

    /** Every peer's counters and the rejected slot, in one map read. Safe without the mesh's lock. */
    TrafficCounters counters(Collection<Peer> peers) {
        Map<Integer, PeerMap.Counters> all = map.readAll();
        Map<String, PeerCounters> byName = new HashMap<>();
        for (Peer peer : peers) {
            PeerMap.Counters c = all.get(peer.underlay().bits());
            byName.put(peer.name(), c == null ? PeerCounters.ZERO : new PeerCounters(c.rxPackets(), c.rxBytes(), c.txPackets(), c.txBytes()));
        }
        PeerMap.Counters rejected = all.getOrDefault(PeerMap.REJECTED, PeerMap.Counters.ZERO);
        return new TrafficCounters(true, byName, rejected.rxPackets(), rejected.rxBytes());
    }

    /** diagnose() lines: attached or not, with which programs, how many peers, what was rejected. */
    List<String> diagnose() {
        List<String> lines = new ArrayList<>();
        Map<Integer, TcObject> ours;
        try {
            ours = ourFilters();
        } catch (RuntimeException e) {
            return List.of("FAIL ipip filter: cannot list the tc filters of " + ctx.underlayDevice + ": " + e.getMessage());
        }
        for (int hook : new int[] {INGRESS, EGRESS}) {
            TcObject f = ours.get(hook);
            BpfProgram program = hook == INGRESS ? ingress : egress;
            if (f == null) {
                lines.add("FAIL ipip filter: no " + hookName(hook) + " filter on " + ctx.underlayDevice
                        + " (reconcile puts it back; at once when watching)");
            } else if (f.programId() != program.id()) {
                lines.add("FAIL ipip filter: the " + hookName(hook) + " filter on " + ctx.underlayDevice + " runs program id "
                        + f.programId() + ", not ours (" + program.id() + "); reconcile replaces it");
            } else {
                lines.add("OK ipip filter: " + hookName(hook) + " bpf program id " + program.id() + " on " + ctx.underlayDevice
                        + " (clsact, prio " + priority + ")");
            }
        }
        TrafficCounters counters = counters(List.of());
        lines.add("OK ipip filter: " + allowed.size() + " peer underlay(s) allowed; " + counters.rejectedPackets()
                + " IPIP packet(s) from non-peers dropped (" + counters.rejectedBytes() + " bytes)");
        return lines;
    }

    @Override
    public void close() {
        // the attached filters hold their own references to programs and map: traffic stays filtered
        ingress.close();
        egress.close();
        map.close();
    }
}
