package org.tunnelmesh.jmx;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import javax.management.AttributeNotFoundException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;

/**
 * Latency of the mesh's operations ({@code org.tunnelmesh:type=MeshStats,name=<mesh>}), kept apart
 * from the Mesh MBean so that one shows the mesh itself. Each figure is there twice: as
 * {@code AddPeer.P99} and the like, and as item {@code P99} of a composite attribute
 * {@code AddPeer} - jmxterm reads {@code AddPeer.P99} as exactly that, and cannot read a dotted
 * attribute name at all. A dynamic MBean because jmxutils cannot give one attribute both forms.
 */
public final class MeshStats extends AttributesOnlyMBean {

    private record Figure(String name, String description, OpenType<?> type, Function<LatencyStat, Object> value) {}

    private static final List<Figure> FIGURES = List.of(
            new Figure("Count", "number of calls measured", SimpleType.LONG, LatencyStat::getCount),
            new Figure("Mean", "mean duration, microseconds", SimpleType.DOUBLE, LatencyStat::getMean),
            new Figure("P50", "median duration, microseconds", SimpleType.LONG, LatencyStat::getP50),
            new Figure("P90", "90th percentile duration, microseconds", SimpleType.LONG, LatencyStat::getP90),
            new Figure("P99", "99th percentile duration, microseconds", SimpleType.LONG, LatencyStat::getP99),
            new Figure("Max", "longest duration, microseconds", SimpleType.LONG, LatencyStat::getMax));
    private static final CompositeType LATENCY_TYPE = latencyType();

    private final Map<String, LatencyStat> calls = new LinkedHashMap<>();
    private final MBeanInfo info;

    MeshStats(LatencyStat addPeer, LatencyStat removePeer, LatencyStat reconcile) {
        calls.put("AddPeer", addPeer);
        calls.put("RemovePeer", removePeer);
        calls.put("Reconcile", reconcile);
        List<MBeanAttributeInfo> attributes = new ArrayList<>();
        for (String call : calls.keySet()) {
            String of = "Latency of " + uncapitalized(call) + " calls (JMX and Java API)";
            attributes.add(new MBeanAttributeInfo(
                    call, CompositeData.class.getName(), of + ": every figure below in one value", true, false, false));
            for (Figure figure : FIGURES) {
                attributes.add(new MBeanAttributeInfo(
                        call + "." + figure.name(),
                        figure.type().getClassName().equals(Double.class.getName()) ? "double" : "long",
                        of + ": " + figure.description(),
                        true,
                        false,
                        false));
            }
        }
        info = new MBeanInfo(
                getClass().getName(),
                "Latency of the mesh's addPeer, removePeer and reconcile calls (JMX and Java API), "
                        + "in microseconds since the MBeans were exported",
                attributes.toArray(MBeanAttributeInfo[]::new),
                null,
                null,
                null);
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        return info;
    }

    @Override
    public Object getAttribute(String attribute) throws AttributeNotFoundException {
        if (attribute == null) {
            throw new AttributeNotFoundException("null");
        }
        LatencyStat whole = calls.get(attribute);
        if (whole != null) {
            return composite(whole);
        }
        int dot = attribute.indexOf('.');
        LatencyStat stat = dot < 0 ? null : calls.get(attribute.substring(0, dot));
        if (stat != null) {
            for (Figure figure : FIGURES) {
                if (figure.name().equals(attribute.substring(dot + 1))) {
                    return figure.value().apply(stat);
                }
            }
        }
        throw new AttributeNotFoundException(attribute);
    }

    private static CompositeData composite(LatencyStat stat) {
        String[] names = FIGURES.stream().map(Figure::name).toArray(String[]::new);
        Object[] values =
                FIGURES.stream().map(figure -> figure.value().apply(stat)).toArray();
        try {
            return new CompositeDataSupport(LATENCY_TYPE, names, values);
        } catch (OpenDataException e) {
            throw new IllegalStateException(e);
        }
    }

    private static CompositeType latencyType() {
        try {
            return new CompositeType(
                    "org.tunnelmesh.Latency",
                    "Latency of one kind of call, microseconds",
                    FIGURES.stream().map(Figure::name).toArray(String[]::new),
                    FIGURES.stream().map(Figure::description).toArray(String[]::new),
                    FIGURES.stream().map(Figure::type).toArray(OpenType<?>[]::new));
        } catch (OpenDataException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static String uncapitalized(String call) {
        return Character.toLowerCase(call.charAt(0)) + call.substring(1);
    }
}
