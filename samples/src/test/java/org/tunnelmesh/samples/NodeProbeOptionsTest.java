package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.Ipv4Address;

/** {@code --probe-interval} and the tunnel address of {@code --peer} (issue 25). */
class NodeProbeOptionsTest {
    private static final String[] BASE = {"--underlay", "10.245.1.2", "--tunnel-address", "192.168.41.0"};

    private static NodeOptions parse(String... more) {
        String[] args = new String[BASE.length + more.length];
        System.arraycopy(BASE, 0, args, 0, BASE.length);
        System.arraycopy(more, 0, args, BASE.length, more.length);
        return NodeOptions.parse(Map.of(), args);
    }

    @Test
    void probesEverySecondByDefaultAndZeroTurnsThemOff() {
        assertEquals(Duration.ofSeconds(1), parse().mesh().probeInterval());
        assertEquals(
                Duration.ofMillis(250), parse("--probe-interval", "250").mesh().probeInterval());
        assertEquals(Duration.ZERO, parse("--probe-interval", "0").mesh().probeInterval());
    }

    @Test
    void aBadIntervalIsRefusedNamingTheValue() {
        StartupFailure e = assertThrows(StartupFailure.class, () -> parse("--probe-interval", "5"));
        assertEquals(2, e.exitStatus());
        assertEquals("--probe-interval 5 must be 0 (no active probes) or 10..3600000 milliseconds", e.getMessage());
        StartupFailure notANumber = assertThrows(StartupFailure.class, () -> parse("--probe-interval", "1s"));
        assertEquals("--probe-interval '1s' is not a number", notANumber.getMessage());
        assertThrows(StartupFailure.class, () -> parse("--probe-interval", "-1"));
    }

    @Test
    void aPeerMayNameItsTunnelAddress() {
        NodeOptions options = parse("--peer", "node2@10.245.1.3=192.168.42.0/24,tunnel=192.168.42.1");
        assertEquals(Ipv4Address.parse("192.168.42.1"), options.peers().get(0).tunnelAddress());
        assertEquals(
                Ipv4Address.parse("192.168.42.0"),
                parse("--peer", "node2@10.245.1.3=192.168.42.0/24")
                        .peers()
                        .get(0)
                        .probeAddress());
    }
}
