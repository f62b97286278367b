package io.customertrack.nifi.merge;

import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.sql.SqlMigration;
import io.customertrack.declaration.sql.SqlRenderer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A running pipeline on DuckDB migrated from the default declaration to the example that appends {@code phone}: tables
 * and merge of the first declaration's rendering, files loaded through the rendered local COPY and merged, then the
 * rendered migrate.sql's ALTER TABLE statements ({@link SqlMigration#addColumnStatements}, through SnowflakeDdl's
 * translation) and what its step 6 re-creates that DuckDB has (CUSTOMER_AS_OF; the stream's stand-in view reads the new
 * column as it is), then files of the old and the new shape, interleaved, through the new declaration's COPY and merge.
 * The pipe, the task and the procedure are Snowflake's alone (docs/attributes.md lists what only Snowflake proves).
 */
class DeclarationMigrationTest {

    private static final Declaration OLD = Declaration.defaultDeclaration();
    private static final Declaration NEW = Declaration.example("customer-with-phone");

    /** The values every event of customer {@code id} carries, unchanged throughout: only phone changes. */
    private static final String ANN = "Ann,Lee,ann@example.com,1 Main St,Leeds,West Yorkshire,United Kingdom";
    private static final String BOB = "Bob,Ray,bob@example.com,2 High St,York,North Yorkshire,United Kingdom";
    private static final String CID = "Cid,Day,cid@example.com,3 Low St,Hull,East Yorkshire,United Kingdom";

    @TempDir
    Path folder;

    private CustomerStore oldStore;
    private CustomerStore store;

    @BeforeEach
    void runTheOldDeclarationThenMigrate() throws SQLException, IOException {
        oldStore = new CustomerStore(CustomerStore.IN_MEMORY, true, OLD);
        copy(OLD, oldShape("before.csv", "1," + ANN + ",INSERT,2026-01-01T10:00:00.000000Z",
                "2," + BOB + ",INSERT,2026-01-01T10:00:00.000000Z"));
        oldStore.merge();
        assertEquals(2, oldStore.count("SELECT COUNT(*) FROM customer_history"));

        for (final String statement : SqlMigration.between(OLD, NEW).addColumnStatements()) {
            oldStore.execute(SnowflakeDdl.toDuckDb(statement));
        }
        oldStore.execute(SnowflakeDdl.customerAsOfMacro(NEW));
        store = CustomerStore.on(oldStore.connection(), NEW);
    }

    @AfterEach
    void tearDown() throws SQLException {
        oldStore.close();
    }

    @Test
    void oldAndNewFilesInterleavedLoadAndMergeWithoutSpuriousVersions() throws IOException, SQLException {
        // Written by NiFi before and after its parameter changed, loaded by one COPY: an old file lacks the last column.
        copy(NEW, oldShape("old-shape.csv", "1," + ANN + ",UPDATE,2026-01-01T11:00:00.000000Z",
                        "3," + CID + ",INSERT,2026-01-01T11:00:00.000000Z"),
                newShape("new-shape.csv", "1," + ANN + ",UPDATE,2026-01-01T12:00:00.000000Z,",
                        "2," + BOB + ",UPDATE,2026-01-01T12:00:00.000000Z,+44 1904 000000"));
        store.merge();

        assertEquals(List.of("1|null|2026-01-01 10:00:00|null", "2|null|2026-01-01 10:00:00|2026-01-01 12:00:00",
                        "2|+44 1904 000000|2026-01-01 12:00:00|null", "3|null|2026-01-01 11:00:00|null"),
                versions(), "customer 1's unchanged updates open nothing; NULL to a value opens a version; an old-shape INSERT"
                        + " merges with NULL");
        assertEquals(2, store.count("SELECT COUNT(*) FROM customer_merge_plan WHERE change_kind = 'NOOP'"),
                "both unchanged updates of customer 1, one of each shape, against the hash stored before the migration");
        assertEquals(List.of("1|null", "2|+44 1904 000000", "3|null"),
                store.rows("SELECT customer_id || '|' || COALESCE(phone, 'null') FROM customer ORDER BY customer_id"));

        // An old-shape event after a new-shape one says "no phone": the attribute goes back to NULL, as the event has it.
        copy(NEW, oldShape("late-old-shape.csv", "2," + BOB + ",UPDATE,2026-01-01T13:00:00.000000Z"));
        store.merge();
        assertEquals(List.of("2|null|2026-01-01 13:00:00|null"), versions().stream().filter(v -> v.endsWith("13:00:00|null")).toList());
        assertEquals(7, store.count("SELECT COUNT(*) FROM customer_raw"));
        assertEquals(1, store.count("SELECT COUNT(*) FROM customer_raw WHERE phone IS NOT NULL"));
        for (final String invariant : SnowflakeDdl.invariantQueries(NEW)) {
            assertEquals(List.of(), store.rows(invariant), invariant);
        }
    }

