package org.tunnelmesh.jmx.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fixed set of request shapes the guard lets through to Jolokia, and spellings of the rest. */
class JolokiaGuardTest {

    private static final String MEMORY_ADD =
            "{\"type\":\"notification\",\"command\":\"add\",\"client\":\"c\",\"mode\":\"pull\","
                    + "\"mbean\":\"java.lang:type=Memory\"}";
    private final JolokiaGuard guard = new JolokiaGuard(
            Credentials.of("u", "p".toCharArray()), "http://127.0.0.1:8778", "/jolokia", new LoginThrottle(1, 1000));

    @Test
    void getServesReadListSearchAndVersionOnly() {
        for (String served : List.of(
                "/jolokia",
                "/jolokia/",
                "/jolokia/version",
                "/jolokia/read/java.lang:type=Memory/HeapMemoryUsage",
                "/jolokia/list",
                "/jolokia/search/org.tunnelmesh:*")) {
            assertNull(guard.getRefusal(URI.create(served)), served);
        }
        for (String refused : List.of(
                "/jolokia/exec/org.tunnelmesh:type=Mesh,name=m/reconcile",
                "/jolokia/write/x:y=z/A/1",
                "/jolokia/notification/add/c/pull/java.lang:type=Memory",
                "/jolokia/NOTIFICATION/add/c/pull/java.lang:type=Memory",
                "/jolokia/Read/x:y=z/A",
                "/jolokia/%6Eotification/add/c/pull/java.lang:type=Memory",
                "/jolokia//notification/add/c/pull/java.lang:type=Memory",
                "/jolokianotification/add/c/pull/java.lang:type=Memory",
                "/jolokia/config",
                "/jolokia/exec")) {
            assertNotNull(guard.getRefusal(URI.create(refused)), refused);
        }
    }

    @Test
    void noJsonpAndNoPathAsAParameter() {
        assertNull(JolokiaGuard.queryRefusal(URI.create("/jolokia/read/x:y=z/A?maxDepth=2&ignoreErrors=true")));
        for (String refused : List.of(
                "?callback=x",
                "?CALLBACK=x",
                "?%63allback=x",
                "?a=1&callback",
                "?p=/notification/add/c/pull/x:y=z",
                "?P=/exec/x:y=z/op",
                "?%2570=/exec/x:y=z/op",
                "?%70=/exec/x:y=z/op")) {
            assertNotNull(JolokiaGuard.queryRefusal(URI.create("/jolokia/" + refused)), refused);
        }
    }

    @Test
    void postsAreApplicationJsonInUtf8() {
        for (String served : List.of(
                "application/json",
                "Application/JSON",
                "application/json; charset=utf-8",
                "application/json;charset=UTF-8")) {
            assertNull(JolokiaGuard.contentTypeRefusal(List.of(served)), served);
        }
        for (String refused : List.of(
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "text/json",
                "application/json; charset=utf-16",
                "application/json;charset=UTF-16BE",
                "application/json; charset=\"utf-8\"",
                "application/json; foo=bar",
                "application/json, charset=utf-16")) {
            assertNotNull(JolokiaGuard.contentTypeRefusal(List.of(refused)), refused);
        }
        assertNotNull(JolokiaGuard.contentTypeRefusal(null), "no Content-Type");
        assertNotNull(
                JolokiaGuard.contentTypeRefusal(List.of("application/json", "application/json; charset=utf-16")),
                "two");
    }

    @Test
    void bodiesAreLowerCaseRequestsAndSubscribeToTheMeshOnly() {
        for (String served : List.of(
                "{\"type\":\"read\",\"mbean\":\"java.lang:type=Memory\"}",
                "[{\"type\":\"version\"},{\"type\":\"list\"}]",
                "{\"type\":\"exec\",\"mbean\":\"org.tunnelmesh:type=Mesh,name=m\",\"operation\":\"reconcile\"}",
                "{\"type\":\"notification\",\"command\":\"register\"}",
                "{\"type\":\"notification\",\"command\":\"add\",\"client\":\"c\",\"mode\":\"pull\",\"mbean\":\"org.tunnelmesh:type=MeshEvents,name=m\"}")) {
            assertNull(JolokiaGuard.bodyRefusal(served.getBytes(StandardCharsets.UTF_8)), served);
        }
        for (String refused : List.of(
                MEMORY_ADD,
                MEMORY_ADD.replace("\"notification\"", "\"NOTIFICATION\""),
                MEMORY_ADD.replace("\"add\"", "\"ADD\""),
                MEMORY_ADD.replace("\"notification\"", "\"notific\\u0061tion\""),
                "[{\"type\":\"version\"}," + MEMORY_ADD + "]",
                "{\"type\":\"config\"}",
                "{\"type\":\"Read\",\"mbean\":\"x:y=z\"}",
                "{\"mbean\":\"x:y=z\"}",
                "[]",
                "[[" + MEMORY_ADD + "]]",
                "not json",
                MEMORY_ADD.replace("java.lang:type=Memory", "org.tunnelmesh*:type=Mesh"))) {
            assertNotNull(JolokiaGuard.bodyRefusal(refused.getBytes(StandardCharsets.UTF_8)), refused);
        }
        assertEquals(
                403,
                JolokiaGuard.bodyRefusal(MEMORY_ADD.getBytes(StandardCharsets.UTF_8))
                        .status());
        assertNotNull(
                JolokiaGuard.bodyRefusal(MEMORY_ADD.getBytes(StandardCharsets.UTF_16)),
                "UTF-16 read as UTF-8 is not JSON");
    }
}
