package org.tunnelmesh.jmx;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.InvalidAttributeValueException;
import javax.management.MBeanException;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanServer;
import javax.management.ObjectInstance;
import javax.management.ObjectName;
import javax.management.ReflectionException;
import org.weakref.jmx.MBeanExporter;

/**
 * The MBean jmxutils makes of an annotated object, with the impact of each operation taken from
 * its {@link ManagedImpact} (jmxutils declares every one UNKNOWN) and the operations in a steady
 * order. Everything else - names, descriptions, parameter names, invocation - is jmxutils' own.
 */
final class ImpactDeclaringMBean implements DynamicMBean {

    private static final ObjectName UNUSED = MeshObjectNames.mesh("unused");
    // JConsole lists operations in MBeanInfo order, which jmxutils leaves to a hash map: list
    // those that only read first, then the others by name.
    private static final Comparator<MBeanOperationInfo> LOOK_FIRST_THEN_ACT = Comparator.comparing(
                    (MBeanOperationInfo operation) -> operation.getImpact() != MBeanOperationInfo.INFO)
            .thenComparing(MBeanOperationInfo::getName);

    private final DynamicMBean built;
    private final MBeanInfo info;

    private ImpactDeclaringMBean(DynamicMBean built, MBeanInfo info) {
        this.built = built;
        this.info = info;
    }

    static ImpactDeclaringMBean of(Object managed) {
        DynamicMBean built = buildWithJmxutils(managed);
        MBeanInfo plain = built.getMBeanInfo();
        MBeanOperationInfo[] operations = Arrays.stream(plain.getOperations())
                .map(operation -> new MBeanOperationInfo(
                        operation.getName(),
                        operation.getDescription(),
                        operation.getSignature(),
                        operation.getReturnType(),
                        impactOf(managed.getClass(), operation),
                        operation.getDescriptor()))
                .sorted(LOOK_FIRST_THEN_ACT)
                .toArray(MBeanOperationInfo[]::new);
        return new ImpactDeclaringMBean(
                built,
                new MBeanInfo(
                        plain.getClassName(),
                        plain.getDescription(),
                        plain.getAttributes(),
                        plain.getConstructors(),
                        operations,
                        plain.getNotifications(),
                        plain.getDescriptor()));
    }

    private static int impactOf(Class<?> type, MBeanOperationInfo operation) {
        for (Method method : type.getMethods()) {
            if (method.getName().equals(operation.getName()) && sameSignature(method, operation)) {
                ManagedImpact impact = method.getAnnotation(ManagedImpact.class);
                return impact == null ? operation.getImpact() : impact.value();
            }
        }
        return operation.getImpact();
    }

    private static boolean sameSignature(Method method, MBeanOperationInfo operation) {
        return Arrays.equals(
                Arrays.stream(method.getParameterTypes()).map(Class::getName).toArray(),
                Arrays.stream(operation.getSignature())
                        .map(parameter -> parameter.getType())
                        .toArray());
    }

    // jmxutils builds its MBean only inside MBeanExporter.export: hand it a server that just keeps what it is given.
    static DynamicMBean buildWithJmxutils(Object managed) {
        AtomicReference<Object> registered = new AtomicReference<>();
        MBeanServer keeper = (MBeanServer) Proxy.newProxyInstance(
                ImpactDeclaringMBean.class.getClassLoader(),
                new Class<?>[] {MBeanServer.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("registerMBean")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    registered.set(args[0]);
                    return new ObjectInstance(
                            (ObjectName) args[1], args[0].getClass().getName());
                });
        new MBeanExporter(keeper).export(UNUSED, managed);
        return (DynamicMBean) registered.get();
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        return info;
    }

    @Override
    public Object getAttribute(String attribute)
            throws AttributeNotFoundException, MBeanException, ReflectionException {
        try {
            return built.getAttribute(attribute);
        } catch (MBeanException e) {
            // jmxutils says "RuntimeException occurred while invoking getPeerCount" around the mesh's own message
            throw e.getTargetException() instanceof RuntimeException cause ? ManagedMesh.rejected(cause) : e;
        }
    }

    @Override
    public void setAttribute(Attribute attribute)
            throws AttributeNotFoundException, InvalidAttributeValueException, MBeanException, ReflectionException {
        built.setAttribute(attribute);
    }

    @Override
    public AttributeList getAttributes(String[] attributes) {
        return built.getAttributes(attributes);
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
        return built.setAttributes(attributes);
    }

    @Override
    public Object invoke(String operation, Object[] params, String[] signature)
            throws MBeanException, ReflectionException {
        return built.invoke(operation, params, signature);
    }
}
