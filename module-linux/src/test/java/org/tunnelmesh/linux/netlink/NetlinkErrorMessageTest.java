package org.tunnelmesh.linux.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;
import static org.tunnelmesh.linux.netlink.Netlink.NLMSGERR_ATTR_MSG;
import static org.tunnelmesh.linux.netlink.Netlink.NLMSGERR_ATTR_OFFS;
import static org.tunnelmesh.linux.netlink.Netlink.NLMSG_DONE;
import static org.tunnelmesh.linux.netlink.Netlink.NLMSG_ERROR;
import static org.tunnelmesh.linux.netlink.Netlink.NLM_F_ACK_TLVS;
import static org.tunnelmesh.linux.netlink.Netlink.NLM_F_CAPPED;
import static org.tunnelmesh.linux.netlink.Netlink.NLM_F_MULTI;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Reading the errno and extended ack of an NLMSG_ERROR or a dump's NLMSG_DONE. */
class NetlinkErrorMessageTest {
    private static final String EXTACK = "Nexthop device is not up";

    /** The request an error answers: RTM_NEWROUTE, 40 bytes, seq 9. */
    private static void echoedHeader(NetlinkMessageBuilder b) {
        b.putU32(40).putU16(24).putU16(0x605).putU32(9).putU32(0);
    }

    @Test
    void cappedErrorWithExtendedAck() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(9);
        b.begin(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS);
        b.putU32(-22);
        echoedHeader(b); // only the header, though it says 40 bytes: the ack is capped
        b.attrString(NLMSGERR_ATTR_MSG, EXTACK);
        b.attrU32(NLMSGERR_ATTR_OFFS, 36);
        b.end();
        NetlinkMessage m = NetlinkMessage.wrap(b.message(0));
        assertEquals(22, m.errno());
        assertEquals(EXTACK, m.extendedAck());
    }

    @Test
    void uncappedErrorSkipsTheWholeEchoedRequest() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(9);
        b.begin(NLMSG_ERROR, NLM_F_ACK_TLVS);
        b.putU32(-17);
        // the echoed request: 26 bytes (an attribute "xyz" and 2 more bytes), padded to 28
        b.putU32(26).putU16(24).putU16(0x605).putU32(9).putU32(0);
        b.putBytes(new byte[] {8, 0, NLMSGERR_ATTR_MSG, 0, 'x', 'y', 'z', 0, 'p', 'q', 0, 0});
        b.attrString(NLMSGERR_ATTR_MSG, "Route exists");
        b.end();
        NetlinkMessage m = NetlinkMessage.wrap(b.message(0));
        assertEquals(17, m.errno());
        assertEquals("Route exists", m.extendedAck());
    }

    @Test
    void errorWithoutTlvs() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(9);
        b.begin(NLMSG_ERROR, NLM_F_CAPPED);
        b.putU32(-1);
        echoedHeader(b);
        b.end();
        NetlinkMessage m = NetlinkMessage.wrap(b.message(0));
        assertEquals(1, m.errno());
        assertEquals("", m.extendedAck());
    }

    @Test
    void successAckIsZero() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(9);
        b.begin(NLMSG_ERROR, NLM_F_CAPPED);
        b.putU32(0);
        echoedHeader(b);
        b.end();
        NetlinkMessage m = NetlinkMessage.wrap(b.message(0));
        assertEquals(0, m.errno());
        assertEquals("", m.extendedAck());
    }

    @Test
    void tlvFlagWithoutTlvsGivesEmptyText() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(9);
        b.begin(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS);
        b.putU32(-22);
        echoedHeader(b);
        b.end();
        NetlinkMessage m = NetlinkMessage.wrap(b.message(0));
        assertEquals(22, m.errno());
        assertEquals("", m.extendedAck());
    }

    @Test
    void tlvsWithoutMessageGiveEmptyText() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(9);
        b.begin(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS);
        b.putU32(-22);
        echoedHeader(b);
        b.attrU32(NLMSGERR_ATTR_OFFS, 20);
        b.end();
        NetlinkMessage m = NetlinkMessage.wrap(b.message(0));
        assertEquals(22, m.errno());
        assertEquals("", m.extendedAck());
    }

    @Test
    void doneOfAFailedDumpCarriesErrorAndText() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(9);
        b.begin(NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS);
        b.putU32(-95); // NLMSG_DONE has no echoed request: TLVs follow the error directly
        b.attrString(NLMSGERR_ATTR_MSG, "Nexthop objects not supported");
        b.end();
        NetlinkMessage m = NetlinkMessage.wrap(b.message(0));
        assertEquals(95, m.errno());
        assertEquals("Nexthop objects not supported", m.extendedAck());
    }

    @Test
    void doneOfASuccessfulDump() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(9);
        b.begin(NLMSG_DONE, NLM_F_MULTI);
        b.putU32(0);
        b.end();
        NetlinkMessage m = NetlinkMessage.wrap(b.message(0));
        assertEquals(0, m.errno());
        assertEquals("", m.extendedAck());
    }

    @Test
    void uncappedErrorWithBogusRequestLengthIsMalformed() {
        // an echoed nlmsg_len that points before the echoed header: the TLVs cannot be found
        for (int requestLength : new int[] {-64, -20, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(9);
            b.begin(NLMSG_ERROR, NLM_F_ACK_TLVS);
            b.putU32(-22);
            b.putU32(requestLength).putU16(24).putU16(0x605).putU32(9).putU32(0);
            b.attrString(NLMSGERR_ATTR_MSG, EXTACK);
            b.end();
            byte[] bytes = b.message(0);
            try {
                NetlinkMessage m = NetlinkMessage.wrap(bytes);
                int errno = m.errno();
                m.extendedAck();
                assertEquals(22, errno, "request length " + requestLength);
            } catch (MalformedMessageException expected) {
                // as good as an errno without text
            } catch (RuntimeException e) {
                fail("request length " + requestLength + ": " + e + "\ninput: " + Bytes.toHex(bytes));
            }
        }
    }

    /** Acks and dump ends with random bodies: the errno is read or the message is malformed, nothing else. */
    @Test
    void randomErrorsAreReadOrMalformed() {
        Random random = new Random(20_000);
        int[] flags = {0, NLM_F_CAPPED, NLM_F_ACK_TLVS, NLM_F_CAPPED | NLM_F_ACK_TLVS};
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int i = 0; i < 20_000; i++) {
                byte[] bytes = new byte[16 + random.nextInt(80)];
                random.nextBytes(bytes);
                ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
                b.putInt(0, bytes.length);
                b.putShort(4, (short) (random.nextBoolean() ? NLMSG_ERROR : NLMSG_DONE));
                b.putShort(6, (short) flags[random.nextInt(flags.length)]);
                if (bytes.length >= 24 && random.nextBoolean()) {
                    b.putInt(20, random.nextInt(bytes.length)); // a plausible echoed length
                }
                NetlinkMessage m = NetlinkMessage.wrap(bytes);
                try {
                    m.errno();
                    m.extendedAck();
                } catch (MalformedMessageException expected) {
                    // fine
                } catch (RuntimeException e) {
                    fail("reading the error threw " + e + "\ninput: " + Bytes.toHex(bytes));
                }
            }
        });
    }
}
