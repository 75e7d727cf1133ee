package org.tunnelmesh.linux.bpf;

import static org.tunnelmesh.linux.bpf.BpfAssembler.Reg.*;

/**
 * The mesh's tc programs (BPF_PROG_TYPE_SCHED_CLS, direct action): two on the underlay device and
 * one on the tunnel device tunl0.
 *
 * <p>The underlay's read the outer IPv4 header with bpf_skb_load_bytes_relative from the network
 * header, so they do not depend on the link layer, and look the peer up in the peer map: key = the
 * peer's underlay address as it is in the packet (network order), value = {@link PeerMap} counters.
 * <ul>
 * <li>ingress: IPIP from a peer counts in its rx fields, is stamped (skb->priority = {@link #PASSED})
 * and passes; IPIP from any other source - 0.0.0.0, broadcast and multicast among them, none of
 * which is ever a peer - counts in {@link RejectedCounters} and is dropped (TC_ACT_SHOT). What is
 * dropped is counted in a map of its own, reached only by the constant index 0: a slot of the peer
 * map would be the slot of some source address.</li>
 * <li>egress: IPIP to a peer counts in its tx fields; everything passes.</li>
 * <li>tunnel ingress (tunl0): what the kernel decapsulated - from whichever link the outer packet
 * came - passes only with the underlay filter's stamp; the rest counts in RejectedCounters' second
 * pair and is dropped before the IP layer sees it. tunl0 takes IPIP from any link (the kernel's
 * ip_tunnel_lookup has no notion of the arriving device), and after decapsulation the packet no
 * longer tells where it came in (skb_iif is the tunnel's, the control block is reused): the stamp
 * is how the tunnel device learns that a packet came through the underlay filter. This covers links
 * added later without watching for them.</li>
 * </ul>
 * An encrypting mesh's tunnel packets are ESP (IP protocol 50) around the IPIP: ESP from a peer counts and is
 * stamped like IPIP (the kernel decrypts it in the same skb, so the stamp reaches tunl0 with the IPIP inside; the
 * mesh's inbound xfrm policy drops a peer's IPIP that came without ESP), and ESP to a peer counts on egress. ESP from
 * anyone else passes unstamped and uncounted: it is not the mesh's, and the kernel's IPsec decides about it.
 *
 * <p>The stamp is skb->priority, the field that decides the transmit queue: it survives
 * decapsulation in the same namespace (skb_scrub_packet clears the mark only across namespaces, and
 * not the priority), tc's ingress hook does not rewrite it (it does rewrite tc_index when a filter
 * says TC_ACT_OK), nor does netfilter on input, and a received packet does not use it: the
 * outer packet ends at the tunnel, and an inner packet that is forwarded gets a new priority from
 * its TOS (ip_forward). A packet that arrives on any other link has the priority its driver gave
 * it (0).
 *
 * <p>With an encapsulation port (FOU or GUE), IPv4 UDP to that port is a tunnel packet on both
 * underlay hooks, judged and counted as IPIP is: the kernel's fou socket on the port takes every
 * UDP datagram to it, whatever follows the UDP header, so the port alone decides - a datagram too
 * short to carry a packet, or with a bogus inner header, from a non-peer is dropped and counted
 * like any other. The UDP header is read at IHL * 4, past any IP options. A fragment other than
 * the first (offset not 0) carries no UDP header and passes unjudged and uncounted: the kernel
 * delivers a datagram only once reassembled, reassembly needs the first fragment, which carries
 * the whole UDP header (a fragment with more to follow carries at least 8 bytes: ip_frag_queue
 * drops a shorter one) and is judged here, and later fragments cannot rewrite those 8 bytes
 * (their offset is 8 or more, and overlapping fragments discard the datagram, since 4.19). From a
 * peer, such fragments go uncounted. A UDP header cut short (the ports unreadable) passes too: UDP
 * drops a datagram shorter than its header. Plain IPIP stays a tunnel packet alongside.
 *
 * <p>Passing returns TC_ACT_UNSPEC, not TC_ACT_OK: cls_bpf then goes on to the next filter, so
 * filters of others on the same hook still see the packet. Bytes are the outer IPv4 total length
 * (at the tunnel device: the inner length plus the 20-byte outer header).
 */
