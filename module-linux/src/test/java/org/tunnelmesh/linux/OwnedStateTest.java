package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.RTM_DELNEXTHOP;
import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.RTM_DELROUTE;
import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.RTM_NEWNEXTHOP;
import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.RTM_NEWROUTE;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.linux.netlink.Netlink;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;
import org.tunnelmesh.linux.rtnetlink.IpipParameters;
import org.tunnelmesh.linux.rtnetlink.Link;
import org.tunnelmesh.linux.rtnetlink.Nexthop;
import org.tunnelmesh.linux.rtnetlink.Route;

/** The one reconcile diff: what is ours, what stays, what is created, replaced and deleted - and in which order. */
class OwnedStateTest {
    private static final int PROTO = MeshConfig.DEFAULT_ROUTE_PROTOCOL;
    private static final int TUNL0 = 2;
    private static final int ETH0 = 3;
    private static final int OUR_DEVICE = 10;
    private static final int OTHERS_DEVICE = 11;
    private final MeshConfig config = MeshConfig.builder()
            .name("t")
            .underlay("10.245.1.2")
            .tunnelAddress("192.168.41.0")
            .build();
    private final MeshContext ctx = new MeshContext(config, null, ETH0, "eth0", 1480);

    private static Ipv4Prefix p(String s) {
        return Ipv4Prefix.parse(s);
    }

    private static Ipv4Address a(String s) {
        return Ipv4Address.parse(s);
    }

    private List<Link> links() {
        return List.of(
                new Link(
                        TUNL0,
                        "tunl0",
                        1,
                        1480,
                        "ipip",
                        new IpipParameters(0, Ipv4Address.ANY, Ipv4Address.ANY, 0, 0, true),
                        null),
                new Link(ETH0, "eth0", 1, 1500, "veth", null, null),
                new Link(
                        OUR_DEVICE,
                        "tm-a",
                        1,
                        1480,
                        "ipip",
                        IpipParameters.pointToPoint(ETH0, a("10.245.1.2"), a("10.245.1.3"), 64, true),
                        null),
                // tm- name, but another local: not ours
                new Link(
                        OTHERS_DEVICE,
                        "tm-b",
                        1,
                        1480,
                        "ipip",
                        IpipParameters.pointToPoint(ETH0, a("10.245.1.9"), a("10.245.1.3"), 64, true),
                        null));
    }

    @Test
    void keepsWhatIsRightAndChangesOnlyTheRest() {
        List<Nexthop> nexthops = List.of(
                Nexthop.onlink(5, a("10.245.1.3"), TUNL0, PROTO), // adopted
                Nexthop.onlink(6, a("10.245.1.9"), TUNL0, PROTO), // nobody's gateway: deleted
                Nexthop.onlink(7, a("10.245.1.3"), TUNL0, PROTO), // a second for the same gateway: deleted
                Nexthop.onlink(8, a("10.245.1.4"), TUNL0, PROTO + 1), // another protocol: not ours
                new Nexthop(9, a("10.245.1.5"), TUNL0, 0, PROTO)); // ours but not onlink: replaced by a new one
        List<Route> routes = List.of(
                Route.viaNexthop(p("10.1.0.0/24"), 5, PROTO), // right: kept
                Route.viaNexthop(p("10.2.0.0/24"), 6, PROTO), // wrong nexthop: replaced
                Route.device(p("10.3.0.0/24"), OUR_DEVICE, PROTO), // left by POINT_TO_POINT, unwanted: deleted
                Route.device(p("10.4.0.0/24"), OTHERS_DEVICE, PROTO), // not through anything of ours: kept
                Route.onlink(p("10.5.0.0/24"), a("10.245.1.3"), TUNL0, PROTO + 1), // another protocol: kept
                new Route(p("10.6.0.0/24"), 100, PROTO, 0, 1, 0, Ipv4Address.ANY, TUNL0, 0)); // another table: kept
        KernelState state = new KernelState(links(), List.of(), routes, nexthops);
        OwnedState owned = new OwnedState(state, ctx);
        assertEquals(List.of(5, 6, 7, 9), owned.nexthops());

        NetlinkMessageBuilder batch = new NetlinkMessageBuilder(4096).reset(1);
        int[] nextId = {100};
        int id1 = owned.wantNexthop(batch, a("10.245.1.3"), () -> nextId[0]++);
        owned.wantRoute(batch, Route.viaNexthop(p("10.1.0.0/24"), id1, PROTO));
        owned.wantRoute(batch, Route.viaNexthop(p("10.2.0.0/24"), id1, PROTO));
        int id2 = owned.wantNexthop(batch, a("10.245.1.5"), () -> nextId[0]++);
        owned.wantRoute(batch, Route.viaNexthop(p("10.7.0.0/24"), id2, PROTO));
        owned.deleteUnwanted(batch, Set.of());

        assertEquals(5, id1);
        assertEquals(100, id2);
        assertEquals(
                List.of(
                        "replace route", // 10.2.0.0/24 -> nexthop 5
                        "create nexthop", // 100 for 10.245.1.5
                        "create route", // 10.7.0.0/24
                        "delete route", // 10.3.0.0/24 (routes before nexthops)
                        "delete nexthop", // 6
                        "delete nexthop", // 7
                        "delete nexthop"), // 9
                kinds(batch));
    }

