package org.tunnelmesh.linux.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.linux.netlink.Bytes;

/**
 * The shape of the filter programs (the lab's verifier and pings test what they do): every jump
 * lands inside the program, each map load carries the fd of the map it means, and every path ends
 * in exit; the short tunnel program byte for byte.
 */
class IpipFilterProgramTest {
    private static final int PEER_MAP_FD = 77;
    private static final int REJECTED_FD = 78;

    private record Insn(int code, int dst, int src, int off, int imm) {}

    private static List<Insn> decode(byte[] program) {
        assertEquals(0, program.length % 8);
        ByteBuffer b = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
        List<Insn> insns = new ArrayList<>();
        while (b.hasRemaining()) {
            int code = b.get() & 0xff;
            int regs = b.get() & 0xff;
            insns.add(new Insn(code, regs & 0xf, regs >>> 4, b.getShort(), b.getInt()));
        }
        return insns;
    }

    /** Checks the shape; returns the map fds loaded, in program order. */
    private static List<Integer> wellFormed(byte[] program) {
        List<Insn> insns = decode(program);
        List<Integer> maps = new ArrayList<>();
        for (int pc = 0; pc < insns.size(); pc++) {
            Insn insn = insns.get(pc);
            if (insn.code() == 0x18) {
                assertEquals(1, insn.src(), "BPF_PSEUDO_MAP_FD");
                maps.add(insn.imm());
                pc++;
                continue;
            }
            boolean jump = (insn.code() & 0x07) == 0x05 && insn.code() != 0x85 && insn.code() != 0x95;
            if (jump) {
                int target = pc + 1 + insn.off();
                assertTrue(target > pc && target < insns.size(), "forward jump at " + pc + " lands inside: " + target);
            }
        }
        assertEquals(0x95, insns.get(insns.size() - 1).code(), "ends in exit");
        return maps;
    }

    @Test
    void ingressLooksUpTheSourceAmongPeersAndCountsStrangersInTheirOwnMap() {
        byte[] program = IpipFilterProgram.ingress(PEER_MAP_FD, REJECTED_FD);
        // the peer map is looked up with the packet's source only; the rejected counters, with the constant index 0:
        // no source address (0.0.0.0 neither) reaches them
        assertEquals(List.of(PEER_MAP_FD, REJECTED_FD), wellFormed(program));
        String hex = HexFormat.of().formatHex(program);
        assertTrue(hex.contains("07020000f4ffffff"), "peer key = fp-12, the saddr of the copied header");
        assertTrue(
                hex.contains("620ae4ff00000000" + "181100004e000000" + "0000000000000000"),
                "index 0 stored at fp-28, then the rejected counters' map: " + hex);
        assertTrue(
                hex.contains("b701000004006d74" + "6316200000000000"),
                "a passed peer's packet is stamped: skb->priority = PASSED");
        assertTrue(hex.contains("b700000002000000"), "drops with TC_ACT_SHOT");
    }

    /** An encrypting mesh's packets: ESP (50) goes to the peer lookup too, and ESP of strangers is never dropped. */
    @Test
    void espFromAPeerCountsAndEspOfStrangersPasses() {
        String ingress = Bytes.toHex(IpipFilterProgram.ingress(PEER_MAP_FD, REJECTED_FD));
        String egress = Bytes.toHex(IpipFilterProgram.egress(PEER_MAP_FD));
        // BPF_JMP|BPF_JEQ|BPF_K (0x15) on r1 with imm 50: IPPROTO_ESP goes to the lookup, on both hooks, and on
        // ingress a stranger's ESP passes (jumps to TC_ACT_UNSPEC) before the rejected counters
        assertEquals(2, count(ingress, "1501[0-9a-f]{4}32000000"), ingress);
        assertEquals(1, count(egress, "1501[0-9a-f]{4}32000000"), egress);
        // BPF_JNE (0x55) r1, 4 once: in the header, where what is neither ESP nor IPIP passes
        assertEquals(1, count(ingress, "5501[0-9a-f]{4}04000000"), ingress);
    }

    private static int count(String hex, String instruction) {
        int n = 0;
        for (int at = 0; at + 16 <= hex.length(); at += 16) { // one 8-byte instruction per 16 hex digits
            n += hex.substring(at, at + 16).matches(instruction) ? 1 : 0;
        }
        return n;
    }

