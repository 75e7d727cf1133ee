package org.tunnelmesh.linux.syscall;

/**
 * A system call failed: which one, and its errno. Apart from the netlink layer's NetlinkException,
 * where the call succeeded and the kernel refused a request it carried.
 */
public class NativeIoException extends RuntimeException {
    private final String call;
    private final int errno;

    public NativeIoException(String call, int errno) {
        super(call + " failed: " + Errno.name(errno) + " (" + Errno.text(errno) + ")");
        this.call = call;
        this.errno = errno;
    }

    /** The call and what it was for, e.g. {@code setns(/run/netns/node1)}. */
    public String call() {
        return call;
    }

    /** Positive errno. */
    public int errno() {
        return errno;
    }
}
