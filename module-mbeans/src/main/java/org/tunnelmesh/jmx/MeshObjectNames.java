package org.tunnelmesh.jmx;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/** The JMX names of a mesh's MBeans, in the {@code org.tunnelmesh} domain. */
public final class MeshObjectNames {

    public static final String DOMAIN = "org.tunnelmesh";

    private MeshObjectNames() {}

    /** {@code org.tunnelmesh:type=Mesh,name=<mesh>} */
    public static ObjectName mesh(String mesh) {
        return name("type=Mesh,name=" + value(mesh));
    }

    /** {@code org.tunnelmesh:type=MeshStats,name=<mesh>}: latency of the mesh's operations. */
    public static ObjectName stats(String mesh) {
        return name("type=MeshStats,name=" + value(mesh));
    }

    /** {@code org.tunnelmesh:type=Peer,mesh=<mesh>,name=<peer>} */
    public static ObjectName peer(String mesh, String peer) {
        return name("type=Peer,mesh=" + value(mesh) + ",name=" + value(peer));
    }

    /** {@code org.tunnelmesh:type=TunnelDevice,mesh=<mesh>,name=<ifname>} */
    public static ObjectName device(String mesh, String ifname) {
        return name("type=TunnelDevice,mesh=" + value(mesh) + ",name=" + value(ifname));
    }

    /** {@code org.tunnelmesh:type=MeshEvents,name=<mesh>}: where the mesh's notifications come from. */
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
        return value.matches("[A-Za-z0-9_.@#%+/-]+") ? value : ObjectName.quote(value);
    }
}