    @Test
    void theFirstValueOfTheNewAttributeOpensAVersionAndRepeatingItDoesNot() throws IOException, SQLException {
        copy(NEW, newShape("a.csv", "1," + ANN + ",UPDATE,2026-01-01T11:00:00.000000Z,0113 000000",
                "1," + ANN + ",UPDATE,2026-01-01T12:00:00.000000Z,0113 000000"));
        store.merge();
        assertEquals(List.of("1|null|2026-01-01 10:00:00|2026-01-01 11:00:00", "1|0113 000000|2026-01-01 11:00:00|null",
                "2|null|2026-01-01 10:00:00|null"), versions());
        assertEquals(1, store.count("SELECT COUNT(*) FROM customer_merge_plan WHERE change_kind = 'NOOP'"));
    }

    /**
     * A fresh install of the wider declaration (phone between country and row_hash in its tables, where a migrated table
     * has it last) loads and merges both shapes alike: loads and the merge name their columns.
     */
    @Test
    void aFreshInstallOfTheWiderDeclarationTakesBothShapesToo() throws IOException, SQLException {
        try (CustomerStore fresh = new CustomerStore(CustomerStore.IN_MEMORY, true, NEW)) {
            fresh.execute(new SqlRenderer(NEW).render("duckdb-copy.sql").replace("{files}", "'"
                    + oldShape("fresh-old.csv", "1," + ANN + ",INSERT,2026-01-01T10:00:00.000000Z") + "', '"
                    + newShape("fresh-new.csv", "1," + ANN + ",UPDATE,2026-01-01T11:00:00.000000Z,",
                            "1," + ANN + ",UPDATE,2026-01-01T12:00:00.000000Z,0113 000000") + "'"));
            fresh.merge();
            assertEquals(List.of("1|null|2026-01-01 10:00:00|2026-01-01 12:00:00", "1|0113 000000|2026-01-01 12:00:00|null"),
                    fresh.rows("SELECT customer_id || '|' || COALESCE(phone, 'null') || '|' || strftime(valid_from, '%Y-%m-%d %H:%M:%S')"
                            + " || '|' || COALESCE(strftime(valid_to, '%Y-%m-%d %H:%M:%S'), 'null') FROM customer_history"
                            + " ORDER BY valid_from"));
        }
    }

    /** customer_id|phone|valid_from|valid_to of every version, in order. */
    private List<String> versions() throws SQLException {
        return store.rows("SELECT customer_id || '|' || COALESCE(phone, 'null') || '|' || strftime(valid_from, '%Y-%m-%d %H:%M:%S')"
                + " || '|' || COALESCE(strftime(valid_to, '%Y-%m-%d %H:%M:%S'), 'null') FROM customer_history ORDER BY customer_id, valid_from");
    }

    /** Loads files with {@code declaration}'s rendered local COPY (flows/local/duckdb-copy.sql for the default). */
    private void copy(final Declaration declaration, final Path... files) throws SQLException {
        final String list = Arrays.stream(files).map(file -> "'" + file + "'").collect(Collectors.joining(", "));
        oldStore.execute(new SqlRenderer(declaration).render("duckdb-copy.sql").replace("{files}", list));
    }

    private Path oldShape(final String name, final String... rows) throws IOException {
        return csv(name, OLD.fileColumns(), rows);
    }

    private Path newShape(final String name, final String... rows) throws IOException {
        return csv(name, NEW.fileColumns(), rows);
    }

    private Path csv(final String name, final List<String> header, final String... rows) throws IOException {
        final List<String> lines = new ArrayList<>();
        lines.add(String.join(",", header));
        lines.addAll(List.of(rows));
        return Files.write(folder.resolve(name), lines);
    }
}
