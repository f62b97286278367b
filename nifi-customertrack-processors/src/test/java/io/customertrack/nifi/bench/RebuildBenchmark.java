package io.customertrack.nifi.bench;

import io.customertrack.declaration.Declaration;
import io.customertrack.nifi.merge.CustomerStore;
import io.customertrack.nifi.merge.MergeRunner;
import io.customertrack.nifi.merge.MergeScript;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The merge against a correct peer: rebuilding CUSTOMER_HISTORY and CUSTOMER from all of CUSTOMER_RAW with window
 * functions, as a nightly rebuild or a dynamic table would. One DuckDB database seeded with {@code customers}
 * customers takes 100 batches of 10,000 events (5% late by default, {@code -Dbench.late}), each merged by sql/04 and
 * timed; after batch 20 and batch 100 the rebuild runs, is timed, and must equal what the merges produced (so both
 * sides are correct, not only fast). Prints the merge's batch time around batch 5, 20 and 100, the rebuild's time,
 * their ratios, and how the merge's cost grows from batch 5 to batch 100. With a lateness budget ({@code -Dbench.budget},
 * seconds) the late events (1.5 years late) are quarantined, and the rebuild leaves out what was quarantined.
 */
final class RebuildBenchmark {

    private static final int BATCHES = 100;
    private static final List<Integer> REBUILD_AFTER = List.of(20, 100);

    /** The rebuild: every version from the events alone, by the rules sql/04 implements incrementally. */
    static final List<String> REBUILD = List.of("""
            CREATE OR REPLACE TABLE rebuilt_history AS
            WITH events AS (
                -- one event per customer and time: a DELETE wins a tie, then the larger row hash
                SELECT customer_id, first_name, last_name, email, street, city, state, country, op, updated_at,
                       MD5(COALESCE(CAST(LENGTH(first_name) AS VARCHAR) || ':' || first_name, '~') || ','
                           || COALESCE(CAST(LENGTH(last_name) AS VARCHAR) || ':' || last_name, '~') || ','
                           || COALESCE(CAST(LENGTH(email) AS VARCHAR) || ':' || email, '~') || ','
                           || COALESCE(CAST(LENGTH(street) AS VARCHAR) || ':' || street, '~') || ','
                           || COALESCE(CAST(LENGTH(city) AS VARCHAR) || ':' || city, '~') || ','
                           || COALESCE(CAST(LENGTH(state) AS VARCHAR) || ':' || state, '~') || ','
                           || COALESCE(CAST(LENGTH(country) AS VARCHAR) || ':' || country, '~')) AS row_hash
                FROM customer_raw
                -- what the merges set aside beyond the lateness budget (-Dbench.budget) is not theirs to place either
                WHERE NOT EXISTS (SELECT 1 FROM customer_merge_quarantine AS q
                                  WHERE q.source_file = customer_raw.source_file AND q.source_row_number = customer_raw.source_row_number)
                QUALIFY ROW_NUMBER() OVER (PARTITION BY customer_id, updated_at
                                           ORDER BY CASE WHEN op = 'DELETE' THEN 1 ELSE 0 END DESC, row_hash DESC) = 1
            ),
            steps AS (
                SELECT *, LAG(op) OVER (PARTITION BY customer_id ORDER BY updated_at) AS previous_op,
                          LAG(row_hash) OVER (PARTITION BY customer_id ORDER BY updated_at) AS previous_hash
                FROM events
            ),
            boundaries AS (
                -- a version opens where a live state begins or changes; a DELETE of a live customer closes it
                SELECT *, op <> 'DELETE' AND (previous_op IS NULL OR previous_op = 'DELETE' OR previous_hash <> row_hash) AS opens
                FROM steps
                WHERE (op <> 'DELETE' AND (previous_op IS NULL OR previous_op = 'DELETE' OR previous_hash <> row_hash))
                   OR (op = 'DELETE' AND previous_op IS NOT NULL AND previous_op <> 'DELETE')
            ),
            versions AS (
                SELECT *, LEAD(updated_at) OVER (PARTITION BY customer_id ORDER BY updated_at) AS valid_to FROM boundaries
            )
            SELECT customer_id, first_name, last_name, email, street, city, state, country, row_hash,
                   updated_at AS valid_from, valid_to, valid_to IS NULL AS is_current
            FROM versions
            WHERE opens""", """
            CREATE OR REPLACE TABLE rebuilt_customer AS
            SELECT customer_id, first_name, last_name, email, street, city, state, country, row_hash,
                   valid_from AS updated_at, NOT is_current AS is_deleted, valid_to AS deleted_at
            FROM rebuilt_history
            QUALIFY ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY valid_from DESC) = 1""");

