package org.tunnelmesh;

/** The running kernel lacks something the mesh needs (the ipip module, nexthop objects, ...). */
public class KernelSupportException extends TunnelMeshException {
    public KernelSupportException(String message) {
        super(message);
    }

    public KernelSupportException(String message, Throwable cause) {
        super(message, cause);
    }
}
