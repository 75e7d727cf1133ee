package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.spi.ExtendedLogger;
import org.junit.jupiter.api.Test;

class NodeLoggingTest {

    @Test
    void aLineReadsAsTheJarsLog4jPatternWritesIt() {
        // %d{ISO8601} %-5level [%t] %c{1} - %msg%n
        assertEquals(
                "2026-01-05T07:08:09,004 INFO  [main] LinuxTunnelMesh - mesh open" + System.lineSeparator(),
                NodeLogging.line(
                        LocalDateTime.of(2026, 1, 5, 7, 8, 9, 4_999_999),
                        Level.INFO,
                        "main",
                        "org.tunnelmesh.linux.LinuxTunnelMesh",
                        "mesh open"));
        assertEquals(
                "2026-12-31T23:59:59,999 ERROR [t-1] Root - x" + System.lineSeparator(),
                NodeLogging.line(
                        LocalDateTime.of(2026, 12, 31, 23, 59, 59, 999_000_000), Level.ERROR, "t-1", "Root", "x"));
    }

    @Test
    void theNodesOwnLoggersSayInfoAndLibrariesOnlyWarnings() {
        assertEquals(Level.INFO, NodeLogging.levelOf("org.tunnelmesh.linux.LinuxTunnelMesh"));
        assertEquals(Level.INFO, NodeLogging.levelOf("org.tunnelmesh"));
        assertEquals(Level.WARN, NodeLogging.levelOf("org.tunnelmeshes.Other"));
        assertEquals(Level.WARN, NodeLogging.levelOf("org.apache.zookeeper.ClientCnxn"));
        assertEquals(Level.WARN, NodeLogging.levelOf("org.jolokia.Agent"));
    }

    @Test
    void loggersWriteWhatTheirLevelLetsThroughWithTheStackTrace() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        NodeLogging.StderrContext context =
                new NodeLogging.StderrContext(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        ExtendedLogger mesh = context.getLogger("org.tunnelmesh.samples.TunnelMeshNode");
        ExtendedLogger library = context.getLogger("org.apache.curator.Framework");
        mesh.debug("not shown");
        mesh.info("peer {} added", "node2");
        library.info("not shown either");
        library.warn("retrying", new IllegalStateException("connection lost"));
        String written = bytes.toString(StandardCharsets.UTF_8);
        assertFalse(written.contains("not shown"), written);
        String[] lines = written.split(System.lineSeparator());
        assertTrue(
                lines[0].matches(
                        "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d,\\d{3} INFO  \\[main] TunnelMeshNode - peer node2 added"),
                lines[0]);
        assertTrue(lines[1].endsWith(" WARN  [main] Framework - retrying"), lines[1]);
        assertEquals("java.lang.IllegalStateException: connection lost", lines[2]);
        assertTrue(lines[3].startsWith("\tat org.tunnelmesh.samples.NodeLoggingTest."), lines[3]);
        assertTrue(context.getLogger("org.tunnelmesh.samples.TunnelMeshNode") == mesh, "one logger per name");
    }

    @Test
    void anOperatorsLog4jConfigurationHandsTheLoggingToLog4jCore() {
        assertFalse(NodeLogging.wantsLog4jCore(Map.of("java.version", "17"), Map.of("HOME", "/root")));
        assertTrue(
                NodeLogging.wantsLog4jCore(Map.of("log4j2.configurationFile", "/etc/tunnelmesh/log4j2.xml"), Map.of()));
        assertTrue(NodeLogging.wantsLog4jCore(Map.of("log4j.configurationFile", "log4j2.xml"), Map.of()));
        assertTrue(
                NodeLogging.wantsLog4jCore(Map.of(), Map.of("LOG4J_CONFIGURATION_FILE", "/etc/tunnelmesh/log4j2.xml")));
        assertTrue(NodeLogging.wantsLog4jCore(
                Map.of(NodeLogging.CONTEXT_FACTORY, "org.apache.logging.log4j.core.impl.Log4jContextFactory"),
                Map.of()));
    }
}
