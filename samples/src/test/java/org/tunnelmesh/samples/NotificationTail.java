package org.tunnelmesh.samples;

import java.util.Map;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * A JMX client for kernel tests: run inside a node's namespace ({@code ip netns exec}), it connects to the node's
 * {@code --jmx-port} on loopback with the lab's credentials, subscribes to the mesh's MeshEvents and prints each
 * notification as one line {@code TYPE<tab>MESSAGE}, after a first line {@code LISTENING}, until it is killed.
 */
public final class NotificationTail {
    private NotificationTail() {}

    /** @param args port, user, mesh name; the password from {@code TUNNELMESH_PASSWORD} */
    public static void main(String[] args) throws Exception {
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + args[0] + "/jmxrmi");
        JMXConnector connector = JMXConnectorFactory.connect(
                url, Map.of(JMXConnector.CREDENTIALS, new String[] {args[1], System.getenv("TUNNELMESH_PASSWORD")}));
        MBeanServerConnection server = connector.getMBeanServerConnection();
        server.addNotificationListener(
                new ObjectName("org.tunnelmesh:type=MeshEvents,name=" + args[2]),
                (notification, handback) -> {
                    System.out.println(notification.getType() + "\t" + notification.getMessage());
                    System.out.flush();
                },
                null,
                null);
        System.out.println("LISTENING");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
