package org.tunnelmesh.samples;

/** Why the node did not start, as the one line it prints and the status it exits with. */
final class StartupFailure extends RuntimeException {

    /**
     * Bad options or bad peers, or a setup the node cannot run in as configured (a missing capability):
     * nothing was changed, and starting again unchanged would fail again (systemd: RestartPreventExitStatus=2).
     */
    static final int BAD_INPUT = 2;
    /** Anything else: the kernel lacks something, a port in use. */
    static final int FAILED = 1;

    private final int exitStatus;

    private StartupFailure(int exitStatus, String message, Throwable cause) {
        super(message, cause);
        this.exitStatus = exitStatus;
    }

    static StartupFailure badInput(String message) {
        return new StartupFailure(BAD_INPUT, message, null);
    }

    static StartupFailure failed(String message, Throwable cause) {
        return new StartupFailure(FAILED, message, cause);
    }

    int exitStatus() {
        return exitStatus;
    }

    /** The message on one line, whatever the text it came from. */
    String oneLine() {
        return getMessage().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}
