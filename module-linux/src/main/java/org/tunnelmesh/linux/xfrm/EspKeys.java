package org.tunnelmesh.linux.xfrm;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.tunnelmesh.Ipv4Address;

/**
 * The ESP keys and SPIs of one direction between two underlays, derived from one of the mesh's keys so both ends
 * agree without exchanging a message: what A sends to B with ({@code derive(key, A, B)}) is exactly what B expects
 * from A. The sender's underlay comes first in the derivation, so the two directions never share a key, a salt (the
 * nonce space of GCM) or an SPI.
 *
 * <p>HKDF-SHA256 (RFC 5869): PRK = Extract(salt "tunnelmesh esp v1", key); the AEAD's 36 bytes (32 of AES-256 key, 4
 * of RFC 4106 salt) = Expand(PRK, "tunnelmesh esp v1 key" | sender | receiver, 36), the SPI = Expand(PRK, "tunnelmesh
 * esp v1 spi" | sender | receiver, 4), moved out of 0-255 (RFC 4303 reserves them).
 *
 * @param aead rfc4106(gcm(aes)) with the derived key
 * @param spi the SPI of the state
 */
public record EspKeys(XfrmAlgoAead aead, int spi) {
    private static final byte[] SALT = "tunnelmesh esp v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEY_LABEL = "tunnelmesh esp v1 key".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SPI_LABEL = "tunnelmesh esp v1 spi".getBytes(StandardCharsets.US_ASCII);
    /** RFC 4303: SPIs 1-255 are reserved by IANA, 0 is local use. */
    private static final int FIRST_FREE_SPI = 256;

    /**
     * The keys of the direction {@code sender} to {@code receiver} under {@code key}.
     *
     * @param key one of the mesh's 32-byte keys
     */
    public static EspKeys derive(byte[] key, Ipv4Address sender, Ipv4Address receiver) {
        byte[] prk = Hkdf.extract(SALT, key);
        try {
            byte[] keyAndSalt = Hkdf.expand(prk, info(KEY_LABEL, sender, receiver), 36);
            byte[] spiBytes = Hkdf.expand(prk, info(SPI_LABEL, sender, receiver), 4);
            int spi = (spiBytes[0] & 0xff) << 24
                    | (spiBytes[1] & 0xff) << 16
                    | (spiBytes[2] & 0xff) << 8
                    | (spiBytes[3] & 0xff);
            if (Integer.compareUnsigned(spi, FIRST_FREE_SPI) < 0) {
                spi += FIRST_FREE_SPI;
            }
            XfrmAlgoAead aead = XfrmAlgoAead.rfc4106(keyAndSalt);
            Arrays.fill(keyAndSalt, (byte) 0);
            return new EspKeys(aead, spi);
        } finally {
            Arrays.fill(prk, (byte) 0);
        }
    }

    private static byte[] info(byte[] label, Ipv4Address sender, Ipv4Address receiver) {
        byte[] info = Arrays.copyOf(label, label.length + 8);
        System.arraycopy(sender.toBytes(), 0, info, label.length, 4);
        System.arraycopy(receiver.toBytes(), 0, info, label.length + 4, 4);
        return info;
    }
}
