package org.tunnelmesh.linux.rtnetlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.KernelException;
import org.tunnelmesh.KernelSupportException;
import org.tunnelmesh.PermissionDeniedException;
import org.tunnelmesh.TunnelMeshException;
import org.tunnelmesh.linux.netlink.NetlinkException;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;
import org.tunnelmesh.linux.netlink.NetlinkProtocolException;
import org.tunnelmesh.linux.netlink.NetlinkRequest;
import org.tunnelmesh.linux.syscall.Errno;
import org.tunnelmesh.linux.syscall.NativeIoException;

class KernelErrorsTest {
    private static final String ROUTE = "ip route add 192.168.42.0/24 via 10.245.1.3 dev ifindex 2 onlink proto 87";

    private static NetlinkRequest routeRequest() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(1);
        RtnetlinkRequests.newRoute(
                b,
                RtnetlinkRequests.CREATE,
                Route.onlink(Ipv4Prefix.parse("192.168.42.0/24"), Ipv4Address.parse("10.245.1.3"), 2, 87));
        return b.request(0);
    }

    private static TunnelMeshException translate(int errno, String extAck, int failures) {
        return KernelErrors.translate(new NetlinkException(errno, extAck, 0, failures, routeRequest()));
    }

    private static void assertMentions(Throwable e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "'" + e.getMessage() + "' should mention " + part);
        }
    }

    @Test
    void epermNeedsCapNetAdmin() {
        TunnelMeshException e = translate(Errno.EPERM.number(), "", 1);
        assertInstanceOf(PermissionDeniedException.class, e);
        assertMentions(e, ROUTE, "EPERM", "CAP_NET_ADMIN");
        KernelException cause = assertInstanceOf(KernelException.class, e.getCause());
        assertEquals(Errno.EPERM.number(), cause.errno());
    }

    @Test
    void eaccesIsAPermissionProblemToo() {
        assertInstanceOf(PermissionDeniedException.class, translate(Errno.EACCES.number(), "", 1));
    }

    @Test
    void eexistIsAConflict() {
        TunnelMeshException e = translate(Errno.EEXIST.number(), "", 1);
        assertInstanceOf(ConflictException.class, e);
        assertMentions(e, ROUTE, "EEXIST", "File exists");
        assertEquals(Errno.EEXIST.number(), ((KernelException) e.getCause()).errno());
    }

    @Test
    void missingFeaturesAreKernelSupport() {
        for (int errno :
                new int[] {Errno.EOPNOTSUPP.number(), Errno.EAFNOSUPPORT.number(), Errno.EPROTONOSUPPORT.number()}) {
            TunnelMeshException e = translate(errno, "", 1);
            assertInstanceOf(KernelSupportException.class, e);
            assertMentions(e, ROUTE, Errno.name(errno));
        }
    }

    @Test
    void einvalCarriesErrnoAndTheKernelsText() {
        TunnelMeshException e = translate(Errno.EINVAL.number(), "Nexthop device is not up", 1);
        KernelException k = assertInstanceOf(KernelException.class, e);
        assertEquals(KernelException.class, k.getClass());
        assertEquals(22, k.errno());
        assertEquals("EINVAL", k.errnoName());
        assertEquals("Nexthop device is not up", k.kernelMessage());
        assertMentions(e, ROUTE, "EINVAL", "Invalid argument", "Nexthop device is not up");
        assertFalse(e.getMessage().contains("more request"), e.getMessage());
    }

    @Test
    void withoutExtendedAckTheKernelMessageIsEmpty() {
        KernelException k = (KernelException) translate(Errno.ENODEV.number(), "", 1);
        assertEquals("", k.kernelMessage());
        assertEquals("ENODEV", k.errnoName());
        assertFalse(k.getMessage().contains("kernel:"), k.getMessage());
    }

    @Test
    void otherFailuresOfTheBatchAreCounted() {
        TunnelMeshException e = translate(Errno.EINVAL.number(), "", 3);
        assertMentions(e, "2 more request(s)");
    }

    @Test
    void unknownErrnoStillReads() {
        KernelException k = (KernelException) translate(200, "", 1);
        assertEquals(200, k.errno());
        assertMentions(k, "errno 200");
    }

    @Test
    void givenDescriptionIsUsed() {
        NetlinkException n = new NetlinkException(Errno.EEXIST.number(), "", -1, 1, null);
        TunnelMeshException e = KernelErrors.translate(n, "adding peer node2");
        assertInstanceOf(ConflictException.class, e);
        assertTrue(e.getMessage().startsWith("adding peer node2 failed"), e.getMessage());
    }

    @Test
    void withoutARequestObjectItSaysNetlinkRequest() {
        TunnelMeshException e = KernelErrors.translate(new NetlinkException(Errno.EINVAL.number(), "", -1, 1, null));
        assertTrue(e.getMessage().startsWith("netlink request failed"), e.getMessage());
    }

    @Test
    void causeKeepsTheSameMessageBase() {
        TunnelMeshException e = translate(Errno.EPERM.number(), "", 1);
        assertTrue(e.getMessage().startsWith(e.getCause().getMessage()), e.getMessage());
        assertSame(KernelException.class, e.getCause().getClass());
    }

    @Test
    void eexistOnAKeylessIpipLinkPointsAtTunl0() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(512).reset(1);
        RtnetlinkRequests.newIpipLink(
                b,
                RtnetlinkRequests.CREATE,
                "tm-node2",
                0,
                new IpipParameters(0, Ipv4Address.ANY, Ipv4Address.ANY, 64, 0, true));
        RtnetlinkRequests.newIpipLink(
                b,
                RtnetlinkRequests.CREATE,
                "tm-node3",
                0,
                IpipParameters.pointToPoint(
                        2, Ipv4Address.parse("10.245.1.2"), Ipv4Address.parse("10.245.1.4"), 64, true));
        TunnelMeshException keyless =
                KernelErrors.translate(new NetlinkException(Errno.EEXIST.number(), "", 0, 1, b.request(0)));
        assertInstanceOf(ConflictException.class, keyless);
        assertMentions(keyless, "ip link add tm-node2 type ipip", "tunl0");
        TunnelMeshException keyed =
                KernelErrors.translate(new NetlinkException(Errno.EEXIST.number(), "", 0, 1, b.request(1)));
        assertInstanceOf(ConflictException.class, keyed);
        assertFalse(keyed.getMessage().contains("tunl0"), keyed.getMessage());
    }

    @Test
    void aFailedSystemCallNamesTheCallAndHasNoKernelText() {
        TunnelMeshException e = KernelErrors.translate(new NativeIoException("recvfrom", Errno.EBADF.number()));
        KernelException k = assertInstanceOf(KernelException.class, e);
        assertEquals(Errno.EBADF.number(), k.errno());
        assertEquals("", k.kernelMessage());
        assertMentions(e, "recvfrom", "EBADF");
    }

    @Test
    void enteringANamespaceWithoutPermissionNeedsCapSysAdmin() {
        TunnelMeshException e = KernelErrors.translate(
                new NativeIoException("setns(/run/netns/node1, CLONE_NEWNET)", Errno.EPERM.number()));
        assertInstanceOf(PermissionDeniedException.class, e);
        assertMentions(e, "setns", "EPERM", "CAP_SYS_ADMIN");
    }

    @Test
    void anExchangeThatBrokeDownHasNoErrno() {
        RuntimeException e = KernelErrors.translate(
                (RuntimeException) new NetlinkProtocolException("the kernel did not answer within 60 s"));
        assertEquals(TunnelMeshException.class, e.getClass());
        assertMentions(e, "did not answer");
    }

    @Test
    void whatIsNotANetlinkFailureIsLeftAsItIs() {
        IllegalStateException closed = new IllegalStateException("netlink socket is closed");
        assertSame(closed, KernelErrors.translate(closed));
        TunnelMeshException translated = translate(Errno.EINVAL.number(), "", 1);
        assertSame(translated, KernelErrors.translate(translated));
    }

    @Test
    void aDumpIsDescribedByItsCommand() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(1);
        RtnetlinkRequests.dumpNexthops(b);
        TunnelMeshException e =
                KernelErrors.translate(new NetlinkException(Errno.EOPNOTSUPP.number(), "", -1, 1, b.request(0)));
        assertInstanceOf(KernelSupportException.class, e);
        assertTrue(e.getMessage().startsWith("ip nexthop show failed: EOPNOTSUPP"), e.getMessage());
    }

    /**
     * Only the kernel's refusal of the request means "no nexthop objects here" (before 5.3): a dump interrupted by
     * concurrent changes too often, or any other failure, must not read as an empty list, which a reconcile would take
     * for "every nexthop is gone" and make 20,000 again.
     */
    @Test
    void onlyEopnotsuppMeansNoNexthopObjects() {
        assertTrue(RtnetlinkSession.noNexthopObjects(translate(Errno.EOPNOTSUPP.number(), "", 1)));
        assertFalse(RtnetlinkSession.noNexthopObjects(translate(Errno.EINVAL.number(), "", 1)));
        assertFalse(RtnetlinkSession.noNexthopObjects(translate(Errno.ENOBUFS.number(), "", 1)));
        RuntimeException interrupted = KernelErrors.translate(new NetlinkProtocolException(
                "RTM_GETNEXTHOP was interrupted by concurrent changes 3 times in a row (NLM_F_DUMP_INTR)"));
        assertFalse(RtnetlinkSession.noNexthopObjects(interrupted));
        assertFalse(RtnetlinkSession.noNexthopObjects(new IllegalStateException("netlink socket is closed")));
    }
}
