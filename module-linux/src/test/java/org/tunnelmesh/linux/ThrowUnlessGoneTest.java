package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.KernelException;
import org.tunnelmesh.PermissionDeniedException;
import org.tunnelmesh.TunnelMeshException;
import org.tunnelmesh.linux.netlink.Datagrams;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;
import org.tunnelmesh.linux.rtnetlink.Route;
import org.tunnelmesh.linux.rtnetlink.RtnetlinkRequests;
import org.tunnelmesh.linux.syscall.Errno;

/** Deletes that find their object already gone are fine; any other failure is reported - the first such, not the first failure. */
class ThrowUnlessGoneTest {
    private static final Ipv4Address GATEWAY = Ipv4Address.parse("10.245.1.3");

    /** Four route deletes: 192.168.40.0/24 .. 192.168.43.0/24. */
    private static NetlinkMessageBuilder fourDeletes() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(1024).reset(1);
        for (int i = 0; i < 4; i++) {
            RtnetlinkRequests.deleteRoute(b, Route.onlink(Ipv4Prefix.parse("192.168.4" + i + ".0/24"), GATEWAY, 2, 87));
        }
        return b;
    }

    @Test
    void anEpermAfterAToleratedEnoentIsReported() {
        NetlinkMessageBuilder batch = fourDeletes();
        var outcome = Datagrams.outcome(batch, Errno.ENOENT.number(), 0, 0, Errno.EPERM.number());
        TunnelMeshException e = assertThrows(TunnelMeshException.class, () -> MeshContext.throwUnlessGone(outcome));
        assertInstanceOf(PermissionDeniedException.class, e);
        assertTrue(e.getMessage().startsWith("ip route del 192.168.43.0/24 proto 87 failed: EPERM"), e.getMessage());
        assertFalse(e.getMessage().contains("No such file"), e.getMessage());
        assertFalse(e.getMessage().contains("more request"), "the tolerated ENOENT is not counted: " + e.getMessage());
        assertInstanceOf(KernelException.class, e.getCause());
    }

    @Test
    void onlyAlreadyGoneFailuresAreFine() {
        NetlinkMessageBuilder batch = fourDeletes();
        var outcome = Datagrams.outcome(
                batch,
                Errno.ENOENT.number(),
                Errno.ESRCH.number(),
                Errno.ENODEV.number(),
                Errno.EADDRNOTAVAIL.number());
        assertDoesNotThrow(() -> MeshContext.throwUnlessGone(outcome));
    }

    @Test
    void theFirstOfSeveralRealFailuresIsReportedAndTheOthersCounted() {
        NetlinkMessageBuilder batch = fourDeletes();
        var outcome = Datagrams.outcome(batch, Errno.ENOENT.number(), Errno.EINVAL.number(), 0, Errno.EPERM.number());
        TunnelMeshException e = assertThrows(TunnelMeshException.class, () -> MeshContext.throwUnlessGone(outcome));
        assertTrue(e.getMessage().startsWith("ip route del 192.168.41.0/24 proto 87 failed: EINVAL"), e.getMessage());
        assertTrue(e.getMessage().contains("1 more request(s)"), e.getMessage());
    }
}
