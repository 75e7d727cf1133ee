package org.tunnelmesh.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;

/**
 * The little JSON this project reads and writes: the state file and ZooKeeper member data. Strict
 * (RFC 8259 syntax, no duplicate keys, no trailing text) and small on purpose: the API module has
 * no dependencies, and a file or a znode that is not exactly what we wrote must be refused with
 * the place it goes wrong, never half-read. Numbers are integers only; nothing here needs others.
 *
 * <p>Values map to {@link Map} (insertion order), {@link List}, {@link String}, {@link Long},
 * {@link Boolean} and {@code null}.
 */
public final class Json {
    private static final int MAX_DEPTH = 32;

    private final String text;
    private int pos;

    private Json(String text) {
        this.text = text;
    }

    /** @throws InvalidInputException saying what is wrong and at which character */
    public static Object parse(String text) {
        Json json = new Json(text);
        json.skipSpace();
        Object value = json.value(0);
        json.skipSpace();
        if (json.pos != text.length()) {
            throw json.error("unexpected text after the end of the document");
        }
        return value;
    }

    /** Parses a document that must be an object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object value = parse(text);
        if (!(value instanceof Map)) {
            throw new InvalidInputException("expected a JSON object, found " + typeOf(value));
        }
        return (Map<String, Object>) value;
    }

    /** Writes maps, lists, strings, numbers, booleans and nulls; compact, one line. */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out);
        return out.toString();
    }

    /** The JSON name of a value's type, for messages. */
    /**
     * The optional {@code "tunnelAddress"} of a peer's object (the state file's peers, ZooKeeper members): the address
     * its health probes go to ({@link org.tunnelmesh.Peer#tunnelAddress()}), or null when absent (data written before
     * it existed reads as before). {@code who} begins every message.
     */
    public static Ipv4Address tunnelAddress(Map<?, ?> object, String who) {
        Object value = object.get("tunnelAddress");
        if (value == null && !object.containsKey("tunnelAddress")) {
            return null;
        }
        if (!(value instanceof String text)) {
            throw new InvalidInputException(who + ": \"tunnelAddress\" is " + typeOf(value) + ", not a string");
        }
        try {
            return Ipv4Address.parse(text);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(who + ": tunnel address: " + e.getMessage());
        }
    }

    /**
     * The {@code "subnets"} array of a peer's object (the state file's peers, ZooKeeper members), each a CIDR;
     * {@code who} begins every message ({@code peer 'node2'}, {@code member 'node2'}).
     */
    public static List<Ipv4Prefix> subnets(Map<?, ?> object, String who) {
        if (!(object.get("subnets") instanceof List<?> subnets)) {
            throw new InvalidInputException(who + ": \"subnets\" is missing or not an array");
        }
        List<Ipv4Prefix> prefixes = new ArrayList<>();
        for (Object subnet : subnets) {
            if (!(subnet instanceof String cidr)) {
                throw new InvalidInputException(who + ": a subnet is " + typeOf(subnet) + ", not a string");
            }
            try {
                prefixes.add(Ipv4Prefix.parse(cidr));
            } catch (InvalidInputException e) {
                throw new InvalidInputException(who + ": " + e.getMessage());
            }
        }
        return prefixes;
    }

    public static String typeOf(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Map) {
            return "an object";
        }
        if (value instanceof List) {
            return "an array";
        }
        if (value instanceof String) {
            return "a string";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        return "a number";
    }

    private static void write(Object value, StringBuilder out) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String s) {
            writeString(s, out);
        } else if (value instanceof Long || value instanceof Integer || value instanceof Boolean) {
            out.append(value);
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                writeString((String) e.getKey(), out);
                out.append(':');
                write(e.getValue(), out);
            }
            out.append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                write(list.get(i), out);
            }
            out.append(']');
        } else {
            throw new IllegalArgumentException(
                    "cannot write " + value.getClass().getName() + " as JSON");
        }
    }

    private static void writeString(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private Object value(int depth) {
        if (depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH + " levels");
        }
        if (pos >= text.length()) {
            throw error("unexpected end of the document");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", true);
            case 'f' -> literal("false", false);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("unexpected character '" + printable(c) + "'");
            }
        };
    }

    private Map<String, Object> object(int depth) {
        pos++; // '{'
        Map<String, Object> map = new LinkedHashMap<>();
        skipSpace();
        if (peek() == '}') {
            pos++;
            return map;
        }
        while (true) {
            skipSpace();
            if (peek() != '"') {
                throw error("expected a quoted key");
            }
            int keyAt = pos;
            String key = string();
            skipSpace();
            expect(':');
            skipSpace();
            Object value = value(depth + 1);
            if (map.containsKey(key)) {
                pos = keyAt;
                throw error("key \"" + key + "\" appears twice");
            }
            map.put(key, value);
            skipSpace();
            char c = peek();
            pos++;
            if (c == '}') {
                return map;
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or '}'");
            }
        }
    }

    private List<Object> array(int depth) {
        pos++; // '['
        List<Object> list = new ArrayList<>();
        skipSpace();
        if (peek() == ']') {
            pos++;
            return Collections.unmodifiableList(list);
        }
        while (true) {
            skipSpace();
            list.add(value(depth + 1));
            skipSpace();
            char c = peek();
            pos++;
            if (c == ']') {
                return Collections.unmodifiableList(list);
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or ']'");
            }
        }
    }

    private String string() {
        pos++; // '"'
        StringBuilder s = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return s.toString();
            }
            if (c < 0x20) {
                pos--;
                throw error("control character in a string");
            }
            if (c != '\\') {
                s.append(c);
                continue;
            }
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char e = text.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> s.append(e);
                case 'b' -> s.append('\b');
                case 'f' -> s.append('\f');
                case 'n' -> s.append('\n');
                case 'r' -> s.append('\r');
                case 't' -> s.append('\t');
                case 'u' -> {
                    if (pos + 4 > text.length()) {
                        throw error("short \\u escape");
                    }
                    try {
                        s.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                    } catch (NumberFormatException ex) {
                        throw error("bad \\u escape");
                    }
                    pos += 4;
                }
                default -> {
                    pos -= 2;
                    throw error("bad escape '\\" + printable(e) + "'");
                }
            }
        }
    }

    private Long number() {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        int digits = pos;
        while (pos < text.length() && Character.isDigit(text.charAt(pos)) && text.charAt(pos) < 128) {
            pos++;
        }
        if (pos == digits) {
            throw error("expected a digit");
        }
        if (text.charAt(digits) == '0' && pos - digits > 1) {
            pos = start;
            throw error("a number may not start with 0");
        }
        if (pos < text.length() && (text.charAt(pos) == '.' || text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
            pos = start;
            throw error("only whole numbers are expected here");
        }
        try {
            return Long.parseLong(text.substring(start, pos));
        } catch (NumberFormatException e) {
            pos = start;
            throw error("number out of range");
        }
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, pos)) {
            throw error("unexpected character '" + printable(text.charAt(pos)) + "'");
        }
        pos += word.length();
        return value;
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    private char peek() {
        if (pos >= text.length()) {
            throw error("unexpected end of the document");
        }
        return text.charAt(pos);
    }

    private void skipSpace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private InvalidInputException error(String what) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < Math.min(pos, text.length()); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return new InvalidInputException("not valid JSON: " + what + " at line " + line + ", column " + column);
    }

    private static String printable(char c) {
        return c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }
}
