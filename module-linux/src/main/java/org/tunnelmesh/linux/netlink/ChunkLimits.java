package org.tunnelmesh.linux.netlink;

/**
 * How much of a batch one send may carry. The kernel handles a whole send before it returns and
 * queues one ack per request on our socket; an ack that finds the receive buffer full is dropped
 * (netlink_attachskb: ENOBUFS), and the batch's outcome is lost halfway. So the acks of one chunk
 * must fit the receive buffer the kernel actually granted, and a chunk must fit the send buffer
 * (netlink_sendmsg refuses a message longer than sk_sndbuf - 32 with EMSGSIZE).
 *
 * @param maxBytes bytes of requests per send
 * @param maxMessages requests (so acks) per send
 */
record ChunkLimits(int maxBytes, int maxMessages) {
    /** Enough for any batch, and few round trips: what a forced 4 MiB receive buffer allows. */
    static final int MAX_BYTES = 64 * 1024;

    static final int MAX_MESSAGES = 1024;
    /**
     * Receive-buffer cost of one ack (skb truesize): a capped nlmsgerr with an extended-ack text
     * fits a 1 KiB slab, plus the sk_buff itself (a plain ack: about 768, a 512-byte slab).
     */
    static final int ACK_TRUESIZE = 1280;
    /** netlink_sendmsg's margin below sk_sndbuf. */
    private static final int SEND_MARGIN = 32;

    /**
     * @param receiveBuffer SO_RCVBUF as getsockopt reports it (what the kernel accounts against)
     * @param sendBuffer SO_SNDBUF as getsockopt reports it
     */
    static ChunkLimits forBuffers(int receiveBuffer, int sendBuffer) {
        int messages = Math.max(1, Math.min(MAX_MESSAGES, receiveBuffer / ACK_TRUESIZE));
        int bytes = Math.max(Netlink.NLMSG_HDRLEN, Math.min(MAX_BYTES, sendBuffer - SEND_MARGIN));
        return new ChunkLimits(bytes, messages);
    }
}
