package org.tunnelmesh.linux.netlink;

/** Bytes from the kernel (or a test) that do not form a valid netlink message or attribute. */
public final class MalformedMessageException extends RuntimeException {
    public MalformedMessageException(String message) {
        super(message);
    }
}
