package org.tunnelmesh.linux.bpf;

import static org.tunnelmesh.linux.bpf.BpfAssembler.Reg.*;

/**
 * The mesh's tc programs (BPF_PROG_TYPE_SCHED_CLS, direct action) on the underlay device.
 *
 * <p>Both read the outer IPv4 header with bpf_skb_load_bytes_relative from the network header, so
 * they do not depend on the link layer, and look the peer up in the peer map: key = the peer's
 * underlay address as it is in the packet (network order), value = {@link PeerMap} counters.
 * <ul>
 * <li>ingress: IPIP from a peer counts in its rx fields and passes; IPIP from any other source
 * counts in the rejected slot (key 0.0.0.0) and is dropped (TC_ACT_SHOT).</li>
 * <li>egress: IPIP to a peer counts in its tx fields; everything passes.</li>
 * </ul>
 * Passing returns TC_ACT_UNSPEC, not TC_ACT_OK: cls_bpf then goes on to the next filter, so
 * filters of others on the same hook still see the packet. Bytes are the outer IPv4 total length.
 */
public final class IpipFilterProgram {
    /** struct __sk_buff field offsets (linux/bpf.h). */
    static final int SKB_PROTOCOL = 16;
    /** skb->protocol is big-endian ETH_P_IP (0x0800); a 32-bit load on a little-endian host reads 0x0008. */
    static final int ETH_P_IP_AS_LOADED = 0x0008;
    static final int BPF_FUNC_MAP_LOOKUP_ELEM = 1;
    static final int BPF_FUNC_SKB_LOAD_BYTES_RELATIVE = 68;
    static final int BPF_HDR_START_NET = 1;
    static final int TC_ACT_UNSPEC = -1;
    static final int TC_ACT_SHOT = 2;
    static final int IPPROTO_IPIP = 4;

    /** The outer IPv4 header (20 bytes) is copied to the stack at fp-24. */
    static final int IP_HEADER = -24;
    static final int IP_TOT_LEN = IP_HEADER + 2;
    static final int IP_PROTOCOL = IP_HEADER + 9;
    static final int IP_SADDR = IP_HEADER + 12;
    static final int IP_DADDR = IP_HEADER + 16;
    /** The key of the rejected slot, 0.0.0.0, at fp-28. */
    static final int REJECTED_KEY = -28;

    private IpipFilterProgram() {
    }

    public static byte[] ingress(int mapFd) {
        BpfAssembler a = header(mapFd, IP_SADDR);
        a.jumpIfEqual(R0, 0, "stranger");
        count(a, PeerMap.RX_PACKETS, PeerMap.RX_BYTES);
        a.label("pass")
                .mov(R0, TC_ACT_UNSPEC)
                .exit();
        a.label("stranger")
                .storeWord(R10, REJECTED_KEY, 0)
                .loadMap(R1, mapFd)
                .mov(R2, R10)
                .add(R2, REJECTED_KEY)
                .call(BPF_FUNC_MAP_LOOKUP_ELEM)
                .jumpIfEqual(R0, 0, "drop");
        count(a, PeerMap.RX_PACKETS, PeerMap.RX_BYTES);
        a.label("drop")
                .mov(R0, TC_ACT_SHOT)
                .exit();
        return a.assemble();
    }

    public static byte[] egress(int mapFd) {
        BpfAssembler a = header(mapFd, IP_DADDR);
        a.jumpIfEqual(R0, 0, "pass");
        count(a, PeerMap.TX_PACKETS, PeerMap.TX_BYTES);
        a.label("pass")
                .mov(R0, TC_ACT_UNSPEC)
                .exit();
        return a.assemble();
    }

    /** Up to the peer lookup: non-IPv4 and non-IPIP jump to "pass"; R0 = the peer's counters or NULL. */
    private static BpfAssembler header(int mapFd, int keyOffset) {
        return new BpfAssembler()
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
                .jumpIfNotEqual(R1, IPPROTO_IPIP, "pass")
                .loadMap(R1, mapFd)
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
