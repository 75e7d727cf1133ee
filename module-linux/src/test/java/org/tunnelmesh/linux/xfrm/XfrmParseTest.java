package org.tunnelmesh.linux.xfrm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.xfrm.XfrmCaptures.load;
import static org.tunnelmesh.linux.xfrm.XfrmRequestsTest.KEY;
import static org.tunnelmesh.linux.xfrm.XfrmRequestsTest.KEY2;
import static org.tunnelmesh.linux.xfrm.XfrmRequestsTest.NODE1;
import static org.tunnelmesh.linux.xfrm.XfrmRequestsTest.NODE2;
import static org.tunnelmesh.linux.xfrm.XfrmRequestsTest.PRIORITY;
import static org.tunnelmesh.linux.xfrm.XfrmRequestsTest.REQID;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.KernelSupportException;
import org.tunnelmesh.linux.netlink.MalformedMessageException;
import org.tunnelmesh.linux.netlink.NetlinkException;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;
import org.tunnelmesh.linux.syscall.Errno;
import org.tunnelmesh.linux.syscall.NativeIoException;

/** The kernel's answers and events (captured in the lab, see src/test/resources/xfrm), and hostile variants of them. */
class XfrmParseTest {
    @Test
    void dumpedStatesParse() {
        XfrmState inbound = XfrmState.parse(NetlinkMessage.wrap(load("getsa-dump-recv-0.hex")));
        XfrmState outbound = XfrmState.parse(NetlinkMessage.wrap(load("getsa-dump-recv-1.hex")));
        assertTrue(outbound.sameConfiguration(XfrmRequestsTest.outbound()), outbound::toString);
        assertTrue(inbound.sameConfiguration(
                XfrmState.transportEsp(NODE2, NODE1, 0x2000abcd, REQID, XfrmAlgoAead.rfc4106(KEY2), 128)));
        assertEquals(0, outbound.packets());
        assertEquals(0, outbound.integrityFailed());
    }

    @Test
    void aStateWithAnotherKeyIsNotTheSame() {
        XfrmState outbound = XfrmState.parse(NetlinkMessage.wrap(load("getsa-dump-recv-1.hex")));
        XfrmState otherKey = XfrmState.transportEsp(NODE1, NODE2, 0x1000abcd, REQID, XfrmAlgoAead.rfc4106(KEY2), 128);
        assertTrue(!outbound.sameConfiguration(otherKey));
        assertTrue(outbound.sameConfiguration(
                XfrmState.transportEsp(NODE1, NODE2, 0x1000abcd, REQID, XfrmAlgoAead.rfc4106(KEY), 128)));
    }

    @Test
    void dumpedPoliciesParse() {
        XfrmPolicy udp = XfrmPolicy.parse(NetlinkMessage.wrap(load("getpolicy-dump-recv-0.hex")));
        XfrmPolicy in = XfrmPolicy.parse(NetlinkMessage.wrap(load("getpolicy-dump-recv-1.hex")));
        XfrmPolicy out = XfrmPolicy.parse(NetlinkMessage.wrap(load("getpolicy-dump-recv-2.hex")));
        assertTrue(
                out.sameConfiguration(XfrmPolicy.transportEsp(
                        NODE1, NODE2, Xfrm.IPPROTO_IPIP, 0, Xfrm.XFRM_POLICY_OUT, PRIORITY, REQID)),
                out::toString);
        assertTrue(
                in.sameConfiguration(XfrmPolicy.transportEsp(
                        NODE2, NODE1, Xfrm.IPPROTO_IPIP, 0, Xfrm.XFRM_POLICY_IN, PRIORITY, REQID)),
                in::toString);
        assertTrue(
                udp.sameConfiguration(XfrmPolicy.transportEsp(
                        NODE1, NODE2, Xfrm.IPPROTO_UDP, 5555, Xfrm.XFRM_POLICY_OUT, PRIORITY, REQID)),
                udp::toString);
        assertEquals(REQID, out.reqid());
        assertTrue(out.index() != 0, "the kernel numbers its policies");
    }

