package org.tunnelmesh.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.linux.rtnetlink.Address;
import org.tunnelmesh.linux.rtnetlink.Link;
import org.tunnelmesh.linux.syscall.NetworkNamespace;

/**
 * Preflight and health lines for an operator: what the kernel offers and what may stop traffic.
 * Each line starts with OK, WARN or FAIL so a script can grep it.
 */
final class Diagnostics {
    private Diagnostics() {}

    /**
     * @param state the kernel as {@link KernelReader#othersState} reads it: the mesh's own routes and nexthops left out
     * @param filtered the mesh's IPIP filter is on: it, not tunl0, decides who may tunnel in
     */
    static List<String> run(MeshContext ctx, KernelState state, List<Peer> peers, boolean filtered) {
        List<String> lines = new ArrayList<>(Capabilities.diagnoseLines(Capabilities.effective(), filtered));
        Link tunl0 = state.link(DeviceNames.FALLBACK);
        boolean shared = ctx.config.mode() == MeshMode.SHARED;
        if (tunl0 == null) {
            lines.add((shared ? "FAIL" : "OK") + " ipip: no tunl0 in this namespace"
                    + (shared ? " (SHARED needs it: modprobe ipip; check net.core.fb_tunnels_only_for_init_net)" : ""));
        } else {
            lines.add("OK ipip: " + tunl0.name() + " present (ifindex " + tunl0.ifindex() + "), "
                    + (tunl0.up() ? "up" : "down"));
            List<String> others = state.othersOn(tunl0.ifindex(), ctx.protocol(), ctx.config.tunnelAddress());
            String othersText = others.size() + " of other owners (" + String.join(", ", MeshContext.first(others))
                    + (others.size() > 3 ? ", ..." : "") + ")";
            if (shared && ctx.config.encapsulation().encapsulates()) {
                Link tm0 = state.link(DeviceNames.ENCAPSULATED_SHARED);
                if (tm0 == null || !OwnedState.isOurSharedDevice(tm0, ctx)) {
                    lines.add("FAIL SHARED mode with " + ctx.config.encapsulation() + ": "
                            + (tm0 == null ? "no " + DeviceNames.ENCAPSULATED_SHARED : "tm0 is not this mesh's")
                            + " (reconcile makes it)");
                } else {
                    lines.add((tm0.up() ? "OK" : "FAIL") + " SHARED mode with " + ctx.config.encapsulation()
                            + ": routes go through " + tm0.name() + " (ifindex " + tm0.ifindex() + ", "
                            + (tm0.up() ? "up" : "down") + ", mtu " + tm0.mtu() + ", local "
                            + tm0.ipip().local()
                            + tm0.ipip().encap().arguments() + "); tunl0 is not used ("
                            + (tunl0.up() ? "up: others use it" : "down") + ")");
                }
            } else if (shared) {
                lines.add(
                        filtered
                                ? "OK SHARED mode: tunl0 accepts IPIP only from peers, through the IPIP filter on the underlay device"
                                : "WARN SHARED mode: tunl0 accepts IPIP from any source; use POINT_TO_POINT or filter protocol 4 to the peers' underlays");
                if (!others.isEmpty()) {
                    lines.add("WARN tunl0 is shared with " + othersText + ": the mesh leaves its MTU"
                            + (tunl0.mtu() == ctx.mtu ? "" : " (" + tunl0.mtu() + ", not the mesh's " + ctx.mtu + ")")
                            + " and up state to them");
                }
            } else if (tunl0.up() && !others.isEmpty()) {
                lines.add(
                        "WARN POINT_TO_POINT mode but tunl0 is up, carrying " + othersText
                                + ": left up, since taking it down would make the kernel flush them; it accepts IPIP from any source");
            } else if (tunl0.up()) {
                lines.add(
                        "FAIL POINT_TO_POINT mode but tunl0 is up: IPIP from unknown sources is accepted (reconcile brings it down)");
            } else {
                lines.add("OK POINT_TO_POINT mode: tunl0 is down, IPIP from non-peers is dropped");
            }
        }
        String fbOnlyInit = sysctl(ctx, "net/core/fb_tunnels_only_for_init_net");
        if (fbOnlyInit != null && !fbOnlyInit.equals("0")) {
            lines.add("WARN net.core.fb_tunnels_only_for_init_net=" + fbOnlyInit + ": new namespaces get no tunl0");
        }
        Link underlay = state.link(ctx.underlayIfindex);
        if (underlay == null) {
            lines.add("FAIL underlay device (ifindex " + ctx.underlayIfindex + ") is gone");
        } else {
            lines.add((underlay.up() ? "OK" : "FAIL") + " underlay: " + ctx.config.underlay() + " on " + underlay.name()
                    + " (" + (underlay.up() ? "up" : "down") + ", mtu " + underlay.mtu() + ")");
            int room = underlay.mtu() - ctx.mtu;
            int overhead = ctx.config.encapsulation().overhead();
            String headers = ctx.config.encapsulation().encapsulates()
                    ? " bytes of IPIP and " + ctx.config.encapsulation().type() + " headers "
                    : " bytes of IPIP header ";
            lines.add((room >= overhead ? "OK" : "FAIL") + " mtu: tunnel " + ctx.mtu + " + " + overhead + headers
                    + (room >= overhead ? "fits" : "does not fit") + " underlay mtu " + underlay.mtu());
            String rpFilter = maxRpFilter(ctx, underlay.name());
            if (rpFilter != null) {
                lines.add(("0".equals(rpFilter) || "2".equals(rpFilter) ? "OK" : "WARN") + " rp_filter on "
                        + underlay.name() + " = " + rpFilter
                        + ("1".equals(rpFilter)
                                ? " (strict: asymmetric underlay paths drop IPIP; 2 = loose is safer)"
                                : ""));
            }
        }
        int unreachable = 0;
        for (Peer peer : peers) {
            if (!onLink(state, ctx, peer)) {
                unreachable++;
                if (unreachable <= 5) {
                    lines.add("WARN peer '" + peer.name() + "': underlay " + peer.underlay()
                            + " is not on the underlay device's subnet; it needs a route (onlink assumes L2 reach)");
                }
            }
        }
        if (unreachable == 0) {
            lines.add("OK peers: " + peers.size() + ", every underlay on the underlay subnet");
        } else if (unreachable > 5) {
            lines.add("WARN " + (unreachable - 5) + " more peers off the underlay subnet");
        }
        return lines;
    }

