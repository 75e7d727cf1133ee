package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fenced blocks of the project's README.md, as printed there. A block is named by a marker line right before its
 * opening fence, {@code <!-- snippet: NAME -->}, so the tests find it however the README around it changes.
 */
final class ReadmeSnippets {
    private static final Pattern MARKER = Pattern.compile("<!-- snippet: ([a-z0-9-]+) -->");
    private static final Pattern FENCE = Pattern.compile("(\\s*)```(\\S*)\\s*");

    /** One fenced block: its marker's name (null without one), language, the line of its opening fence, its lines. */
    record Block(String name, String language, int line, List<String> lines) {
        String where() {
            return "README.md line " + line + (name == null ? "" : " (snippet " + name + ")");
        }
    }

    private ReadmeSnippets() {}

    /** The checkout's root: the build passes it; from the module's directory otherwise. */
    static Path projectRoot() {
        return Path.of(System.getProperty("tunnelmesh.projectRoot", ".."))
                .toAbsolutePath()
                .normalize();
    }

    static Path readme() {
        Path readme = projectRoot().resolve("README.md");
        assertTrue(Files.isRegularFile(readme), readme + " is missing");
        return readme;
    }

    static List<Block> blocks() throws IOException {
        return parse(Files.readAllLines(readme()));
    }

    static List<Block> parse(List<String> readme) {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < readme.size(); i++) {
            Matcher fence = FENCE.matcher(readme.get(i));
            if (!fence.matches()) {
                continue;
            }
            String name = null;
            if (i > 0) {
                Matcher marker = MARKER.matcher(readme.get(i - 1).strip());
                name = marker.matches() ? marker.group(1) : null;
            }
            int open = i;
            List<String> lines = new ArrayList<>();
            for (i++; i < readme.size() && !readme.get(i).strip().equals("```"); i++) {
                lines.add(readme.get(i));
            }
            assertTrue(i < readme.size(), "README.md line " + (open + 1) + ": the block is never closed");
            blocks.add(new Block(name, fence.group(2), open + 1, List.copyOf(lines)));
        }
        return blocks;
    }

    static Block named(String name) throws IOException {
        List<Block> found = blocks().stream().filter(b -> name.equals(b.name())).toList();
        assertEquals(
                1,
                found.size(),
                "README.md must have exactly one block marked <!-- snippet: " + name + " -->: " + found);
        return found.get(0);
    }

    /**
     * The shell commands of a block: continuation lines ({@code \} at the end) joined, comments and blank lines left out.
     */
    static List<String> commands(Block block) {
        List<String> commands = new ArrayList<>();
        StringBuilder command = new StringBuilder();
        for (String line : block.lines()) {
            if (command.length() == 0 && (line.isBlank() || line.strip().startsWith("#"))) {
                continue;
            }
            command.append(line).append('\n');
            if (!line.endsWith("\\")) {
                commands.add(command.toString().stripTrailing());
                command.setLength(0);
            }
        }
        assertEquals(0, command.length(), block.where() + " ends inside a continued line: " + command);
        return commands;
    }

    /** The lines without their common leading indentation. */
    static List<String> dedent(List<String> lines) {
        int indent = lines.stream()
                .filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length())
                .min()
                .orElse(0);
        return lines.stream()
                .map(l -> l.isBlank() ? "" : l.substring(indent).stripTrailing())
                .toList();
    }
}
