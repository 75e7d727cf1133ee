package org.tunnelmesh.linux.rtnetlink;

/** Constants of rtnetlink, named as in the kernel's uapi headers so they can be grepped there. */
public final class Rtnetlink {
    // <linux/rtnetlink.h> message types
    public static final int RTM_NEWLINK = 16;
    public static final int RTM_DELLINK = 17;
    public static final int RTM_GETLINK = 18;
    public static final int RTM_NEWADDR = 20;
    public static final int RTM_DELADDR = 21;
    public static final int RTM_GETADDR = 22;
    public static final int RTM_NEWROUTE = 24;
    public static final int RTM_DELROUTE = 25;
    public static final int RTM_GETROUTE = 26;
    public static final int RTM_NEWNEXTHOP = 104;
    public static final int RTM_DELNEXTHOP = 105;
    public static final int RTM_GETNEXTHOP = 106;

    public static final int AF_UNSPEC = 0;
    public static final int AF_INET = 2;

    // struct ifinfomsg and <linux/if_link.h>
    public static final int IFF_UP = 0x1;
    public static final int IFF_LOWER_UP = 0x10000;
    public static final int IFLA_IFNAME = 3;
    public static final int IFLA_MTU = 4;
    public static final int IFLA_LINKINFO = 18;
    public static final int IFLA_STATS64 = 23;
    public static final int IFLA_EXT_MASK = 29;
    public static final int IFLA_MAX_PARSED = IFLA_STATS64;
    public static final int IFLA_INFO_KIND = 1;
    public static final int IFLA_INFO_DATA = 2;
    public static final int RTEXT_FILTER_SKIP_STATS = 1 << 3;

    // <linux/if_tunnel.h>
    public static final int IFLA_IPTUN_LINK = 1;
    public static final int IFLA_IPTUN_LOCAL = 2;
    public static final int IFLA_IPTUN_REMOTE = 3;
    public static final int IFLA_IPTUN_TTL = 4;
    public static final int IFLA_IPTUN_TOS = 5;
    public static final int IFLA_IPTUN_PROTO = 9;
    public static final int IFLA_IPTUN_PMTUDISC = 10;
    public static final int IFLA_IPTUN_ENCAP_TYPE = 15;
    public static final int IFLA_IPTUN_ENCAP_FLAGS = 16;
    public static final int IFLA_IPTUN_ENCAP_SPORT = 17;
    public static final int IFLA_IPTUN_ENCAP_DPORT = 18;
    public static final int IFLA_IPTUN_FWMARK = 20;
    public static final int IFLA_IPTUN_MAX_PARSED = IFLA_IPTUN_FWMARK; // 20: past ENCAP_* (15-18)
    public static final int IPPROTO_IPIP = 4;

    // struct ifaddrmsg and <linux/if_addr.h>
    public static final int IFA_ADDRESS = 1;
    public static final int IFA_LOCAL = 2;
    public static final int IFA_MAX_PARSED = IFA_LOCAL;

    // struct rtmsg
    public static final int RT_TABLE_MAIN = 254;
    public static final int RTPROT_KERNEL = 2;
    public static final int RTPROT_BOOT = 3;
    public static final int RT_SCOPE_UNIVERSE = 0;
    public static final int RT_SCOPE_LINK = 253;
    public static final int RT_SCOPE_NOWHERE = 255;
    public static final int RTN_UNICAST = 1;
    public static final int RTNH_F_ONLINK = 4;
    /** struct rtnexthop: u16 rtnh_len, u8 rtnh_flags, u8 rtnh_hops, s32 rtnh_ifindex; its attributes follow. */
    public static final int RTNH_LENGTH = 8;

    public static final int RTM_F_CLONED = 0x200;
    public static final int RTA_DST = 1;
    public static final int RTA_OIF = 4;
    public static final int RTA_GATEWAY = 5;
    public static final int RTA_MULTIPATH = 9;
    public static final int RTA_TABLE = 15;
    public static final int RTA_NH_ID = 30;
    public static final int RTA_MAX_PARSED = RTA_NH_ID;

    // struct nhmsg and <linux/nexthop.h>
    public static final int NHA_ID = 1;
    public static final int NHA_OIF = 5;
    public static final int NHA_GATEWAY = 6;
    public static final int NHA_MAX_PARSED = NHA_GATEWAY;

    // multicast groups (enum rtnetlink_groups)
    public static final int RTNLGRP_LINK = 1;
    public static final int RTNLGRP_IPV4_IFADDR = 5;
    public static final int RTNLGRP_IPV4_ROUTE = 7;
    public static final int RTNLGRP_NEXTHOP = 32;

    private Rtnetlink() {}
}
