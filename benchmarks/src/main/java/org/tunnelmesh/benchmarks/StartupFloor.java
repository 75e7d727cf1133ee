package org.tunnelmesh.benchmarks;

import com.sun.net.httpserver.HttpServer;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * What the parts a managed node needs cost on their own at start-up: run with the parts to start,
 * in order, and it prints {@code READY} once they are up, as the node does (JvmScaleBenchmark
 * times it from the process start); with {@code wait} it then waits to be stopped, as the node does
 * (ColdStartBenchmark reads its CPU time at READY). Parts: {@code jmx} (the platform MBeanServer), {@code http}
 * (the JDK's HTTP server on loopback, which Jolokia uses), {@code jna} (JNA's native library).
 */
public final class StartupFloor {
    private StartupFloor() {}

    public static void main(String[] args) throws Exception {
        List<String> parts = List.of(args);
        if (parts.contains("jmx")) {
            ManagementFactory.getPlatformMBeanServer();
        }
        HttpServer http = null;
        if (parts.contains("http")) {
            http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            http.start();
        }
        if (parts.contains("jna")) {
            System.err.println("JNA pointer size " + com.sun.jna.Native.POINTER_SIZE);
        }
        System.out.println("READY");
        System.out.flush();
        if (parts.contains("wait")) {
            Thread.sleep(Long.MAX_VALUE); // until SIGTERM
        }
        if (http != null) {
            http.stop(0);
        }
    }
}
