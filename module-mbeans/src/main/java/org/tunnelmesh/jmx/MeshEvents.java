package org.tunnelmesh.jmx;

import java.util.concurrent.atomic.AtomicLong;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.Notification;
import javax.management.NotificationBroadcasterSupport;
import javax.management.ObjectName;
import javax.management.ReflectionException;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import org.tunnelmesh.Peer;

/**
 * The notifications of one mesh ({@code org.tunnelmesh:type=MeshEvents,name=<mesh>}). A
 * dynamic MBean of its own because jmxutils exports no notifications. User data crosses the
 * wire as standard types only: {@link CompositeData} for a peer, a String for a repair.
 */
public final class MeshEvents extends NotificationBroadcasterSupport implements DynamicMBean {

    /** The notification type of a peer added; its user data is {@link #PEER_TYPE}. */
    public static final String PEER_ADDED = "org.tunnelmesh.peer.added";
    /** The notification type of a peer removed; its user data is {@link #PEER_TYPE}. */
    public static final String PEER_REMOVED = "org.tunnelmesh.peer.removed";
    /** The notification type of kernel drift repaired; its user data is the repair, a String. */
    public static final String STATE_REPAIRED = "org.tunnelmesh.state.repaired";

    /** The notification type of a peer that became unreachable; its message tells the story, its user data is the name. */
    public static final String PEER_UNREACHABLE = "org.tunnelmesh.peer.unreachable";
    /** The notification type of a peer reachable again; its message tells the story, its user data is the name. */
    public static final String PEER_REACHABLE = "org.tunnelmesh.peer.reachable";

    /** The user data of peer notifications: name, underlay, subnets (comma-separated, as addPeer takes them). */
    public static final CompositeType PEER_TYPE = peerType();

    private static final MBeanNotificationInfo[] NOTIFICATIONS = {
        new MBeanNotificationInfo(
                new String[] {PEER_ADDED},
                Notification.class.getName(),
                "A peer was added; message: peer NAME added: underlay IP, subnets CIDR[,CIDR...]; user data: the peer (name, underlay, subnets)"),
        new MBeanNotificationInfo(
                new String[] {PEER_REMOVED},
                Notification.class.getName(),
                "A peer was removed; message: peer NAME removed: underlay IP, subnets CIDR[,CIDR...]; user data: the peer (name, underlay, subnets)"),
        new MBeanNotificationInfo(
                new String[] {STATE_REPAIRED},
                Notification.class.getName(),
                "The kernel had drifted from the mesh and was repaired; message: kernel state repaired: WHAT; user data: WHAT (String)"),
        new MBeanNotificationInfo(
                new String[] {PEER_UNREACHABLE},
                Notification.class.getName(),
                "A peer missed the configured number of intervals; message: peer 'NAME' (underlay IP) unreachable: for how long nothing came, probes unanswered; user data: the peer's name"),
        new MBeanNotificationInfo(
                new String[] {PEER_REACHABLE},
                Notification.class.getName(),
                "An unreachable peer was heard again; message: peer 'NAME' (underlay IP) reachable again: its traffic, or the probe answered and its round trip; user data: the peer's name"),
    };

    private final ObjectName name;
    private final AtomicLong sequence = new AtomicLong();

    MeshEvents(ObjectName name) {
        super(NOTIFICATIONS);
        this.name = name;
    }

    void peerAdded(Peer peer) {
        send(PEER_ADDED, "peer " + peer.name() + " added: " + describe(peer), peerData(peer));
    }

    void peerRemoved(Peer peer) {
        send(PEER_REMOVED, "peer " + peer.name() + " removed: " + describe(peer), peerData(peer));
    }

    void stateRepaired(String what) {
        send(STATE_REPAIRED, "kernel state repaired: " + what, what);
    }

    void peerHealthChanged(org.tunnelmesh.PeerHealth health, String what) {
        send(health.reachable() ? PEER_REACHABLE : PEER_UNREACHABLE, what, health.name());
    }

    // The message alone tells the whole event: JConsole's notification table cuts the type and user data short.
    private static String describe(Peer peer) {
        return "underlay " + peer.underlay() + ", subnets " + ManagedPeer.subnetList(peer);
    }

    private void send(String type, String message, Object userData) {
        Notification notification =
                new Notification(type, name, sequence.incrementAndGet(), System.currentTimeMillis(), message);
        notification.setUserData(userData);
        sendNotification(notification);
    }

    static CompositeData peerData(Peer peer) {
        try {
            return new CompositeDataSupport(PEER_TYPE, new String[] {"name", "underlay", "subnets"}, new Object[] {
                peer.name(), peer.underlay().toString(), ManagedPeer.subnetList(peer)
            });
        } catch (OpenDataException e) {
            throw new IllegalStateException(e);
        }
    }

    private static CompositeType peerType() {
        try {
            return new CompositeType(
                    "org.tunnelmesh.Peer",
                    "A peer of the mesh",
                    new String[] {"name", "underlay", "subnets"},
                    new String[] {"peer name", "underlay address", "overlay subnets, comma-separated"},
                    new OpenType<?>[] {SimpleType.STRING, SimpleType.STRING, SimpleType.STRING});
        } catch (OpenDataException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        return new MBeanInfo(
                getClass().getName(),
                "Notifications of mesh changes: peers added and removed, kernel state repaired, peers unreachable and"
                        + " reachable again",
                null,
                null,
                null,
                getNotificationInfo());
    }

    @Override
    public Object getAttribute(String attribute) throws AttributeNotFoundException {
        throw new AttributeNotFoundException(attribute);
    }

    @Override
    public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
        throw new AttributeNotFoundException(attribute.getName());
    }

    @Override
    public AttributeList getAttributes(String[] attributes) {
        return new AttributeList();
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
        return new AttributeList();
    }

    @Override
    public Object invoke(String actionName, Object[] params, String[] signature) throws ReflectionException {
        throw new ReflectionException(new NoSuchMethodException(actionName), "MeshEvents has no operations");
    }
}
