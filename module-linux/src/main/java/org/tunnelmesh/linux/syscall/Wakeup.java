package org.tunnelmesh.linux.syscall;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An eventfd(2) one thread signals to wake another that waits on a socket (poll(2) on both, as
 * the netlink socket's {@code await} does): a reader that blocks without a timeout can still be
 * stopped at once. Chosen over a datagram sent to the socket's own port because a signal cannot
 * be lost: the counter only adds, where a datagram finds the receive buffer full exactly when
 * events flood in.
 */
public final class Wakeup implements AutoCloseable {
    private static final byte[] ONE =
            ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(1).array();

    private final int fd;
    private boolean closed;

    private Wakeup(int fd) {
        this.fd = fd;
    }

    public static Wakeup open() {
        Throwable cause = Native.unavailabilityCause();
        if (cause != null) {
            throw new IllegalStateException("eventfd is not available: " + cause.getMessage(), cause);
        }
        return new Wakeup(Native.eventfd(0, Native.EFD_CLOEXEC | Native.EFD_NONBLOCK, "eventfd"));
    }

    /** The eventfd, to wait on it beside another descriptor ({@link Native#pollIn}). */
    public int fd() {
        return fd;
    }

    /** Wakes the waiter, now or at its next wait; the signal stays until {@link #close}. */
    public void signal() {
        try {
            Native.write(fd, ONE, "write(eventfd)");
        } catch (NativeIoException e) {
            // EAGAIN: the counter is at its maximum, so it is signalled already
            if (!Errno.EAGAIN.is(e.errno())) {
                throw e;
            }
        }
    }

    /**
     * Waits until signalled, at most {@code timeoutMillis}.
     *
     * @return true when signalled
     */
    public boolean await(int timeoutMillis) {
        return Native.pollIn(timeoutMillis, fd) != 0;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Native.close(fd);
        }
    }
}
