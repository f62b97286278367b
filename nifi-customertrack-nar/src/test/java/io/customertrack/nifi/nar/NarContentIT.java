package io.customertrack.nifi.nar;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.zip.ZipEntry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Opens the NAR that 'package' built and checks what NiFi will see when it loads it. */
class NarContentIT {

    private static final String BUNDLED = "META-INF/bundled-dependencies/";
    private static final List<String> PROCESSORS = List.of(
            "io.customertrack.nifi.processors.GenerateFakeCustomer",
            "io.customertrack.nifi.processors.ValidateCustomerRecord",
            "io.customertrack.nifi.processors.TriggerSnowflakeMerge");

    private static JarFile nar;

    @BeforeAll
    static void openNar() throws IOException {
        final Path path = Path.of(System.getProperty("nar.file", "target/nifi-customertrack-nar.nar"));
        assertTrue(Files.isRegularFile(path), "NAR not built: " + path);
        nar = new JarFile(path.toFile());
    }

    @Test
    void manifestNamesTheBundleAndItsParent() throws IOException {
        final Attributes attributes = nar.getManifest().getMainAttributes();
        assertEquals("io.customertrack", attributes.getValue("Nar-Group"));
        assertEquals("nifi-customertrack-nar", attributes.getValue("Nar-Id"));
        assertEquals("org.apache.nifi", attributes.getValue("Nar-Dependency-Group"));
        assertEquals("nifi-standard-services-api-nar", attributes.getValue("Nar-Dependency-Id"));
        assertEquals(System.getProperty("nifi.version", "2.6.0"), attributes.getValue("Nar-Dependency-Version"));
    }

    @Test
    void processorsAreRegisteredAsServices() throws IOException {
        final ZipEntry processorsJar = bundledJars().stream()
                .filter(entry -> entry.getName().startsWith(BUNDLED + "nifi-customertrack-processors-"))
                .findFirst().orElseThrow(() -> new AssertionError("processors jar not bundled"));
        final byte[] jarBytes;
        try (InputStream in = nar.getInputStream(processorsJar)) {
            jarBytes = in.readAllBytes();
        }
        String services = null;
        try (JarInputStream jar = new JarInputStream(new ByteArrayInputStream(jarBytes))) {
            for (ZipEntry entry = jar.getNextEntry(); entry != null; entry = jar.getNextEntry()) {
                if (entry.getName().equals("META-INF/services/org.apache.nifi.processor.Processor")) {
                    services = new String(jar.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        assertNotNull(services, "service registration missing");
        assertEquals(PROCESSORS, services.lines().map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("#")).toList());
    }

    @Test
    void extensionManifestDescribesEveryProcessor() throws IOException {
        final ZipEntry entry = nar.getEntry("META-INF/docs/extension-manifest.xml");
        assertNotNull(entry, "extension manifest missing");
        final String manifest;
        try (InputStream in = nar.getInputStream(entry)) {
            manifest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (final String processor : PROCESSORS) {
            assertTrue(manifest.contains("<name>" + processor + "</name>"), processor + " not in extension manifest");
        }
        assertTrue(manifest.contains("<systemApiVersion>"), "system API version recorded");
    }

    @Test
    void additionalDetailsAreShipped() {
        for (final String processor : PROCESSORS) {
            assertNotNull(nar.getEntry("META-INF/docs/additional-details/" + processor + "/additionalDetails.md"),
                    "additional details for " + processor);
        }
    }

    @Test
    void noNiFiApiOrFrameworkJarsAreBundled() {
        final List<String> forbidden = new ArrayList<>();
        for (final ZipEntry entry : bundledJars()) {
            final String name = entry.getName().substring(BUNDLED.length());
            if (name.startsWith("nifi-api-") || name.startsWith("nifi-framework") || name.startsWith("nifi-record-")
                    || name.startsWith("nifi-record-serialization-service-api") || name.startsWith("nifi-dbcp-service-api")
                    || name.startsWith("slf4j-api") || name.startsWith("snowflake-jdbc") || name.startsWith("duckdb")) {
                forbidden.add(name);
            }
        }
        assertEquals(List.of(), forbidden, "jars NiFi or the parent NAR provide must not be bundled");
    }

    private static List<ZipEntry> bundledJars() {
        return nar.stream().filter(entry -> entry.getName().startsWith(BUNDLED) && entry.getName().endsWith(".jar")).map(ZipEntry.class::cast).toList();
    }

}
