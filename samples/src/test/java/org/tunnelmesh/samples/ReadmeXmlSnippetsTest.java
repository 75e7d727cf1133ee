package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * Every dependency the README's {@code xml} blocks name exists in this build: an {@code org.tunnelmesh} artifact is
 * one this reactor installs, at the parent POM's version (and the BOM manages it), Log4j at the version the parent
 * manages. The same for {@code org.tunnelmesh:ARTIFACT} named in the text.
 */
class ReadmeXmlSnippetsTest {
    private static final String OURS = "org.tunnelmesh";
    private static final String LOG4J = "org.apache.logging.log4j";
    private static final Pattern INLINE_COORDINATES = Pattern.compile("`org\\.tunnelmesh:([A-Za-z0-9._-]+)`");

    /** What this build makes, read from its POMs. */
    private record Build(
            String version,
            String log4jVersion,
            Set<String> log4jManaged,
            Map<String, Element> modules,
            Set<String> bomManaged) {}

    @Test
    void everyDependencyOfTheReadmeIsInThisBuild() throws Exception {
        Build build = build();
        List<ReadmeSnippets.Block> xmlBlocks = ReadmeSnippets.blocks().stream()
                .filter(b -> b.language().equals("xml"))
                .toList();
        assertFalse(xmlBlocks.isEmpty(), "README.md has no xml block: is this the right file?");
        int checked = 0;
        for (ReadmeSnippets.Block block : xmlBlocks) {
            checked += check(block, build);
        }
        // the dependency blocks, the BOM import, log4j-core and tunnelmesh-testing today
        assertTrue(checked >= 5, "only " + checked + " dependencies found in the README's xml blocks");
    }

    @Test
    void theKnownBlocksAreMarked() throws IOException {
        for (String name : List.of("embed-dependencies", "bom-import", "logging-binding", "testing-dependency")) {
            assertEquals("xml", ReadmeSnippets.named(name).language(), name);
        }
    }

    @Test
    void everyArtifactNamedInTheTextIsOne() throws Exception {
        Build build = build();
        Matcher named = INLINE_COORDINATES.matcher(Files.readString(ReadmeSnippets.readme()));
        int found = 0;
        while (named.find()) {
            found++;
            assertTrue(
                    build.modules().containsKey(named.group(1)),
                    "README.md names org.tunnelmesh:" + named.group(1) + ", which this build does not make; its"
                            + " artifacts: " + build.modules().keySet());
        }
        assertTrue(found > 0, "README.md names no org.tunnelmesh:ARTIFACT: is this the right file?");
    }

    /** The rules on a block that breaks each of them. */
    @Test
    void aWrongVersionOrArtifactIsFoundAndNamed() throws Exception {
        Build build = build();
        for (String[] wrong : new String[][] {
            {
                "<dependency><groupId>org.tunnelmesh</groupId><artifactId>tunnelmesh-linux</artifactId>"
                        + "<version>0.0.9</version></dependency>",
                "0.0.9"
            },
            {
                "<dependency><groupId>org.tunnelmesh</groupId><artifactId>tunnelmesh-jmx</artifactId>" + "<version>"
                        + build.version() + "</version></dependency>",
                "tunnelmesh-jmx"
            },
            {
                "<dependency><groupId>org.tunnelmesh</groupId><artifactId>tunnelmesh-benchmarks</artifactId>"
                        + "<version>" + build.version() + "</version></dependency>",
                "tunnelmesh-benchmarks"
            },
            {
                "<dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId>"
                        + "<version>2.17.0</version></dependency>",
                "2.17.0"
            },
            {
                "<dependency><groupId>org.tunnelmesh</groupId><artifactId>tunnelmesh-linux</artifactId></dependency>",
                "no <version>"
            },
            {
                "<dependency><groupId>org.tunnelmesh</groupId><artifactId>tunnelmesh-linux</artifactId>" + "<version>"
                        + build.version() + "</version><type>pom</type><scope>import</scope></dependency>",
                "not a BOM"
            },
            {
                "<dependency><groupId>com.example</groupId><artifactId>x</artifactId><version>1</version></dependency>",
                "com.example"
            },
        }) {
            ReadmeSnippets.Block block = new ReadmeSnippets.Block("test", "xml", 1, List.of(wrong[0]));
            AssertionError error = assertThrows(AssertionError.class, () -> check(block, build), wrong[0]);
            assertTrue(error.getMessage().contains(wrong[1]), error.getMessage());
        }
    }

