package org.tunnelmesh.linux;

/**
 * What an embedder's first calls do, run by {@link LogProviderCheckTest} in a JVM of its own: ask whether a mesh can
 * run here (nothing privileged: the probe's netlink socket opens and closes), then let the check run again.
 */
final class LogProviderCheckMain {
    private LogProviderCheckMain() {}

    public static void main(String[] args) {
        LinuxTunnelMesh.isAvailable();
        LinuxTunnelMesh.unavailabilityCause();
        LogProviderCheck.warnOnceIfMissing();
        System.out.println("DONE");
    }
}
