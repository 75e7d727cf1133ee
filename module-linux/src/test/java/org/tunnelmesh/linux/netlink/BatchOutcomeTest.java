package org.tunnelmesh.linux.netlink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.netlink.Netlink.NLMSGERR_ATTR_MSG;
import static org.tunnelmesh.linux.netlink.Netlink.NLMSG_DONE;
import static org.tunnelmesh.linux.netlink.Netlink.NLMSG_ERROR;
import static org.tunnelmesh.linux.netlink.Netlink.NLM_F_ACK_TLVS;
import static org.tunnelmesh.linux.netlink.Netlink.NLM_F_CAPPED;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BatchOutcomeTest {
    private NetlinkMessageBuilder batch;

    /** Three requests, seqs 100..102, each with a distinct attribute so their bytes differ. */
    @BeforeEach
    void threeRequests() {
        batch = batch(100, 3);
    }

    private static NetlinkMessageBuilder batch(int firstSeq, int count) {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(firstSeq);
        for (int i = 0; i < count; i++) {
            b.begin(16, 0x605);
            b.putU32(0).putU32(i).putU32(0).putU32(0);
            b.attrString(3, "dev" + i);
            b.end();
        }
        return b;
    }

    private static BatchOutcome outcome(NetlinkMessageBuilder batch) {
        BatchOutcome outcome = new BatchOutcome(batch, batch.messageCount());
        outcome.pending = batch.messageCount();
        return outcome;
    }

    /** An NLMSG_ERROR answering {@code seq}, capped, with the kernel's text when given. */
    private static NetlinkMessage ack(int seq, int errno, String extAck) {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(seq);
        b.begin(NLMSG_ERROR, NLM_F_CAPPED | (extAck == null ? 0 : NLM_F_ACK_TLVS));
        b.putU32(-errno);
        b.putU32(40).putU16(16).putU16(0x605).putU32(seq).putU32(0);
        if (extAck != null) {
            b.attrString(NLMSGERR_ATTR_MSG, extAck);
        }
        b.end();
        return NetlinkMessage.wrap(b.message(0));
    }

    @Test
    void allAcked() {
        BatchOutcome outcome = outcome(batch);
        outcome.accept(ack(100, 0, null));
        outcome.accept(ack(101, 0, null));
        outcome.accept(ack(102, 0, null));
        assertEquals(0, outcome.pending);
        assertEquals(3, outcome.size());
        assertEquals(0, outcome.failures());
        assertEquals(-1, outcome.firstFailed());
        for (int i = 0; i < 3; i++) {
            assertTrue(outcome.succeeded(i));
        }
        outcome.complete();
        assertThrows(IllegalStateException.class, outcome::exception);
    }

    @Test
    void failedRequestSurvivesReuseOfTheBatchBuffer() {
        byte[] failed = batch.message(1);
        BatchOutcome outcome = outcome(batch);
        outcome.accept(ack(100, 0, null));
        outcome.accept(ack(101, Errno.EEXIST, null));
        outcome.accept(ack(102, 0, null));
        outcome.complete();
        // the socket's next batch (a rollback, say) overwrites the same builder
        batch.reset(103);
        batch.begin(17, 5);
        batch.putU32(0).putU32(-1).putU32(-1).putU32(-1);
        batch.attrString(3, "something else entirely");
        batch.end();
        assertArrayEquals(failed, outcome.exception().failedRequest());
    }

    @Test
    void acksAreMatchedBySeqToTheirRequest() {
        BatchOutcome outcome = outcome(batch);
        outcome.accept(ack(102, Errno.EINVAL, "bad thing"));
        outcome.accept(ack(100, 0, null));
        assertEquals(1, outcome.pending);
        outcome.accept(ack(101, 0, null));
        assertEquals(0, outcome.pending);
        assertTrue(outcome.succeeded(0));
        assertTrue(outcome.succeeded(1));
        assertFalse(outcome.succeeded(2));
        assertEquals(Errno.EINVAL, outcome.errno(2));
        assertEquals(2, outcome.firstFailed());
        outcome.complete();
        NetlinkException e = outcome.exception();
        assertEquals(2, e.failedIndex());
        assertEquals("bad thing", e.extendedAck());
        assertArrayEquals(batch.message(2), e.failedRequest());
    }

    @Test
    void staleAndDuplicateAcksAreIgnored() {
        BatchOutcome outcome = outcome(batch);
        outcome.accept(ack(99, Errno.EEXIST, "from an abandoned batch"));
        outcome.accept(ack(103, Errno.EEXIST, "from a later batch"));
        outcome.accept(ack(-5, Errno.EEXIST, null));
        assertEquals(3, outcome.pending);
        assertEquals(0, outcome.failures());

        outcome.accept(ack(101, 0, null));
        outcome.accept(ack(101, Errno.EEXIST, "again"));
        assertEquals(2, outcome.pending);
        assertTrue(outcome.succeeded(1));
        assertEquals(0, outcome.failures());
    }

    @Test
    void otherMessageTypesAreNotAcks() {
        BatchOutcome outcome = outcome(batch);
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(100);
        b.begin(NLMSG_DONE, 0);
        b.putU32(-Errno.EINVAL);
        b.end();
        outcome.accept(NetlinkMessage.wrap(b.message(0)));
        b.reset(101);
        b.begin(16, 0);
        b.putU32(-Errno.EINVAL);
        b.end();
        outcome.accept(NetlinkMessage.wrap(b.message(0)));
        assertEquals(3, outcome.pending);
        assertEquals(0, outcome.failures());
    }

    @Test
    void errorsAreRecordedPerIndexAndTheFirstIsReported() {
        BatchOutcome outcome = outcome(batch);
        outcome.accept(ack(100, 0, null));
        outcome.accept(ack(101, Errno.EEXIST, "File exists here"));
        outcome.accept(ack(102, Errno.ENODEV, "no such device"));
        assertEquals(0, outcome.errno(0));
        assertEquals(Errno.EEXIST, outcome.errno(1));
        assertEquals(Errno.ENODEV, outcome.errno(2));
        assertEquals(2, outcome.failures());
        assertEquals(1, outcome.firstFailed());

        outcome.complete();
        NetlinkException e = outcome.exception();
        assertEquals(Errno.EEXIST, e.errno());
        assertEquals("File exists here", e.extendedAck());
        assertEquals(1, e.failedIndex());
        assertEquals(2, e.failures());
        assertArrayEquals(batch.message(1), e.failedRequest());
        assertEquals("EEXIST (File exists): File exists here [request 1, and 1 more failed]", e.getMessage());
    }

    @Test
    void firstFailureByIndexWinsEvenWhenAnsweredLater() {
        BatchOutcome outcome = outcome(batch);
        outcome.accept(ack(102, Errno.ENODEV, "later request"));
        outcome.accept(ack(101, 0, null)); // a success between must not wipe the first failure's text
        outcome.accept(ack(100, Errno.EPERM, null));
        assertEquals(0, outcome.firstFailed());
        outcome.complete();
        NetlinkException e = outcome.exception();
        assertEquals(Errno.EPERM, e.errno());
        assertEquals("", e.extendedAck());
        assertEquals("EPERM (Operation not permitted) [request 0, and 1 more failed]", e.getMessage());
    }

    @Test
    void extendedAckOfTheFirstFailureSurvivesLaterAcks() {
        BatchOutcome outcome = outcome(batch);
        outcome.accept(ack(100, Errno.EINVAL, "first text"));
        outcome.accept(ack(101, Errno.EINVAL, "second text"));
        outcome.accept(ack(102, 0, null));
        outcome.complete();
        NetlinkException e = outcome.exception();
        assertEquals("first text", e.extendedAck());
        assertEquals(0, e.failedIndex());
    }

    @Test
    void singleFailureSaysNoMore() {
        BatchOutcome outcome = outcome(batch);
        outcome.accept(ack(100, 0, null));
        outcome.accept(ack(101, Errno.EINVAL, null));
        outcome.accept(ack(102, 0, null));
        outcome.complete();
        assertEquals("EINVAL (Invalid argument) [request 1]", outcome.exception().getMessage());
    }

    @Test
    void seqsWrappingAroundIntegerMaxStillMatch() {
        NetlinkMessageBuilder wrapping = batch(Integer.MAX_VALUE, 3);
        BatchOutcome outcome = outcome(wrapping);
        outcome.accept(ack(Integer.MIN_VALUE + 1, Errno.EEXIST, null));
        outcome.accept(ack(Integer.MIN_VALUE, 0, null));
        outcome.accept(ack(Integer.MAX_VALUE, 0, null));
        assertEquals(0, outcome.pending);
        assertEquals(2, outcome.firstFailed());
        outcome.complete();
        assertArrayEquals(wrapping.message(2), outcome.exception().failedRequest());
    }
}
