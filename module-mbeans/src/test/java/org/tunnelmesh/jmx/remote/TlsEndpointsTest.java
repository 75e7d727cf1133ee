package org.tunnelmesh.jmx.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.Map;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.rmi.ssl.SslRMIClientSocketFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both endpoints with a key store made by the JDK's keytool, and clients that trust its certificate. */
class TlsEndpointsTest {

    private static final Credentials CREDENTIALS = Credentials.of("operator", "lab-secret".toCharArray());
    private static final char[] STORE_PASSWORD = "store-secret".toCharArray();

    @TempDir
    static Path dir;

    private static Path keyStore;
    private static SSLContext clientTls;

    @BeforeAll
    static void makeKeyStore() throws Exception {
        keyStore = dir.resolve("node.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(
                        keytool.toString(),
                        "-genkeypair",
                        "-keystore",
                        keyStore.toString(),
                        "-storetype",
                        "PKCS12",
                        "-storepass",
                        new String(STORE_PASSWORD),
                        "-alias",
                        "node",
                        "-keyalg",
                        "EC",
                        "-dname",
                        "CN=127.0.0.1",
                        "-ext",
                        "SAN=ip:127.0.0.1",
                        "-validity",
                        "2")
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), output);
        // keytool leaves it as the umask says; the key must be its owner's alone
        java.nio.file.Files.setPosixFilePermissions(
                keyStore, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

        KeyStore trusted = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(keyStore.toFile())) {
            trusted.load(in, STORE_PASSWORD);
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, trust.getTrustManagers(), null);
    }

    @Test
    void jolokiaSpeaksHttps() throws Exception {
        SSLContext serverTls = TlsKeyStore.serverContext(keyStore, STORE_PASSWORD);
        try (SecureJolokiaEndpoint endpoint = SecureJolokiaEndpoint.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), CREDENTIALS, serverTls)) {
            HttpClient http = HttpClient.newBuilder().sslContext(clientTls).build();
            HttpResponse<String> version = http.send(
                    HttpRequest.newBuilder(URI.create(endpoint.url() + "version"))
                            .header(
                                    "Authorization",
                                    "Basic "
                                            + Base64.getEncoder()
                                                    .encodeToString(
                                                            "operator:lab-secret".getBytes(StandardCharsets.UTF_8)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            assertTrue(endpoint.url().startsWith("https://127.0.0.1:"), endpoint.url());
            assertEquals(200, version.statusCode(), version.body());
            assertThrows(
                    java.io.IOException.class,
                    () -> HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(
                                                    URI.create(endpoint.url().replace("https:", "http:") + "version"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString()));
        }
    }

    @Test
    void jmxSpeaksTlsOnRegistryAndConnector() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        SSLContext serverTls = TlsKeyStore.serverContext(keyStore, STORE_PASSWORD);
        SSLContext previous = SSLContext.getDefault();
        SSLContext.setDefault(clientTls); // what -Djavax.net.ssl.trustStore does for JConsole
        try (SecureJmxConnector connector = SecureJmxConnector.start(
                        InetAddress.getLoopbackAddress(),
                        port,
                        ManagementFactory.getPlatformMBeanServer(),
                        CREDENTIALS,
                        serverTls);
                JMXConnector client = JMXConnectorFactory.connect(
                        connector.url(),
                        Map.of(
                                JMXConnector.CREDENTIALS,
                                new String[] {"operator", "lab-secret"},
                                "com.sun.jndi.rmi.factory.socket",
                                new SslRMIClientSocketFactory()))) {

            Object uptime =
                    client.getMBeanServerConnection().getAttribute(new ObjectName("java.lang:type=Runtime"), "Uptime");

            assertTrue(((Number) uptime).longValue() > 0);
        } finally {
            SSLContext.setDefault(previous);
        }
    }

    @Test
    void aWrongKeyStorePasswordIsNamed() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> TlsKeyStore.serverContext(keyStore, "nope".toCharArray()));

        assertTrue(e.getMessage().contains(keyStore.toString()), e.getMessage());
    }

    @Test
    void aKeyStoreOthersCanReadOrALinkIsRefused() throws Exception {
        Path open = java.nio.file.Files.copy(keyStore, dir.resolve("open.p12"));
        java.nio.file.Files.setPosixFilePermissions(
                open, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(
                "key store " + open + " is open to group or others (rw-r--r--): chmod 600 " + open,
                assertThrows(IllegalArgumentException.class, () -> TlsKeyStore.serverContext(open, STORE_PASSWORD))
                        .getMessage());
        Path link = java.nio.file.Files.createSymbolicLink(dir.resolve("link.p12"), keyStore);
        assertEquals(
                "key store " + link + " is a symbolic link, not a regular file: give the path of the file itself",
                assertThrows(IllegalArgumentException.class, () -> TlsKeyStore.serverContext(link, STORE_PASSWORD))
                        .getMessage());
    }
}
