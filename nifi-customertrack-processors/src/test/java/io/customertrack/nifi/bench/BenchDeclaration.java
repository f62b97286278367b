package io.customertrack.nifi.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.DeclarationException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The declaration the benchmarks run with, {@code -Dbench.declaration}: unset or {@code default} for the shipped one,
 * the name of a shipped example ({@code wide}: partial updates, five untracked attributes), {@code wide-tracked} (the
 * wide example with every attribute tracked and full updates), the name of one of the benchmarks' own declarations
 * ({@code customer-partial}: the default customer with partial updates; {@code wide-partial}: the wide attributes with
 * partial updates and four untracked), or the path of a declaration file.
 *
 * @param label         how the benchmark lines name it, empty for the default
 * @param declaration   the declaration itself
 * @param propertyValue the processors' Customer Declaration property, null for the default (the property left unset)
 */
record BenchDeclaration(String label, Declaration declaration, String propertyValue) {

    static final BenchDeclaration DEFAULT = new BenchDeclaration("", Declaration.defaultDeclaration(), null);

    private static final String EXAMPLES = "/io/customertrack/declaration/examples/";

    /** The benchmarks' own declarations, next to this class in the test resources. */
    private static final String OWN = "/io/customertrack/nifi/bench/";

    /** The wide example with its history switches off: every attribute tracked, full updates. */
    private static final String WIDE_TRACKED = "wide-tracked";

    static BenchDeclaration fromSystemProperty() {
        final String name = System.getProperty("bench.declaration", "default").strip();
        if (name.isEmpty() || name.equals("default")) {
            return DEFAULT;
        }
        final Path file = Path.of(name);
        if (Files.isRegularFile(file)) {
            return new BenchDeclaration(file.getFileName().toString(), Declaration.read(file), file.toAbsolutePath().toString());
        }
        if (name.equals(WIDE_TRACKED)) {
            return wideTracked();
        }
        // The example's JSON text goes into the property as it is, as a flow would hold it inline.
        try (InputStream example = BenchDeclaration.class.getResourceAsStream(EXAMPLES + name + ".json");
             InputStream own = example != null ? null : BenchDeclaration.class.getResourceAsStream(OWN + name + ".json")) {
            final InputStream in = example != null ? example : own;
            if (in == null) {
                throw new IllegalArgumentException("bench.declaration must be default, a shipped example (wide), wide-tracked, one of the"
                        + " benchmarks' declarations (customer-partial, wide-partial) or a declaration file, not " + name);
            }
            final String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new BenchDeclaration(name, Declaration.parse(json), json);
        } catch (final IOException e) {
            throw new DeclarationException("Cannot read the example declaration " + name + ": " + e.getMessage(), e);
        }
    }

    /** The wide example's JSON without its partialUpdates and trackHistory keys: their defaults, full updates and tracked. */
    private static BenchDeclaration wideTracked() {
        try (InputStream in = BenchDeclaration.class.getResourceAsStream(EXAMPLES + "wide.json")) {
            final ObjectMapper mapper = new ObjectMapper();
            final ObjectNode root = (ObjectNode) mapper.readTree(in);
            root.remove("partialUpdates");
            root.get("attributes").forEach(attribute -> ((ObjectNode) attribute).remove("trackHistory"));
            final String json = mapper.writeValueAsString(root);
            return new BenchDeclaration(WIDE_TRACKED, Declaration.parse(json), json);
        } catch (final IOException e) {
            throw new DeclarationException("Cannot read the example declaration wide: " + e.getMessage(), e);
        }
    }

    boolean isDefault() {
        return propertyValue == null;
    }

    /** Appended to a benchmark's name: which declaration it ran with, nothing for the default. */
    String suffix() {
        return isDefault() ? "" : " [" + label + " declaration]";
    }
}
