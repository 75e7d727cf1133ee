package org.tunnelmesh.linux.xfrm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.Ipv4Address;

/** HKDF against RFC 5869's vectors, and the pair derivation both ends of a direction must agree on. */
class EspKeysTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] KEY1 = HEX.parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    private static final byte[] KEY2 = HEX.parseHex("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f");
    private static final Ipv4Address A = Ipv4Address.parse("10.245.1.2");
    private static final Ipv4Address B = Ipv4Address.parse("10.245.1.3");
    private static final Ipv4Address C = Ipv4Address.parse("10.245.1.4");

    /** RFC 5869, A.1: Basic test case with SHA-256. */
    @Test
    void rfc5869TestCase1() {
        byte[] ikm = HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        byte[] salt = HEX.parseHex("000102030405060708090a0b0c");
        byte[] info = HEX.parseHex("f0f1f2f3f4f5f6f7f8f9");
        byte[] prk = Hkdf.extract(salt, ikm);
        assertEquals("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5", HEX.formatHex(prk));
        assertEquals(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
                HEX.formatHex(Hkdf.expand(prk, info, 42)));
    }

    /** RFC 5869, A.3: zero-length salt and info. */
    @Test
    void rfc5869TestCase3() {
        byte[] ikm = HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        byte[] prk = Hkdf.extract(new byte[0], ikm);
        assertEquals("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04", HEX.formatHex(prk));
        assertEquals(
                "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
                HEX.formatHex(Hkdf.expand(prk, new byte[0], 42)));
    }

    @Test
    void aSendersOutboundIsItsPeersInbound() {
        // node A derives its outbound state to B; node B derives its inbound state from A: the same call
        EspKeys outboundOfA = EspKeys.derive(KEY1, A, B);
        EspKeys inboundOfB = EspKeys.derive(KEY1.clone(), A, B);
        assertEquals(outboundOfA, inboundOfB);
        assertArrayEquals(outboundOfA.aead().key(), inboundOfB.aead().key());
    }

    @Test
    void directionsAndKeysNeverShareKeySaltOrSpi() {
        Set<String> keys = new HashSet<>();
        Set<String> salts = new HashSet<>();
        Set<Integer> spis = new HashSet<>();
        int derived = 0;
        for (byte[] key : new byte[][] {KEY1, KEY2}) {
            for (Ipv4Address[] pair : new Ipv4Address[][] {{A, B}, {B, A}, {A, C}, {C, A}, {B, C}, {C, B}}) {
                EspKeys k = EspKeys.derive(key, pair[0], pair[1]);
                byte[] keyAndSalt = k.aead().key();
                keys.add(HEX.formatHex(keyAndSalt, 0, 32));
                salts.add(HEX.formatHex(keyAndSalt, 32, 36));
                spis.add(k.spi());
                assertTrue(Integer.compareUnsigned(k.spi(), 256) >= 0, "SPI 0-255 are reserved");
                derived++;
            }
        }
        assertEquals(derived, keys.size());
        assertEquals(derived, salts.size());
        assertEquals(derived, spis.size());
        assertNotEquals(EspKeys.derive(KEY1, A, B), EspKeys.derive(KEY2, A, B));
    }

    /**
     * Fixed output, computed apart with Python's hmac module: a node of another version must derive the same, or the
     * mesh breaks on a rolling upgrade.
     */
    @Test
    void theDerivationIsStable() {
        EspKeys k = EspKeys.derive(KEY1, A, B);
        assertEquals(XfrmAlgoAead.RFC4106_GCM_AES, k.aead().name());
        assertEquals(288, k.aead().keyBits());
        assertEquals(128, k.aead().icvBits());
        assertEquals(STABLE_KEY, HEX.formatHex(k.aead().key()));
        assertEquals(STABLE_SPI, k.spi());
    }

    private static final String STABLE_KEY = "d4fe5f7179726a86d9b7b054dc5792f7ae7fd83f201b354fab8f596d25e5b5013f709608";
    private static final int STABLE_SPI = 0xa8530a64;
}
