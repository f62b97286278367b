package io.customertrack.nifi.bench;

import io.customertrack.declaration.Attribute;
import io.customertrack.declaration.AttributeType;
import io.customertrack.declaration.Declaration;
import io.customertrack.nifi.merge.CustomerStore;
import io.customertrack.nifi.merge.MergeRunner;
import io.customertrack.nifi.merge.MergeScript;
import io.customertrack.nifi.merge.MergeScripts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Merge throughput on DuckDB: 10k-event batches merged into customer tables of 10k, 100k and 1M rows.
 * Candidate: sql/04_merge.sql (every version, late events, deletes, no-op detection, replay-safe).
 * Baseline: the tutorial's two-step design: MERGE the batch into CUSTOMER (latest row per key, the least it needs to
 * run at all), then write history from the changed rows (close the current version, insert the new one), then
 * TRUNCATE the raw table. Both start from identical tables and merge identical batches.
 * <p>
 * With another declaration than the default ({@code -Dbench.declaration}, see {@link BenchDeclaration}) the tutorial
 * design, written for the default customer, does not apply: the baseline is then the default declaration's merge of
 * the same events (same keys, operations and times), so the ratio is the cost of the declaration's columns.
 * <p>
 * With {@code -Dbench.partial=PERCENT} (a declaration with partial updates only) that share of the UPDATE events is
 * sent partially: such an event carries the attributes of one of the declaration's change groups (its attributes'
 * {@code changesWith}, one group picked per event) and leaves the others empty. The default declaration's merge gets
 * the same events in full: the attributes the partial event leaves empty carry the customer's current values (from its
 * own CUSTOMER, read while loading the batch), so that both say the same change.
 */
final class MergeBenchmark {

    static final int BATCH_EVENTS = 10_000;

    private MergeBenchmark() {
    }

    static void run(final int[] tableSizes, final int warmup, final int rounds) throws Exception {
        final BenchDeclaration declared = BenchDeclaration.fromSystemProperty();
        requirePartialUpdates(declared);
        if (!declared.isDefault()) {
            runAgainstDefault(declared, tableSizes, warmup, rounds);
            return;
        }
        if (PREVIOUS != null) {
            runAgainstPrevious(tableSizes, warmup, rounds);
            return;
        }
        for (final int size : tableSizes) {
            try (SeededDatabases databases = new SeededDatabases(size)) {
                final Connection candidateDb = databases.candidate.connection();
                final Connection baselineDb = databases.baseline.connection();
                // Each side counts its own batches: the harness lets either side go first in a pair of rounds.
                final int[] candidateBatch = {0};
                final int[] baselineBatch = {0};
                // Loading the batch (Snowpipe's work) is not timed; only the merges are.
                Harness.compare(String.format(Locale.ROOT, "merge 10k events into %,d customers (events)", size),
                        () -> loadBatch(candidateDb, "customer_raw", "'batch-" + candidateBatch[0] + ".csv'", size, candidateBatch[0]++),
                        () -> {
                            MergeRunner.run(candidateDb, MergeScript.of(Declaration.defaultDeclaration()));
                            return BATCH_EVENTS;
                        },
                        () -> loadBatch(baselineDb, "tutorial_raw", "'batch-" + baselineBatch[0] + ".csv'", size, baselineBatch[0]++),
                        () -> {
                            tutorialMerge(baselineDb);
                            return BATCH_EVENTS;
                        }, warmup, rounds, true);
            }
        }
    }

    /**
     * A previous release's merge script, {@code -Dbench.previous}: the path of its rendering of the default declaration
     * ({@code sql/04_merge.sql} of that release), or unset.
     */
    private static final String PREVIOUS = System.getProperty("bench.previous", "").isBlank() ? null : System.getProperty("bench.previous");

    /** The previous release's merge of the default declaration, run on this release's tables (see {@link #previousDatabase}). */
    private static MergeScript previousScript() throws IOException {
        return MergeScripts.parse(Files.readString(Path.of(PREVIOUS)));
    }

    /**
     * Makes a database of this release fit the previous release's merge: the receipt's count of in-place updates,
     * which that merge does not write, defaults to 0 (as the release's migration adds it).
     */
    private static void previousDatabase(final Connection db) throws SQLException {
        try (Statement sql = db.createStatement()) {
            sql.execute("ALTER TABLE customer_merge_receipt ALTER COLUMN in_place_updates SET DEFAULT 0");
        }
    }