// spotless:off - the programs are laid out as assembly, one instruction or label per line
public final class IpipFilterProgram {
    /** struct __sk_buff field offsets (linux/bpf.h). */
    static final int SKB_LEN = 0;
    static final int SKB_PROTOCOL = 16;
    static final int SKB_PRIORITY = 32;
    /** skb->protocol is big-endian ETH_P_IP (0x0800); a 32-bit load on a little-endian host reads 0x0008. */
    static final int ETH_P_IP_AS_LOADED = 0x0008;
    static final int BPF_FUNC_MAP_LOOKUP_ELEM = 1;
    static final int BPF_FUNC_SKB_LOAD_BYTES_RELATIVE = 68;
    static final int BPF_HDR_START_NET = 1;
    static final int TC_ACT_UNSPEC = -1;
    static final int TC_ACT_SHOT = 2;
    static final int IPPROTO_IPIP = 4;
    static final int IPPROTO_UDP = 17;
    /** The fragment offset bits of the IPv4 flags-and-offset field (host order). */
    static final int IP_OFFSET_MASK = 0x1fff;
    /** No encapsulation port: plain IPIP only. */
    public static final int NO_PORT = 0;
    /** An encrypting mesh's tunnel packets (issue 27): ESP around the IPIP, counted and stamped like it. */
    static final int IPPROTO_ESP = 50;
    /** The outer header IPIP adds (no options: the kernel's ipip sends none). */
    static final int IPIP_HEADER_BYTES = 20;
    /**
     * The stamp of IPIP that came in through the underlay filter from a peer: "tm" and IPPROTO_IPIP.
     * Not a priority anyone sets on a received packet (TC_PRIO_* are 0..15; a classid is major:minor
     * of a qdisc on transmit).
     */
    public static final int PASSED = 0x746d_0004;

    /** The outer IPv4 header (20 bytes) is copied to the stack at fp-24. */
    static final int IP_HEADER = -24;
    static final int IP_TOT_LEN = IP_HEADER + 2;
    static final int IP_FRAG_OFF = IP_HEADER + 6;
    static final int IP_PROTOCOL = IP_HEADER + 9;
    static final int IP_SADDR = IP_HEADER + 12;
    static final int IP_DADDR = IP_HEADER + 16;
    /** The index of the one element of the rejected counters, 0, at fp-28. */
    static final int REJECTED_INDEX = -28;
    /** The UDP source and destination ports (4 bytes) are copied to fp-32. */
    static final int UDP_PORTS = -32;
    static final int UDP_DEST = UDP_PORTS + 2;

    private IpipFilterProgram() {
    }

    /** The underlay's ingress program for plain IPIP. */
    public static byte[] ingress(int peerMapFd, int rejectedFd) {
        return ingress(peerMapFd, rejectedFd, NO_PORT);
    }

    /**
     * The underlay's ingress program; with {@code encapPort} (1-65535) IPv4 UDP to that port is judged
     * as IPIP is, with {@link #NO_PORT} the program is {@link #ingress(int, int)}'s, instruction for instruction.
     */
    public static byte[] ingress(int peerMapFd, int rejectedFd, int encapPort) {
        BpfAssembler a = header(peerMapFd, IP_SADDR, checkPort(encapPort));
        a.jumpIfEqual(R0, 0, "stranger");
        count(a, PeerMap.RX_PACKETS, PeerMap.RX_BYTES);
        a.mov(R1, PASSED)
                .storeWord(R6, SKB_PRIORITY, R1);
        a.label("pass")
                .mov(R0, TC_ACT_UNSPEC)
                .exit();
        a.label("stranger")
                .loadByte(R1, R10, IP_PROTOCOL)
                .jumpIfEqual(R1, IPPROTO_ESP, "not_ours"); // ESP of strangers: the kernel's IPsec decides
        lookupRejected(a, rejectedFd);
        count(a, RejectedCounters.UNDERLAY_PACKETS, RejectedCounters.UNDERLAY_BYTES);
        a.label("drop")
                .mov(R0, TC_ACT_SHOT)
                .exit();
        a.label("not_ours")
                .mov(R0, TC_ACT_UNSPEC)
                .exit();
        return a.assemble();
    }

    /** The underlay's egress program for plain IPIP. */
    public static byte[] egress(int peerMapFd) {
        return egress(peerMapFd, NO_PORT);
    }

    /** The underlay's egress program; {@code encapPort} as for {@link #ingress(int, int, int)}. */
    public static byte[] egress(int peerMapFd, int encapPort) {
        BpfAssembler a = header(peerMapFd, IP_DADDR, checkPort(encapPort));
        a.jumpIfEqual(R0, 0, "pass");
        count(a, PeerMap.TX_PACKETS, PeerMap.TX_BYTES);
        a.label("pass")
                .mov(R0, TC_ACT_UNSPEC)
                .exit();
        return a.assemble();
    }

