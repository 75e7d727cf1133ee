package org.tunnelmesh.linux.syscall;

import java.util.Locale;

/**
 * The numbers of the Linux ABI that differ between architectures, for the architectures this
 * package has a table for. Everything else it uses (AF_NETLINK, SOCK_RAW, SO_SNDBUF, SO_RCVBUF and
 * their FORCE variants, O_CLOEXEC, O_NONBLOCK, the errno numbers) is asm-generic's on all of them.
 *
 * @param arch         JNA's canonical name of the architecture
 * @param solSocket    SOL_SOCKET
 * @param soRcvtimeo   SO_RCVTIMEO (SO_RCVTIMEO_OLD since 5.1: a struct timeval of the native long)
 * @param timevalBytes sizeof(struct timeval): two longs
 * @param sysBpf       the bpf(2) system call number (unistd.h), which has no libc wrapper
 */
record LinuxAbi(String arch, int solSocket, int soRcvtimeo, int timevalBytes, long sysBpf) {

    /**
     * The table. x86-64, arm64, riscv64 and loongarch64 take socket.h and errno.h from asm-generic;
     * powerpc too, except SO_RCVLOWAT, SO_SNDLOWAT, SO_RCVTIMEO and SO_SNDTIMEO (16..19). bpf is 321
     * in x86-64's syscall table, 361 in powerpc's, 280 in asm-generic's unistd.h.
     */
    static LinuxAbi of(String arch) {
        return switch (arch) {
            case "x86-64" -> new LinuxAbi(arch, 1, 20, 16, 321);
            case "aarch64", "riscv64", "loongarch64" -> new LinuxAbi(arch, 1, 20, 16, 280);
            case "ppc64le", "ppc64" -> new LinuxAbi(arch, 1, 18, 16, 361);
            default -> throw new UnsupportedOperationException(unsupported(arch));
        };
    }

    private static String unsupported(String arch) {
        String a = arch.toLowerCase(Locale.ROOT);
        if (a.startsWith("mips")
                || a.startsWith("sparc")
                || a.startsWith("alpha")
                || a.startsWith("parisc")
                || a.startsWith("hppa")) {
            return "netlink on " + arch + " is not supported: its socket options (SOL_SOCKET 0xffff) and errno numbers"
                    + " are its own, not asm-generic's, and this library has no table for them";
        }
        if (a.equals("x86") || a.startsWith("arm") || a.equals("ppc")) {
            return "netlink on 32-bit " + arch + " is not supported: the native binding passes size_t and the"
                    + " struct timeval of SO_RCVTIMEO as 64-bit values";
        }
        return "netlink on " + arch + " is not supported: no table of its socket option and system call numbers"
                + " (supported: x86-64, aarch64, riscv64, loongarch64, ppc64le, ppc64)";
    }

    /** A struct timeval of {@code millis} in native order, as SO_RCVTIMEO takes it. */
    byte[] timeval(int millis) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(timevalBytes).order(java.nio.ByteOrder.nativeOrder());
        b.putLong(millis / 1000).putLong((millis % 1000) * 1000L);
        return b.array();
    }
}