    private static final String HISTORY_COLUMNS = "customer_id, first_name, last_name, email, street, city, state, country, row_hash, "
            + "valid_from, valid_to, is_current";
    private static final String CUSTOMER_COLUMNS = "customer_id, first_name, last_name, email, street, city, state, country, row_hash, "
            + "updated_at, is_deleted, deleted_at";

    private RebuildBenchmark() {
    }

    static void run(final int customers) throws Exception {
        try (CustomerStore store = new CustomerStore("jdbc:duckdb:", false)) {
            final Connection db = store.connection();
            MergeBenchmark.seed(db, customers);
            final double[] mergeMillis = new double[BATCHES + 1];
            for (int batch = 1; batch <= BATCHES; batch++) {
                MergeBenchmark.loadBatch(db, "customer_raw", "'batch-" + batch + ".csv'", customers, batch);
                final long started = System.nanoTime();
                MergeRunner.run(db, MergeScript.of(Declaration.defaultDeclaration()));
                mergeMillis[batch] = (System.nanoTime() - started) / 1e6;
                if (REBUILD_AFTER.contains(batch)) {
                    final double rebuildMillis = rebuild(db);
                    final double merge = medianAround(mergeMillis, batch);
                    System.out.printf(Locale.ROOT, "after %3d batches of 10k events at %,d customers (%,d raw rows, %,d quarantined): merge of "
                                    + "one batch %7.1f ms (median of batches %d-%d)   rebuild %8.1f ms   ratio %5.2fx%n", batch, customers,
                            count(db, "SELECT COUNT(*) FROM customer_raw"), count(db, "SELECT COUNT(*) FROM customer_merge_quarantine"),
                            merge, batch - 4, batch, rebuildMillis, rebuildMillis / merge);
                }
            }
            final double early = medianAround(mergeMillis, 5);
            final double late = medianAround(mergeMillis, BATCHES);
            System.out.printf(Locale.ROOT, "merge cost growth: batch %d %7.1f ms (median of 1-5), batch %d %7.1f ms (median of %d-%d)   "
                    + "ratio %5.2fx%n", 5, early, BATCHES, late, BATCHES - 4, BATCHES, late / early);
        }
    }

    /** Runs the rebuild and checks it equals what the merges built; returns its time. */
    private static double rebuild(final Connection db) throws SQLException {
        final long started = System.nanoTime();
        try (Statement sql = db.createStatement()) {
            for (final String statement : REBUILD) {
                sql.execute(statement);
            }
        }
        final double millis = (System.nanoTime() - started) / 1e6;
        for (final String[] pair : List.of(new String[]{"customer_history", "rebuilt_history", HISTORY_COLUMNS},
                new String[]{"customer", "rebuilt_customer", CUSTOMER_COLUMNS})) {
            final long differing = count(db, "SELECT COUNT(*) FROM ((SELECT " + pair[2] + " FROM " + pair[0] + " EXCEPT ALL SELECT " + pair[2]
                    + " FROM " + pair[1] + ") UNION ALL (SELECT " + pair[2] + " FROM " + pair[1] + " EXCEPT ALL SELECT " + pair[2] + " FROM " + pair[0] + "))");
            if (differing != 0) {
                throw new IllegalStateException(differing + " rows differ between " + pair[0] + " and its rebuild " + pair[1]);
            }
        }
        return millis;
    }

    /** The median of the five batches ending at {@code batch}. */
    private static double medianAround(final double[] millis, final int batch) {
        final double[] window = Arrays.copyOfRange(millis, Math.max(1, batch - 4), batch + 1);
        Arrays.sort(window);
        return window[window.length / 2];
    }

    private static long count(final Connection db, final String sql) throws SQLException {
        try (Statement statement = db.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