    /**
     * The default declaration's merge against the previous release's ({@code -Dbench.previous}), each in its own
     * database seeded alike, on the same events: the cost of this release's merge for a declaration that uses none of
     * its new switches, side by side in one run.
     */
    private static void runAgainstPrevious(final int[] tableSizes, final int warmup, final int rounds) throws Exception {
        final MergeScript current = MergeScript.of(Declaration.defaultDeclaration());
        final MergeScript previous = previousScript();
        for (final int size : tableSizes) {
            try (SeededDatabases databases = new SeededDatabases(size)) {
                final Connection candidateDb = databases.candidate.connection();
                final Connection baselineDb = databases.baseline.connection();
                previousDatabase(baselineDb);
                final int[] candidateBatch = {0};
                final int[] baselineBatch = {0};
                Harness.compare(String.format(Locale.ROOT, "merge 10k events into %,d customers vs the previous release's merge (events)", size),
                        () -> loadBatch(candidateDb, "customer_raw", "'batch-" + candidateBatch[0] + ".csv'", size, candidateBatch[0]++),
                        () -> {
                            MergeRunner.run(candidateDb, current);
                            return BATCH_EVENTS;
                        },
                        () -> loadBatch(baselineDb, "customer_raw", "'batch-" + baselineBatch[0] + ".csv'", size, baselineBatch[0]++),
                        () -> {
                            MergeRunner.run(baselineDb, previous);
                            return BATCH_EVENTS;
                        }, warmup, rounds, true);
            }
        }
    }

    /** The declaration's merge against the default declaration's, each in its own database, on the same events. */
    private static void runAgainstDefault(final BenchDeclaration declared, final int[] tableSizes, final int warmup,
                                          final int rounds) throws Exception {
        final Declaration declaration = declared.declaration();
        final Declaration standard = Declaration.defaultDeclaration();
        final List<String> groups = changeGroups(declaration);
        final Sending candidateSending = PARTIAL_PERCENT > 0 ? Sending.PARTIAL : Sending.FULL;
        final Sending baselineSending = PARTIAL_PERCENT > 0 ? Sending.FILLED : Sending.FULL;
        final String partialLabel = PARTIAL_PERCENT > 0
                ? String.format(Locale.ROOT, ", %d%% of updates partial", PARTIAL_PERCENT) : "";
        for (final int size : tableSizes) {
            try (CustomerStore candidate = new CustomerStore("jdbc:duckdb:", false, declaration);
                 CustomerStore baseline = new CustomerStore("jdbc:duckdb:", false, standard)) {
                final Connection candidateDb = candidate.connection();
                final Connection baselineDb = baseline.connection();
                seedCustomers(candidateDb, size, declaration);
                seedCustomers(baselineDb, size, standard);
                final int[] candidateBatch = {0};
                final int[] baselineBatch = {0};
                Harness.compare(String.format(Locale.ROOT, "merge 10k events into %,d customers vs the default declaration's (events)%s%s",
                                size, declared.suffix(), partialLabel),
                        () -> loadBatch(candidateDb, "customer_raw", "'batch-" + candidateBatch[0] + ".csv'", size, candidateBatch[0]++,
                                declaration, groups, candidateSending),
                        () -> {
                            MergeRunner.run(candidateDb, MergeScript.of(declaration));
                            return BATCH_EVENTS;
                        },
                        () -> loadBatch(baselineDb, "customer_raw", "'batch-" + baselineBatch[0] + ".csv'", size, baselineBatch[0]++,
                                standard, groups, baselineSending),
                        () -> {
                            MergeRunner.run(baselineDb, MergeScript.of(standard));
                            return BATCH_EVENTS;
                        }, warmup, rounds, true);
            }
        }
    }

    /**
     * One in-memory database per design, both seeded alike. DuckDB checkpoints inside whichever commit crosses its
     * threshold; in a shared database that commit would also write out the other design's changes. No enforced keys:
     * Snowflake does not enforce them, and the tutorial tables have none either.
     */
    private static final class SeededDatabases implements AutoCloseable {
        final CustomerStore candidate;
        final CustomerStore baseline;

        SeededDatabases(final int size) throws SQLException {
            candidate = new CustomerStore("jdbc:duckdb:", false);
            baseline = new CustomerStore("jdbc:duckdb:", false);
            seed(candidate.connection(), size);
            seed(baseline.connection(), size);
        }

        @Override
        public void close() throws SQLException {
            try (CustomerStore first = candidate; CustomerStore second = baseline) {
                // both closed, the second even if closing the first fails
            }
        }
    }

