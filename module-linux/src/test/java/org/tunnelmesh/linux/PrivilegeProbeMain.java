package org.tunnelmesh.linux;

import java.nio.file.Path;
import java.util.List;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;

/**
 * A second process for the privilege tests ({@link MeshLockTest}, {@link PermissionKernelIT}), started with fewer
 * privileges than the test (setpriv): tries one thing and prints one line, {@code THROWN <class>: <message>} or
 * {@code OPENED}.
 *
 * <ul>
 *   <li>{@code lock DIR}: takes a mesh lock in DIR
 *   <li>{@code open NETNS|- UNDERLAY}: opens a SHARED mesh (IPIP filter on) with one peer, in NETNS or here
 * </ul>
 */
public final class PrivilegeProbeMain {
    private PrivilegeProbeMain() {}

    public static void main(String[] args) {
        try {
            if (args[0].equals("lock")) {
                MeshLock.acquire(Path.of(args[1]), 1, 87, "probe", "a test namespace")
                        .close();
            } else {
                MeshConfig.Builder config = MeshConfig.builder()
                        .name("probe")
                        .underlay(args[2])
                        .tunnelAddress("192.168.41.0")
                        .watchKernel(false);
                if (!args[1].equals("-")) {
                    config.netns(args[1]);
                }
                LinuxTunnelMesh.open(config.build(), List.of(Peer.of("node2", "10.245.1.3", "192.168.42.0/24")))
                        .close();
            }
            System.out.println("OPENED");
        } catch (RuntimeException e) {
            System.out.println("THROWN " + e.getClass().getName() + ": " + e.getMessage());
        }
    }

    /** Runs this main as {@code prefix java -cp <our class path> PrivilegeProbeMain args}; returns its line. */
    static String run(List<String> prefix, List<String> jvmOptions, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), PrivilegeProbeMain.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the probe did not end: " + output);
        }
        // the probe's own line, without what the JVM prints first (JAVA_TOOL_OPTIONS)
        return output.lines()
                .filter(line -> line.startsWith("THROWN ") || line.equals("OPENED"))
                .findFirst()
                .orElse(output);
    }
}
