package org.tunnelmesh.linux.tc;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.linux.netlink.Bytes;
import org.tunnelmesh.linux.netlink.MalformedMessageException;
import org.tunnelmesh.linux.netlink.NetlinkMessage;

/** TcObject.parse on mutated tc messages (the captures): MalformedMessageException or a value, nothing else. */
class TcObjectRobustnessTest {
    private static final int MUTATIONS = 20_000;

    @Test
    void onlyMalformedMessageExceptionEscapes() throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        for (String file :
                List.of("newqdisc-clsact.hex", "delqdisc-clsact.hex", "newtfilter-bpf.hex", "deltfilter-bpf.hex")) {
            try (InputStream in = getClass().getResourceAsStream("/tc/" + file)) {
                seeds.add(Bytes.hex(new String(in.readAllBytes(), StandardCharsets.US_ASCII)));
            }
        }
        Random random = new Random(0x7C0B1EC7L);
        int values = 0;
        for (int i = 0; i < MUTATIONS; i++) {
            byte[] input = seeds.get(random.nextInt(seeds.size())).clone();
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                int at = 16 + random.nextInt(input.length - 16); // keep the netlink header: forEach checks that
                input[at] = (byte) random.nextInt(256);
            }
            int[] parsed = {0};
            try {
                NetlinkMessage.forEach(ByteBuffer.wrap(input).order(ByteOrder.nativeOrder()), input.length, m -> {
                    if (TcObject.parse(m) != null) {
                        parsed[0]++;
                    }
                });
            } catch (MalformedMessageException expected) {
                // the one acceptable failure
            } catch (RuntimeException e) {
                fail("TcObject.parse threw " + e + " for " + Bytes.toHex(input));
            }
            values += parsed[0];
        }
        assertTrue(values > MUTATIONS / 4, "the mutations reach the parser: " + values + " values");
    }
}
