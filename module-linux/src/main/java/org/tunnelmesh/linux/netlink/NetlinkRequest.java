package org.tunnelmesh.linux.netlink;

/**
 * What a request asks of the kernel, kept beside its bytes in the batch, so a failure is told in
 * the sender's words rather than read back from the wire.
 */
public interface NetlinkRequest {
    /** As a person would type it, e.g. {@code ip route add 192.168.42.0/24 nhid 7 proto 87}. */
    String command();
}
