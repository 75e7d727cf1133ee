package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.tunnelmesh.KernelSupportException;
import org.tunnelmesh.PermissionDeniedException;
import org.tunnelmesh.linux.netlink.NetlinkSocket;
import org.tunnelmesh.linux.syscall.Errno;
import org.tunnelmesh.linux.syscall.NativeIoException;

/**
 * isAvailable() on the build host, which has no ipip: still true, because what it checks (the native crossing, a
 * netlink socket) works here, and ipip is what only open() can find out. And what the probe says when it fails.
 */
class AvailabilityTest {

    @Test
    void thisHostCanRunAMeshAsFarAsCanBeToldWithoutChangingTheKernel() {
        assertTrue(LinuxTunnelMesh.isAvailable(), () -> String.valueOf(LinuxTunnelMesh.unavailabilityCause()));
        assertNull(LinuxTunnelMesh.unavailabilityCause());
    }

    @Test
    void anUnboundNativeCrossingIsTheCauseAsItIs() {
        Throwable unbound = new UnsupportedOperationException("netlink on s390x is not supported");
        assertSame(unbound, Availability.probe(unbound, () -> {
            throw new AssertionError("no socket is tried without the native crossing");
        }));
    }

    @Test
    void aSocketThatWillNotOpenIsTheCauseWithWhatToDo() {
        Throwable denied = Availability.probe(null, () -> {
            throw new NativeIoException("socket(AF_NETLINK, 0)", Errno.EACCES.number());
        });
        assertInstanceOf(PermissionDeniedException.class, denied);
        assertTrue(denied.getMessage().contains("socket(AF_NETLINK, 0) failed: EACCES"), denied.getMessage());

        Throwable unsupported = Availability.probe(null, () -> {
            throw new NativeIoException("socket(AF_NETLINK, 0)", Errno.EPROTONOSUPPORT.number());
        });
        assertInstanceOf(KernelSupportException.class, unsupported);
    }

    @Test
    void theProbesSocketIsClosed() {
        NetlinkSocket[] opened = new NetlinkSocket[1];
        assertNull(Availability.probe(
                null, () -> opened[0] = NetlinkSocket.open(org.tunnelmesh.linux.netlink.Netlink.NETLINK_ROUTE)));
        IllegalStateException closed =
                org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> opened[0].readable());
        assertEquals("netlink socket is closed", closed.getMessage());
    }
}