    /** What the kernel watcher reads when a state or policy is deleted by hand ({@code ip xfrm monitor}'s view). */
    @Test
    void deleteEventsParse() {
        NetlinkMessage deletedState = NetlinkMessage.wrap(load("monitor-recv-7.hex"));
        assertEquals(Xfrm.XFRM_MSG_DELSA, deletedState.type());
        XfrmState state = XfrmState.parseDeleted(deletedState);
        assertEquals(NODE1, state.src());
        assertEquals(NODE2, state.dst());
        assertEquals(0x1000abcd, state.spi());
        assertEquals(REQID, state.reqid());
        NetlinkMessage deletedPolicy = NetlinkMessage.wrap(load("monitor-recv-6.hex"));
        assertEquals(Xfrm.XFRM_MSG_DELPOLICY, deletedPolicy.type());
        XfrmPolicy policy = XfrmPolicy.parseDeleted(deletedPolicy);
        assertTrue(
                policy.sameConfiguration(XfrmPolicy.transportEsp(
                        NODE1, NODE2, Xfrm.IPPROTO_IPIP, 0, Xfrm.XFRM_POLICY_OUT, PRIORITY, REQID)),
                policy::toString);
        NetlinkMessage added = NetlinkMessage.wrap(load("monitor-recv-0.hex"));
        assertEquals(Xfrm.XFRM_MSG_NEWSA, added.type());
        assertEquals(0x1000abcd, XfrmState.parse(added).spi());
        assertEquals(
                Xfrm.XFRM_MSG_UPDSA,
                NetlinkMessage.wrap(load("monitor-recv-2.hex")).type());
    }

    @Test
    void anIpv6StateOrPolicyIsSkipped() {
        byte[] state = load("getsa-dump-recv-1.hex");
        state[16 + 212] = 10; // xfrm_usersa_info.family: AF_INET6
        assertNull(XfrmState.parse(NetlinkMessage.wrap(state)));
        byte[] policy = load("getpolicy-dump-recv-2.hex");
        policy[16 + 40] = 10; // xfrm_selector.family
        assertNull(XfrmPolicy.parse(NetlinkMessage.wrap(policy)));
    }

    @Test
    void hostileAnswersFailClearly() {
        byte[] keyTooLong = load("getsa-dump-recv-1.hex");
        int aead = find(keyTooLong, Xfrm.XFRMA_ALG_AEAD);
        ByteBuffer.wrap(keyTooLong).order(ByteOrder.nativeOrder()).putInt(aead + 4 + 64, 4096); // alg_key_len
        assertEquals(
                "XFRMA_ALG_AEAD claims a key of 4096 bits in 36 bytes",
                assertThrows(MalformedMessageException.class, () -> XfrmState.parse(NetlinkMessage.wrap(keyTooLong)))
                        .getMessage());
        byte[] shortEsn = load("getsa-dump-recv-1.hex");
        int esn = find(shortEsn, Xfrm.XFRMA_REPLAY_ESN_VAL);
        ByteBuffer.wrap(shortEsn).order(ByteOrder.nativeOrder()).putShort(esn, (short) 8);
        assertThrows(MalformedMessageException.class, () -> XfrmState.parse(NetlinkMessage.wrap(shortEsn)));
        byte[] policy = load("getpolicy-dump-recv-2.hex");
        int tmpl = find(policy, Xfrm.XFRMA_TMPL);
        byte[] oddTemplate = Arrays.copyOf(policy, tmpl + 40); // a template of 36 bytes, and the message ends there
        ByteBuffer.wrap(oddTemplate)
                .order(ByteOrder.nativeOrder())
                .putInt(0, tmpl + 40)
                .putShort(tmpl, (short) 40);
        assertEquals(
                "XFRMA_TMPL of 36 bytes is no whole number of 64-byte templates",
                assertThrows(MalformedMessageException.class, () -> XfrmPolicy.parse(NetlinkMessage.wrap(oddTemplate)))
                        .getMessage());
        byte[] noSa = load("monitor-recv-7.hex");
        int sa = find(noSa, Xfrm.XFRMA_SA, 16 + XfrmState.USERSA_ID_LEN);
        noSa[sa + 2] = 99; // XFRMA_SA's type: unknown now
        assertThrows(MalformedMessageException.class, () -> XfrmState.parseDeleted(NetlinkMessage.wrap(noSa)));
    }

    /** Every truncation and 2,000 random corruptions of every captured answer: a value or MalformedMessageException. */
    @Test
    void truncatedAndCorruptedAnswersNeverEscapeAsAnythingElse() {
        String[][] answers = {
            {"getsa-dump-recv-0.hex", "sa"},
            {"getsa-dump-recv-1.hex", "sa"},
            {"getpolicy-dump-recv-0.hex", "policy"},
            {"getpolicy-dump-recv-2.hex", "policy"},
            {"monitor-recv-7.hex", "delsa"},
            {"monitor-recv-6.hex", "delpolicy"}
        };
        Random random = new Random(27);
        for (String[] answer : answers) {
            byte[] whole = load(answer[0]);
            Function<NetlinkMessage, Object> parser = switch (answer[1]) {
                case "sa" -> XfrmState::parse;
                case "policy" -> XfrmPolicy::parse;
                case "delsa" -> XfrmState::parseDeleted;
                default -> XfrmPolicy::parseDeleted;
            };
            for (int length = 16; length < whole.length; length++) {
                byte[] cut = Arrays.copyOf(whole, length);
                ByteBuffer.wrap(cut).order(ByteOrder.nativeOrder()).putInt(0, length);
                parseOrMalformed(parser, cut, answer[0] + " cut to " + length);
            }
            for (int i = 0; i < 2000; i++) {
                byte[] corrupt = whole.clone();
                for (int j = 0; j < 3; j++) {
                    corrupt[16 + random.nextInt(corrupt.length - 16)] = (byte) random.nextInt(256);
                }
                parseOrMalformed(parser, corrupt, answer[0] + " corrupted");
            }
        }
    }

