package org.tunnelmesh.linux.tc;

import static org.tunnelmesh.linux.netlink.Netlink.*;
import static org.tunnelmesh.linux.tc.Tc.*;

import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

/**
 * Requests for the clsact qdisc and bpf filters, laid out as {@code tc} lays them out (the unit tests
 * compare them byte for byte with what tc sent, captured in the lab).
 */
public final class TcRequests {
    /** tc qdisc add / tc filter add: fail with EEXIST if it is there. */
    public static final int ADD = NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE;
    /** tc filter replace: create it, or change the one with the same handle and priority. */
    public static final int REPLACE = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;

    private static final int DELETE = NLM_F_REQUEST | NLM_F_ACK;

    private TcRequests() {}

    private static void tcmsg(NetlinkMessageBuilder b, int ifindex, int handle, int parent, int info) {
        new Tcmsg(0, ifindex, handle, parent, info).write(b);
    }

    /** {@code tc qdisc add dev DEV clsact}. */
    public static void addClsact(NetlinkMessageBuilder b, int ifindex) {
        b.begin(RTM_NEWQDISC, ADD);
        tcmsg(b, ifindex, CLSACT_HANDLE, TC_H_CLSACT, 0);
        b.attrString(TCA_KIND, "clsact");
        b.end();
    }

    /** {@code tc qdisc del dev DEV clsact}: takes every filter on both hooks with it. */
    public static void deleteClsact(NetlinkMessageBuilder b, int ifindex) {
        b.begin(RTM_DELQDISC, DELETE);
        tcmsg(b, ifindex, CLSACT_HANDLE, TC_H_CLSACT, 0);
        b.attrString(TCA_KIND, "clsact");
        b.end();
    }

    /**
     * {@code tc filter add|replace dev DEV ingress|egress protocol ip prio PRIO handle HANDLE bpf da fd FD name NAME}.
     *
     * @param flags {@link #ADD} or {@link #REPLACE}
     */
    public static void addBpfFilter(
            NetlinkMessageBuilder b,
            int flags,
            int ifindex,
            int parent,
            int priority,
            int handle,
            int programFd,
            String name) {
        b.begin(RTM_NEWTFILTER, flags);
        tcmsg(b, ifindex, handle, parent, filterInfo(priority, ETH_P_IP_BE));
        b.attrString(TCA_KIND, "bpf");
        b.beginNested(TCA_OPTIONS);
        b.attrU32(TCA_BPF_FD, programFd);
        b.attrString(TCA_BPF_NAME, name);
        b.attrU32(TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
        b.endNested();
        b.end();
    }

    /** {@code tc filter del dev DEV ingress|egress protocol ip prio PRIO handle HANDLE bpf}. */
    public static void deleteBpfFilter(NetlinkMessageBuilder b, int ifindex, int parent, int priority, int handle) {
        b.begin(RTM_DELTFILTER, DELETE);
        tcmsg(b, ifindex, handle, parent, filterInfo(priority, ETH_P_IP_BE));
        b.attrString(TCA_KIND, "bpf");
        b.end();
    }

    /** {@code tc filter show dev DEV ingress|egress}. */
    public static void dumpFilters(NetlinkMessageBuilder b, int ifindex, int parent) {
        b.begin(RTM_GETTFILTER, NLM_F_REQUEST | NLM_F_DUMP);
        tcmsg(b, ifindex, 0, parent, 0);
        b.end();
    }

    /** {@code tc qdisc show}: the kernel dumps every device's qdiscs. */
    public static void dumpQdiscs(NetlinkMessageBuilder b) {
        b.begin(RTM_GETQDISC, NLM_F_REQUEST | NLM_F_DUMP);
        tcmsg(b, 0, 0, 0, 0);
        b.end();
    }
}
