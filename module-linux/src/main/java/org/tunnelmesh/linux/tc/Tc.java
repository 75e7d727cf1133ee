package org.tunnelmesh.linux.tc;

/** Constants of rtnetlink's traffic control messages, named as in linux/rtnetlink.h and linux/pkt_*.h. */
public final class Tc {
    public static final int RTM_NEWQDISC = 36;
    public static final int RTM_DELQDISC = 37;
    public static final int RTM_GETQDISC = 38;
    public static final int RTM_NEWTFILTER = 44;
    public static final int RTM_DELTFILTER = 45;
    public static final int RTM_GETTFILTER = 46;
    /** Multicast group of qdisc and filter notifications. */
    public static final int RTNLGRP_TC = 4;

    public static final int TCA_KIND = 1;
    public static final int TCA_OPTIONS = 2;
    public static final int TCA_MAX_PARSED = TCA_OPTIONS;

    // linux/pkt_sched.h: the clsact qdisc and its two hooks
    public static final int TC_H_CLSACT = 0xfffffff1;
    public static final int CLSACT_HANDLE = 0xffff0000;
    public static final int INGRESS = 0xfffffff2;
    public static final int EGRESS = 0xfffffff3;

    /** ETH_P_IP in network order, as tcm_info carries a filter's protocol. */
    public static final int ETH_P_IP_BE = 0x0008;

    // linux/pkt_cls.h: cls_bpf
    public static final int TCA_BPF_FD = 6;
    public static final int TCA_BPF_NAME = 7;
    public static final int TCA_BPF_FLAGS = 8;
    public static final int TCA_BPF_ID = 11;
    public static final int TCA_BPF_MAX_PARSED = TCA_BPF_ID;
    /** The program's return value is the action (TC_ACT_*): no separate action needed. */
    public static final int TCA_BPF_FLAG_ACT_DIRECT = 1;

    private Tc() {}

    /** tcm_info of a filter: priority in the upper 16 bits, protocol (network order) in the lower. */
    public static int filterInfo(int priority, int protocolBe) {
        return priority << 16 | protocolBe;
    }

    public static String hookName(int parent) {
        return parent == INGRESS
                ? "ingress"
                : parent == EGRESS ? "egress" : String.format("parent %x:%x", parent >>> 16, parent & 0xffff);
    }
}
