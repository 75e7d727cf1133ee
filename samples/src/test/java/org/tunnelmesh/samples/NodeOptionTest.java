package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class NodeOptionTest {

    @Test
    void theUsageNamesEveryOptionAndStartsEveryHelpInOneColumn() {
        for (NodeOption option : NodeOption.values()) {
            assertTrue(NodeOptions.USAGE.contains(" " + option.flag + " "), option.flag);
        }
        // the help starts in column 30, on a line of its own after a longer synopsis
        String column = " ".repeat(30);
        assertTrue(NodeOptions.USAGE.contains("\n  --name NAME                 this node's mesh name"));
        assertTrue(NodeOptions.USAGE.contains(
                "\n  --tls-keystore-password-file F\n" + column + "the key store's password"));
        assertTrue(
                NodeOptions.USAGE.contains("\n  --jolokia-user U --jolokia-password P\n" + column + "older spelling"));
        for (String line : NodeOption.helpText().lines().toList()) {
            assertTrue(line.startsWith("  --") || (line.startsWith(column) && line.charAt(30) != ' '), line);
        }
    }

    @Test
    void repeatableOptionsKeepTheirOrderAndOthersAreRefusedTwice() {
        NodeOption.Given given =
                NodeOption.read("--peer", "a", "--peer=b", "--purge-on-exit", "--purge-on-exit", "--name", "n");

        assertEquals(List.of("a", "b"), given.values(NodeOption.PEER));
        assertTrue(given.has(NodeOption.PURGE_ON_EXIT));
        assertEquals("n", given.value(NodeOption.NAME));
        assertEquals("mesh", NodeOption.read().value(NodeOption.NAME, "mesh"));
        assertEquals(
                "option --name is given twice",
                assertThrows(StartupFailure.class, () -> NodeOption.read("--name", "a", "--name=b"))
                        .oneLine());
        assertEquals(
                "unknown option '--purge-on-exit=yes' (see --help)",
                assertThrows(StartupFailure.class, () -> NodeOption.read("--purge-on-exit=yes"))
                        .oneLine());
    }
}
