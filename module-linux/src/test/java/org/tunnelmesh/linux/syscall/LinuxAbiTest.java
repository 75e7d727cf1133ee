package org.tunnelmesh.linux.syscall;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The per-architecture numbers, as the kernel's headers give them, and a clear refusal elsewhere. */
class LinuxAbiTest {

    @Test
    void genericArchitectures() {
        for (String arch : new String[] {"x86-64", "aarch64", "riscv64", "loongarch64"}) {
            LinuxAbi abi = LinuxAbi.of(arch);
            assertEquals(1, abi.solSocket(), arch);
            assertEquals(20, abi.soRcvtimeo(), arch);
            assertEquals(16, abi.timevalBytes(), arch);
        }
        assertEquals(321, LinuxAbi.of("x86-64").sysBpf());
        assertEquals(280, LinuxAbi.of("aarch64").sysBpf());
        assertEquals(280, LinuxAbi.of("riscv64").sysBpf());
    }

    @Test
    void powerpcHasItsOwnTimeoutOption() {
        LinuxAbi abi = LinuxAbi.of("ppc64le");
        assertEquals(1, abi.solSocket());
        assertEquals(18, abi.soRcvtimeo());
        assertEquals(361, abi.sysBpf());
    }

    @Test
    void otherArchitecturesAreRefusedWithTheReason() {
        for (String arch : new String[] {"mips64el", "sparcv9", "alpha", "parisc"}) {
            var e = assertThrows(UnsupportedOperationException.class, () -> LinuxAbi.of(arch));
            assertTrue(e.getMessage().contains(arch) && e.getMessage().contains("SOL_SOCKET 0xffff"), e.getMessage());
        }
        for (String arch : new String[] {"x86", "arm", "armel"}) {
            var e = assertThrows(UnsupportedOperationException.class, () -> LinuxAbi.of(arch));
            assertTrue(e.getMessage().contains("32-bit"), e.getMessage());
        }
        var e = assertThrows(UnsupportedOperationException.class, () -> LinuxAbi.of("s390x"));
        assertTrue(e.getMessage().contains("s390x") && e.getMessage().contains("supported: x86-64"), e.getMessage());
    }

    @Test
    void timevalIsSecondsAndMicroseconds() {
        byte[] expected = ByteBuffer.allocate(16)
                .order(ByteOrder.nativeOrder())
                .putLong(60)
                .putLong(250_000)
                .array();
        assertArrayEquals(expected, LinuxAbi.of("x86-64").timeval(60_250));
    }

    /** This machine is one of the supported ones (the build runs on x86-64 or arm64). */
    @Test
    void thisMachineHasATable() {
        assertNull(Native.unavailabilityCause(), () -> String.valueOf(Native.unavailabilityCause()));
        assertEquals(com.sun.jna.Platform.ARCH, Native.ABI.arch());
    }

    @Test
    void errnoNumbersAndNames() {
        assertEquals(Errno.EEXIST, Errno.of(17));
        assertEquals("EEXIST", Errno.name(17));
        assertEquals("File exists", Errno.text(17));
        assertTrue(Errno.ENOBUFS.is(105));
        assertNull(Errno.of(200));
        assertEquals("errno 200", Errno.name(200));
        assertEquals("unknown error", Errno.text(200));
        assertNull(Errno.of(0));
        assertNull(Errno.of(-1));
        for (Errno errno : Errno.values()) {
            assertEquals(errno, Errno.of(errno.number()), errno.name());
        }
    }
}
