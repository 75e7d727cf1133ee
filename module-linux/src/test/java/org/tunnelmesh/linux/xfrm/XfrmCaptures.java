package org.tunnelmesh.linux.xfrm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.tunnelmesh.linux.netlink.Bytes;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

/** The {@code ip xfrm} captures in src/test/resources/xfrm (see the README there). */
final class XfrmCaptures {
    private XfrmCaptures() {}

    static byte[] load(String file) {
        try (InputStream in = XfrmCaptures.class.getResourceAsStream("/xfrm/" + file)) {
            if (in == null) {
                throw new IllegalStateException("capture " + file + " is missing from src/test/resources/xfrm");
            }
            return Bytes.hex(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Our only message, with the captured message's sequence number (iproute2 counts from time(NULL)). */
    static byte[] withSeqOf(byte[] captured, NetlinkMessageBuilder b) {
        byte[] ours = b.message(0);
        System.arraycopy(captured, 8, ours, 8, 4);
        return ours;
    }
}