    @Test
    void egressLooksUpTheDestinationAndNeverDrops() {
        byte[] program = IpipFilterProgram.egress(PEER_MAP_FD);
        assertEquals(List.of(PEER_MAP_FD), wellFormed(program));
        String hex = HexFormat.of().formatHex(program);
        assertTrue(hex.contains("07020000f8ffffff"), "key = fp-8, the daddr of the copied header");
        assertTrue(!hex.contains("b700000002000000"), "no TC_ACT_SHOT on egress");
        assertTrue(!hex.contains("63162000"), "egress stamps nothing");
    }

    @Test
    void theTunnelProgramPassesOnlyWhatTheUnderlayStamped() {
        byte[] program = IpipFilterProgram.tunnelIngress(REJECTED_FD);
        assertEquals(List.of(REJECTED_FD), wellFormed(program));
        assertArrayEquals(Bytes.hex("""
                bf16000000000000
                6162200000000000
                5502020004006d74
                b7000000ffffffff
                9500000000000000
                620ae4ff00000000
                181100004e000000 0000000000000000
                bfa2000000000000
                07020000e4ffffff
                8500000001000000
                1500050000000000
                6167000000000000
                0707000014000000
                b701000001000000
                db10100000000000
                db70180000000000
                b700000002000000
                9500000000000000
                """), program, """
                r6 = skb
                r2 = skb->priority
                if r2 != PASSED goto off_underlay
                return TC_ACT_UNSPEC
                off_underlay: *(u32 *)(fp-28) = 0
                r1 = the rejected counters' map
                r2 = fp-28
                r0 = bpf_map_lookup_elem(r1, r2)
                if r0 == NULL goto drop
                r7 = skb->len + 20 (the outer header)
                lock rejected.offUnderlayPackets += 1, lock rejected.offUnderlayBytes += r7
                drop: return TC_ACT_SHOT""");
    }

    /**
     * The ingress program without an encapsulation port (IPIP, and an encrypting mesh's ESP), pinned: what runs
     * without --encap stays the same when ports are added.
     */
    private static final String PLAIN_INGRESS = """
            bf16000000000000 6112100000000000 5502180008000000 bf61000000000000
            b702000000000000 bfa3000000000000 07030000e8ffffff b704000014000000
            b705000001000000 8500000044000000 5500100000000000 71a1f1ff00000000
            1501010032000000 55010d0004000000 181100004d000000 0000000000000000
            bfa2000000000000 07020000f4ffffff 8500000001000000 1500090000000000
            69a7eaff00000000 dc07000010000000 b701000001000000 db10000000000000
            db70080000000000 b701000004006d74 6316200000000000 b7000000ffffffff
            9500000000000000 71a1f1ff00000000 15010e0032000000 620ae4ff00000000
            181100004e000000 0000000000000000 bfa2000000000000 07020000e4ffffff
            8500000001000000 1500050000000000 69a7eaff00000000 dc07000010000000
            b701000001000000 db10000000000000 db70080000000000 b700000002000000
            9500000000000000 b7000000ffffffff 9500000000000000
            """;

    @Test
    void withoutAPortThePlainProgramsAreUnchangedInstructionForInstruction() {
        assertArrayEquals(Bytes.hex(PLAIN_INGRESS), IpipFilterProgram.ingress(PEER_MAP_FD, REJECTED_FD));
        assertArrayEquals(
                IpipFilterProgram.ingress(PEER_MAP_FD, REJECTED_FD),
                IpipFilterProgram.ingress(PEER_MAP_FD, REJECTED_FD, IpipFilterProgram.NO_PORT));
        assertArrayEquals(
                IpipFilterProgram.egress(PEER_MAP_FD),
                IpipFilterProgram.egress(PEER_MAP_FD, IpipFilterProgram.NO_PORT));
    }

