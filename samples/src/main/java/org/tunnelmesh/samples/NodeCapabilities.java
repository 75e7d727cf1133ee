package org.tunnelmesh.samples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The capabilities the node needs, checked before anything starts: a node that lacks one is
 * misconfigured (its systemd unit or its file capabilities), so it fails like bad options (exit 2,
 * one line naming the capability and how to grant it, nothing changed; systemd does not restart it)
 * instead of failing half-way with the kernel's EPERM. CAP_NET_ADMIN for rtnetlink and tc, and for
 * the IPIP filter CAP_BPF (kernel 5.8+; CAP_SYS_ADMIN stands in for it, as the kernel's
 * {@code bpf_capable()} reads it).
 */
final class NodeCapabilities {
    /** Bit numbers, as in include/uapi/linux/capability.h. */
    static final int CAP_NET_ADMIN = 12;

    static final int CAP_SYS_ADMIN = 21;
    static final int CAP_BPF = 39;

    private NodeCapabilities() {}

    /** This process's effective set ({@code CapEff} of /proc/self/status), or -1 when it cannot be read. */
    static long effective() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return Long.parseUnsignedLong(
                            line.substring("CapEff:".length()).strip(), 16);
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown: the library's own errors will tell
        }
        return -1;
    }

    /**
     * @throws StartupFailure (exit status 2) naming what {@code capEff} lacks and how to grant it;
     *     nothing when it lacks nothing, or when the set is unknown (-1)
     */
    static void require(long capEff, boolean ipipFilter) {
        if (capEff == -1) {
            return;
        }
        List<String> missing = new ArrayList<>();
        if ((capEff & (1L << CAP_NET_ADMIN)) == 0) {
            missing.add("CAP_NET_ADMIN");
        }
        if (ipipFilter && (capEff & ((1L << CAP_BPF) | (1L << CAP_SYS_ADMIN))) == 0) {
            missing.add("CAP_BPF");
        }
        if (missing.isEmpty()) {
            return;
        }
        String needed = ipipFilter ? "CAP_NET_ADMIN CAP_BPF" : "CAP_NET_ADMIN";
        throw StartupFailure.badInput("this process lacks " + String.join(" and ", missing)
                + (missing.contains("CAP_BPF") ? " (the IPIP filter loads BPF programs)" : "")
                + ": run it as root or grant " + needed + " (systemd: AmbientCapabilities=" + needed
                + " and CapabilityBoundingSet=" + needed + "; or setcap "
                + (ipipFilter ? "cap_net_admin,cap_bpf+ep" : "cap_net_admin+ep") + " on the java binary)"
                + (missing.contains("CAP_BPF")
                        ? "; kernels before 5.8 need CAP_SYS_ADMIN instead of CAP_BPF;"
                                + " or run without the filter: --no-ipip-filter (SHARED mode then accepts IPIP from any source)"
                        : ""));
    }
}
