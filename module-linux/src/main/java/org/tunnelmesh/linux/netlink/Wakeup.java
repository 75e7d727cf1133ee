package org.tunnelmesh.linux.netlink;

import com.sun.jna.LastErrorException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An eventfd(2) one thread signals to wake another that waits on a netlink socket
 * ({@link NetlinkSocket#await}): a reader that blocks without a timeout can still be stopped at
 * once. Chosen over a datagram sent to the socket's own port because a signal cannot be lost: the
 * counter only adds, where a datagram finds the receive buffer full exactly when events flood in.
 */
public final class Wakeup implements AutoCloseable {
    private static final byte[] ONE = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(1).array();

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
        try {
            return new Wakeup(Native.eventfd(0, Native.EFD_CLOEXEC | Native.EFD_NONBLOCK));
        } catch (LastErrorException e) {
            throw new NativeIoException("eventfd", e.getErrorCode());
        }
    }

    int fd() {
        return fd;
    }

    /** Wakes the waiter, now or at its next wait; the signal stays until {@link #close}. */
    public void signal() {
        try {
            Native.write(fd, ONE, ONE.length);
        } catch (LastErrorException e) {
            // EAGAIN: the counter is at its maximum, so it is signalled already
            if (!Errno.EAGAIN.is(e.getErrorCode())) {
                throw new NativeIoException("write(eventfd)", e.getErrorCode());
            }
        }
    }

    /**
     * Waits until signalled, at most {@code timeoutMillis}.
     *
     * @return true when signalled
     */
    public boolean await(int timeoutMillis) {
        byte[] pollfd = new byte[8];
        ByteBuffer.wrap(pollfd).order(ByteOrder.nativeOrder()).putInt(fd).putShort(Native.POLLIN);
        return NetlinkSocket.pollFds(pollfd, 1, timeoutMillis) > 0;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Native.close(fd);
        }
    }
}
