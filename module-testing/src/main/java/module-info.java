/** Test doubles for embedders' own tests: {@code InMemoryTunnelMesh} (a mesh without a kernel), {@code SeedPeers}, and
 * {@code TunnelMeshContract} (the contract of a mesh as tests). */
module org.tunnelmesh.testing {
    requires transitive org.tunnelmesh;
    // TunnelMeshContract only: optional, a test that extends it has JUnit
    requires static org.junit.jupiter.api;

    exports org.tunnelmesh.testing;
}
