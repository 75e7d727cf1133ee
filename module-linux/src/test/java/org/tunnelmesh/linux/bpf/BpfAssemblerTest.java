package org.tunnelmesh.linux.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.tunnelmesh.linux.bpf.BpfAssembler.Reg.*;

import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.linux.netlink.Bytes;

/**
 * Every instruction against its struct bpf_insn bytes: code, then dst_reg in the low nibble and
 * src_reg in the high nibble, a little-endian s16 offset and s32 immediate - as the kernel's own
 * macros in include/linux/filter.h (BPF_MOV64_REG, BPF_LDX_MEM, BPF_ATOMIC_OP, ...) build them.
 */
class BpfAssemblerTest {

    private static void encodes(String hex, UnaryOperator<BpfAssembler> insn) {
        assertArrayEquals(Bytes.hex(hex), insn.apply(new BpfAssembler()).assemble(), hex);
    }

    @Test
    void moves() {
        encodes("bf16000000000000", a -> a.mov(R6, R1)); // BPF_MOV64_REG(R6, R1)
        encodes("bf a3 0000 00000000", a -> a.mov(R3, R10)); // r3 = fp
        encodes("b7000000ffffffff", a -> a.mov(R0, -1)); // BPF_MOV64_IMM(R0, -1): TC_ACT_UNSPEC
        encodes("b705000001000000", a -> a.mov(R5, 1));
    }

    @Test
    void arithmetic() {
        encodes("07030000e8ffffff", a -> a.add(R3, -24)); // BPF_ALU64_IMM(BPF_ADD, R3, -24)
        encodes("dc07000010000000", a -> a.toBigEndian(R7, 16)); // BPF_ENDIAN(BPF_TO_BE, R7, 16)
        encodes("dc07000020000000", a -> a.toBigEndian(R7, 32));
        assertThrows(IllegalArgumentException.class, () -> new BpfAssembler().toBigEndian(R7, 8));
        encodes("570200000f000000", a -> a.and(R2, 0x0f)); // BPF_ALU64_IMM(BPF_AND, R2, 0xf)
        encodes("57010000ff1f0000", a -> a.and(R1, 0x1fff));
        encodes("6702000002000000", a -> a.shiftLeft(R2, 2)); // BPF_ALU64_IMM(BPF_LSH, R2, 2)
        assertThrows(IllegalArgumentException.class, () -> new BpfAssembler().shiftLeft(R2, 64));
    }

    @Test
    void loadsAndStores() {
        encodes("6112100000000000", a -> a.loadWord(R2, R1, 16)); // BPF_LDX_MEM(BPF_W, R2, R1, 16)
        encodes("69a7eaff00000000", a -> a.loadHalf(R7, R10, -22)); // BPF_LDX_MEM(BPF_H, R7, R10, -22)
        encodes("71a1f1ff00000000", a -> a.loadByte(R1, R10, -15)); // BPF_LDX_MEM(BPF_B, R1, R10, -15)
        encodes("620ae4ff00000000", a -> a.storeWord(R10, -28, 0)); // BPF_ST_MEM(BPF_W, R10, -28, 0)
        encodes("620afcff2a000000", a -> a.storeWord(R10, -4, 42));
        encodes("6316200000000000", a -> a.storeWord(R6, 32, R1)); // BPF_STX_MEM(BPF_W, R6, R1, 32): skb->priority = r1
        encodes("db70080000000000", a -> a.atomicAdd64(R0, 8, R7)); // BPF_ATOMIC_OP(BPF_DW, BPF_ADD, R0, R7, 8)
        assertThrows(IllegalArgumentException.class, () -> new BpfAssembler().loadWord(R1, R2, 40000));
    }

    @Test
    void mapLoadTakesTwoSlots() {
        // BPF_LD_MAP_FD(R1, 5): BPF_LD | BPF_DW | BPF_IMM with src_reg BPF_PSEUDO_MAP_FD, then the upper half
        BpfAssembler a = new BpfAssembler().loadMap(R1, 5);
        assertEquals(2, a.size());
        assertArrayEquals(Bytes.hex("1811000005000000 0000000000000000"), a.assemble());
    }

    @Test
    void callsAndExit() {
        encodes("8500000001000000", a -> a.call(1)); // BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem)
        encodes("8500000044000000", a -> a.call(68)); // bpf_skb_load_bytes_relative
        encodes("9500000000000000", BpfAssembler::exit); // BPF_EXIT_INSN()
    }

    @Test
    void jumpsCountFromTheNextInstruction() {
        byte[] code = new BpfAssembler()
                .jumpIfEqual(R0, 0, "end") // 0: +2
                .jumpIfNotEqual(R2, 8, "end") // 1: +1
                .jump("end") // 2: +0
                .label("end")
                .exit() // 3
                .assemble();
        assertArrayEquals(Bytes.hex("""
                1500 0200 00000000
                5502 0100 08000000
                0500 0000 00000000
                9500 0000 00000000
                """), code);
    }

    @Test
    void backwardJumpsAreNegative() {
        byte[] code = new BpfAssembler().label("top").mov(R0, 0).jump("top").assemble();
        assertArrayEquals(Bytes.hex("b700000000000000 0500feff00000000"), code);
    }

    @Test
    void aJumpOverAMapLoadSkipsBothSlots() {
        byte[] code = new BpfAssembler()
                .jump("after")
                .loadMap(R1, 3)
                .label("after")
                .exit()
                .assemble();
        assertEquals((byte) 2, code[2], "ja +2 over the two-slot load");
    }

    @Test
    void labelsMustExistAndBeUnique() {
        assertThrows(
                IllegalStateException.class,
                () -> new BpfAssembler().jump("nowhere").assemble());
        assertThrows(
                IllegalArgumentException.class,
                () -> new BpfAssembler().label("a").exit().label("a"));
    }
}
