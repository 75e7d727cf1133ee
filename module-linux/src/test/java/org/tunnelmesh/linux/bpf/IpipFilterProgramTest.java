package org.tunnelmesh.linux.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
        // BPF_JMP|BPF_JEQ|BPF_K (0x15) on r1 with imm 50: IPPROTO_ESP goes to the lookup, on both hooks
        assertEquals(1, count(ingress, "1501[0-9a-f]{4}32000000"), ingress);
        assertEquals(1, count(egress, "1501[0-9a-f]{4}32000000"), egress);
        // BPF_JNE (0x55) r1, 4 twice on ingress: in the header, and where a stranger's packet that is not IPIP passes
        assertEquals(2, count(ingress, "5501[0-9a-f]{4}04000000"), ingress);
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
}
