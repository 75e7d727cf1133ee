package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tunnelmesh.Encapsulation;

/** {@code --encap} (issue 26). */
class NodeEncapOptionsTest {
    private static final String[] BASE = {"--underlay", "10.245.1.2", "--tunnel-address", "192.168.41.0"};

    private static NodeOptions parse(String... more) {
        String[] args = new String[BASE.length + more.length];
        System.arraycopy(BASE, 0, args, 0, BASE.length);
        System.arraycopy(more, 0, args, BASE.length, more.length);
        return NodeOptions.parse(Map.of(), args);
    }

    @Test
    void plainIpipByDefaultAndFouOrGueWithAPort() {
        assertEquals(Encapsulation.NONE, parse().mesh().encapsulation());
        assertEquals(Encapsulation.NONE, parse("--encap", "none").mesh().encapsulation());
        assertEquals(Encapsulation.fou(5555), parse("--encap", "fou").mesh().encapsulation());
        assertEquals(
                Encapsulation.fou(6000), parse("--encap", "fou:6000").mesh().encapsulation());
        assertEquals(Encapsulation.gue(5555), parse("--encap", "gue").mesh().encapsulation());
        assertEquals(
                Encapsulation.gue(7000),
                parse("--encap", "gue:7000", "--mode", "p2p").mesh().encapsulation());
    }

    @ParameterizedTest
    @ValueSource(strings = {"vxlan", "fou:0", "fou:65536", "fou:x", "gue:", "none:5555", ""})
    void aBadValueExitsTwoWithOneLineNamingIt(String value) {
        StartupFailure e = assertThrows(StartupFailure.class, () -> parse("--encap", value));
        assertEquals(2, e.exitStatus());
        assertTrue(e.getMessage().startsWith("--encap: "), e.getMessage());
        assertTrue(e.getMessage().contains("'" + value + "'"), e.getMessage());
        assertEquals(-1, e.getMessage().indexOf('\n'), e.getMessage());
    }

    @Test
    void givenTwiceIsRefused() {
        StartupFailure e = assertThrows(StartupFailure.class, () -> parse("--encap", "fou", "--encap", "gue"));
        assertEquals(2, e.exitStatus());
    }

    @Test
    void anMtuTooBigForTheEncapsulationIsRefused() {
        StartupFailure e = assertThrows(StartupFailure.class, () -> parse("--encap", "gue", "--mtu", "65504"));
        assertEquals(2, e.exitStatus());
        assertTrue(e.getMessage().contains("65504"), e.getMessage());
    }
}
