package org.tunnelmesh.linux;

import java.util.function.Supplier;
import org.tunnelmesh.linux.netlink.Netlink;
import org.tunnelmesh.linux.netlink.NetlinkSocket;
import org.tunnelmesh.linux.rtnetlink.KernelErrors;
import org.tunnelmesh.linux.syscall.Native;

/**
 * What {@link LinuxTunnelMesh#isAvailable()} answers, probed once at the first question: the native
 * crossing is bound, and a netlink route socket opens with the options the mesh sets. Nothing in
 * the kernel changes: the socket is closed again, no request is sent.
 */
final class Availability {
    private Availability() {}

    /** Null when a mesh can be opened here as far as the probe can tell, else why not. */
    static Throwable unavailabilityCause() {
        return Probed.CAUSE;
    }

    /** Holds the answer: the probe runs when this class is first used, once (the JVM's lazy class initialization). */
    @SuppressWarnings("StaticAssignmentOfThrowable") // the cause is the answer, kept as netty's Epoll keeps its own
    private static final class Probed {
        static final Throwable CAUSE =
                probe(Native.unavailabilityCause(), () -> NetlinkSocket.open(Netlink.NETLINK_ROUTE));
    }

    /**
     * @param nativeCause why the native crossing is not bound (not Linux, an architecture without a table, no JNA
     *        native library), or null
     * @param open opens the socket the mesh would open
     * @return {@code nativeCause}, else the socket's failure as the API's exception (its message says what to do), else null
     */
    static Throwable probe(Throwable nativeCause, Supplier<NetlinkSocket> open) {
        if (nativeCause != null) {
            return nativeCause;
        }
        try {
            open.get().close();
            return null;
        } catch (RuntimeException e) {
            return KernelErrors.translate(e);
        }
    }
}