    private static boolean onLink(KernelState state, MeshContext ctx, Peer peer) {
        for (Address a : state.addresses()) {
            if (a.ifindex() == ctx.underlayIfindex && a.prefixLength() < 32) {
                int mask = org.tunnelmesh.Ipv4Prefix.mask(a.prefixLength());
                if ((a.address().bits() & mask) == (peer.underlay().bits() & mask)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The kernel uses max(conf/all, conf/DEV) for rp_filter. */
    private static String maxRpFilter(MeshContext ctx, String device) {
        String all = sysctl(ctx, "net/ipv4/conf/all/rp_filter");
        String dev = sysctl(ctx, "net/ipv4/conf/" + device + "/rp_filter");
        if (all == null || dev == null) {
            return dev == null ? all : dev;
        }
        return Integer.parseInt(all) > Integer.parseInt(dev) ? all : dev;
    }

    /** /proc/sys/net shows the namespace of the reading thread, so read it from inside the mesh's namespace. */
    private static String sysctl(MeshContext ctx, String key) {
        Path path = Path.of("/proc/sys", key);
        try {
            if (ctx.config.netns() == null) {
                return Files.readString(path).strip();
            }
            return NetworkNamespace.call(
                    ctx.config.netns(), () -> Files.readString(path).strip());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
