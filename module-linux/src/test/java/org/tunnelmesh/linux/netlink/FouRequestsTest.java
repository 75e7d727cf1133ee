package org.tunnelmesh.linux.netlink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The genetlink requests, byte for byte, against what {@code ip fou} (iproute2 6.1) sent, and the kernel's answers
 * parsed: captures in src/test/resources/genetlink (see the README there). The captured family id of fou is 0x1c.
 */
class FouRequestsTest {
    private static final int CAPTURED_FOU_ID = 0x1c;

    static byte[] capture(String file) {
        try (InputStream in = FouRequestsTest.class.getResourceAsStream("/genetlink/" + file)) {
            if (in == null) {
                throw new IllegalStateException("capture " + file + " is missing from src/test/resources/genetlink");
            }
            return Bytes.hex(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Our message {@code index} with the captured message's sequence number (iproute2 counts from time(NULL)). */
    private static byte[] withSeqOf(byte[] captured, NetlinkMessageBuilder b) {
        byte[] ours = b.message(0);
        System.arraycopy(captured, 8, ours, 8, 4);
        return ours;
    }

    private static NetlinkMessageBuilder builder() {
        return new NetlinkMessageBuilder(256).reset(1);
    }

    @Test
    void getFamilyIsIproute2sButAsksForAnAck() {
        byte[] captured = capture("fou-add-send-0.hex");
        NetlinkMessageBuilder b = builder();
        Genetlink.getFamily(b, "fou");
        byte[] ours = withSeqOf(captured, b);
        assertEquals(Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK, flags(ours));
        ByteBuffer.wrap(captured).order(ByteOrder.nativeOrder()).putShort(6, (short) flags(ours));
        assertArrayEquals(captured, ours);
    }

    @Test
    void addFouPortIsIproute2s() {
        byte[] captured = capture("fou-add-send-1.hex");
        NetlinkMessageBuilder b = builder();
        Fou.add(b, CAPTURED_FOU_ID, FouPort.ipip(5555));
        assertArrayEquals(captured, withSeqOf(captured, b));
        assertEquals("ip fou add port 5555 ipproto 4", b.request(0).command());
    }

    @Test
    void addGuePortIsIproute2s() {
        byte[] captured = capture("gue-add-send-1.hex");
        NetlinkMessageBuilder b = builder();
        Fou.add(b, CAPTURED_FOU_ID, FouPort.gue(5556));
        assertArrayEquals(captured, withSeqOf(captured, b));
        assertEquals("ip fou add port 5556 gue", b.request(0).command());
    }

    @Test
    void deleteIsIproute2sForBothTypes() {
        for (String file : new String[] {"fou-del-send-1.hex", "gue-del-send-1.hex"}) {
            byte[] captured = capture(file);
            int port = file.startsWith("fou") ? 5555 : 5556;
            NetlinkMessageBuilder b = builder();
            Fou.delete(b, CAPTURED_FOU_ID, port);
            assertArrayEquals(captured, withSeqOf(captured, b), file);
        }
    }

    @Test
    void dumpIsIproute2s() {
        byte[] captured = capture("fou-show-send-1.hex");
        NetlinkMessageBuilder b = builder();
        Fou.dump(b, CAPTURED_FOU_ID);
        assertArrayEquals(captured, withSeqOf(captured, b));
    }

    @Test
    void getOnePortCarriesPortAndFamily() {
        NetlinkMessageBuilder b = builder();
        Fou.get(b, CAPTURED_FOU_ID, 5555);
        assertArrayEquals(
                new Bytes()
                        .header(36, CAPTURED_FOU_ID, Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK, 1, 0)
                        .u8(Fou.FOU_CMD_GET, Fou.FOU_GENL_VERSION, 0, 0)
                        .attr(6, Fou.FOU_ATTR_PORT)
                        .u8(0x15, 0xb3, 0, 0) // 5555 in network order, padding
                        .attr(5, Fou.FOU_ATTR_AF)
                        .u8(Fou.AF_INET, 0, 0, 0)
                        .toArray(),
                b.message(0));
    }

    @Test
    void theControllersAnswerGivesTheFamilyId() {
        assertEquals(CAPTURED_FOU_ID, Genetlink.familyId(NetlinkMessage.wrap(capture("fou-add-recv-0.hex"))));
    }

    /** Why a mesh must poll its fou port (FOU_CMD_GET) to notice it deleted: the family has no group to join. */
    @Test
    void fouHasNoMulticastGroupToWatch() {
        NetlinkMessage answer = NetlinkMessage.wrap(capture("fou-add-recv-0.hex"));
        NetlinkAttributes attributes = answer.attributes(Genetlink.GENL_HDRLEN, 7);
        assertEquals("fou", attributes.string(Genetlink.CTRL_ATTR_FAMILY_NAME));
        assertEquals(false, attributes.has(7), "CTRL_ATTR_MCAST_GROUPS");
    }

    @Test
    void anAnswerOfAnotherKindIsNoFamilyId() {
        // the fou dump's answer: another type and command
        assertNull(Genetlink.familyId(NetlinkMessage.wrap(capture("fou-show-recv-1.hex"))));
    }

    @Test
    void aDumpedPortParses() {
        assertEquals(FouPort.gue(5556), FouPort.parse(NetlinkMessage.wrap(capture("fou-show-recv-1.hex"))));
        assertEquals(FouPort.ipip(5555), FouPort.parse(NetlinkMessage.wrap(capture("fou-show-recv-2.hex"))));
    }

    @Test
    void anIpv6PortIsSkipped() {
        byte[] answer = capture("fou-show-recv-2.hex");
        answer[24] = 10; // FOU_ATTR_AF's payload: AF_INET6
        assertNull(FouPort.parse(NetlinkMessage.wrap(answer)));
    }

    @Test
    void hostileAnswersFailClearly() {
        byte[] noPort = capture("fou-show-recv-2.hex");
        noPort[30] = 9; // FOU_ATTR_PORT's type byte: now FOU_ATTR_PEER_V6, which we skip
        assertEquals(
                "fou answer without a 2-byte FOU_ATTR_PORT",
                assertThrows(MalformedMessageException.class, () -> FouPort.parse(NetlinkMessage.wrap(noPort)))
                        .getMessage());
        byte[] longAttribute = capture("fou-show-recv-2.hex");
        longAttribute[28] = (byte) 0xff; // FOU_ATTR_PORT claims 255 bytes
        assertThrows(MalformedMessageException.class, () -> FouPort.parse(NetlinkMessage.wrap(longAttribute)));
        byte[] headerOnly = java.util.Arrays.copyOf(capture("fou-show-recv-2.hex"), 18);
        headerOnly[0] = 18;
        assertThrows(MalformedMessageException.class, () -> FouPort.parse(NetlinkMessage.wrap(headerOnly)));
        byte[] noId = capture("fou-add-recv-0.hex");
        noId[30] = 7; // CTRL_ATTR_FAMILY_ID's type byte: now CTRL_ATTR_MCAST_GROUPS
        assertThrows(MalformedMessageException.class, () -> Genetlink.familyId(NetlinkMessage.wrap(noId)));
    }

    @Test
    void portsOutsideUdpAreRefused() {
        assertEquals(
                "fou port 0 is not a UDP port (1 to 65535)",
                assertThrows(IllegalArgumentException.class, () -> FouPort.ipip(0))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> FouPort.gue(65536));
    }

    private static int flags(byte[] message) {
        return ByteBuffer.wrap(message).order(ByteOrder.nativeOrder()).getShort(6) & 0xffff;
    }
}
