package org.tunnelmesh.linux.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.netlink.Netlink.NLMSGERR_ATTR_MSG;
import static org.tunnelmesh.linux.netlink.Netlink.NLMSG_DONE;
import static org.tunnelmesh.linux.netlink.Netlink.NLMSG_ERROR;
import static org.tunnelmesh.linux.netlink.Netlink.NLM_F_ACK_TLVS;
import static org.tunnelmesh.linux.netlink.Netlink.NLM_F_CAPPED;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.linux.syscall.Errno;

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
            String device = "dev" + i;
            b.begin(16, 0x605, () -> "ip link add " + device);
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
        assertThrows(IllegalStateException.class, outcome::exception);
    }

    @Test
    void theOutcomeHoldsEveryRequestSoTheBuilderNeedNot() {
        NetlinkRequest[] asked = {batch.request(0), batch.request(1), batch.request(2)};
        BatchOutcome outcome = outcome(batch);
        batch.forgetRequests(); // what NetlinkSocket.send does once the outcome has them
        for (int i = 0; i < 3; i++) {
            assertSame(asked[i], outcome.request(i));
            assertNull(batch.request(i), "the reused builder keeps no request alive");
        }
        outcome.accept(ack(100, 0, null));
        outcome.accept(ack(101, 0, null));
        outcome.accept(ack(102, Errno.EPERM.number(), null));
        assertSame(asked[2], outcome.exception().request());
    }

    @Test
    void failedRequestSurvivesReuseOfTheBatchBuffer() {
        NetlinkRequest failed = batch.request(1);
        BatchOutcome outcome = outcome(batch);
        outcome.accept(ack(100, 0, null));
        outcome.accept(ack(101, Errno.EEXIST.number(), null));
        outcome.accept(ack(102, 0, null));
        // the socket's next batch (a rollback, say) overwrites the same builder
        batch.reset(103);
        batch.begin(17, 5);
        batch.putU32(0).putU32(-1).putU32(-1).putU32(-1);
        batch.attrString(3, "something else entirely");
        batch.end();
        assertSame(failed, outcome.exception().request());
        assertEquals("ip link add dev1", outcome.exception().request().command());
    }

    @Test
    void acksAreMatchedBySeqToTheirRequest() {
        BatchOutcome outcome = outcome(batch);
        outcome.accept(ack(102, Errno.EINVAL.number(), "bad thing"));
        outcome.accept(ack(100, 0, null));
        assertEquals(1, outcome.pending);
        outcome.accept(ack(101, 0, null));
        assertEquals(0, outcome.pending);
        assertTrue(outcome.succeeded(0));
        assertTrue(outcome.succeeded(1));
        assertFalse(outcome.succeeded(2));
        assertEquals(Errno.EINVAL.number(), outcome.errno(2));
        assertEquals(2, outcome.firstFailed());
        NetlinkException e = outcome.exception();
        assertEquals(2, e.failedIndex());
        assertEquals("bad thing", e.extendedAck());
        assertSame(batch.request(2), e.request());
    }

    @Test
    void staleAndDuplicateAcksAreIgnored() {
        BatchOutcome outcome = outcome(batch);
        outcome.accept(ack(99, Errno.EEXIST.number(), "from an abandoned batch"));
        outcome.accept(ack(103, Errno.EEXIST.number(), "from a later batch"));
        outcome.accept(ack(-5, Errno.EEXIST.number(), null));
        assertEquals(3, outcome.pending);
        assertEquals(0, outcome.failures());

        outcome.accept(ack(101, 0, null));
        outcome.accept(ack(101, Errno.EEXIST.number(), "again"));
        assertEquals(2, outcome.pending);
        assertTrue(outcome.succeeded(1));
        assertEquals(0, outcome.failures());
    }

    @Test
    void otherMessageTypesAreNotAcks() {
        BatchOutcome outcome = outcome(batch);
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(100);
        b.begin(NLMSG_DONE, 0);
        b.putU32(-Errno.EINVAL.number());
        b.end();
        outcome.accept(NetlinkMessage.wrap(b.message(0)));
        b.reset(101);
        b.begin(16, 0);
        b.putU32(-Errno.EINVAL.number());
        b.end();
        outcome.accept(NetlinkMessage.wrap(b.message(0)));
        assertEquals(3, outcome.pending);
        assertEquals(0, outcome.failures());
    }

    @Test
    void errorsAreRecordedPerIndexAndTheFirstIsReported() {
        BatchOutcome outcome = outcome(batch);
        outcome.accept(ack(100, 0, null));
        outcome.accept(ack(101, Errno.EEXIST.number(), "File exists here"));
        outcome.accept(ack(102, Errno.ENODEV.number(), "no such device"));
        assertEquals(0, outcome.errno(0));
        assertEquals(Errno.EEXIST.number(), outcome.errno(1));
        assertEquals(Errno.ENODEV.number(), outcome.errno(2));
        assertEquals(2, outcome.failures());
        assertEquals(1, outcome.firstFailed());
        NetlinkException e = outcome.exception();
        assertEquals(Errno.EEXIST.number(), e.errno());
        assertEquals("File exists here", e.extendedAck());
        assertEquals(1, e.failedIndex());
        assertEquals(2, e.failures());
        assertSame(batch.request(1), e.request());
        assertEquals("EEXIST (File exists): File exists here [request 1, and 1 more failed]", e.getMessage());
    }

    @Test
    void firstFailureByIndexWinsEvenWhenAnsweredLater() {
        BatchOutcome outcome = outcome(batch);
        outcome.accept(ack(102, Errno.ENODEV.number(), "later request"));
        outcome.accept(ack(101, 0, null)); // a success between must not wipe the first failure's text
        outcome.accept(ack(100, Errno.EPERM.number(), null));
        assertEquals(0, outcome.firstFailed());
        NetlinkException e = outcome.exception();
        assertEquals(Errno.EPERM.number(), e.errno());
        assertEquals("", e.extendedAck());
        assertEquals("EPERM (Operation not permitted) [request 0, and 1 more failed]", e.getMessage());
    }

    @Test
    void extendedAckOfTheFirstFailureSurvivesLaterAcks() {
        BatchOutcome outcome = outcome(batch);
        outcome.accept(ack(100, Errno.EINVAL.number(), "first text"));
        outcome.accept(ack(101, Errno.EINVAL.number(), "second text"));
        outcome.accept(ack(102, 0, null));
        NetlinkException e = outcome.exception();
        assertEquals("first text", e.extendedAck());
        assertEquals(0, e.failedIndex());
    }

    @Test
    void singleFailureSaysNoMore() {
        BatchOutcome outcome = outcome(batch);
        outcome.accept(ack(100, 0, null));
        outcome.accept(ack(101, Errno.EINVAL.number(), null));
        outcome.accept(ack(102, 0, null));
        assertEquals(
                "EINVAL (Invalid argument) [request 1]", outcome.exception().getMessage());
    }

    @Test
    void seqsWrappingAroundIntegerMaxStillMatch() {
        NetlinkMessageBuilder wrapping = batch(Integer.MAX_VALUE, 3);
        BatchOutcome outcome = outcome(wrapping);
        outcome.accept(ack(Integer.MIN_VALUE + 1, Errno.EEXIST.number(), null));
        outcome.accept(ack(Integer.MIN_VALUE, 0, null));
        outcome.accept(ack(Integer.MAX_VALUE, 0, null));
        assertEquals(0, outcome.pending);
        assertEquals(2, outcome.firstFailed());
        assertSame(wrapping.request(2), outcome.exception().request());
    }

    @Test
    void aToleratedFailureDoesNotHideALaterOne() {
        NetlinkMessageBuilder four = batch(200, 4);
        BatchOutcome outcome = outcome(four);
        outcome.accept(ack(200, Errno.ENOENT.number(), "already gone"));
        outcome.accept(ack(201, 0, null));
        outcome.accept(ack(202, Errno.ENOENT.number(), null));
        outcome.accept(ack(203, Errno.EPERM.number(), "not allowed"));
        assertEquals(0, outcome.firstFailed());
        NetlinkException e = outcome.exceptionUnless(Errno.ENOENT::is);
        assertEquals(Errno.EPERM.number(), e.errno());
        assertEquals(3, e.failedIndex());
        assertEquals("not allowed", e.extendedAck());
        assertSame(four.request(3), e.request());
        assertEquals(1, e.failures(), "only failures that are not tolerated count");
        assertEquals("EPERM (Operation not permitted): not allowed [request 3]", e.getMessage());
    }

    @Test
    void whenEveryFailureIsToleratedThereIsNoException() {
        BatchOutcome outcome = outcome(batch);
        outcome.accept(ack(100, Errno.ENOENT.number(), null));
        outcome.accept(ack(101, 0, null));
        outcome.accept(ack(102, Errno.ENOENT.number(), null));
        assertNull(outcome.exceptionUnless(Errno.ENOENT::is));
        assertEquals(Errno.ENOENT.number(), outcome.exception().errno());
    }
}
