package org.tunnelmesh.jmx.remote;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** The server side of TLS for both endpoints, from a key store file (PKCS#12 or JKS, told apart by the JDK). */
public final class TlsKeyStore {
    private TlsKeyStore() {
    }

    /**
     * @throws IllegalArgumentException naming the file and what is wrong (missing, wrong password, no key)
     */
    public static SSLContext serverContext(Path keyStore, char[] password) {
        try {
            KeyStore store = KeyStore.getInstance(keyStore.toFile(), password);
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
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read key store " + keyStore + ": "
                    + (e.getCause() instanceof java.security.UnrecoverableKeyException ? "wrong password" : e.getMessage()));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use key store " + keyStore + ": " + e.getMessage());
        }
    }
}
