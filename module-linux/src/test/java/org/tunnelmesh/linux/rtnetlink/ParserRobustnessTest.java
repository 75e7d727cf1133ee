package org.tunnelmesh.linux.rtnetlink;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;
import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.*;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.linux.netlink.Bytes;
import org.tunnelmesh.linux.netlink.MalformedMessageException;
import org.tunnelmesh.linux.netlink.Netlink;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

/**
 * Whatever bytes arrive, parsing either works or says the message is malformed: no other exception
 * escapes to the socket's caller, and nothing loops. Random bytes, and real messages with bytes
 * flipped, lengths bent and tails cut off.
 */
class ParserRobustnessTest {
    private static final long SEED = 0x7E11_11E5_4ADL;
    private static final int RANDOM_INPUTS = 10_000;
    private static final int MUTATED_INPUTS = 10_000;
    private static final int[] TYPES = {
        RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE, RTM_NEWNEXTHOP, Netlink.NLMSG_ERROR, Netlink.NLMSG_DONE
    };
    private static final Map<String, Function<NetlinkMessage, ?>> PARSERS = new LinkedHashMap<>();

    static {
        PARSERS.put("Link.parse", Link::parse);
        PARSERS.put("Route.parse", Route::parse);
        PARSERS.put(
                "Route.multipathGateways",
                m -> (m.type() == RTM_NEWROUTE && !Route.multipathGateways(m).isEmpty()) ? true : null);
        PARSERS.put("Address.parse", Address::parse);
        PARSERS.put("Nexthop.parse", Nexthop::parse);
    }

    private final Map<String, String> escapes = new LinkedHashMap<>();
    private final Map<String, Integer> successes = new LinkedHashMap<>();
    private int parsed;

