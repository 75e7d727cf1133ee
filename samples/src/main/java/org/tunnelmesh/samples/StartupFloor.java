package org.tunnelmesh.samples;

import com.sun.net.httpserver.HttpServer;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import javax.management.MBeanServer;
import org.apache.logging.log4j.LogManager;

/**
 * What the parts a managed node needs cost on their own at start-up: run with the parts to start,
 * in order, and it prints {@code READY} once they are up, as the node does (JvmScaleBenchmark
 * times it from the process start). Parts: {@code jmx} (the platform MBeanServer), {@code http}
 * (the JDK's HTTP server on loopback, which Jolokia uses), {@code jna} (JNA's native library),
 * {@code log4j} (the first logger, with the node jar's configuration).
 */
public final class StartupFloor {
    private StartupFloor() {
    }

    public static void main(String[] args) throws Exception {
        List<String> parts = List.of(args);
        MBeanServer server = parts.contains("jmx") ? ManagementFactory.getPlatformMBeanServer() : null;
        HttpServer http = null;
        if (parts.contains("http")) {
            http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            http.start();
        }
        if (parts.contains("jna")) {
            System.err.println("JNA pointer size " + com.sun.jna.Native.POINTER_SIZE);
        }
        if (parts.contains("log4j")) {
            LogManager.getLogger(StartupFloor.class).warn("log4j up");
        }
        System.out.println("READY");
        System.out.flush();
        if (http != null) {
            http.stop(0);
        }
        System.err.println(server == null ? "no MBeanServer" : server.getMBeanCount() + " MBeans");
    }
}
