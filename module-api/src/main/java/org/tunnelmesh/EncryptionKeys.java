package org.tunnelmesh;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.tunnelmesh.internal.TrustedFile;

/**
 * The mesh's encryption secret: one or more 32-byte keys shared by every node. The first key encrypts; every key
 * decrypts, so a new key can be added everywhere before any node sends with it (and an old one kept until nothing
 * sends with it any more). The keys never appear in {@link #toString()}; {@link #fingerprint} tells key sets apart.
 *
 * <p>The key file has one key per line, 64 hex digits (32 random bytes, e.g. {@code openssl rand -hex 32}); blank
 * lines and lines starting with {@code #} are skipped. It is checked as a password file is: a regular file, no link,
 * owned by root or the node's user, readable by its owner only, at most 64 KiB.
 */
public final class EncryptionKeys {
    /** Bytes in one key. */
    public static final int KEY_BYTES = 32;
    /** More keys than a rotation needs is a mistake in the file, not a plan. */
    public static final int MAX_KEYS = 16;

    private static final long MAX_FILE_BYTES = 64 << 10;

    private final List<byte[]> keys;

    private EncryptionKeys(List<byte[]> keys) {
        this.keys = keys;
    }

    /**
     * Reads and checks a key file.
     *
     * @param file the key file
     * @return its keys
     * @throws InvalidInputException naming the file, the line and what is wrong, and how to fix it
     */
    public static EncryptionKeys fromFile(Path file) {
        byte[] bytes = TrustedFile.read(file, "encryption key file", MAX_FILE_BYTES, true);
        try {
            return parse(new String(bytes, StandardCharsets.UTF_8), "encryption key file " + file);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /**
     * Parses the text of a key file.
     *
     * @param text the file's text
     * @param source what the text is, for messages (e.g. "encryption key file /etc/tunnelmesh/keys")
     * @return its keys
     * @throws InvalidInputException naming the line and what is wrong with it (never its content)
     */
    public static EncryptionKeys parse(String text, String source) {
        List<byte[]> keys = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.length() != 2 * KEY_BYTES || !line.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new InvalidInputException(source + ", line " + (i + 1) + ": a key is " + 2 * KEY_BYTES
                        + " hex digits (32 random bytes), this line has " + line.length() + " characters"
                        + (line.chars().allMatch(c -> Character.digit(c, 16) >= 0)
                                ? ""
                                : " that are not all hex digits")
                        + "; make one with: openssl rand -hex 32");
            }
            byte[] key = HexFormat.of().parseHex(line);
            if (allEqual(key)) {
                throw new InvalidInputException(source + ", line " + (i + 1)
                        + ": the key is one byte repeated, not random; make one with: openssl rand -hex 32");
            }
            for (byte[] other : keys) {
                if (MessageDigest.isEqual(other, key)) {
                    throw new InvalidInputException(source + ", line " + (i + 1) + ": the same key appears twice");
                }
            }
            keys.add(key);
        }
        if (keys.isEmpty()) {
            throw new InvalidInputException(
                    source + " holds no key: put one key per line, 64 hex digits each" + " (openssl rand -hex 32)");
        }
        if (keys.size() > MAX_KEYS) {
            throw new InvalidInputException(source + " holds " + keys.size() + " keys, at most " + MAX_KEYS
                    + " are allowed: remove keys no node sends with any more");
        }
        return new EncryptionKeys(List.copyOf(keys));
    }

    /**
     * Keys given directly (an embedder's secret store); the first encrypts.
     *
     * @param keys the keys, 32 bytes each
     * @return the checked keys
     * @throws InvalidInputException as {@link #parse}, or for a key that is not 32 bytes
     */
    public static EncryptionKeys of(List<byte[]> keys) {
        StringBuilder text = new StringBuilder();
        for (byte[] key : keys) {
            if (key.length != KEY_BYTES) {
                throw new InvalidInputException("an encryption key is " + KEY_BYTES + " bytes, not " + key.length);
            }
            text.append(HexFormat.of().formatHex(key)).append('\n');
        }
        return parse(text.toString(), "the encryption keys given");
    }

    /** {@return how many keys there are} */
    public int size() {
        return keys.size();
    }

    /**
     * A copy of one key.
     *
     * @param index 0 for the key that encrypts
     * @return the key's 32 bytes
     */
    public byte[] key(int index) {
        return keys.get(index).clone();
    }

    /**
     * The first 8 hex digits of SHA-256 over a key: tells keys apart in logs without revealing them.
     *
     * @param index the key
     * @return 8 hex digits
     */
    public String fingerprint(int index) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(keys.get(index));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static boolean allEqual(byte[] key) {
        for (byte b : key) {
            if (b != key[0]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof EncryptionKeys other) || other.keys.size() != keys.size()) {
            return false;
        }
        boolean same = true;
        for (int i = 0; i < keys.size(); i++) {
            same &= MessageDigest.isEqual(keys.get(i), other.keys.get(i));
        }
        return same;
    }

    @Override
    public int hashCode() {
        return keys.size();
    }

    @Override
    public String toString() {
        List<String> prints = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            prints.add(fingerprint(i));
        }
        return "EncryptionKeys" + prints + " (SHA-256 fingerprints; the first encrypts)";
    }
}