    /** Both designs start with {@code size} customers, one version each. */
    static void seed(final Connection db, final int size) throws SQLException {
        seedCustomers(db, size, Declaration.defaultDeclaration());
        try (Statement sql = db.createStatement()) {
            sql.execute("CREATE TABLE tutorial_raw AS SELECT * FROM customer_raw WHERE false");
            sql.execute("CREATE TABLE tutorial_customer AS SELECT * FROM customer");
            sql.execute("CREATE TABLE tutorial_history AS SELECT customer_id, first_name, last_name, email, street, city, state, country, "
                    + "valid_from AS start_time, valid_to AS end_time, is_current FROM customer_history");
            sql.execute("CHECKPOINT");
        }
    }

    /** {@code size} customers of {@code declaration}, one version each, merged and checkpointed. */
    private static void seedCustomers(final Connection db, final int size, final Declaration declaration) throws SQLException {
        try (Statement sql = db.createStatement()) {
            sql.execute("UPDATE customer_merge_settings SET lateness_budget_seconds = " + (LATENESS_BUDGET == null ? "NULL" : LATENESS_BUDGET));
            sql.execute("INSERT INTO customer_raw SELECT i, " + attributeValues(declaration, SEED_VALUES, "0") + ", 'INSERT', "
                    + "TIMESTAMP '2025-01-01' + to_microseconds(i), 'seed.csv', i, now() FROM range(1, " + (size + 1) + ") t(i)");
            MergeRunner.run(db, MergeScript.of(declaration));
            sql.execute("CHECKPOINT");
        }
    }

    /** The default attributes' values when seeding and in batches (the batch's number in the e-mail address): SQL over i. */
    private static final Map<String, String> SEED_VALUES = Map.of("first_name", "'First' || i", "last_name", "'Last' || i",
            "email", "'c' || i || '@example.com'", "street", "i || ' Main St'", "city", "'City' || (i % 500)",
            "state", "'State' || (i % 50)", "country", "'United States'");

    private static Map<String, String> batchValues(final int batch) {
        return Map.of("first_name", "'First' || i", "last_name", "'Last' || i",
                "email", "'b' || " + batch + " || '.' || i || '@example.com'", "street", "i || ' Side St'", "city", "'City' || (i % 500)",
                "state", "'State' || (i % 50)", "country", "'United States'");
    }

    /**
     * The SQL values of the declaration's attributes for event i: the default attributes' as above, any other
     * attribute's of its type, varying with i and with {@code variation} (the batch) so that updates change them, and
     * empty for the share of events its declaration leaves empty.
     */
    private static String attributeValues(final Declaration declaration, final Map<String, String> known, final String variation) {
        return declaration.attributes().stream().map(attribute -> attributeValue(attribute, known, variation)).collect(Collectors.joining(", "));
    }

    private static String attributeValue(final Attribute attribute, final Map<String, String> known, final String variation) {
        final String value = known.containsKey(attribute.name()) ? known.get(attribute.name()) : typedValue(attribute, variation);
        final int empty = attribute.generate().emptyPercent();
        return empty > 0 && !known.containsKey(attribute.name())
                ? "CASE WHEN (i + " + variation + ") % 100 < " + empty + " THEN NULL ELSE " + value + " END" : value;
    }

    private static String typedValue(final Attribute attribute, final String variation) {
        final String n = "(i + " + variation + ")";
        final List<String> values = attribute.generate().values();
        return switch (attribute.type()) {
            // A declared list where there is one (its rules may allow nothing else), else text as long as the type allows.
            case AttributeType.Varchar varchar -> values != null
                    ? "[" + values.stream().map(v -> "'" + v.replace("'", "''") + "'").collect(Collectors.joining(", ")) + "]"
                            + "[1 + " + n + " % " + values.size() + "]"
                    : "left('" + attribute.name() + " ' || " + n + ", " + varchar.length() + ")";
            case AttributeType.Number number -> "CAST(" + n + " % " + (long) Math.pow(10, Math.min(number.precision() - number.scale(), 6))
                    + (number.scale() > 0 ? " + 0.25" : "") + " AS DECIMAL(" + number.precision() + "," + number.scale() + "))";
            case AttributeType.Boolean ignored -> n + " % 2 = 0";
            case AttributeType.Date ignored -> "DATE '1950-01-01' + CAST(" + n + " % 20000 AS INTEGER)";
            case AttributeType.TimestampNtz ignored -> "TIMESTAMP '2020-01-01' + to_seconds(" + n + " % 100000000)";
        };
    }

