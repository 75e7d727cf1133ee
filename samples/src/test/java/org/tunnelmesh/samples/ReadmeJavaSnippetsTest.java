package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;
import org.tunnelmesh.jmx.MeshMBeans;
import org.tunnelmesh.testing.InMemoryTunnelMesh;

/**
 * Every {@code java} block of README.md is code the build compiles: a source file under some module's src/main/java or
 * src/test/java holds it line for line (leading indentation aside) between {@code // snippet: NAME} and
 * {@code // end snippet}, NAME being the block's marker. A README line {@code ...} stands for any lines (the code the
 * snippet leaves out). Where the code runs without a kernel, it runs here.
 */
class ReadmeJavaSnippetsTest {

    @Test
    void everyJavaBlockOfTheReadmeIsCompiledCode() throws IOException {
        List<ReadmeSnippets.Block> javaBlocks = ReadmeSnippets.blocks().stream()
                .filter(b -> b.language().equals("java"))
                .toList();
        assertFalse(javaBlocks.isEmpty(), "README.md has no java block: is this the right file?");
        List<Path> sources = javaSources();
        for (ReadmeSnippets.Block block : javaBlocks) {
            assertNotNull(
                    block.name(),
                    block.where() + ": a java block needs a marker <!-- snippet: NAME --> on the line before it, and"
                            + " the same code between // snippet: NAME and // end snippet in a compiled source");
            assertMatches(block, sourceRegion(block.name(), sources));
        }
    }

    /** The three snippets this project has today stay checked: a lost marker would otherwise drop a check silently. */
    @Test
    void theKnownSnippetsAreMarked() throws IOException {
        for (String name : List.of("embed-java", "metrics-java", "zookeeper-java")) {
            assertEquals("java", ReadmeSnippets.named(name).language(), name);
        }
    }

    /** The Metrics snippet, run on the in-memory mesh: series in the registry, MBeans exported, calls timed. */
    @Test
    void theMetricsSnippetRuns() throws Exception {
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MeshConfig config = MeshConfig.builder()
                .name("node1")
                .underlay("10.245.1.2")
                .tunnelAddress("192.168.41.0")
                .build();
        try (InMemoryTunnelMesh mesh =
                        InMemoryTunnelMesh.open(config, List.of(Peer.of("node2", "10.245.1.3", "192.168.42.0/24")));
                MeshMBeans mbeans = MetricsExample.publish(mesh, registry, server)) {
            assertEquals(
                    1.0,
                    registry.get("tunnelmesh.peers")
                            .tag("mesh", "node1")
                            .gauge()
                            .value());
            assertTrue(server.isRegistered(new ObjectName("org.tunnelmesh:type=Mesh,name=node1")));

            server.invoke(
                    new ObjectName("org.tunnelmesh:type=Mesh,name=node1"),
                    "addPeer",
                    new Object[] {"node3", "10.245.1.4", "192.168.43.0/24"},
                    new String[] {String.class.getName(), String.class.getName(), String.class.getName()});

            assertEquals(2, mesh.peers().size());
            assertEquals(
                    1L,
                    registry.get("tunnelmesh.operation.duration")
                            .tag("mesh", "node1")
                            .tag("operation", "add_peer")
                            .timer()
                            .count(),
                    "an addPeer over JMX goes through timed()");
        }
    }

    @Test
    void aChangedLineIsFoundAndNamed() {
        ReadmeSnippets.Block block = new ReadmeSnippets.Block("x", "java", 7, List.of("a();", "  b();", "...", "d();"));
        assertMatches(block, List.of("    a();", "      b();", "    c1();", "    c2();", "    d();"));
        assertMatches(block, List.of("a();", "  b();", "d();"));
        AssertionError changed = mismatch(block, List.of("a();", "  b(1);", "d();"));
        assertTrue(changed.getMessage().contains("README.md line 9"), changed.getMessage());
        assertTrue(changed.getMessage().contains("b(1);"), changed.getMessage());
        mismatch(block, List.of("a();", "b();", "d();")); // indentation inside the block counts
        mismatch(block, List.of("a();", "  b();", "d();", "e();"));
        mismatch(block, List.of("a();", "  b();"));
    }

    private static AssertionError mismatch(ReadmeSnippets.Block block, List<String> source) {
        try {
            assertMatches(block, source);
        } catch (AssertionError expected) {
            return expected;
        }
        return fail("expected a mismatch of " + block.lines() + " with " + source);
    }

    /** README lines against source lines, both without their common indentation; a README "..." matches any lines. */
    private static void assertMatches(ReadmeSnippets.Block block, List<String> source) {
        List<String> readme = ReadmeSnippets.dedent(block.lines());
        List<String> code = ReadmeSnippets.dedent(source);
        if (!matches(readme, 0, code, 0)) {
            int same = 0;
            while (same < readme.size()
                    && same < code.size()
                    && readme.get(same).equals(code.get(same))) {
                same++;
            }
            fail(block.where() + " is not the compiled code: README.md line " + (block.line() + 1 + same) + " reads\n  "
                    + (same < readme.size() ? readme.get(same) : "(end of block)") + "\nthe source has\n  "
                    + (same < code.size() ? code.get(same) : "(end of snippet)")
                    + "\nchange the README and the source together");
        }
    }

    private static boolean matches(List<String> readme, int r, List<String> code, int c) {
        if (r == readme.size()) {
            return c == code.size();
        }
        if (readme.get(r).strip().equals("...")) {
            for (int skip = c; skip <= code.size(); skip++) {
                if (matches(readme, r + 1, code, skip)) {
                    return true;
                }
            }
            return false;
        }
        return c < code.size() && readme.get(r).equals(code.get(c)) && matches(readme, r + 1, code, c + 1);
    }

    /** Every compiled Java source of the checkout (src/main/java and src/test/java of each module). */
    private static List<Path> javaSources() throws IOException {
        try (Stream<Path> files = Files.walk(ReadmeSnippets.projectRoot())) {
            return files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> {
                        String path = p.toString().replace('\\', '/');
                        return path.contains("/src/main/java/") || path.contains("/src/test/java/");
                    })
                    .filter(p -> !p.toString().contains("/target/"))
                    .toList();
        }
    }

    private static List<String> sourceRegion(String name, List<Path> sources) throws IOException {
        List<List<String>> regions = new ArrayList<>();
        for (Path source : sources) {
            List<String> lines = Files.readAllLines(source);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).strip().equals("// snippet: " + name)) {
                    int end = i + 1;
                    while (end < lines.size() && !lines.get(end).strip().equals("// end snippet")) {
                        end++;
                    }
                    assertTrue(end < lines.size(), source + ": // snippet: " + name + " without // end snippet");
                    regions.add(lines.subList(i + 1, end));
                }
            }
        }
        assertEquals(
                1,
                regions.size(),
                "README snippet " + name + " must be in exactly one compiled source between // snippet: " + name
                        + " and // end snippet");
        return regions.get(0);
    }
}
