package org.tunnelmesh.linux.xfrm;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import org.tunnelmesh.linux.netlink.MalformedMessageException;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

/**
 * struct xfrm_algo_aead (XFRMA_ALG_AEAD): the AEAD of a state and its key. The key never appears in
 * {@link #toString()} nor in any request description: it is what the mesh keeps secret.
 */
public final class XfrmAlgoAead {
    /** The AEAD the mesh uses: AES-GCM for ESP (RFC 4106), 32 bytes of AES-256 key and 4 of salt. */
    public static final String RFC4106_GCM_AES = "rfc4106(gcm(aes))";
    /** sizeof(alg_name). */
    static final int NAME_LEN = 64;
    /** alg_name, alg_key_len, alg_icv_len. */
    static final int HEADER_LEN = NAME_LEN + 8;

    private final String name;
    private final int icvBits;
    private final byte[] key;

    public XfrmAlgoAead(String name, int icvBits, byte[] key) {
        if (name.getBytes(StandardCharsets.US_ASCII).length >= NAME_LEN) {
            throw new IllegalArgumentException("AEAD name longer than 63 bytes: " + name);
        }
        this.name = name;
        this.icvBits = icvBits;
        this.key = key.clone();
    }

    /** rfc4106(gcm(aes)) with a 128-bit ICV, as the mesh uses it; {@code keyAndSalt} is 36 bytes. */
    public static XfrmAlgoAead rfc4106(byte[] keyAndSalt) {
        if (keyAndSalt.length != 36) {
            throw new IllegalArgumentException(
                    "rfc4106(gcm(aes)) takes 36 bytes of key and salt, not " + keyAndSalt.length);
        }
        return new XfrmAlgoAead(RFC4106_GCM_AES, 128, keyAndSalt);
    }

    public String name() {
        return name;
    }

    public int icvBits() {
        return icvBits;
    }

    public int keyBits() {
        return key.length * 8;
    }

    /** A copy of the key. */
    public byte[] key() {
        return key.clone();
    }

    /** Writes the attribute XFRMA_ALG_AEAD. */
    public void writeAttribute(NetlinkMessageBuilder b) {
        b.putU16(4 + HEADER_LEN + key.length).putU16(Xfrm.XFRMA_ALG_AEAD);
        byte[] nameBytes = Arrays.copyOf(name.getBytes(StandardCharsets.US_ASCII), NAME_LEN);
        b.putBytes(nameBytes).putU32(key.length * 8).putU32(icvBits).putBytes(key);
        b.pad();
    }

    /** Reads the payload of an XFRMA_ALG_AEAD attribute of {@code length} bytes at {@code at}. */
    public static XfrmAlgoAead read(ByteBuffer buffer, int at, int length) {
        if (length < HEADER_LEN) {
            throw new MalformedMessageException("XFRMA_ALG_AEAD of " + length + " bytes, needs at least " + HEADER_LEN);
        }
        int nameEnd = 0;
        while (nameEnd < NAME_LEN && buffer.get(at + nameEnd) != 0) {
            nameEnd++;
        }
        byte[] nameBytes = new byte[nameEnd];
        buffer.get(at, nameBytes);
        int keyBits = buffer.getInt(at + NAME_LEN);
        int icvBits = buffer.getInt(at + NAME_LEN + 4);
        if (keyBits < 0 || keyBits % 8 != 0 || keyBits / 8 > length - HEADER_LEN) {
            throw new MalformedMessageException(
                    "XFRMA_ALG_AEAD claims a key of " + keyBits + " bits in " + (length - HEADER_LEN) + " bytes");
        }
        byte[] key = new byte[keyBits / 8];
        buffer.get(at + HEADER_LEN, key);
        return new XfrmAlgoAead(new String(nameBytes, StandardCharsets.US_ASCII), icvBits, key);
    }

    @Override
    public boolean equals(Object o) {
        // constant time on the key: this compares a state the kernel holds with the one wanted
        return o instanceof XfrmAlgoAead other
                && name.equals(other.name)
                && icvBits == other.icvBits
                && MessageDigest.isEqual(key, other.key);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + icvBits;
    }

    @Override
    public String toString() {
        return "aead " + name + " <" + keyBits() + "-bit key> " + icvBits;
    }
}
