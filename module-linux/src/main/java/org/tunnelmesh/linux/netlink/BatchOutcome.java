package org.tunnelmesh.linux.netlink;

import java.util.function.IntPredicate;

/** What became of each request of a batch: its errno (0 for success), and for each failure the kernel's text and what the request asked. */
public final class BatchOutcome {
    /** What each request asked, taken from the builder: the socket reuses it for the next batch (a rollback, say). */
    private final NetlinkRequest[] requests;

    private final int firstSeq;
    private final int[] errnos;
    private final boolean[] acked;
    int pending;
    private int failures;
    private int firstFailed = -1;
    /** Per request, filled only once one fails (most batches never do). */
    private String[] extAcks;

    BatchOutcome(NetlinkMessageBuilder batch, int count) {
        this.requests = batch.requests();
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
        int errno = message.errno();
        String extAck = message.extendedAck(); // read on success too: a malformed ack fails either way
        errnos[index] = errno;
        if (errno != 0) {
            failures++;
            if (extAcks == null) {
                extAcks = new String[errnos.length];
            }
            extAcks[index] = extAck;
            if (firstFailed < 0 || index < firstFailed) {
                firstFailed = index;
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

    /** What request {@code index} asked, or null when its writer did not say. */
    public NetlinkRequest request(int index) {
        return requests[index];
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

    /** The first failure as an exception, naming the request that failed. */
    public NetlinkException exception() {
        if (failures == 0) {
            throw new IllegalStateException("no request failed");
        }
        return exceptionUnless(errno -> false);
    }

    /**
     * The first failure whose errno {@code tolerated} does not accept, as an exception that counts
     * only such failures; null when every failure is tolerated. A tolerated failure early in the
     * batch (ENOENT: already gone) must not hide a real one after it (EPERM).
     */
    public NetlinkException exceptionUnless(IntPredicate tolerated) {
        int first = -1;
        int count = 0;
        for (int i = firstFailed; i >= 0 && i < errnos.length; i++) {
            if (errnos[i] != 0 && !tolerated.test(errnos[i])) {
                if (first < 0) {
                    first = i;
                }
                count++;
            }
        }
        return first < 0 ? null : new NetlinkException(errnos[first], extAcks[first], first, count, requests[first]);
    }
}
