package org.tunnelmesh.linux.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes eBPF instructions ({@code struct bpf_insn}: code, dst/src register nibbles, 16-bit offset,
 * 32-bit immediate) with named registers and jumps to named labels, resolved when the program is
 * assembled. Only the instructions the mesh's programs use; opcodes as in linux/bpf_common.h and
 * linux/bpf.h.
 */
public final class BpfAssembler {
    /** eBPF registers: R0 return value, R1-R5 arguments (clobbered by calls), R6-R9 kept across calls, R10 frame pointer (read-only). */
    public enum Reg {
        R0,
        R1,
        R2,
        R3,
        R4,
        R5,
        R6,
        R7,
        R8,
        R9,
        R10
    }

    // instruction classes
    static final int BPF_LD = 0x00;
    static final int BPF_LDX = 0x01;
    static final int BPF_ST = 0x02;
    static final int BPF_STX = 0x03;
    static final int BPF_ALU = 0x04;
    static final int BPF_JMP = 0x05;
    static final int BPF_ALU64 = 0x07;
    // sizes
    static final int BPF_W = 0x00;
    static final int BPF_H = 0x08;
    static final int BPF_B = 0x10;
    static final int BPF_DW = 0x18;
    // modes
    static final int BPF_IMM = 0x00;
    static final int BPF_MEM = 0x60;
    static final int BPF_ATOMIC = 0xc0;
    // ALU operations and sources
    static final int BPF_ADD = 0x00;
    static final int BPF_AND = 0x50;
    static final int BPF_LSH = 0x60;
    static final int BPF_MOV = 0xb0;
    static final int BPF_END = 0xd0;
    static final int BPF_K = 0x00;
    static final int BPF_X = 0x08;
    static final int BPF_TO_BE = 0x08;
    // jumps
    static final int BPF_JA = 0x00;
    static final int BPF_JEQ = 0x10;
    static final int BPF_JNE = 0x50;
    static final int BPF_CALL = 0x80;
    static final int BPF_EXIT = 0x90;
    /** src_reg of a 64-bit immediate load whose imm is a map fd (the verifier swaps in the map's address). */
    static final int BPF_PSEUDO_MAP_FD = 1;

    static final int INSN_SIZE = 8;

    private record Insn(int code, int dst, int src, int off, int imm, String target) {}

    private final List<Insn> insns = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();

    @SuppressWarnings("EnumOrdinal") // Reg is declared in register order: R0..R10 are registers 0..10
    private BpfAssembler emit(int code, Reg dst, Reg src, int off, int imm, String target) {
        if (off < Short.MIN_VALUE || off > Short.MAX_VALUE) {
            throw new IllegalArgumentException("offset " + off + " does not fit 16 bits");
        }
        insns.add(new Insn(code, dst.ordinal(), src.ordinal(), off, imm, target));
        return this;
    }

    /** Marks the next instruction as the target of jumps to {@code name}. */
    public BpfAssembler label(String name) {
        if (labels.putIfAbsent(name, insns.size()) != null) {
            throw new IllegalArgumentException("label " + name + " defined twice");
        }
        return this;
    }

    /** dst = imm (64-bit, sign-extended). */
    public BpfAssembler mov(Reg dst, int imm) {
        return emit(BPF_ALU64 | BPF_MOV | BPF_K, dst, Reg.R0, 0, imm, null);
    }

    /** dst = src (64-bit). */
    public BpfAssembler mov(Reg dst, Reg src) {
        return emit(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0, null);
    }

    /** dst += imm (64-bit). */
    public BpfAssembler add(Reg dst, int imm) {
        return emit(BPF_ALU64 | BPF_ADD | BPF_K, dst, Reg.R0, 0, imm, null);
    }

    /** dst &= imm (64-bit). */
    public BpfAssembler and(Reg dst, int imm) {
        return emit(BPF_ALU64 | BPF_AND | BPF_K, dst, Reg.R0, 0, imm, null);
    }

    /** dst <<= imm (64-bit). */
    public BpfAssembler shiftLeft(Reg dst, int imm) {
        if (imm < 0 || imm > 63) {
            throw new IllegalArgumentException("shift of " + imm + " bits");
        }
        return emit(BPF_ALU64 | BPF_LSH | BPF_K, dst, Reg.R0, 0, imm, null);
    }

