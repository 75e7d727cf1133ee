package org.tunnelmesh;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * A tunnel device as the kernel reports it at one moment.
 *
 * <p>The names of a mesh's devices are defined here, once, for the kernel-backed mesh and for
 * every double of it: SHARED uses the kernel's fallback device {@value #SHARED_NAME};
 * POINT_TO_POINT one device per peer, {@link #pointToPointName(String)}.
 *
 * @param name the device name, e.g. {@code tunl0}
 * @param ifindex the kernel's index of the device
 * @param local  outer source address, {@link Ipv4Address#ANY} where unset
 * @param remote outer destination address, {@link Ipv4Address#ANY} where unset (keyless)
 * @param mtu the device's MTU, bytes
 * @param up whether the device is administratively up
 * @param counters its counters, read with the rest
 */
public record TunnelDevice(
        String name, int ifindex, Ipv4Address local, Ipv4Address remote, int mtu, boolean up, LinkCounters counters) {

    /** The fallback ipip device the kernel makes in every namespace once ipip is loaded. */
    public static final String SHARED_NAME = "tunl0";
    /**
     * The mesh's own one-to-many ipip device (local = the underlay, no remote) that a SHARED mesh with FOU or GUE routes
     * through: the kernel refuses encapsulation on {@value #SHARED_NAME}.
     */
    public static final String ENCAPSULATED_SHARED_NAME = "tm0";
    /** Every point-to-point device of a mesh starts with it. */
    public static final String POINT_TO_POINT_PREFIX = "tm-";
    /** The kernel's limit on a device name, the terminating NUL included. */
    public static final int IFNAMSIZ = 16;

    /**
     * The device carrying a peer's traffic in a mesh of this mode: {@value #SHARED_NAME} for every
     * peer of a SHARED mesh, the peer's own {@link #pointToPointName(String)} otherwise.
     *
     * @param mode the mesh's mode
     * @param peerName the peer's name
     * @return the device name
     */
    public static String nameFor(MeshMode mode, String peerName) {
        return mode == MeshMode.SHARED ? SHARED_NAME : pointToPointName(peerName);
    }

    /**
     * The device carrying a peer's traffic in a mesh of this configuration: as {@link #nameFor(MeshMode, String)}, but
     * {@value #ENCAPSULATED_SHARED_NAME} for a SHARED mesh with FOU or GUE.
     *
     * @param config the mesh's configuration
     * @param peerName the peer's name
     * @return the device name
     */
    public static String nameFor(MeshConfig config, String peerName) {
        return config.mode() == MeshMode.SHARED ? sharedName(config.encapsulation()) : pointToPointName(peerName);
    }

    /**
     * The one device of a SHARED mesh.
     *
     * @param encapsulation the mesh's encapsulation
     * @return {@value #SHARED_NAME} for plain IPIP, {@value #ENCAPSULATED_SHARED_NAME} with FOU or GUE
     */
    public static String sharedName(Encapsulation encapsulation) {
        return encapsulation.encapsulates() ? ENCAPSULATED_SHARED_NAME : SHARED_NAME;
    }

    /**
     * A peer's point-to-point device: {@code tm-<peer>} when it fits the kernel's 15 characters
     * (IFNAMSIZ - 1), else a prefix of the peer's name and a hash of all of it, so the name is stable
     * for a peer across restarts and still says whose device it is.
     *
     * @param peerName a valid peer name ({@link Peer})
     * @return e.g. {@code tm-node2}, or {@code tm-verylo-1a2b3} for a long name
     */
    public static String pointToPointName(String peerName) {
        String plain = POINT_TO_POINT_PREFIX + peerName;
        if (plain.length() < IFNAMSIZ) {
            return plain;
        }
        CRC32 crc = new CRC32();
        crc.update(peerName.getBytes(StandardCharsets.UTF_8));
        String hash = String.format("%05x", crc.getValue() & 0xfffff);
        return POINT_TO_POINT_PREFIX
                + peerName.substring(0, IFNAMSIZ - 1 - POINT_TO_POINT_PREFIX.length() - 1 - hash.length()) + "-" + hash;
    }

    /**
     * Whether a device name is one {@link #pointToPointName(String)} gives.
     *
     * @param ifname a device name
     * @return true when it starts with {@value #POINT_TO_POINT_PREFIX}
     */
    public static boolean isPointToPointName(String ifname) {
        return ifname.startsWith(POINT_TO_POINT_PREFIX);
    }
}
