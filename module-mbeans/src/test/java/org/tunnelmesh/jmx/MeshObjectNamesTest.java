package org.tunnelmesh.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

class MeshObjectNamesTest {
    /** The rule as it was written before: a value is left unquoted when it matches this. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_.@#%+/-]+");

    @Test
    void everyCharacterIsPlainExactlyWhenThePatternSaysSo() {
        for (char c = 0; c < 0x300; c++) {
            String one = String.valueOf(c);
            assertEquals(PLAIN.matcher(one).matches(), MeshObjectNames.isPlain(one), "character U+" + (int) c);
            String inside = "a" + c + "b";
            assertEquals(PLAIN.matcher(inside).matches(), MeshObjectNames.isPlain(inside), "inside: U+" + (int) c);
        }
    }

    @Test
    void anEmptyValueIsQuoted() {
        assertEquals(false, MeshObjectNames.isPlain(""));
    }

    @Test
    void hostileNamesAreQuotedNotParsedAsKeys() throws Exception {
        String hostile = "x,type=Mesh,name=*";
        ObjectName name = MeshObjectNames.device("m", hostile);
        assertEquals(hostile, ObjectName.unquote(name.getKeyProperty("name")));
        assertEquals("TunnelDevice", name.getKeyProperty("type"));
        assertEquals(
                "org.tunnelmesh:type=Peer,mesh=mesh-1,name=p0.a@b#c%d+e/f_g",
                MeshObjectNames.peer("mesh-1", "p0.a@b#c%d+e/f_g").toString());
    }
}
