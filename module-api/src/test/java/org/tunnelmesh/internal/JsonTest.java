package org.tunnelmesh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tunnelmesh.InvalidInputException;

class JsonTest {

    @Test
    void readsWhatItWrites() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("s", "a \"quoted\" \\ line\nand a tab\t and \u0001");
        doc.put("n", -42L);
        doc.put("big", Long.MAX_VALUE);
        doc.put("t", true);
        doc.put("f", false);
        doc.put("z", null);
        doc.put("list", List.of("x", 1L, List.of(), Map.of()));
        String text = Json.write(doc);
        assertEquals(doc, Json.parse(text));
        assertEquals(
                "{\"s\":\"a \\\"quoted\\\" \\\\ line\\nand a tab\\t and \\u0001\",\"n\":-42,\"big\":9223372036854775807,"
                        + "\"t\":true,\"f\":false,\"z\":null,\"list\":[\"x\",1,[],{}]}",
                text);
    }

    @Test
    void readsSpacesEscapesAndUnicode() {
        Object value = Json.parse(" { \"a\" : [ 1 , \"\\u00e9\\/\\b\\f\\r\" ] , \"b\":{} }\n");
        assertEquals(Map.of("a", List.of(1L, "\u00e9/\b\f\r"), "b", Map.of()), value);
        assertEquals("héllo", Json.parse("\"héllo\""));
        assertNull(Json.parse("null"));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "''|unexpected end of the document at line 1, column 1",
                "{|unexpected end of the document at line 1, column 2",
                "{\"a\":1,}|expected a quoted key at line 1, column 8",
                "{\"a\":1 \"b\":2}|expected ',' or '}' at line 1, column 8",
                "{\"a\":1,\"a\":2}|key \"a\" appears twice at line 1, column 8",
                "[1,2|unexpected end of the document at line 1, column 5",
                "[1 2]|expected ',' or ']' at line 1, column 4",
                "{\"a\":1}x|unexpected text after the end of the document at line 1, column 8",
                "\"abc|unterminated string at line 1, column 5",
                "\"a\\qb\"|bad escape '\\q' at line 1, column 3",
                "\"\\u12zz\"|bad \\u escape at line 1, column 4",
                "\"\\u12|short \\u escape at line 1, column 4",
                "1.5|only whole numbers are expected here at line 1, column 1",
                "1e3|only whole numbers are expected here at line 1, column 1",
                "012|a number may not start with 0 at line 1, column 1",
                "-|expected a digit at line 1, column 2",
                "99999999999999999999|number out of range at line 1, column 1",
                "tru|unexpected character 't' at line 1, column 1",
                "%a|unexpected character '%' at line 1, column 1",
            })
    void refusesWithThePlace(String text, String message) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Json.parse(text));
        assertEquals("not valid JSON: " + message, e.getMessage());
    }

    @Test
    void countsLines() {
        assertEquals(
                "not valid JSON: unexpected character '#' at line 3, column 1",
                assertThrows(InvalidInputException.class, () -> Json.parse("{\n\"a\":\n#}"))
                        .getMessage());
    }

    @Test
    void refusesControlCharactersInStringsAndDeepNesting() {
        assertTrue(assertThrows(InvalidInputException.class, () -> Json.parse("\"a\nb\""))
                .getMessage()
                .contains("control character in a string"));
        assertTrue(assertThrows(InvalidInputException.class, () -> Json.parse("[".repeat(40) + "]".repeat(40)))
                .getMessage()
                .contains("nested deeper than 32 levels"));
    }

    @Test
    void parseObjectWantsAnObject() {
        assertEquals(
                "expected a JSON object, found an array",
                assertThrows(InvalidInputException.class, () -> Json.parseObject("[]"))
                        .getMessage());
    }
}
