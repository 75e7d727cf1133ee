package org.tunnelmesh.jmx;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/** The JMX names of a mesh's MBeans, in the {@code org.tunnelmesh} domain. */
public final class MeshObjectNames {

    /** The JMX domain of every tunnelmesh MBean. */
    public static final String DOMAIN = "org.tunnelmesh";

    private MeshObjectNames() {}

    /**
     * The mesh's own MBean.
     *
     * @param mesh the mesh's name
     * @return {@code org.tunnelmesh:type=Mesh,name=<mesh>}
     */
    public static ObjectName mesh(String mesh) {
        return name("type=Mesh,name=" + value(mesh));
    }

    /**
     * The latency of the mesh's operations.
     *
     * @param mesh the mesh's name
     * @return {@code org.tunnelmesh:type=MeshStats,name=<mesh>}
     */
    public static ObjectName stats(String mesh) {
        return name("type=MeshStats,name=" + value(mesh));
    }

    /**
     * One peer's MBean.
     *
     * @param mesh the mesh's name
     * @param peer the peer's name
     * @return {@code org.tunnelmesh:type=Peer,mesh=<mesh>,name=<peer>}
     */
    public static ObjectName peer(String mesh, String peer) {
        return name("type=Peer,mesh=" + value(mesh) + ",name=" + value(peer));
    }

    /**
     * One tunnel device's MBean.
     *
     * @param mesh the mesh's name
     * @param ifname the device name; quoted in the name when it holds characters an ObjectName value may not
     * @return {@code org.tunnelmesh:type=TunnelDevice,mesh=<mesh>,name=<ifname>}
     */
    public static ObjectName device(String mesh, String ifname) {
        return name("type=TunnelDevice,mesh=" + value(mesh) + ",name=" + value(ifname));
    }

    /**
     * Where the mesh's notifications come from.
     *
     * @param mesh the mesh's name
     * @return {@code org.tunnelmesh:type=MeshEvents,name=<mesh>}
     */
    public static ObjectName events(String mesh) {
        return name("type=MeshEvents,name=" + value(mesh));
    }

    private static ObjectName name(String properties) {
        try {
            return new ObjectName(DOMAIN + ":" + properties);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    // Mesh and peer names are restricted to ObjectName-safe characters; kernel ifnames are not.
    private static String value(String value) {
        return isPlain(value) ? value : ObjectName.quote(value);
    }

    /**
     * Whether the value is all of {@code [A-Za-z0-9_.@#%+/-]} and not empty. A loop, not a regex: it runs once per
     * peer as a node registers thousands of them at start-up, where compiling a pattern each time was 40% of the
     * registration's cost.
     */
    static boolean isPlain(String value) {
        if (value.isEmpty()) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || "_.@#%+/-".indexOf(c) >= 0;
            if (!plain) {
                return false;
            }
        }
        return true;
    }
}