    @Test
    void onlyMalformedMessageExceptionEscapes() {
        List<byte[]> seeds = validMessages();
        Random random = new Random(SEED);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int i = 0; i < RANDOM_INPUTS; i++) {
                feed(randomInput(random));
            }
            for (int i = 0; i < MUTATED_INPUTS; i++) {
                feed(mutate(seeds.get(random.nextInt(seeds.size())), random));
            }
        });
        if (!escapes.isEmpty()) {
            StringBuilder report = new StringBuilder("exceptions other than MalformedMessageException escaped:");
            escapes.forEach((what, input) ->
                    report.append("\n").append(what).append("\n  input: ").append(input));
            fail(report.toString());
        }
        // the mutations must reach the parsers, or this test proves nothing
        if (parsed < MUTATED_INPUTS / 2) {
            fail("only " + parsed + " messages reached the parsers");
        }
        PARSERS.keySet().forEach(name -> {
            if (successes.getOrDefault(name, 0) < 100) {
                fail(name + " parsed only " + successes.get(name) + " inputs: the mutations do not reach it; "
                        + successes);
            }
        });
    }

    @Test
    void seedsParse() {
        for (byte[] seed : validMessages()) {
            NetlinkMessage m = NetlinkMessage.wrap(seed);
            Object value = switch (m.type()) {
                case RTM_NEWLINK -> Link.parse(m);
                case RTM_NEWROUTE -> Route.parse(m);
                case RTM_NEWADDR -> Address.parse(m);
                case RTM_NEWNEXTHOP -> Nexthop.parse(m);
                default -> null;
            };
            assertNotNull(value, () -> "seed " + Bytes.toHex(seed));
        }
    }

    private void feed(byte[] input) {
        ByteBuffer buffer = ByteBuffer.wrap(input).order(ByteOrder.nativeOrder());
        try {
            NetlinkMessage.forEach(buffer, input.length, m -> {
                parsed++;
                PARSERS.forEach((name, parser) -> {
                    try {
                        if (parser.apply(m) != null) {
                            successes.merge(name, 1, Integer::sum);
                        }
                    } catch (MalformedMessageException expected) {
                        // the one acceptable failure
                    } catch (RuntimeException e) {
                        escapes.putIfAbsent(name + ": " + e, Bytes.toHex(input));
                    }
                });
            });
        } catch (MalformedMessageException expected) {
            // fine
        } catch (RuntimeException e) {
            escapes.putIfAbsent("NetlinkMessage.forEach: " + e, Bytes.toHex(input));
        }
    }

    private static byte[] randomInput(Random random) {
        byte[] bytes = new byte[random.nextInt(260)];
        random.nextBytes(bytes);
        if (bytes.length >= 16 && random.nextInt(4) != 0) {
            // make the header plausible so the bytes get past forEach to the parsers
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
            b.putInt(0, random.nextInt(8) == 0 ? 16 + random.nextInt(bytes.length - 15) : bytes.length);
            b.putShort(4, (short) TYPES[random.nextInt(TYPES.length)]);
            int firstAttribute = 16 + new int[] {Ifaddrmsg.LEN, Rtmsg.LEN, Ifinfomsg.LEN}[random.nextInt(3)];
            if (random.nextBoolean() && bytes.length >= firstAttribute + 2) {
                // and the first attribute's length sane, whichever family header is in front
                b.putShort(firstAttribute, (short) (4 + random.nextInt(12)));
            }
        }
        return bytes;
    }

    private static byte[] mutate(byte[] seed, Random random) {
        byte[] bytes = seed.clone();
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        switch (random.nextInt(6)) {
            case 0 -> { // flip a few bytes, keeping the header
                for (int n = 1 + random.nextInt(4); n > 0; n--) {
                    int at = 16 + random.nextInt(bytes.length - 16);
                    bytes[at] = (byte) random.nextInt(256);
                }
            }
            case 1 -> { // bend an attribute length (any 4-aligned u16 after the header)
                int at = 16 + 4 * random.nextInt((bytes.length - 16) / 4);
                b.putShort(at, (short) random.nextInt(random.nextBoolean() ? 16 : 65536));
            }
            case 2 -> { // truncate, fixing up nlmsg_len so the parsers see the short message
                int length = 16 + random.nextInt(bytes.length - 16);
                bytes = java.util.Arrays.copyOf(bytes, length);
                ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).putInt(0, length);
            }
            case 3 -> { // truncate without fixing the length
                bytes = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length));
            }
            case 4 -> { // parse as another family
                b.putShort(4, (short) TYPES[random.nextInt(TYPES.length)]);
                bytes[16 + random.nextInt(bytes.length - 16)] ^= (byte) (1 << random.nextInt(8));
            }
            default -> { // flip anything, header included
                for (int n = 1 + random.nextInt(8); n > 0; n--) {
                    bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
                }
            }
        }
        return bytes;
    }

    /** Messages as the kernel would send them (and as we send them), to mutate. */
    static List<byte[]> validMessages() {
        List<byte[]> seeds = new ArrayList<>();
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(4096).reset(1);
        IpipParameters p = IpipParameters.pointToPoint(
                2, Ipv4Address.parse("10.245.1.2"), Ipv4Address.parse("10.245.1.3"), 64, true);
        RtnetlinkRequests.newIpipLink(b, RtnetlinkRequests.CREATE, "tm-node2", 1480, p);
        seeds.add(b.message(0));

        b.reset(1);
        b.begin(RTM_NEWLINK, Netlink.NLM_F_MULTI);
        b.putU8(AF_UNSPEC)
                .putU8(0)
                .putU16(768)
                .putU32(7)
                .putU32(IFF_UP | IFF_LOWER_UP)
                .putU32(0);
        b.attrString(IFLA_IFNAME, "tunl0");
        b.attrU32(IFLA_MTU, 1480);
        b.beginNested(IFLA_LINKINFO);
        b.attrString(IFLA_INFO_KIND, "ipip");
        b.beginNested(IFLA_INFO_DATA);
        b.attrU32(IFLA_IPTUN_LINK, 0);
        b.attrIpv4(IFLA_IPTUN_LOCAL, 0);
        b.attrIpv4(IFLA_IPTUN_REMOTE, 0);
        b.attrU8(IFLA_IPTUN_TTL, 0);
        b.attrU8(IFLA_IPTUN_PMTUDISC, 1);
        b.endNested();
        b.endNested();
        b.putU16(4 + 24 * 8).putU16(IFLA_STATS64);
        for (int i = 0; i < 24; i++) {
            b.putU32(1000 + i).putU32(0);
        }
        b.end();
        seeds.add(b.message(0));

        b.reset(1);
        RtnetlinkRequests.newRoute(
                b,
                RtnetlinkRequests.CREATE,
                Route.onlink(Ipv4Prefix.parse("192.168.42.0/24"), Ipv4Address.parse("10.245.1.3"), 2, 87));
        seeds.add(b.message(0));
        b.reset(1);
        RtnetlinkRequests.newRoute(
                b,
                RtnetlinkRequests.CREATE,
                new Route(
                        Ipv4Prefix.parse("192.168.43.0/24"),
                        1000,
                        87,
                        RT_SCOPE_UNIVERSE,
                        RTN_UNICAST,
                        0,
                        Ipv4Address.ANY,
                        0,
                        7));
        seeds.add(b.message(0));
        seeds.add(RtnetlinkParseTest.multipathDefaultRoute());
        b.reset(1);
        RtnetlinkRequests.newAddress(b, RtnetlinkRequests.CREATE, 7, Ipv4Address.parse("192.168.41.0"), 32);
        seeds.add(b.message(0));
        b.reset(1);
        RtnetlinkRequests.newNexthop(
                b, RtnetlinkRequests.CREATE, Nexthop.onlink(5, Ipv4Address.parse("10.245.1.3"), 2, 87));
        seeds.add(b.message(0));

        try (InputStream in = ParserRobustnessTest.class.getResourceAsStream("/iproute2/linkdump-veth0.hex")) {
            if (in != null) {
                seeds.add(Bytes.hex(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII)));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return seeds;
    }
}