    /** Checks each dependency of the block; returns how many. */
    private static int check(ReadmeSnippets.Block block, Build build) throws Exception {
        Element snippet = parse("<snippet>" + String.join("\n", block.lines()) + "</snippet>", block.where());
        NodeList dependencies = snippet.getElementsByTagName("dependency");
        for (int i = 0; i < dependencies.getLength(); i++) {
            Element dependency = (Element) dependencies.item(i);
            String groupId = text(dependency, "groupId");
            String artifactId = text(dependency, "artifactId");
            String version = text(dependency, "version");
            String what = block.where() + ": " + groupId + ":" + artifactId;
            assertTrue(version != null, what + " has no <version>: the README's blocks stand alone, without the BOM");
            switch (groupId == null ? "" : groupId) {
                case OURS -> {
                    Element module = build.modules().get(artifactId);
                    assertTrue(
                            module != null,
                            what + " is not an artifact this build installs; they are: "
                                    + build.modules().keySet());
                    assertEquals(build.version(), version, what + ": the version is not the parent POM's");
                    boolean bom = "pom".equals(text(module, "packaging"));
                    boolean imported =
                            "pom".equals(text(dependency, "type")) && "import".equals(text(dependency, "scope"));
                    assertEquals(
                            bom, imported, what + (bom ? ": a BOM is imported" : ": not a BOM, it cannot be imported"));
                    assertTrue(
                            bom || build.bomManaged().contains(artifactId),
                            what
                                    + " is not managed by tunnelmesh-bom, yet the README says to leave versions out with it");
                }
                case LOG4J -> {
                    assertTrue(
                            build.log4jManaged().contains(artifactId),
                            what + " is not one the parent POM manages: " + build.log4jManaged());
                    assertEquals(
                            build.log4jVersion(), version, what + ": not the Log4j version the parent POM manages");
                }
                default -> fail(what + ": a group the README should not need (add a rule here if it does)");
            }
        }
        return dependencies.getLength();
    }

    private static Build build() throws Exception {
        Path root = ReadmeSnippets.projectRoot();
        Element parent = pom(root.resolve("pom.xml"));
        String version = text(parent, "version");
        Element properties = child(parent, "properties");
        String log4jVersion = text(properties, "log4j.version");
        Set<String> log4jManaged = new TreeSet<>();
        for (Element managed : managedDependencies(parent)) {
            if (LOG4J.equals(text(managed, "groupId")) && "${log4j.version}".equals(text(managed, "version"))) {
                log4jManaged.add(text(managed, "artifactId"));
            }
        }
        Map<String, Element> modules = new LinkedHashMap<>();
        for (Element module : children(child(parent, "modules"), "module")) {
            Element pom = pom(root.resolve(module.getTextContent().strip()).resolve("pom.xml"));
            Element moduleProperties = child(pom, "properties");
            // the benchmarks are never installed: no one can depend on them
            if (moduleProperties == null || !"true".equals(text(moduleProperties, "maven.install.skip"))) {
                modules.put(text(pom, "artifactId"), pom);
            }
        }
        Set<String> bomManaged = new TreeSet<>();
        for (Element managed : managedDependencies(modules.get("tunnelmesh-bom"))) {
            bomManaged.add(text(managed, "artifactId"));
        }
        return new Build(version, log4jVersion, log4jManaged, modules, bomManaged);
    }

    private static List<Element> managedDependencies(Element pom) {
        Element management = child(pom, "dependencyManagement");
        return management == null ? List.of() : children(child(management, "dependencies"), "dependency");
    }

    private static Element pom(Path file) throws Exception {
        return parse(Files.readString(file), file.toString());
    }

    private static Element parse(String xml, String where) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        try {
            return factory.newDocumentBuilder()
                    .parse(new InputSource(new StringReader(xml)))
                    .getDocumentElement();
        } catch (org.xml.sax.SAXException e) {
            throw new AssertionError(where + " is not well-formed XML: " + e.getMessage(), e);
        }
    }

    private static Element child(Element parent, String name) {
        List<Element> found = children(parent, name);
        return found.isEmpty() ? null : found.get(0);
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                found.add(e);
            }
        }
        return found;
    }

    private static String text(Element parent, String name) {
        Element e = parent == null ? null : child(parent, name);
        return e == null ? null : e.getTextContent().strip();
    }
}