    /** On tunl0's ingress: decapsulated packets pass only with the underlay filter's stamp. */
    public static byte[] tunnelIngress(int rejectedFd) {
        BpfAssembler a = new BpfAssembler()
                .mov(R6, R1)
                .loadWord(R2, R6, SKB_PRIORITY)
                .jumpIfNotEqual(R2, PASSED, "off_underlay")
                .mov(R0, TC_ACT_UNSPEC)
                .exit();
        a.label("off_underlay");
        lookupRejected(a, rejectedFd);
        a.loadWord(R7, R6, SKB_LEN)
                .add(R7, IPIP_HEADER_BYTES)
                .mov(R1, 1)
                .atomicAdd64(R0, RejectedCounters.OFF_UNDERLAY_PACKETS, R1)
                .atomicAdd64(R0, RejectedCounters.OFF_UNDERLAY_BYTES, R7);
        a.label("drop")
                .mov(R0, TC_ACT_SHOT)
                .exit();
        return a.assemble();
    }

    private static int checkPort(int encapPort) {
        if (encapPort < NO_PORT || encapPort > 65535) {
            throw new IllegalArgumentException(
                    "encapsulation port " + encapPort + " is not a UDP port: give 1-65535, or 0 for plain IPIP");
        }
        return encapPort;
    }

    /** R0 = the rejected counters (index 0); jumps to "drop" if the lookup fails, which an array map's never does. */
    private static void lookupRejected(BpfAssembler a, int rejectedFd) {
        a.storeWord(R10, REJECTED_INDEX, 0)
                .loadMap(R1, rejectedFd)
                .mov(R2, R10)
                .add(R2, REJECTED_INDEX)
                .call(BPF_FUNC_MAP_LOOKUP_ELEM)
                .jumpIfEqual(R0, 0, "drop");
    }

    /**
     * Up to the peer lookup: non-IPv4 and non-tunnel packets jump to "pass"; R0 = the peer's counters or NULL.
     * Tunnel packets are IPIP, ESP (an encrypting mesh's IPIP), and with an encapsulation port also IPv4 UDP to that port (FOU or GUE: the
     * kernel's fou socket on the port takes any UDP to it, so the port alone decides).
     */
    private static BpfAssembler header(int peerMapFd, int keyOffset, int encapPort) {
        BpfAssembler a = new BpfAssembler()
                .mov(R6, R1)
                .loadWord(R2, R1, SKB_PROTOCOL)
                .jumpIfNotEqual(R2, ETH_P_IP_AS_LOADED, "pass")
                // bpf_skb_load_bytes_relative(skb, 0, fp-24, 20, BPF_HDR_START_NET)
                .mov(R1, R6)
                .mov(R2, 0)
                .mov(R3, R10)
                .add(R3, IP_HEADER)
                .mov(R4, 20)
                .mov(R5, BPF_HDR_START_NET)
                .call(BPF_FUNC_SKB_LOAD_BYTES_RELATIVE)
                .jumpIfNotEqual(R0, 0, "pass")
                .loadByte(R1, R10, IP_PROTOCOL)
                .jumpIfEqual(R1, IPPROTO_ESP, "tunnel");
        if (encapPort == NO_PORT) {
            a.jumpIfNotEqual(R1, IPPROTO_IPIP, "pass");
        } else {
            a.jumpIfEqual(R1, IPPROTO_IPIP, "tunnel")
                    .jumpIfNotEqual(R1, IPPROTO_UDP, "pass")
                    // a fragment other than the first has no UDP header (see the class comment)
                    .loadHalf(R1, R10, IP_FRAG_OFF)
                    .toBigEndian(R1, 16)
                    .and(R1, IP_OFFSET_MASK)
                    .jumpIfNotEqual(R1, 0, "pass")
                    // bpf_skb_load_bytes_relative(skb, IHL * 4, fp-32, 4, BPF_HDR_START_NET): past any IP options
                    .loadByte(R2, R10, IP_HEADER)
                    .and(R2, 0x0f)
                    .shiftLeft(R2, 2)
                    .mov(R1, R6)
                    .mov(R3, R10)
                    .add(R3, UDP_PORTS)
                    .mov(R4, 4)
                    .mov(R5, BPF_HDR_START_NET)
                    .call(BPF_FUNC_SKB_LOAD_BYTES_RELATIVE)
                    .jumpIfNotEqual(R0, 0, "pass")
                    .loadHalf(R1, R10, UDP_DEST)
                    .toBigEndian(R1, 16)
                    .jumpIfNotEqual(R1, encapPort, "pass");
        }
        a.label("tunnel");
        return a.loadMap(R1, peerMapFd)
                .mov(R2, R10)
                .add(R2, keyOffset)
                .call(BPF_FUNC_MAP_LOOKUP_ELEM);
    }

    /** One packet and its outer length into the counters R0 points at. */
    private static void count(BpfAssembler a, int packetsOffset, int bytesOffset) {
        a.loadHalf(R7, R10, IP_TOT_LEN)
                .toBigEndian(R7, 16)
                .mov(R1, 1)
                .atomicAdd64(R0, packetsOffset, R1)
                .atomicAdd64(R0, bytesOffset, R7);
    }
}
// spotless:on
