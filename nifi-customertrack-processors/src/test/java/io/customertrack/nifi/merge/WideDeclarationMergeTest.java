package io.customertrack.nifi.merge;

import io.customertrack.declaration.Attribute;
import io.customertrack.declaration.AttributeType;
import io.customertrack.declaration.Declaration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The merge rendered for the wide example's attributes (every attribute type, optional and non-personal attributes) on
 * DuckDB: tables built from its rendering, versions opened only by a change of any type of value, erasure clearing only
 * the personal ones.
 */
class WideDeclarationMergeTest {

    /**
     * The wide example with every attribute tracked and full updates: a version per change of any type, a NULL that
     * clears (the example itself tracks no history on some attributes and takes partial updates, which
     * MergeSemanticsTest and the property tests cover).
     */
    private static final Declaration WIDE = everyAttributeTrackedFullUpdates(Declaration.example("wide"));

    private CustomerStore store;

    @BeforeEach
    void setUp() throws SQLException {
        store = new CustomerStore(CustomerStore.IN_MEMORY, true, WIDE);
    }

    private static Declaration everyAttributeTrackedFullUpdates(final Declaration declaration) {
        return new Declaration(declaration.version(), declaration.attributes().stream()
                .map(a -> new Attribute(a.name(), a.type(), a.required(), a.personal(), a.rules(), a.generate(), a.since(), true))
                .toList(), declaration.previousShapeAcceptedUntil(), false);
    }

    @AfterEach
    void tearDown() throws SQLException {
        store.close();
    }

    /** One raw event: every attribute a literal of its type, {@code points} in loyalty_points. */
    private void load(final String file, final int row, final String op, final String at, final int points) throws SQLException {
        load(file, row, op, at, Map.of("loyalty_points", Integer.toString(points)));
    }

    /** One raw event: every attribute a literal of its type but those {@code changed} gives (as SQL literals). */
    private void load(final String file, final int row, final String op, final String at, final Map<String, String> changed) throws SQLException {
        final List<String> values = new ArrayList<>(List.of("1"));
        for (final Attribute attribute : WIDE.attributes()) {
            values.add(op.equals("ERASE") ? "NULL" : changed.getOrDefault(attribute.name(), literal(attribute.type())));
        }
        values.addAll(List.of("'" + op + "'", "TIMESTAMP '" + at + "'", "'" + file + "'", Integer.toString(row), "CURRENT_TIMESTAMP"));
        store.execute("INSERT INTO customer_raw (" + String.join(", ", WIDE.fileColumns()) + ", source_file, source_row_number, loaded_at)"
                + " VALUES (" + String.join(", ", values) + ")");
    }

    private static String literal(final AttributeType type) {
        return switch (type) {
            case AttributeType.Varchar ignored -> "'x'";
            case AttributeType.Number ignored -> "7";
            case AttributeType.Boolean ignored -> "TRUE";
            case AttributeType.Date ignored -> "DATE '1990-05-17'";
            case AttributeType.TimestampNtz ignored -> "TIMESTAMP '2026-01-01 08:00:00'";
        };
    }

    @Test
    void aChangedNumberOpensAVersionAndAnEqualEventDoesNot() throws SQLException {
        load("a.csv", 1, "INSERT", "2026-01-01 10:00:00", 1);
        load("a.csv", 2, "UPDATE", "2026-01-01 11:00:00", 2);
        load("a.csv", 3, "UPDATE", "2026-01-01 12:00:00", 2);
        store.merge();
        assertEquals(2, store.count("SELECT COUNT(*) FROM customer_history"));
        assertEquals(1, store.count("SELECT COUNT(*) FROM customer_merge_plan WHERE change_kind = 'NOOP'"));
        assertEquals(List.of("2|1990-05-17|true"), store.rows("SELECT loyalty_points || '|' || date_of_birth || '|' || marketing_consent FROM customer"));
        assertEquals(0, store.count("SELECT COUNT(*) FROM customer_history h JOIN customer c USING (customer_id)"
                + " WHERE h.is_current AND h.row_hash <> c.row_hash"));
    }

    /**
     * The smallest change of each type opens a version: the hash reads dates and times by their distance from 1970, not
     * through a session's output format (Snowflake's default shows milliseconds only).
     */
    @Test
    void theSmallestChangeOfEveryTypeOpensAVersion() throws SQLException {
        final List<Map<String, String>> changes = List.of(
                Map.of(),
                Map.of("consent_changed_at", "TIMESTAMP '2026-01-01 08:00:00.000001'"),
                Map.of("date_of_birth", "DATE '1990-05-18'"),
                Map.of("marketing_consent", "FALSE"),
                Map.of("lifetime_value", "7.01"),
                Map.of("postal_code", "'y'"),
                Map.of("postal_code", "NULL"));
        for (int i = 0; i < changes.size(); i++) {
            load("a.csv", i + 1, i == 0 ? "INSERT" : "UPDATE", "2026-01-01 1" + i + ":00:00", changes.get(i));
        }
        load("a.csv", changes.size() + 1, "UPDATE", "2026-01-01 19:00:00", changes.getLast());
        store.merge();
        assertEquals(changes.size(), store.count("SELECT COUNT(*) FROM customer_history"), "one version per change, none for the repeat");
        assertEquals(1, store.count("SELECT COUNT(*) FROM customer_merge_plan WHERE change_kind = 'NOOP'"));
    }

    @Test
    void erasureClearsThePersonalValuesOnly() throws SQLException {
        load("a.csv", 1, "INSERT", "2026-01-01 10:00:00", 1);
        store.merge();
        load("b.csv", 1, "ERASE", "2026-01-02 10:00:00", 0);
        store.merge();
        assertEquals(0, store.count("SELECT COUNT(*) FROM customer_history") + store.count("SELECT COUNT(*) FROM customer"));
        final String anyPersonal = String.join(" OR ", WIDE.attributes().stream().filter(Attribute::personal).map(a -> a.name() + " IS NOT NULL").toList());
        assertEquals(0, store.count("SELECT COUNT(*) FROM customer_raw WHERE " + anyPersonal));
        assertEquals(List.of("x|1"), store.rows("SELECT loyalty_tier || '|' || loyalty_points FROM customer_raw WHERE op = 'INSERT'"),
                "values that are not personal stay");
        for (final String invariant : SnowflakeDdl.invariantQueries(WIDE)) {
            assertEquals(List.of(), store.rows(invariant), invariant);
        }
    }
}