    /**
     * The candidate's lateness budget in seconds, {@code -Dbench.budget}; by default none, so that every late event
     * (here 1.5 years late) is placed, as the tutorial comparison always measured and as the rebuild does.
     */
    static final Long LATENESS_BUDGET = System.getProperty("bench.budget", "").isEmpty() ? null : Long.valueOf(System.getProperty("bench.budget"));

    /** Percentage of late updates per batch, {@code -Dbench.late} (0 to 5): the rest of the 5% are updates in order. */
    private static final int LATE_PERCENT = latePercent();

    private static int latePercent() {
        final int percent = Integer.parseInt(System.getProperty("bench.late", "5"));
        if (percent < 0 || percent > 5) {
            throw new IllegalArgumentException("bench.late must be 0 to 5, not " + percent);
        }
        return percent;
    }

    /** Percentage of UPDATE events sent partially, {@code -Dbench.partial} (0 to 100, default 0). */
    private static final int PARTIAL_PERCENT = partialPercent();

    private static int partialPercent() {
        final int percent = Integer.parseInt(System.getProperty("bench.partial", "0"));
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("bench.partial must be 0 to 100, not " + percent);
        }
        return percent;
    }

    /** How a batch's events carry their attributes. */
    enum Sending {
        /** Every attribute, as a source sending whole rows does. */
        FULL,
        /** An UPDATE drawn as partial carries the attributes of one change group, the others empty. */
        PARTIAL,
        /** The same events as {@link #PARTIAL} in full: what it leaves empty, the customer's values in CUSTOMER. */
        FILLED
    }

    private static void requirePartialUpdates(final BenchDeclaration declared) {
        if (PARTIAL_PERCENT > 0 && !declared.declaration().partialUpdates()) {
            throw new IllegalArgumentException("bench.partial needs a declaration with partialUpdates true (e.g. -Dbench.declaration=customer-partial)");
        }
    }

    /** The declaration's change groups ({@code changesWith}), in declared order: what one partial UPDATE changes. */
    static List<String> changeGroups(final Declaration declaration) {
        return declaration.attributes().stream().map(attribute -> attribute.generate().changesWith())
                .filter(group -> group != null).distinct().toList();
    }

    /**
     * 10k events: 60% updates of existing customers, 25% new customers, 10% deletes, 5% late updates (event time
     * before the customer's current version; see {@link #LATE_PERCENT}). A few customers get several events in one batch.
     */
    static void loadBatch(final Connection db, final String table, final String file, final int size, final int batch) throws SQLException {
        loadBatch(db, table, file, size, batch, Declaration.defaultDeclaration());
    }

    /** The same events with {@code declaration}'s attributes: the same keys, operations and times for any declaration. */
    static void loadBatch(final Connection db, final String table, final String file, final int size, final int batch,
                          final Declaration declaration) throws SQLException {
        loadBatch(db, table, file, size, batch, declaration, List.of(), Sending.FULL);
    }

    /**
     * The same events, their attributes sent as {@code sending} says; {@code groups} are the change groups a partial
     * UPDATE picks one of (the same list on both sides of a comparison, so that both pick alike). With
     * {@link Sending#FULL} the events are those of the method above, whatever the groups.
     */
    static void loadBatch(final Connection db, final String table, final String file, final int size, final int batch,
                          final Declaration declaration, final List<String> groups, final Sending sending) throws SQLException {
        final long base = size + 1L + (long) batch * BATCH_EVENTS;
        final String values = sending == Sending.FULL
                ? attributeValues(declaration, batchValues(batch), Integer.toString(batch))
                : partialValues(declaration, batchValues(batch), Integer.toString(batch), groups, sending);
        try (Statement sql = db.createStatement()) {
            sql.execute("INSERT INTO " + table + " SELECT e.customer_id, " + values + ", e.op, e.updated_at, " + file + ", i, now() "
                    + "FROM (SELECT i, customer_id, op, updated_at, "
                    + "             op = 'UPDATE' AND hash(i, " + batch + ", 'p') % 100 < " + PARTIAL_PERCENT + " AS is_partial, "
                    + "             hash(i, " + batch + ", 'g') % " + Math.max(groups.size(), 1) + " AS change_group "
                    + "      FROM (SELECT i, "
                    + "CASE WHEN k < 60 THEN 1 + hash(i, " + batch + ") % " + size + " WHEN k < 85 THEN " + base + " + i "
                    + "     ELSE 1 + hash(i, " + batch + ", 'd') % " + size + " END AS customer_id, "
                    + "CASE WHEN k < 60 THEN 'UPDATE' WHEN k < 85 THEN 'INSERT' WHEN k < 95 THEN 'DELETE' ELSE 'UPDATE' END AS op, "
                    + "CASE WHEN k >= " + (100 - LATE_PERCENT) + " THEN TIMESTAMP '2024-06-01' + to_microseconds(i) "
                    + "     ELSE TIMESTAMP '2026-01-01' + to_microseconds(" + batch + " * 100000 + i) END AS updated_at "
                    + "FROM (SELECT i, i % 100 AS k FROM range(0, " + BATCH_EVENTS + ") t(i)))) AS e"
                    + (sending == Sending.FILLED ? " LEFT JOIN customer AS c ON c.customer_id = e.customer_id" : ""));
        }
    }

    /**
     * {@link #attributeValues} for a batch with partial UPDATEs: an attribute outside the event's change group is
     * empty ({@link Sending#PARTIAL}) or the customer's current value, its own where the customer has no row yet
     * ({@link Sending#FILLED}).
     */
    private static String partialValues(final Declaration declaration, final Map<String, String> known, final String variation,
                                        final List<String> groups, final Sending sending) {
        return declaration.attributes().stream().map(attribute -> {
            final String value = attributeValue(attribute, known, variation);
            final String changesWith = attribute.generate().changesWith();
            final int group = changesWith == null ? -1 : groups.indexOf(changesWith);
            final String carried = group < 0 ? "NOT e.is_partial" : "(NOT e.is_partial OR e.change_group = " + group + ")";
            return "CASE WHEN " + carried + " THEN " + value + (sending == Sending.FILLED ? " ELSE COALESCE(c." + attribute.name() + ", " + value + ")" : "")
                    + " END";
        }).collect(Collectors.joining(", "));
    }

    /**
     * The tutorial's design, given the dedupe without which its MERGE fails on duplicate keys. The history update
     * stands in for the stream on the customer table (the keys the batch touched, which Snowflake would hand over
     * for free); the final DELETE is the TRUNCATE, the step that loses rows loaded meanwhile.
     */
    static final List<String> TUTORIAL_STATEMENTS = List.of("""
            MERGE INTO tutorial_customer AS c
            USING (SELECT * FROM tutorial_raw QUALIFY ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY updated_at DESC) = 1) AS r
            ON c.customer_id = r.customer_id
            WHEN MATCHED AND r.op = 'DELETE' THEN DELETE
            WHEN MATCHED AND (c.first_name <> r.first_name OR c.last_name <> r.last_name OR c.email <> r.email
                OR c.street <> r.street OR c.city <> r.city OR c.state <> r.state OR c.country <> r.country) THEN UPDATE SET
                first_name = r.first_name, last_name = r.last_name, email = r.email, street = r.street,
                city = r.city, state = r.state, country = r.country, updated_at = r.updated_at
            WHEN NOT MATCHED AND r.op <> 'DELETE' THEN INSERT
                (customer_id, first_name, last_name, email, street, city, state, country, row_hash, updated_at, is_deleted)
                VALUES (r.customer_id, r.first_name, r.last_name, r.email, r.street, r.city, r.state, r.country, '', r.updated_at, false)""", """
            UPDATE tutorial_history AS h SET end_time = r.updated_at, is_current = false
            FROM (SELECT customer_id, MAX(updated_at) AS updated_at FROM tutorial_raw GROUP BY customer_id) AS r
            WHERE h.customer_id = r.customer_id AND h.is_current""", """
            INSERT INTO tutorial_history
            SELECT c.customer_id, c.first_name, c.last_name, c.email, c.street, c.city, c.state, c.country,
                   c.updated_at, NULL, true
            FROM tutorial_customer AS c
            WHERE c.customer_id IN (SELECT customer_id FROM tutorial_raw)""",
            "DELETE FROM tutorial_raw");

    private static void tutorialMerge(final Connection db) throws SQLException {
        runTimed(db, TUTORIAL_STATEMENTS, new long[TUTORIAL_STATEMENTS.size() + 1]);
    }

    /**
     * Where the time goes: the same batches as {@link #run}, each statement of both designs timed on its own (and the
     * commit), medians in milliseconds. For finding the next thing to speed up, not for the ratio.
     */
    static void statements(final int[] tableSizes, final int warmup, final int rounds) throws Exception {
        final BenchDeclaration declared = BenchDeclaration.fromSystemProperty();
        requirePartialUpdates(declared);
        final Declaration declaration = declared.declaration();
        final Declaration standard = Declaration.defaultDeclaration();
        final List<String> candidate = MergeScript.of(declaration).statements();
        // The baseline: the tutorial's statements; with -Dbench.previous the previous release's merge; with another
        // declaration the default declaration's merge (of the same events in full, with -Dbench.partial).
        final List<String> baseline = !declared.isDefault() ? MergeScript.of(standard).statements()
                : PREVIOUS == null ? TUTORIAL_STATEMENTS : previousScript().statements();
        final String baselineTable = declared.isDefault() && PREVIOUS == null ? "tutorial_raw" : "customer_raw";
        final String baselineName = !declared.isDefault() ? "  default  " : PREVIOUS == null ? "  baseline " : "  previous ";
        final List<String> groups = changeGroups(declaration);
        final Sending candidateSending = PARTIAL_PERCENT > 0 ? Sending.PARTIAL : Sending.FULL;
        final Sending baselineSending = PARTIAL_PERCENT > 0 ? Sending.FILLED : Sending.FULL;
        for (final int size : tableSizes) {
            try (CustomerStore candidateStore = new CustomerStore("jdbc:duckdb:", false, declaration);
                 CustomerStore baselineStore = new CustomerStore("jdbc:duckdb:", false, declared.isDefault() ? declaration : standard)) {
                final Connection candidateDb = candidateStore.connection();
                final Connection baselineDb = baselineStore.connection();
                if (declared.isDefault()) {
                    seed(candidateDb, size);
                    seed(baselineDb, size);
                } else {
                    seedCustomers(candidateDb, size, declaration);
                    seedCustomers(baselineDb, size, standard);
                }
                if (declared.isDefault() && PREVIOUS != null) {
                    previousDatabase(baselineDb);
                }
                final long[][] candidateNanos = new long[rounds][candidate.size() + 1];
                final long[][] baselineNanos = new long[rounds][baseline.size() + 1];
                for (int round = -warmup; round < rounds; round++) {
                    final int batch = round + warmup;
                    // The sides still take turns going first, as in the harness.
                    for (int turn = 0; turn < 2; turn++) {
                        if ((turn + batch) % 2 == 0) {
                            loadBatch(candidateDb, "customer_raw", "'batch-" + batch + ".csv'", size, batch, declaration, groups, candidateSending);
                            runTimed(candidateDb, candidate, round < 0 ? new long[candidate.size() + 1] : candidateNanos[round]);
                        } else {
                            loadBatch(baselineDb, baselineTable, "'batch-" + batch + ".csv'", size, batch, standard, groups, baselineSending);
                            runTimed(baselineDb, baseline, round < 0 ? new long[baseline.size() + 1] : baselineNanos[round]);
                        }
                    }
                }
                System.out.printf(Locale.ROOT, "merge statements into %,d customers, median ms per batch of %,d events%s%n", size, BATCH_EVENTS,
                        declared.suffix());
                print("  candidate", candidate, candidateNanos);
                print(baselineName, baseline, baselineNanos);
            }
        }
    }

    /** Runs the statements in one transaction, adding each one's duration (and the commit's, last) to {@code nanos}. */
    private static void runTimed(final Connection db, final List<String> statements, final long[] nanos) throws SQLException {
        db.setAutoCommit(false);
        try (Statement sql = db.createStatement()) {
            for (int i = 0; i < statements.size(); i++) {
                final long started = System.nanoTime();
                sql.execute(statements.get(i));
                nanos[i] += System.nanoTime() - started;
            }
            final long started = System.nanoTime();
            db.commit();
            nanos[statements.size()] += System.nanoTime() - started;
        } catch (final SQLException | RuntimeException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(true);
        }
    }

    private static void print(final String side, final List<String> statements, final long[][] nanos) {
        final StringBuilder line = new StringBuilder(side);
        for (int i = 0; i <= statements.size(); i++) {
            final double[] millis = new double[nanos.length];
            for (int round = 0; round < nanos.length; round++) {
                millis[round] = nanos[round][i] / 1e6;
            }
            Arrays.sort(millis);
            final String label = i < statements.size() ? String.join(" ", Arrays.copyOf(statements.get(i).strip().split("\\s+"), 3)) : "COMMIT";
            line.append(String.format(Locale.ROOT, " | %s %.0f", label, millis[millis.length / 2]));
        }
        System.out.println(line);
    }
}
