package org.tunnelmesh.linux;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Device names the mesh uses: the kernel's fallback tunnel tunl0 (SHARED), and point-to-point devices: {@code tm-<peer>} when it fits the kernel's 15 characters
 * (IFNAMSIZ - 1), else a prefix of the peer's name and a hash of all of it, so the name is stable
 * for a peer across restarts and still says whose device it is.
 */
final class DeviceNames {
    /** The ipip module's fallback device, made in every namespace (unless net.core.fb_tunnels_only_for_init_net). */
    static final String FALLBACK = "tunl0";
    static final String PREFIX = "tm-";
    static final int IFNAMSIZ = 16;

    private DeviceNames() {
    }

    static String forPeer(String peerName) {
        String plain = PREFIX + peerName;
        if (plain.length() < IFNAMSIZ) {
            return plain;
        }
        CRC32 crc = new CRC32();
        crc.update(peerName.getBytes(StandardCharsets.UTF_8));
        String hash = String.format("%05x", crc.getValue() & 0xfffff);
        return PREFIX + peerName.substring(0, IFNAMSIZ - 1 - PREFIX.length() - 1 - hash.length()) + "-" + hash;
    }

    static boolean looksOwned(String ifname) {
        return ifname.startsWith(PREFIX);
    }
}