    @Test
    void withAPortUdpToItIsJudgedAsIpipIsPastTheIpOptionsAndFirstFragmentsOnly() {
        byte[] program = IpipFilterProgram.ingress(PEER_MAP_FD, REJECTED_FD, 5555);
        assertEquals(List.of(PEER_MAP_FD, REJECTED_FD), wellFormed(program));
        assertArrayEquals(Bytes.hex("""
                bf16000000000000
                6112100000000000
                55022a0008000000
                bf61000000000000 b702000000000000 bfa3000000000000 07030000e8ffffff
                b704000014000000 b705000001000000 8500000044000000
                5500220000000000
                71a1f1ff00000000
                1501130032000000
                1501120004000000
                55011e0011000000
                69a1eeff00000000 dc01000010000000 57010000ff1f0000
                55011a0000000000
                71a2e8ff00000000 570200000f000000 6702000002000000
                bf61000000000000 bfa3000000000000 07030000e0ffffff
                b704000004000000 b705000001000000 8500000044000000
                5500100000000000
                69a1e2ff00000000 dc01000010000000
                55010d00b3150000
                181100004d000000 0000000000000000 bfa2000000000000 07020000f4ffffff 8500000001000000
                1500090000000000
                69a7eaff00000000 dc07000010000000 b701000001000000 db10000000000000 db70080000000000
                b701000004006d74 6316200000000000
                b7000000ffffffff 9500000000000000
                71a1f1ff00000000 15010e0032000000
                620ae4ff00000000 181100004e000000 0000000000000000 bfa2000000000000 07020000e4ffffff
                8500000001000000 1500050000000000
                69a7eaff00000000 dc07000010000000 b701000001000000 db10000000000000 db70080000000000
                b700000002000000 9500000000000000
                b7000000ffffffff 9500000000000000
                """), program, """
                r6 = skb
                r2 = skb->protocol; if r2 != ETH_P_IP goto pass
                r0 = bpf_skb_load_bytes_relative(skb, 0, fp-24, 20, BPF_HDR_START_NET)
                if r0 != 0 goto pass
                r1 = ip->protocol
                if r1 == IPPROTO_ESP goto tunnel
                if r1 == IPPROTO_IPIP goto tunnel
                if r1 != IPPROTO_UDP goto pass
                r1 = be16(ip->frag_off) & 0x1fff
                if r1 != 0 goto pass (a later fragment: no UDP header)
                r2 = (ip->version_ihl & 0xf) << 2
                r0 = bpf_skb_load_bytes_relative(skb, r2, fp-32, 4, BPF_HDR_START_NET)
                if r0 != 0 goto pass (shorter than the ports: UDP drops it)
                r1 = be16(udp->dest)
                if r1 != 5555 goto pass
                tunnel: r0 = bpf_map_lookup_elem(peer map, fp-12 = saddr)
                if r0 == NULL goto stranger
                count rx packets and bytes (be16(ip->tot_len))
                skb->priority = PASSED
                pass: return TC_ACT_UNSPEC
                stranger: if ip->protocol == IPPROTO_ESP goto not_ours
                r0 = the rejected counters (index 0 at fp-28); if NULL goto drop
                count underlay packets and bytes
                drop: return TC_ACT_SHOT
                not_ours: return TC_ACT_UNSPEC (the kernel's IPsec decides)""");
    }

    @Test
    void egressWithAPortCountsUdpToItToPeersAndNeverDrops() {
        byte[] program = IpipFilterProgram.egress(PEER_MAP_FD, 5555);
        assertEquals(List.of(PEER_MAP_FD), wellFormed(program));
        String hex = HexFormat.of().formatHex(program);
        assertTrue(hex.contains("55011c0011000000"), "UDP: " + hex);
        assertTrue(hex.contains("b3150000"), "to port 5555: " + hex);
        assertTrue(hex.contains("07020000f8ffffff"), "key = fp-8, the daddr of the copied header");
        assertTrue(hex.contains("db10100000000000" + "db70180000000000"), "tx packets and bytes");
        assertTrue(!hex.contains("b700000002000000"), "no TC_ACT_SHOT on egress");
        assertTrue(!hex.contains("63162000"), "egress stamps nothing");
    }

    @Test
    void aPortThatIsNoUdpPortIsRefusedNamingIt() {
        for (int bad : new int[] {-1, 65536}) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> IpipFilterProgram.ingress(PEER_MAP_FD, REJECTED_FD, bad));
            assertEquals(
                    "encapsulation port " + bad + " is not a UDP port: give 1-65535, or 0 for plain IPIP",
                    e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> IpipFilterProgram.egress(PEER_MAP_FD, bad));
        }
        assertEquals(
                List.of(PEER_MAP_FD, REJECTED_FD),
                wellFormed(IpipFilterProgram.ingress(PEER_MAP_FD, REJECTED_FD, 65535)));
    }
}
