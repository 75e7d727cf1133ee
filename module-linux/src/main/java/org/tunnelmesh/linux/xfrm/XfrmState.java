package org.tunnelmesh.linux.xfrm;

import java.nio.ByteBuffer;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.linux.netlink.MalformedMessageException;
import org.tunnelmesh.linux.netlink.NetlinkAttributes;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

/**
 * One security association (an xfrm state): struct xfrm_usersa_info and the attributes the mesh sets (the AEAD, the
 * ESN replay state). A state wanted by the mesh has zero counters; one read from the kernel carries them.
 *
 * @param spi the security parameter index, as a number (it is big-endian on the wire)
 * @param aead the AEAD and its key; null when the state has none (another owner's state)
 * @param replayWindow the anti-replay window in packets (from XFRMA_REPLAY_ESN_VAL, else the header's)
 * @param bytes bytes the state protected (lifetime current)
 * @param packets packets the state protected
 * @param replayDropped packets dropped as replays (xfrm_stats.replay)
 * @param integrityFailed packets whose ICV failed (xfrm_stats.integrity_failed)
 */
public record XfrmState(
        Ipv4Address src,
        Ipv4Address dst,
        int spi,
        int proto,
        int reqid,
        int mode,
        int flags,
        XfrmAlgoAead aead,
        int replayWindow,
        long bytes,
        long packets,
        long replayDropped,
        long integrityFailed) {
    /** sizeof(struct xfrm_usersa_info). */
    public static final int USERSA_INFO_LEN = 224;
    /** sizeof(struct xfrm_usersa_id). */
    public static final int USERSA_ID_LEN = 24;
    /** The fixed part of struct xfrm_replay_state_esn: bmp_len, oseq, seq, oseq_hi, seq_hi, replay_window. */
    static final int REPLAY_ESN_LEN = 24;

    /** An ESP state in transport mode with extended sequence numbers, as the mesh wants it. */
    public static XfrmState transportEsp(
            Ipv4Address src, Ipv4Address dst, int spi, int reqid, XfrmAlgoAead aead, int replayWindow) {
        return new XfrmState(
                src,
                dst,
                spi,
                Xfrm.IPPROTO_ESP,
                reqid,
                Xfrm.XFRM_MODE_TRANSPORT,
                Xfrm.XFRM_STATE_ESN,
                aead,
                replayWindow,
                0,
                0,
                0,
                0);
    }

    /** Whether {@code other} is this state as configured (counters aside; keys compared in constant time). */
    public boolean sameConfiguration(XfrmState other) {
        return other != null
                && src.equals(other.src)
                && dst.equals(other.dst)
                && spi == other.spi
                && proto == other.proto
                && reqid == other.reqid
                && mode == other.mode
                && (flags & Xfrm.XFRM_STATE_ESN) == (other.flags & Xfrm.XFRM_STATE_ESN)
                && replayWindow == other.replayWindow
                && aead != null
                && aead.equals(other.aead);
    }

    /**
     * The usersa_info, then XFRMA_ALG_AEAD and XFRMA_REPLAY_ESN_VAL, as {@code ip xfrm state add ... replay-window W
     * flag esn aead ALG KEY ICV} writes them: the lifetime limits XFRM_INF, the selector empty, the window moved into
     * the ESN attribute (whose bitmap iproute2 leaves out: the kernel zeroes it).
     */
    void write(NetlinkMessageBuilder b) {
        XfrmSelector.ANY.write(b);
        XfrmWire.putAddress(b, dst);
        XfrmWire.putBe32(b, spi);
        b.putU8(proto);
        XfrmWire.zeros(b, 3);
        XfrmWire.putAddress(b, src);
        writeInfiniteLifetime(b);
        XfrmWire.zeros(b, 32 + 12); // curlft, stats
        b.putU32(0).putU32(reqid).putU16(Xfrm.AF_INET).putU8(mode).putU8(0).putU8(flags);
        XfrmWire.zeros(b, 7);
        aead.writeAttribute(b);
        b.putU16(4 + REPLAY_ESN_LEN).putU16(Xfrm.XFRMA_REPLAY_ESN_VAL);
        b.putU32((replayWindow + 31) / 32)
                .putU32(0)
                .putU32(0)
                .putU32(0)
                .putU32(0)
                .putU32(replayWindow);
    }

    /** struct xfrm_lifetime_cfg with every limit XFRM_INF and no expiry, iproute2's default. */
    static void writeInfiniteLifetime(NetlinkMessageBuilder b) {
        for (int i = 0; i < 4; i++) {
            XfrmWire.putU64(b, Xfrm.XFRM_INF);
        }
        XfrmWire.zeros(b, 32);
    }

    /**
     * A state of a dump or a NEWSA/UPDSA event.
     *
     * @return the state, or null when it is not IPv4
     * @throws MalformedMessageException when a length is wrong
     */
    public static XfrmState parse(NetlinkMessage message) {
        message.requirePayload(USERSA_INFO_LEN, "xfrm_usersa_info");
        NetlinkAttributes attributes = message.attributes(USERSA_INFO_LEN, Xfrm.XFRMA_MAX_PARSED);
        return read(message.buffer(), message.payloadOffset(), attributes);
    }

    /**
     * The state of a DELSA event: an xfrm_usersa_id, then the whole state in XFRMA_SA (without its attributes).
     *
     * @return the state, or null when it is not IPv4
     */
    public static XfrmState parseDeleted(NetlinkMessage message) {
        message.requirePayload(USERSA_ID_LEN, "xfrm_usersa_id");
        NetlinkAttributes attributes = message.attributes(USERSA_ID_LEN, Xfrm.XFRMA_MAX_PARSED);
        if (attributes.length(Xfrm.XFRMA_SA) < USERSA_INFO_LEN) {
            throw new MalformedMessageException("xfrm DELSA event without a " + USERSA_INFO_LEN + "-byte XFRMA_SA: "
                    + attributes.length(Xfrm.XFRMA_SA));
        }
        return read(message.buffer(), attributes.offset(Xfrm.XFRMA_SA), attributes);
    }

    private static XfrmState read(ByteBuffer buffer, int at, NetlinkAttributes attributes) {
        int family = buffer.getShort(at + 212) & 0xffff;
        if (family != Xfrm.AF_INET) {
            return null;
        }
        XfrmAlgoAead aead = attributes.has(Xfrm.XFRMA_ALG_AEAD)
                ? XfrmAlgoAead.read(
                        buffer, attributes.offset(Xfrm.XFRMA_ALG_AEAD), attributes.length(Xfrm.XFRMA_ALG_AEAD))
                : null;
        int replayWindow = buffer.get(at + 215) & 0xff;
        if (attributes.has(Xfrm.XFRMA_REPLAY_ESN_VAL)) {
            if (attributes.length(Xfrm.XFRMA_REPLAY_ESN_VAL) < REPLAY_ESN_LEN) {
                throw new MalformedMessageException("XFRMA_REPLAY_ESN_VAL of "
                        + attributes.length(Xfrm.XFRMA_REPLAY_ESN_VAL) + " bytes, needs " + REPLAY_ESN_LEN);
            }
            replayWindow = buffer.getInt(attributes.offset(Xfrm.XFRMA_REPLAY_ESN_VAL) + 20);
        }
        return new XfrmState(
                XfrmWire.address(buffer, at + 80),
                XfrmWire.address(buffer, at + 56),
                XfrmWire.be32(buffer, at + 72),
                buffer.get(at + 76) & 0xff,
                buffer.getInt(at + 208),
                buffer.get(at + 214) & 0xff,
                buffer.get(at + 216) & 0xff,
                aead,
                replayWindow,
                buffer.getLong(at + 160),
                buffer.getLong(at + 168),
                Integer.toUnsignedLong(buffer.getInt(at + 196)),
                Integer.toUnsignedLong(buffer.getInt(at + 200)));
    }

    /** {@code src A dst B proto esp spi 0x...}: what identifies the state (with the destination and SPI). */
    public String identity() {
        return "src " + src + " dst " + dst + " proto " + (proto == Xfrm.IPPROTO_ESP ? "esp" : String.valueOf(proto))
                + " spi 0x" + Integer.toHexString(spi);
    }

    @Override
    public String toString() {
        return identity() + " reqid " + reqid + " mode " + (mode == Xfrm.XFRM_MODE_TRANSPORT ? "transport" : mode)
                + " replay-window " + replayWindow + ((flags & Xfrm.XFRM_STATE_ESN) != 0 ? " flag esn" : "")
                + (aead != null ? " " + aead : "");
    }
}