    /** dst = host-to-big-endian(dst) over {@code bits} (16, 32, 64): a swap on little-endian hosts. */
    public BpfAssembler toBigEndian(Reg dst, int bits) {
        if (bits != 16 && bits != 32 && bits != 64) {
            throw new IllegalArgumentException("byte swap of " + bits + " bits");
        }
        return emit(BPF_ALU | BPF_END | BPF_TO_BE, dst, Reg.R0, 0, bits, null);
    }

    /** dst = *(u32 *)(src + off). */
    public BpfAssembler loadWord(Reg dst, Reg src, int off) {
        return emit(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0, null);
    }

    /** dst = *(u16 *)(src + off). */
    public BpfAssembler loadHalf(Reg dst, Reg src, int off) {
        return emit(BPF_LDX | BPF_MEM | BPF_H, dst, src, off, 0, null);
    }

    /** dst = *(u8 *)(src + off). */
    public BpfAssembler loadByte(Reg dst, Reg src, int off) {
        return emit(BPF_LDX | BPF_MEM | BPF_B, dst, src, off, 0, null);
    }

    /** *(u32 *)(dst + off) = imm. */
    public BpfAssembler storeWord(Reg dst, int off, int imm) {
        return emit(BPF_ST | BPF_MEM | BPF_W, dst, Reg.R0, off, imm, null);
    }

    /**
     * *(u32 *)(dst + off) = src. The way to write a field of the context (struct __sk_buff): the
     * verifier refuses an immediate store (BPF_ST) into it.
     */
    public BpfAssembler storeWord(Reg dst, int off, Reg src) {
        return emit(BPF_STX | BPF_MEM | BPF_W, dst, src, off, 0, null);
    }

    /** lock *(u64 *)(dst + off) += src: atomic, so counters stay exact when CPUs race. */
    public BpfAssembler atomicAdd64(Reg dst, int off, Reg src) {
        return emit(BPF_STX | BPF_ATOMIC | BPF_DW, dst, src, off, BPF_ADD, null);
    }

    /** dst = the map behind {@code mapFd}: a two-slot 64-bit load the verifier rewrites into the map's address. */
    public BpfAssembler loadMap(Reg dst, int mapFd) {
        emit(BPF_LD | BPF_IMM | BPF_DW, dst, Reg.values()[BPF_PSEUDO_MAP_FD], 0, mapFd, null);
        insns.add(new Insn(0, 0, 0, 0, 0, null));
        return this;
    }

    /** Calls kernel helper number {@code helper} (enum bpf_func_id): arguments in R1-R5, result in R0. */
    public BpfAssembler call(int helper) {
        return emit(BPF_JMP | BPF_CALL, Reg.R0, Reg.R0, 0, helper, null);
    }

    public BpfAssembler exit() {
        return emit(BPF_JMP | BPF_EXIT, Reg.R0, Reg.R0, 0, 0, null);
    }

    /** goto label. */
    public BpfAssembler jump(String label) {
        return emit(BPF_JMP | BPF_JA, Reg.R0, Reg.R0, 0, 0, label);
    }

    /** if dst == imm goto label. */
    public BpfAssembler jumpIfEqual(Reg dst, int imm, String label) {
        return emit(BPF_JMP | BPF_JEQ | BPF_K, dst, Reg.R0, 0, imm, label);
    }

    /** if dst != imm goto label. */
    public BpfAssembler jumpIfNotEqual(Reg dst, int imm, String label) {
        return emit(BPF_JMP | BPF_JNE | BPF_K, dst, Reg.R0, 0, imm, label);
    }

    /** Instructions written so far (a 64-bit immediate load counts two). */
    public int size() {
        return insns.size();
    }

    /** The program as the kernel reads it: 8 bytes per instruction, little-endian (the host's order). */
    public byte[] assemble() {
        ByteBuffer out = ByteBuffer.allocate(insns.size() * INSN_SIZE).order(ByteOrder.nativeOrder());
        for (int pc = 0; pc < insns.size(); pc++) {
            Insn insn = insns.get(pc);
            int off = insn.off();
            if (insn.target() != null) {
                Integer target = labels.get(insn.target());
                if (target == null) {
                    throw new IllegalStateException("jump to undefined label " + insn.target());
                }
                off = target - (pc + 1); // jumps count from the next instruction
            }
            out.put((byte) insn.code());
            out.put((byte) (insn.src() << 4 | insn.dst()));
            out.putShort((short) off);
            out.putInt(insn.imm());
        }
        return out.array();
    }
}