    @Test
    void wantingNothingDeletesEverythingOursExceptRoutesOfDevicesBeingDeleted() {
        List<Route> routes = List.of(
                Route.device(p("10.3.0.0/24"), OUR_DEVICE, PROTO),
                Route.onlink(p("10.1.0.0/24"), a("10.245.1.3"), TUNL0, PROTO),
                Route.device(p("10.4.0.0/24"), ETH0, PROTO)); // our protocol, but on a device not ours: kept
        OwnedState owned = new OwnedState(
                new KernelState(links(), List.of(), routes, List.of(Nexthop.onlink(5, a("10.245.1.3"), TUNL0, PROTO))),
                ctx);
        NetlinkMessageBuilder batch = new NetlinkMessageBuilder(4096).reset(1);
        owned.deleteUnwanted(batch, Set.of(OUR_DEVICE));
        assertEquals(List.of("delete route", "delete nexthop"), kinds(batch));
    }

    @Test
    void withoutTunl0OnlyOurDevicesCount() {
        List<Link> noTunl0 = links().subList(1, 4);
        List<Route> routes = List.of(
                Route.device(p("10.3.0.0/24"), OUR_DEVICE, PROTO),
                Route.onlink(p("10.1.0.0/24"), a("10.245.1.3"), TUNL0, PROTO));
        OwnedState owned = new OwnedState(
                new KernelState(noTunl0, List.of(), routes, List.of(Nexthop.onlink(5, a("10.245.1.3"), TUNL0, PROTO))),
                ctx);
        NetlinkMessageBuilder batch = new NetlinkMessageBuilder(4096).reset(1);
        owned.wantRoute(batch, Route.device(p("10.3.0.0/24"), OUR_DEVICE, PROTO));
        owned.deleteUnwanted(batch, Set.of());
        assertEquals(List.of(), kinds(batch));
        assertEquals(List.of(), owned.nexthops());
    }

    /**
     * A peer the mesh removed after the snapshot was read: its route and nexthop are still in the snapshot but already
     * gone from the kernel, and a peer added after it: missing from the snapshot. Neither is deleted nor created; the
     * rest of the diff goes on as before.
     */
    @Test
    void peersChangedSinceTheSnapshotAreLeftAlone() {
        List<Nexthop> nexthops = List.of(
                Nexthop.onlink(5, a("10.245.1.3"), TUNL0, PROTO), // a peer that stays: adopted
                Nexthop.onlink(6, a("10.245.1.4"), TUNL0, PROTO), // the removed peer's: left alone
                Nexthop.onlink(7, a("10.245.1.9"), TUNL0, PROTO)); // nobody's: deleted
        List<Route> routes = List.of(
                Route.viaNexthop(p("10.1.0.0/24"), 5, PROTO),
                Route.viaNexthop(p("10.2.0.0/24"), 6, PROTO), // the removed peer's: left alone
                Route.viaNexthop(p("10.9.0.0/24"), 7, PROTO)); // nobody's: deleted
        OwnedState owned = new OwnedState(new KernelState(links(), List.of(), routes, nexthops), ctx);
        owned.leaveAlone(new org.tunnelmesh.Peer("removed", a("10.245.1.4"), List.of(p("10.2.0.0/24"))));
        owned.leaveAlone(new org.tunnelmesh.Peer("added", a("10.245.1.6"), List.of(p("10.6.0.0/24"))));

        NetlinkMessageBuilder batch = new NetlinkMessageBuilder(4096).reset(1);
        int id = owned.wantNexthop(batch, a("10.245.1.3"), () -> 100);
        owned.wantRoute(batch, Route.viaNexthop(p("10.1.0.0/24"), id, PROTO));
        owned.deleteUnwanted(batch, Set.of());

        assertEquals(5, id);
        assertEquals(List.of("delete route", "delete nexthop"), kinds(batch)); // 10.9.0.0/24 and 7 only
    }

    /** Each message as "create|replace|delete route|nexthop", from its header. */
    private static List<String> kinds(NetlinkMessageBuilder batch) {
        List<String> kinds = new ArrayList<>();
        for (int i = 0; i < batch.messageCount(); i++) {
            ByteBuffer m = ByteBuffer.wrap(batch.message(i)).order(ByteOrder.nativeOrder());
            int type = m.getShort(4) & 0xffff;
            int flags = m.getShort(6) & 0xffff;
            String verb = type == RTM_DELROUTE || type == RTM_DELNEXTHOP
                    ? "delete"
                    : (flags & Netlink.NLM_F_REPLACE) != 0 ? "replace" : "create";
            String what = type == RTM_NEWROUTE || type == RTM_DELROUTE
                    ? "route"
                    : type == RTM_NEWNEXTHOP || type == RTM_DELNEXTHOP ? "nexthop" : "type " + type;
            kinds.add(verb + " " + what);
        }
        return kinds;
    }
}
