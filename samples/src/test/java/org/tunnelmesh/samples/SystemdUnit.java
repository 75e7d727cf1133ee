package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A systemd unit file read as systemd reads it (systemd.syntax(7)): sections, {@code Key=value}
 * lines, comments, lines continued with a backslash, a key given again adds to it and an empty
 * value resets it. Also what the lab needs to reproduce a service: its capabilities as setpriv
 * arguments and its ExecStart with the environment's variables expanded.
 */
final class SystemdUnit {
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    private SystemdUnit() {}

    static SystemdUnit read(Path file) throws IOException {
        SystemdUnit unit = new SystemdUnit();
        String section = "";
        StringBuilder pending = new StringBuilder();
        for (String raw : Files.readAllLines(file)) {
            String line = raw.strip();
            if (pending.length() == 0 && (line.startsWith("#") || line.startsWith(";"))) {
                continue;
            }
            if (line.endsWith("\\")) {
                pending.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            line = pending.append(line).toString().strip();
            pending.setLength(0);
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                section = line.substring(1, line.length() - 1);
                continue;
            }
            int eq = line.indexOf('=');
            assertTrue(eq > 0, file + ": not a Key=value line: " + raw);
            String key = section + "." + line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            List<String> list = unit.values.computeIfAbsent(key, k -> new ArrayList<>());
            if (value.isEmpty()) {
                list.clear();
            } else {
                list.add(value);
            }
        }
        return unit;
    }

    /** Every value of {@code Section.Key}, in order; empty when the key is absent or reset. */
    List<String> all(String key) {
        return values.getOrDefault(key, List.of());
    }

    /** The value of a key given once. */
    String one(String key) {
        List<String> all = all(key);
        assertTrue(all.size() == 1, "one " + key + " in the unit, not " + all);
        return all.get(0);
    }

    /** A capability list key ({@code AmbientCapabilities}, {@code CapabilityBoundingSet}) as capability names. */
    List<String> capabilities(String key) {
        List<String> caps = new ArrayList<>();
        for (String value : all(key)) {
            assertFalse(value.startsWith("~"), key + ": an inverted list is not what the node's unit means: " + value);
            for (String cap : value.split("\\s+")) {
                assertTrue(cap.startsWith("CAP_"), key + ": " + cap);
                caps.add(cap);
            }
        }
        return caps;
    }

    /** setpriv's form of a capability set: exactly these, nothing else ({@code -all,+net_admin,+bpf}). */
    static String setprivCaps(List<String> caps) {
        StringBuilder s = new StringBuilder("-all");
        for (String cap : caps) {
            s.append(",+").append(cap.substring("CAP_".length()).toLowerCase(Locale.ROOT));
        }
        return s.toString();
    }

    /**
     * ExecStart's command as systemd would run it with {@code environment}: {@code $VAR} split on
     * white space into words, {@code ${VAR}} one word (systemd.service(5), "Command lines").
     */
    List<String> execStart(Map<String, String> environment) {
        String line = one("Service.ExecStart");
        assertFalse(line.contains("\"") || line.contains("'"), "no quoting in ExecStart: " + line);
        assertFalse("-@+!:".indexOf(line.charAt(0)) >= 0, "no special prefix in ExecStart: " + line);
        List<String> command = new ArrayList<>();
        for (String word : line.split("\\s+")) {
            if (word.startsWith("${") && word.endsWith("}")) {
                command.add(environment.getOrDefault(word.substring(2, word.length() - 1), ""));
            } else if (word.startsWith("$")) {
                String value = environment.getOrDefault(word.substring(1), "").strip();
                if (!value.isEmpty()) {
                    command.addAll(List.of(value.split("\\s+")));
                }
            } else {
                command.add(word);
            }
        }
        return command;
    }

    /** An EnvironmentFile as systemd reads one: {@code KEY=VALUE} lines, # and ; comments. */
    static Map<String, String> environmentFile(Path file) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (String raw : Files.readAllLines(file)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            int eq = line.indexOf('=');
            assertTrue(eq > 0, file + ": not a KEY=VALUE line: " + raw);
            env.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
        }
        return env;
    }
}