    private static void parseOrMalformed(Function<NetlinkMessage, Object> parser, byte[] bytes, String what) {
        try {
            var unused = parser.apply(NetlinkMessage.wrap(bytes));
        } catch (MalformedMessageException expected) {
            // the one failure a hostile answer may cause
        } catch (RuntimeException e) {
            throw new AssertionError(what + " escaped as " + e, e);
        }
    }

    /** The kernel's answer to {@code aead 'rfc4106(gcm(nosuch))'}: ENOSYS, "Requested AEAD algorithm not found.". */
    @Test
    void anUnknownAlgorithmIsAKernelSupportFailureNamingWhatIsMissing() {
        NetlinkMessage answer = NetlinkMessage.wrap(load("newsa-badalg-recv-0.hex"));
        assertEquals(Errno.ENOSYS.number(), answer.errno());
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(1);
        XfrmRequests.newState(
                b,
                XfrmState.transportEsp(NODE1, NODE2, 1, REQID, new XfrmAlgoAead("rfc4106(gcm(nosuch))", 128, KEY), 128),
                false);
        RuntimeException translated =
                XfrmErrors.translate(new NetlinkException(answer.errno(), answer.extendedAck(), 0, 1, b.request(0)));
        assertInstanceOf(KernelSupportException.class, translated);
        assertEquals(
                "ip xfrm state add src 10.245.1.2 dst 10.245.1.3 proto esp spi 0x1 reqid 1953300481 mode transport"
                        + " replay-window 128 flag esn aead rfc4106(gcm(nosuch)) <288-bit key> 128 failed: ENOSYS"
                        + " Function not implemented (kernel: Requested AEAD algorithm not found). This kernel lacks the"
                        + " AEAD rfc4106(gcm(nosuch)): it needs CONFIG_CRYPTO_GCM, CONFIG_CRYPTO_SEQIV and"
                        + " CONFIG_CRYPTO_AES (modprobe gcm seqiv aes)",
                translated.getMessage());
    }

    @Test
    void missingEspAndMissingXfrmUserNameTheirModules() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(1);
        XfrmRequests.newState(b, XfrmRequestsTest.outbound(), false);
        RuntimeException noEsp = XfrmErrors.translate(
                new NetlinkException(Errno.EPROTONOSUPPORT.number(), "Requested type not found", 0, 1, b.request(0)));
        assertInstanceOf(KernelSupportException.class, noEsp);
        assertTrue(
                noEsp.getMessage().endsWith("This kernel lacks ESP for IPv4: it needs CONFIG_INET_ESP (modprobe esp4)"),
                noEsp.getMessage());
        RuntimeException noXfrmUser =
                XfrmErrors.translate(new NativeIoException("socket(AF_NETLINK, 6)", Errno.EPROTONOSUPPORT.number()));
        assertInstanceOf(KernelSupportException.class, noXfrmUser);
        assertTrue(noXfrmUser.getMessage().contains("CONFIG_XFRM_USER (modprobe xfrm_user)"), noXfrmUser.getMessage());
    }

    private static int find(byte[] message, int type) {
        return find(
                message,
                type,
                16
                        + (message[4] == Xfrm.XFRM_MSG_NEWPOLICY
                                ? XfrmPolicy.USERPOLICY_INFO_LEN
                                : XfrmState.USERSA_INFO_LEN));
    }

    /** Offset of the top-level attribute {@code type} after a header ending at {@code start}. */
    private static int find(byte[] message, int type, int start) {
        ByteBuffer b = ByteBuffer.wrap(message).order(ByteOrder.nativeOrder());
        for (int at = start; at + 4 <= message.length; at += (b.getShort(at) + 3) & ~3) {
            if ((b.getShort(at + 2) & 0x3fff) == type) {
                return at;
            }
        }
        throw new AssertionError("no attribute " + type);
    }
}
