/**
 * The words a host application uses: {@code TunnelMesh}, {@code Peer}, {@code MeshConfig}, counters, prefixes and the
 * exceptions. {@code org.tunnelmesh.internal} is shared with tunnelmesh's own modules only.
 */
module org.tunnelmesh {
    exports org.tunnelmesh;
    // the node (samples) uses it too: it runs on the class path, where exports do not apply
    exports org.tunnelmesh.internal to
            org.tunnelmesh.linux,
            org.tunnelmesh.jmx,
            org.tunnelmesh.zookeeper,
            org.tunnelmesh.testing;
}
