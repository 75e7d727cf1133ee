package org.tunnelmesh.linux.netlink;

/** What became of each request of a batch: its errno (0 for success), and the kernel's text for the first failure. */
public final class BatchOutcome {
    private final NetlinkMessageBuilder batch;
    private final int firstSeq;
    private final int[] errnos;
    private final boolean[] acked;
    private final String[] extAck = {""};
    int pending;
    private int failures;
    private int firstFailed = -1;
    private String firstExtAck = "";
    private byte[] firstFailedRequest;

    BatchOutcome(NetlinkMessageBuilder batch, int count) {
        this.batch = batch;
        this.firstSeq = batch.firstSeq();
        this.errnos = new int[count];
        this.acked = new boolean[count];
    }

    void accept(NetlinkMessage message) {
        if (message.type() != Netlink.NLMSG_ERROR) {
            return;
        }
        int index = message.seq() - firstSeq;
        if (index < 0 || index >= acked.length || acked[index]) {
            return; // an answer to an earlier, abandoned request
        }
        acked[index] = true;
        pending--;
        int errno = NetlinkSocket.errorOf(message, extAck);
        errnos[index] = errno;
        if (errno != 0) {
            failures++;
            if (firstFailed < 0 || index < firstFailed) {
                firstFailed = index;
                firstExtAck = extAck[0];
            }
        }
    }

    public int size() {
        return errnos.length;
    }

    /** 0 when request {@code index} succeeded, else its positive errno. */
    public int errno(int index) {
        return errnos[index];
    }

    public boolean succeeded(int index) {
        return errnos[index] == 0;
    }

    public int failures() {
        return failures;
    }

    public int firstFailed() {
        return firstFailed;
    }

    /** Keeps a copy of the first failed request: the socket reuses the batch's buffer for the next batch (a rollback, say). */
    void complete() {
        if (failures > 0) {
            firstFailedRequest = batch.message(firstFailed);
        }
    }

    /** The first failure as an exception, naming the request that failed. */
    public NetlinkException exception() {
        if (failures == 0) {
            throw new IllegalStateException("no request failed");
        }
        return new NetlinkException(errnos[firstFailed], firstExtAck, firstFailed, failures, firstFailedRequest);
    }
}
