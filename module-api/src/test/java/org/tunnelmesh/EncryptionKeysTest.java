package org.tunnelmesh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key file: its format, and the checks of a password file (a link, a readable file). */
class EncryptionKeysTest {
    static final String K1 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    static final String K2 = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";

    @TempDir
    Path dir;

    private Path keyFile(String text) throws Exception {
        Path file = dir.resolve("keys");
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    @Test
    void theFirstLineEncryptsEveryLineDecrypts() throws Exception {
        EncryptionKeys keys = EncryptionKeys.fromFile(
                keyFile("# rotated 2026-12-07\n" + K2 + "\n\n" + K1.toUpperCase(java.util.Locale.ROOT) + "\n"));
        assertEquals(2, keys.size());
        assertArrayEquals(HexFormat.of().parseHex(K2), keys.key(0));
        assertArrayEquals(HexFormat.of().parseHex(K1), keys.key(1));
    }

    @Test
    void theKeysNeverAppearInText() throws Exception {
        EncryptionKeys keys = EncryptionKeys.parse(K1 + "\n", "test");
        assertFalse(keys.toString().contains("0001020304"), keys.toString());
        assertTrue(keys.toString().contains(keys.fingerprint(0)));
    }

    @Test
    void badLinesAreNamedWithoutTheirContent() {
        String shortKey = K1.substring(2);
        InvalidInputException e = assertThrows(
                InvalidInputException.class,
                () -> EncryptionKeys.parse(K2 + "\n" + shortKey + "\n", "encryption key file /k"));
        assertEquals(
                "encryption key file /k, line 2: a key is 64 hex digits (32 random bytes), this line has 62 characters;"
                        + " make one with: openssl rand -hex 32",
                e.getMessage());
        String notHex = "zz" + K1.substring(2);
        assertTrue(
                assertThrows(InvalidInputException.class, () -> EncryptionKeys.parse(notHex, "f"))
                        .getMessage()
                        .contains(
                                "line 1: a key is 64 hex digits (32 random bytes), this line has 64 characters that are not all hex digits"));
        assertEquals(
                "f holds no key: put one key per line, 64 hex digits each (openssl rand -hex 32)",
                assertThrows(InvalidInputException.class, () -> EncryptionKeys.parse("# none yet\n\n", "f"))
                        .getMessage());
        assertEquals(
                "f, line 2: the same key appears twice",
                assertThrows(InvalidInputException.class, () -> EncryptionKeys.parse(K1 + "\n" + K1, "f"))
                        .getMessage());
        assertTrue(assertThrows(InvalidInputException.class, () -> EncryptionKeys.parse("00".repeat(32), "f"))
                .getMessage()
                .contains("one byte repeated"));
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 17; i++) {
            many.append(String.format("%02x", i + 1)).append(K1.substring(2)).append('\n');
        }
        assertTrue(assertThrows(InvalidInputException.class, () -> EncryptionKeys.parse(many.toString(), "f"))
                .getMessage()
                .contains("holds 17 keys, at most 16"));
    }

    @Test
    void theFileIsCheckedAsAPasswordFile() throws Exception {
        Path file = keyFile(K1 + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(
                "encryption key file " + file + " is open to group or others (rw-r--r--): chmod 600 " + file,
                assertThrows(InvalidInputException.class, () -> EncryptionKeys.fromFile(file))
                        .getMessage());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), file);
        assertTrue(assertThrows(InvalidInputException.class, () -> EncryptionKeys.fromFile(link))
                .getMessage()
                .contains("is a symbolic link"));
        Path big = dir.resolve("big");
        Files.writeString(big, (K1 + "\n").repeat(2000));
        Files.setPosixFilePermissions(big, PosixFilePermissions.fromString("rw-------"));
        assertThrows(InvalidInputException.class, () -> EncryptionKeys.fromFile(big));
    }

    @Test
    void keysGivenDirectlyAreCheckedAlike() {
        assertEquals(
                EncryptionKeys.parse(K1 + "\n" + K2, "f"),
                EncryptionKeys.of(
                        List.of(HexFormat.of().parseHex(K1), HexFormat.of().parseHex(K2))));
        assertEquals(
                "an encryption key is 32 bytes, not 16",
                assertThrows(InvalidInputException.class, () -> EncryptionKeys.of(List.of(new byte[16])))
                        .getMessage());
    }
}
