package org.tunnelmesh.linux.xfrm;

/** Constants of NETLINK_XFRM, named as in {@code <linux/xfrm.h>} and {@code <linux/in.h>}. */
public final class Xfrm {
    /** The netlink protocol of xfrm sockets (module xfrm_user, CONFIG_XFRM_USER). */
    public static final int NETLINK_XFRM = 6;

    public static final int XFRM_MSG_NEWSA = 0x10;
    public static final int XFRM_MSG_DELSA = 0x11;
    public static final int XFRM_MSG_GETSA = 0x12;
    public static final int XFRM_MSG_NEWPOLICY = 0x13;
    public static final int XFRM_MSG_DELPOLICY = 0x14;
    public static final int XFRM_MSG_GETPOLICY = 0x15;
    public static final int XFRM_MSG_EXPIRE = 0x18;
    public static final int XFRM_MSG_UPDPOLICY = 0x19;
    public static final int XFRM_MSG_UPDSA = 0x1a;
    public static final int XFRM_MSG_POLEXPIRE = 0x1b;
    public static final int XFRM_MSG_FLUSHSA = 0x1c;
    public static final int XFRM_MSG_FLUSHPOLICY = 0x1d;

    /** Multicast group of state changes (new, updated, deleted, flushed). */
    public static final int XFRMNLGRP_SA = 3;
    /** Multicast group of policy changes. */
    public static final int XFRMNLGRP_POLICY = 4;

    public static final int XFRMA_TMPL = 5;
    /** In a DELSA event: the whole xfrm_usersa_info of the deleted state. */
    public static final int XFRMA_SA = 6;
    /** In a DELPOLICY event: the whole xfrm_userpolicy_info of the deleted policy. */
    public static final int XFRMA_POLICY = 7;

    public static final int XFRMA_SRCADDR = 13;
    public static final int XFRMA_POLICY_TYPE = 16;
    public static final int XFRMA_ALG_AEAD = 18;
    public static final int XFRMA_MARK = 21;
    public static final int XFRMA_REPLAY_ESN_VAL = 23;
    public static final int XFRMA_ADDRESS_FILTER = 26;
    public static final int XFRMA_IF_ID = 31;
    /** The highest attribute this code reads (XFRMA_MTIMER_THRESH in 6.1). */
    public static final int XFRMA_MAX_PARSED = 32;

    /** xfrm_selector.mode / xfrm_user_tmpl.mode. */
    public static final int XFRM_MODE_TRANSPORT = 0;

    public static final int XFRM_MODE_TUNNEL = 1;

    /** xfrm_usersa_info.flags: extended (64-bit) sequence numbers. */
    public static final int XFRM_STATE_ESN = 128;

    public static final int XFRM_POLICY_IN = 0;
    public static final int XFRM_POLICY_OUT = 1;
    public static final int XFRM_POLICY_FWD = 2;
    public static final int XFRM_POLICY_ALLOW = 0;
    public static final int XFRM_POLICY_BLOCK = 1;

    /** XFRM_INF: no lifetime limit. */
    public static final long XFRM_INF = -1L;

    public static final int IPPROTO_IPIP = 4;
    public static final int IPPROTO_UDP = 17;
    public static final int IPPROTO_ESP = 50;
    public static final int AF_INET = 2;

    private Xfrm() {}

    /** Which way a policy looks, as {@code ip xfrm} names it. */
    public static String direction(int dir) {
        return switch (dir) {
            case XFRM_POLICY_IN -> "in";
            case XFRM_POLICY_OUT -> "out";
            case XFRM_POLICY_FWD -> "fwd";
            default -> "dir " + dir;
        };
    }
}
