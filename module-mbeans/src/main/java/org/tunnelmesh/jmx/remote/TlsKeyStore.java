package org.tunnelmesh.jmx.remote;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.internal.TrustedFile;

/**
 * The server side of TLS for both endpoints, from a key store file (PKCS#12 or JKS, told apart by the JDK).
 * The file holds the private key: it is checked as a password file is ({@link TrustedFile}, readable by its owner only).
 */
public final class TlsKeyStore {
    /** Far more than a key and its chain. */
    private static final long MAX_KEY_STORE_BYTES = 1 << 20;

    private TlsKeyStore() {}

    /**
     * A TLS context for a server, from a PKCS12 (or JKS) key store holding its private key and certificate chain.
     *
     * @param keyStore the key store file, readable by its owner only
     * @param password the key store's password, also the key's
     * @return the context, for {@link SecureJmxConnector#start} or {@link SecureJolokiaEndpoint#start}
     * @throws IllegalArgumentException naming the file and what is wrong (missing, wrong password, no key)
     */
    public static SSLContext serverContext(Path keyStore, char[] password) {
        try {
            byte[] bytes = TrustedFile.read(keyStore, "key store", MAX_KEY_STORE_BYTES, true);
            // the JDK's PKCS12 key store reads JKS too (keystore.type.compat)
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(new ByteArrayInputStream(bytes), password);
            boolean hasKey = false;
            for (String alias : java.util.Collections.list(store.aliases())) {
                hasKey |= store.isKeyEntry(alias);
            }
            if (!hasKey) {
                throw new IllegalArgumentException("key store " + keyStore + " holds no private key");
            }
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (InvalidInputException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read key store " + keyStore + ": "
                    + (e.getCause() instanceof java.security.UnrecoverableKeyException
                            ? "wrong password"
                            : e.getMessage()));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use key store " + keyStore + ": " + e.getMessage());
        }
    }
}
