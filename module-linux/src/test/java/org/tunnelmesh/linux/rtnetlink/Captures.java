package org.tunnelmesh.linux.rtnetlink;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.tunnelmesh.linux.netlink.Bytes;

/** The iproute2 captures in src/test/resources/iproute2 (see the README there). */
final class Captures {
    private Captures() {}

    static byte[] load(String file) {
        try (InputStream in = Captures.class.getResourceAsStream("/iproute2/" + file)) {
            if (in == null) {
                throw new IllegalStateException("capture " + file + " is missing from src/test/resources/iproute2");
            }
            return Bytes.hex(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** nlmsg_flags of a captured request. */
    static int flags(byte[] message) {
        return ByteBuffer.wrap(message).order(ByteOrder.nativeOrder()).getShort(6) & 0xffff;
    }
}
