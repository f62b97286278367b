package io.customertrack.nifi.bench;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.DeclarationException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * The declaration the benchmarks run with, {@code -Dbench.declaration}: unset or {@code default} for the shipped one,
 * the name of a shipped example ({@code wide}: partial updates, five untracked attributes), the name of one of the
 * benchmarks' own variants of a shipped declaration ({@link #VARIANTS}), or the path of a declaration file.
 *
 * @param label         how the benchmark lines name it, empty for the default
 * @param declaration   the declaration itself
 * @param propertyValue the processors' Customer Declaration property, null for the default (the property left unset)
 */
record BenchDeclaration(String label, Declaration declaration, String propertyValue) {

    static final BenchDeclaration DEFAULT = new BenchDeclaration("", Declaration.defaultDeclaration(), null);

    private static final String EXAMPLES = "/io/customertrack/declaration/examples/";

    /** A shipped declaration with its history switches set otherwise: partial updates or not, these attributes untracked. */
    private record Variant(String resource, boolean partialUpdates, Set<String> untracked) {
    }

    /**
     * The benchmarks' own declarations: {@code wide-tracked}, the wide example with every attribute tracked and full
     * updates; {@code wide-partial}, the wide example with four attributes untracked (credit_score tracked);
     * {@code customer-partial}, the default customer with partial updates.
     */
    private static final Map<String, Variant> VARIANTS = Map.of(
            "wide-tracked", new Variant(EXAMPLES + "wide.json", false, Set.of()),
            "wide-partial", new Variant(EXAMPLES + "wide.json", true,
                    Set.of("loyalty_points", "lifetime_value", "preferred_language", "consent_changed_at")),
            "customer-partial", new Variant(Declaration.DEFAULT_RESOURCE, true, Set.of()));

    /** Numbers exactly as written, as the declaration reads them. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    static BenchDeclaration fromSystemProperty() {
        final String name = System.getProperty("bench.declaration", "default").strip();
        if (name.isEmpty() || name.equals("default")) {
            return DEFAULT;
        }
        final Path file = Path.of(name);
        if (Files.isRegularFile(file)) {
            return new BenchDeclaration(file.getFileName().toString(), Declaration.read(file), file.toAbsolutePath().toString());
        }
        if (VARIANTS.containsKey(name)) {
            return variant(name, VARIANTS.get(name));
        }
        // The example's JSON text goes into the property as it is, as a flow would hold it inline.
        try (InputStream in = BenchDeclaration.class.getResourceAsStream(EXAMPLES + name + ".json")) {
            if (in == null) {
                throw new IllegalArgumentException("bench.declaration must be default, a shipped example (wide), one of the"
                        + " benchmarks' declarations " + VARIANTS.keySet().stream().sorted().toList() + " or a declaration file, not " + name);
            }
            final String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new BenchDeclaration(name, Declaration.parse(json), json);
        } catch (final IOException e) {
            throw new DeclarationException("Cannot read the example declaration " + name + ": " + e.getMessage(), e);
        }
    }

    /** The shipped declaration's JSON with the variant's partialUpdates and trackHistory keys (absent where default). */
    private static BenchDeclaration variant(final String name, final Variant variant) {
        try (InputStream in = BenchDeclaration.class.getResourceAsStream(variant.resource())) {
            final ObjectNode root = (ObjectNode) JSON.readTree(in);
            root.remove("partialUpdates");
            if (variant.partialUpdates()) {
                root.put("partialUpdates", true);
            }
            root.get("attributes").forEach(node -> {
                final ObjectNode attribute = (ObjectNode) node;
                attribute.remove("trackHistory");
                if (variant.untracked().contains(attribute.get("name").asText())) {
                    attribute.put("trackHistory", false);
                }
            });
            final String json = JSON.writeValueAsString(root);
            return new BenchDeclaration(name, Declaration.parse(json), json);
        } catch (final IOException e) {
            throw new DeclarationException("Cannot read the declaration " + variant.resource() + ": " + e.getMessage(), e);
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
