package org.tunnelmesh.jmx.remote;

import java.util.EnumSet;
import java.util.Set;
import javax.management.ObjectName;
import org.jolokia.server.core.service.api.Restrictor;
import org.jolokia.server.core.util.HttpMethod;
import org.jolokia.server.core.util.RequestType;

/**
 * {@link ManagementAccess} as Jolokia's restrictor, so HTTP clients get the same rules as JMX
 * clients, from the same code. Over HTTP, exec is on the mesh only: there is no GC button to serve.
 * Jolokia makes it by class name ({@code restrictorClass}), hence public with a no-argument constructor.
 */
public final class JolokiaRestrictor implements Restrictor {
    /** No CONFIG (the agent's own settings) and nothing Jolokia adds later: they fail closed. */
    private static final Set<RequestType> TYPES = EnumSet.of(
            RequestType.READ,
            RequestType.LIST,
            RequestType.SEARCH,
            RequestType.VERSION,
            RequestType.EXEC,
            RequestType.WRITE,
            RequestType.NOTIFICATION);

    @Override
    public boolean isHttpMethodAllowed(HttpMethod method) {
        return method == HttpMethod.GET || method == HttpMethod.POST;
    }

    @Override
    public boolean isTypeAllowed(RequestType type) {
        return TYPES.contains(type);
    }

    @Override
    public boolean isAttributeReadAllowed(ObjectName name, String attribute) {
        return ManagementAccess.mayRead(name, attribute);
    }

    @Override
    public boolean isAttributeWriteAllowed(ObjectName name, String attribute) {
        return ManagementAccess.mayWrite(name, attribute);
    }

    @Override
    public boolean isOperationAllowed(ObjectName name, String operation) {
        return ManagementAccess.isMesh(name);
    }

    /** Who may connect is decided by the address the endpoint listens on and by the credentials. */
    @Override
    public boolean isRemoteAccessAllowed(String... hostOrAddress) {
        return true;
    }

    /** Browsers get no CORS grant at all: a page on any origin must not drive the mesh. */
    @Override
    public boolean isOriginAllowed(String origin, boolean onlyWhenStrictCheckingIsEnabled) {
        return origin == null || origin.isEmpty();
    }

    @Override
    public boolean isObjectNameHidden(ObjectName name) {
        return ManagementAccess.isDangerous(name);
    }
}
