package org.tunnelmesh.linux.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shape of the filter programs (the lab's verifier and pings test what they do): every jump
 * lands inside the program, both map loads carry the map's fd, and every path ends in exit.
 */
class IpipFilterProgramTest {
    private static final int MAP_FD = 77;

    private record Insn(int code, int dst, int src, int off, int imm) {
    }

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

    private static void wellFormed(byte[] program, int mapLoads) {
        List<Insn> insns = decode(program);
        int loads = 0;
        for (int pc = 0; pc < insns.size(); pc++) {
            Insn insn = insns.get(pc);
            if (insn.code() == 0x18) {
                assertEquals(1, insn.src(), "BPF_PSEUDO_MAP_FD");
                assertEquals(MAP_FD, insn.imm());
                loads++;
                pc++;
                continue;
            }
            boolean jump = (insn.code() & 0x07) == 0x05 && insn.code() != 0x85 && insn.code() != 0x95;
            if (jump) {
                int target = pc + 1 + insn.off();
                assertTrue(target > pc && target < insns.size(), "forward jump at " + pc + " lands inside: " + target);
            }
        }
        assertEquals(mapLoads, loads);
        assertEquals(0x95, insns.get(insns.size() - 1).code(), "ends in exit");
    }

    @Test
    void ingressLooksUpTheSourceAndTheRejectedSlot() {
        byte[] program = IpipFilterProgram.ingress(MAP_FD);
        wellFormed(program, 2);
        String hex = java.util.HexFormat.of().formatHex(program);
        assertTrue(hex.contains("07020000f4ffffff"), "key = fp-12, the saddr of the copied header");
        assertTrue(hex.contains("b700000002000000"), "drops with TC_ACT_SHOT");
    }

    @Test
    void egressLooksUpTheDestinationAndNeverDrops() {
        byte[] program = IpipFilterProgram.egress(MAP_FD);
        wellFormed(program, 1);
        String hex = java.util.HexFormat.of().formatHex(program);
        assertTrue(hex.contains("07020000f8ffffff"), "key = fp-8, the daddr of the copied header");
        assertTrue(!hex.contains("b700000002000000"), "no TC_ACT_SHOT on egress");
    }
}
