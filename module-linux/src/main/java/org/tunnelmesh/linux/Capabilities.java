package org.tunnelmesh.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The capabilities the mesh needs, read from the process's effective set ({@code CapEff} in
 * /proc/self/status), and what an operator does to grant a missing one. CAP_NET_ADMIN for
 * rtnetlink and tc; for the IPIP filter also CAP_BPF (kernel 5.8+: {@code bpf_capable()} is
 * CAP_BPF or CAP_SYS_ADMIN, and a SCHED_CLS program needs it whatever
 * kernel.unprivileged_bpf_disabled says).
 */
final class Capabilities {
    /** Bit numbers, as in include/uapi/linux/capability.h. */
    static final int CAP_NET_ADMIN = 12;

    static final int CAP_SYS_ADMIN = 21;
    static final int CAP_BPF = 39;

    private Capabilities() {}

    /** The effective set of this process, or -1 when /proc/self/status cannot be read. */
    static long effective() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return Long.parseUnsignedLong(
                            line.substring("CapEff:".length()).strip(), 16);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through: unknown
        }
        return -1;
    }

    static boolean has(long set, int capability) {
        return set != -1 && (set & (1L << capability)) != 0;
    }

    /** The names of what {@code set} lacks for a mesh, with or without the IPIP filter; empty when nothing. */
    static List<String> missing(long set, boolean ipipFilter) {
        List<String> missing = new ArrayList<>();
        if (!has(set, CAP_NET_ADMIN)) {
            missing.add("CAP_NET_ADMIN");
        }
        if (ipipFilter && !has(set, CAP_BPF) && !has(set, CAP_SYS_ADMIN)) {
            missing.add("CAP_BPF");
        }
        return missing;
    }

    /**
     * What {@code set} lacks for a mesh, in one line naming the capabilities and how to grant them; null when it lacks
     * nothing, or when the set is unknown (-1: the kernel's own refusal will tell).
     */
    static String lacking(long set, boolean ipipFilter) {
        List<String> missing = set == -1 ? List.of() : missing(set, ipipFilter);
        if (missing.isEmpty()) {
            return null;
        }
        boolean bpf = missing.contains("CAP_BPF");
        return "this process lacks " + String.join(" and ", missing)
                + (bpf ? " (the IPIP filter loads BPF programs)" : "") + ": " + howToGrant(ipipFilter)
                + (bpf
                        ? "; or run without the filter (MeshConfig.ipipFilter(false), node --no-ipip-filter: SHARED mode"
                                + " then accepts IPIP from any source)"
                        : "");
    }

    /** How to grant what is missing (as many as {@code missing} names) for the mesh's whole set. */
    static String howToGrant(boolean ipipFilter) {
        String caps = ipipFilter ? "CAP_NET_ADMIN CAP_BPF" : "CAP_NET_ADMIN";
        String setcap = ipipFilter ? "cap_net_admin,cap_bpf+ep" : "cap_net_admin+ep";
        return "run as root, or grant " + caps + " (systemd: AmbientCapabilities=" + caps
                + " and CapabilityBoundingSet=" + caps + "; or setcap " + setcap + " on the java binary)"
                + (ipipFilter ? "; kernels before 5.8 have no CAP_BPF and need CAP_SYS_ADMIN instead" : "");
    }

    /**
     * Why {@code bpf(2)} answered EPERM, for a process with the effective set {@code set}: which
     * capability is missing and how to grant it, or, when none is, what else refuses it.
     */
    static String bpfPermissionAdvice(long set) {
        if (set == -1) {
            return "The process needs CAP_BPF and CAP_NET_ADMIN: " + howToGrant(true);
        }
        List<String> missing = missing(set, true);
        if (missing.isEmpty()) {
            return "The process has CAP_BPF (or CAP_SYS_ADMIN) and CAP_NET_ADMIN, yet the kernel refused: a security"
                    + " module (lockdown, SELinux, AppArmor) or a user namespace without them in the initial one"
                    + " denies bpf(2)";
        }
        return "The process lacks " + String.join(" and ", missing) + ": " + howToGrant(true);
    }

    /**
     * diagnose()'s lines about capabilities: CAP_NET_ADMIN, and CAP_BPF when the IPIP filter is on;
     * each OK, or FAIL with how to grant the mesh's whole set.
     */
    static List<String> diagnoseLines(long set, boolean ipipFilter) {
        if (set == -1) {
            return List.of("WARN CAP_NET_ADMIN: cannot read /proc/self/status");
        }
        List<String> lines = new ArrayList<>();
        lines.add(
                has(set, CAP_NET_ADMIN)
                        ? "OK CAP_NET_ADMIN: effective"
                        : "FAIL CAP_NET_ADMIN: missing; " + howToGrant(ipipFilter));
        if (ipipFilter) {
            lines.add(
                    has(set, CAP_BPF)
                            ? "OK CAP_BPF: effective"
                            : has(set, CAP_SYS_ADMIN)
                                    ? "OK CAP_BPF: CAP_SYS_ADMIN stands in for it"
                                    : "FAIL CAP_BPF: missing (the IPIP filter needs it); " + howToGrant(true));
        }
        return lines;
    }
}
