/** Test doubles for embedders' own tests: {@code InMemoryTunnelMesh} (a mesh without a kernel) and {@code SeedPeers}. */
module org.tunnelmesh.testing {
    requires transitive org.tunnelmesh;

    exports org.tunnelmesh.testing;
}
