/**
 * The mesh on Linux: {@code LinuxTunnelMesh}. The netlink wire, the rtnetlink families, tc and bpf are rooms of this
 * module, not API: their types are public only so the mesh can use them.
 */
module org.tunnelmesh.linux {
    requires transitive org.tunnelmesh;
    requires com.sun.jna; // JNA's automatic module: its jar names it (Automatic-Module-Name)
    requires org.apache.logging.log4j;

    exports org.tunnelmesh.linux;
}
