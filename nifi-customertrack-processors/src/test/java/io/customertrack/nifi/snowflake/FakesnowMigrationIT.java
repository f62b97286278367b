package io.customertrack.nifi.snowflake;

import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.sql.SqlMigration;
import io.customertrack.declaration.sql.SqlRenderer;
import io.customertrack.nifi.merge.CustomerStore;
import io.customertrack.nifi.merge.MergeScript;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The migration from the default declaration to the example that appends phone, through snowflake-jdbc on fakesnow:
 * the default declaration's tables (scripts/init-local-warehouse.py), files loaded with its rendered fakesnow COPY and
 * merged, migrate.sql's ALTER TABLE statements as rendered (Snowflake SQL, no translation), then files of the old and
 * the new shape, in one COPY, through the new declaration's fakesnow COPY and merge. fakesnow has no pipe, stream or
 * task: the COPY path is what the local flow runs.
 */
class FakesnowMigrationIT {

    private static final Declaration OLD = Declaration.defaultDeclaration();
    private static final Declaration NEW = Declaration.example("customer-with-phone");
    private static final String ANN = "Ann,Lee,ann@example.com,1 Main St,Leeds,West Yorkshire,United Kingdom";
    private static final String BOB = "Bob,Ray,bob@example.com,2 High St,York,North Yorkshire,United Kingdom";

    @TempDir
    Path databases;

    @TempDir
    Path folder;

    @Test
    void oldAndNewFilesLoadAndMergeAfterTheMigration() throws Exception {
        try (FakesnowServer server = new FakesnowServer(databases)) {
            server.createSchema(true, OLD);
            try (Connection connection = server.connect()) {
                copy(connection, OLD, csv("before.csv", OLD, "1," + ANN + ",INSERT,2026-01-01T10:00:00.000000Z",
                        "2," + BOB + ",INSERT,2026-01-01T10:00:00.000000Z"));
                CustomerStore.runMerge(connection, MergeScript.of(OLD));

                try (Statement statement = connection.createStatement()) {
                    for (final String alter : SqlMigration.between(OLD, NEW).addColumnStatements()) {
                        statement.execute(alter);
                    }
                }
                copy(connection, NEW, csv("old-shape.csv", OLD, "1," + ANN + ",UPDATE,2026-01-01T11:00:00.000000Z"),
                        csv("new-shape.csv", NEW, "1," + ANN + ",UPDATE,2026-01-01T12:00:00.000000Z,",
                                "2," + BOB + ",UPDATE,2026-01-01T12:00:00.000000Z,+44 1904 000000"));
                CustomerStore.runMerge(connection, MergeScript.of(NEW));

                final CustomerStore store = CustomerStore.on(connection, NEW);
                assertEquals(List.of("1|null|1", "2|null|0", "2|+44 1904 000000|1"),
                        store.rows("SELECT customer_id || '|' || COALESCE(phone, 'null') || '|' || IFF(is_current, 1, 0)"
                                + " FROM customer_history ORDER BY customer_id, valid_from"),
                        "customer 1's unchanged updates (old and new shape) open nothing; NULL to a phone opens a version");
                assertEquals(2, store.count("SELECT COUNT(*) FROM customer_merge_plan WHERE change_kind = 'NOOP'"),
                        "both unchanged updates of customer 1, one of each shape, against the hash stored before the migration");
                assertEquals(5, store.count("SELECT COUNT(*) FROM customer_raw"), "two rows before, three after");
                assertEquals(List.of("1|null", "2|+44 1904 000000"),
                        store.rows("SELECT customer_id || '|' || COALESCE(phone, 'null') FROM customer ORDER BY customer_id"));

                // A COPY of old-shape files only: fakesnow's reads files by header name, and still finds a phone (NULL).
                copy(connection, NEW, csv("late-old-shape.csv", OLD, "2," + BOB + ",UPDATE,2026-01-01T13:00:00.000000Z"));
                CustomerStore.runMerge(connection, MergeScript.of(NEW));
                assertEquals(List.of("1|null", "2|null"),
                        store.rows("SELECT customer_id || '|' || COALESCE(phone, 'null') FROM customer ORDER BY customer_id"),
                        "the old-shape event says no phone");
                assertEquals(4, store.count("SELECT COUNT(*) FROM customer_history"));
            }
        }
    }

    /** Loads files with {@code declaration}'s rendered fakesnow COPY, as TriggerSnowflakeMerge's COPY mode sends it. */
    private static void copy(final Connection connection, final Declaration declaration, final Path... files) throws SQLException {
        final String list = Arrays.stream(files).map(file -> "'" + file + "'").collect(Collectors.joining(", "));
        try (Statement statement = connection.createStatement()) {
            statement.execute(new SqlRenderer(declaration).render("fakesnow-copy.sql").strip().replace("{files}", list));
        }
    }

    private Path csv(final String name, final Declaration shape, final String... rows) throws IOException {
        final List<String> lines = new ArrayList<>();
        lines.add(String.join(",", shape.fileColumns()));
        lines.addAll(List.of(rows));
        return Files.write(folder.resolve(name), lines);
    }
}
