package org.tunnelmesh;

/** The caller's input is wrong (bad CIDR, bad name, out-of-range MTU). Nothing was changed. */
public class InvalidInputException extends TunnelMeshException {
    /**
     * @param message what is wrong, naming the value or object, and what to do
     */
    public InvalidInputException(String message) {
        super(message);
    }
}
