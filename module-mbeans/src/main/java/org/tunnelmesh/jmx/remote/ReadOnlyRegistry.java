package org.tunnelmesh.jmx.remote;

import java.io.ObjectInputFilter;
import java.rmi.AccessException;
import java.rmi.NotBoundException;
import java.rmi.Remote;
import java.rmi.RemoteException;
import java.rmi.server.RMIClientSocketFactory;
import java.rmi.server.RMIServerSocketFactory;
import sun.rmi.registry.RegistryImpl;

/**
 * An RMI registry that holds one entry and refuses bind, rebind and unbind from anyone, as the
 * JDK's own management agent does (its SingleEntryRegistry). A plain registry lets any local user
 * replace the connector's stub with their own and collect the passwords JConsole sends.
 *
 * <p>Needs {@code --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED} (the node jar's manifest
 * says so); without it {@link SecureJmxConnector} falls back to a filtered registry.
 */
final class ReadOnlyRegistry extends RegistryImpl {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final transient Remote entry;

    /** Only strings (the names looked up) may be unmarshalled: a bind's stub never gets that far. */
    private static final ObjectInputFilter ONLY_NAMES = ObjectInputFilter.Config.createFilter("java.lang.String;!*");

    ReadOnlyRegistry(int port, RMIClientSocketFactory csf, RMIServerSocketFactory ssf, String name, Remote entry)
            throws RemoteException {
        super(port, csf, ssf, ONLY_NAMES);
        this.name = name;
        this.entry = entry;
    }

    @Override
    public Remote lookup(String lookedUp) throws NotBoundException {
        if (!name.equals(lookedUp)) {
            throw new NotBoundException(
                    "Name '" + lookedUp + "' is not bound; this registry holds only '" + name + "'");
        }
        return entry;
    }

    @Override
    public String[] list() {
        return new String[] {name};
    }

    @Override
    public void bind(String ignored, Remote obj) throws AccessException {
        throw new AccessException("this registry is read-only");
    }

    @Override
    public void rebind(String ignored, Remote obj) throws AccessException {
        throw new AccessException("this registry is read-only");
    }

    @Override
    public void unbind(String ignored) throws AccessException {
        throw new AccessException("this registry is read-only");
    }
}
