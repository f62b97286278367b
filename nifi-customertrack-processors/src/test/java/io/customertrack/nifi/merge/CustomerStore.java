package io.customertrack.nifi.merge;

import io.customertrack.declaration.Attribute;
import io.customertrack.declaration.AttributeType;
import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.check.EventTimes;
import io.customertrack.nifi.customer.CustomerEvent;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The CustomerTrack tables on a JDBC connection, for running the real merge script in tests and reading the result: an
 * embedded DuckDB it creates, or any existing warehouse ({@link #on(Connection)}, e.g. fakesnow through snowflake-jdbc).
 * Timestamps are read with getTimestamp: snowflake-jdbc 4.0.0 does not support getObject(.., LocalDateTime.class).
 */
public final class CustomerStore implements AutoCloseable {

    /** An embedded in-memory DuckDB. */
    public static final String IN_MEMORY = "jdbc:duckdb:";

    private final Connection connection;
    private final Declaration declaration;

    public CustomerStore() throws SQLException {
        this(IN_MEMORY);
    }

    public CustomerStore(final String url) throws SQLException {
        this(url, true);
    }

    /**
     * @param enforceKeys false as on Snowflake, which does not enforce the declared primary keys (property tests, benchmarks)
     */
    public CustomerStore(final String url, final boolean enforceKeys) throws SQLException {
        this(url, enforceKeys, Declaration.defaultDeclaration());
    }

    /** The tables and merge of {@code declaration}'s rendering, on a DuckDB it creates. */
    public CustomerStore(final String url, final boolean enforceKeys, final Declaration declaration) throws SQLException {
        this.connection = open(url);
        this.declaration = declaration;
        createSchema(enforceKeys);
    }

    private CustomerStore(final Connection connection, final Declaration declaration) {
        this.connection = connection;
        this.declaration = declaration;
    }

    /** The tables on a connection the caller opened (and closes with this store). */
    public static CustomerStore on(final Connection connection) {
        return on(connection, Declaration.defaultDeclaration());
    }

    /** The tables of {@code declaration} on a connection the caller opened (and closes with this store). */
    public static CustomerStore on(final Connection connection, final Declaration declaration) {
        return new CustomerStore(connection, declaration);
    }

    public Declaration declaration() {
        return declaration;
    }

    private void createSchema(final boolean enforceKeys) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (final String ddl : MergeScript.split(resource("/duckdb/snowflake-types.sql"))) {
                statement.execute(ddl);
            }
            for (final String ddl : SnowflakeDdl.createTables(declaration, enforceKeys)) {
                statement.execute(ddl);
            }
            statement.execute(SnowflakeDdl.statement(declaration, "03_scd_tables.sql", "INSERT INTO CUSTOMER_MERGE_SETTINGS"));
            statement.execute(SnowflakeDdl.statement(declaration, "03_scd_tables.sql", "INSERT INTO CUSTOMER_MERGE_LOCK"));
            for (final String ddl : MergeScript.split(SnowflakeDdl.streamView())) {
                statement.execute(ddl);
            }
            statement.execute(SnowflakeDdl.customerAsOfMacro(declaration));
        }
    }

    /** A DuckDB connection that never tries to download extensions (there is no network in CI). */
    public static Connection open(final String url) throws SQLException {
        final Properties properties = new Properties();
        properties.setProperty("autoinstall_known_extensions", "false");
        properties.setProperty("autoload_known_extensions", "false");
        return DriverManager.getConnection(url, properties);
    }

    public Connection connection() {
        return connection;
    }

    /**
     * Appends events to customer_raw as if Snowpipe had loaded them from {@code sourceFile}. Values are bound as text and
     * cast to their declared types, as COPY reads the CSV; a time is bound without its zone, which TIMESTAMP_NTZ drops.
     */
    public void load(final String sourceFile, final Collection<CustomerEvent> events) throws SQLException {
        final List<Attribute> attributes = declaration.attributes();
        final List<String> values = new ArrayList<>(List.of("?"));
        attributes.forEach(attribute -> values.add(attribute.type() instanceof AttributeType.Varchar ? "?" : "CAST(? AS " + castType(attribute.type()) + ")"));
        values.addAll(List.of("?", "?", "?", "?", "?"));
        // The values in declared order (not the file's, where a migration's attributes come after updated_at).
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO customer_raw (customer_id, "
                + String.join(", ", declaration.names()) + ", op, updated_at, source_file, source_row_number, loaded_at) VALUES ("
                + String.join(", ", values) + ")")) {
            long row = 1;
            final int n = attributes.size();
            for (final CustomerEvent event : events) {
                insert.setLong(1, event.customerId());
                for (int i = 0; i < n; i++) {
                    final String value = event.values().get(i);
                    insert.setString(2 + i, value != null && attributes.get(i).type() instanceof AttributeType.TimestampNtz
                            ? Timestamp.valueOf(LocalDateTime.ofInstant(Instant.parse(value), ZoneOffset.UTC)).toString() : value);
                }
                insert.setString(n + 2, event.op().name());
                insert.setTimestamp(n + 3, Timestamp.valueOf(Events.utc(event)));
                insert.setString(n + 4, sourceFile);
                insert.setLong(n + 5, row++);
                insert.setTimestamp(n + 6, Timestamp.from(Instant.now()));
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    /** The type as both DuckDB and Snowflake spell it (DuckDB knows no NUMBER; the column, TIMESTAMP_NTZ, drops no digit). */
    private static String castType(final AttributeType type) {
        return switch (type) {
            case AttributeType.Number number -> "DECIMAL(" + number.precision() + "," + number.scale() + ")";
            case AttributeType.TimestampNtz ignored -> "TIMESTAMP";
            default -> type.sql();
        };
    }

    /** Runs the merge script's statements in one transaction, as the procedure and the processor do. Returns row counts. */
    public Map<MergeScript.Step, Long> merge() throws SQLException {
        return runMerge(connection, MergeScript.of(declaration));
    }

    /**
     * The steps whose row counts {@link #runMerge} reports: all but the lock (one row, every merge) and the clearing of
     * the previous merge's plan, which depends on that merge rather than this one.
     */
    private static final List<MergeScript.Step> COUNTED_STEPS = Arrays.stream(MergeScript.Step.values())
            .filter(step -> step != MergeScript.Step.MERGE_LOCK && step != MergeScript.Step.PLAN_CLEAR).toList();

    /**
     * Two merges over the same stream rows: what a merge that waited for a concurrent one sees on Snowflake, where the
     * stream is fixed when the transaction begins but every table is read as committed when each statement begins (so
     * the second sees the first one's results, and the same stream rows). The stand-in stream is pinned to these files
     * for both merges, then restored. Returns the second merge's row counts.
     */
    public Map<MergeScript.Step, Long> mergeTwiceOverTheSameStreamRows(final Collection<String> files) throws SQLException {
        pinStream(files);
        try {
            runMerge(connection, MergeScript.of(declaration));
            return runMerge(connection, MergeScript.of(declaration));
        } finally {
            restoreStream();
        }
    }

    /** The stand-in stream as a fixed set of files, as a Snowflake stream is fixed for one transaction. */
    public void pinStream(final Collection<String> files) throws SQLException {
        final String names = files.isEmpty() ? "NULL"
                : String.join(", ", files.stream().map(file -> "'" + file.replace("'", "''") + "'").toList());
        execute("CREATE OR REPLACE VIEW customer_raw_stream AS SELECT * FROM customer_raw WHERE source_file IN (" + names + ")");
    }

    /** flows/local/stream-view.sql again: the stream as every file not yet merged. */
    public void restoreStream() throws SQLException {
        for (final String ddl : MergeScript.split(SnowflakeDdl.streamView())) {
            execute(ddl);
        }
    }

    /** Rows each merge statement affected, from {@link MergeRunner}. */
    public static Map<MergeScript.Step, Long> runMerge(final Connection connection) throws SQLException {
        return runMerge(connection, MergeScript.of(Declaration.defaultDeclaration()));
    }

    /** Rows each statement of {@code script} affected. */
    public static Map<MergeScript.Step, Long> runMerge(final Connection connection, final MergeScript script) throws SQLException {
        final MergeRunner.Result result = MergeRunner.run(connection, script);
        final Map<MergeScript.Step, Long> counts = new EnumMap<>(MergeScript.Step.class);
        for (final MergeScript.Step step : COUNTED_STEPS) {
            counts.put(step, result.step(step).affected());
        }
        return counts;
    }

    /** Row counts as {@link #runMerge} has them, of a merge that touched only the steps named (step, count, ...). */
    public static Map<MergeScript.Step, Long> counts(final Object... stepsAndCounts) {
        final Map<MergeScript.Step, Long> counts = new EnumMap<>(MergeScript.Step.class);
        for (final MergeScript.Step step : COUNTED_STEPS) {
            counts.put(step, 0L);
        }
        for (int i = 0; i < stepsAndCounts.length; i += 2) {
            counts.put((MergeScript.Step) stepsAndCounts[i], ((Number) stepsAndCounts[i + 1]).longValue());
        }
        return counts;
    }

    public List<ScdModel.Version> history() throws SQLException {
        final List<ScdModel.Version> rows = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT * FROM customer_history ORDER BY customer_id, valid_from")) {
            while (rs.next()) {
                rows.add(new ScdModel.Version(rs.getLong("CUSTOMER_ID"), attributes(rs), rs.getString("ROW_HASH"),
                        time(rs, "VALID_FROM"), time(rs, "VALID_TO"),
                        rs.getBoolean("IS_CURRENT")));
            }
        }
        return rows;
    }

    public List<ScdModel.Current> customers() throws SQLException {
        final List<ScdModel.Current> rows = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT * FROM customer ORDER BY customer_id")) {
            while (rs.next()) {
                rows.add(new ScdModel.Current(rs.getLong("CUSTOMER_ID"), attributes(rs), rs.getString("ROW_HASH"),
                        time(rs, "UPDATED_AT"), rs.getBoolean("IS_DELETED"),
                        time(rs, "DELETED_AT")));
            }
        }
        return rows;
    }

    /** sql/03's CUSTOMER_AS_OF(ts): customer id to the attributes of each customer live at event time {@code asOf}. */
    public Map<Long, List<String>> customersAsOf(final LocalDateTime asOf) throws SQLException {
        final Map<Long, List<String>> customers = new TreeMap<>();
        try (PreparedStatement query = connection.prepareStatement("SELECT * FROM customer_as_of(?::TIMESTAMP)")) {
            query.setTimestamp(1, Timestamp.valueOf(asOf));
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    if (customers.put(rs.getLong("CUSTOMER_ID"), attributes(rs)) != null) {
                        throw new IllegalStateException("two versions of customer " + rs.getLong("CUSTOMER_ID") + " at " + asOf);
                    }
                }
            }
        }
        return customers;
    }

    /** Every event in customer_raw, in load order. */
    public List<CustomerEvent> rawEvents() throws SQLException {
        final List<CustomerEvent> events = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT * FROM customer_raw ORDER BY source_file, source_row_number")) {
            while (rs.next()) {
                events.add(new CustomerEvent(rs.getLong("CUSTOMER_ID"), CustomerEvent.Operation.valueOf(rs.getString("OP")),
                        time(rs, "UPDATED_AT").toInstant(ZoneOffset.UTC), attributes(rs)));
            }
        }
        return events;
    }

    public ScdModel.State state() throws SQLException {
        return new ScdModel.State(history(), customers());
    }

    /** CUSTOMER_MERGE_WATERMARK by customer_id. */
    public Map<Long, LocalDateTime> watermarks() throws SQLException {
        final Map<Long, LocalDateTime> watermarks = new TreeMap<>();
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT customer_id, last_event_at FROM customer_merge_watermark")) {
            while (rs.next()) {
                watermarks.put(rs.getLong(1), time(rs, "LAST_EVENT_AT"));
            }
        }
        return watermarks;
    }

    /** CUSTOMER_MERGE_QUARANTINE, in a fixed order. */
    public List<ScdModel.Quarantined> quarantined() throws SQLException {
        final List<ScdModel.Quarantined> rows = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT customer_id, op, updated_at, reason FROM customer_merge_quarantine")) {
            while (rs.next()) {
                rows.add(new ScdModel.Quarantined(rs.getLong(1), rs.getString(2), time(rs, "UPDATED_AT"),
                        ScdModel.QuarantineReason.valueOf(rs.getString(4).toUpperCase(Locale.ROOT))));
            }
        }
        rows.sort(QUARANTINE_ORDER);
        return rows;
    }

    public static final Comparator<ScdModel.Quarantined> QUARANTINE_ORDER = Comparator.comparing(ScdModel.Quarantined::customerId)
            .thenComparing(ScdModel.Quarantined::updatedAt).thenComparing(ScdModel.Quarantined::op)
            .thenComparing(ScdModel.Quarantined::reason);

    /**
     * SUM(noop_updates) and SUM(in_place_updates) over the receipts of {@code files} (0 for no receipt), as the model
     * counts a merge's new events.
     */
    public ScdModel.Counts receiptCounts(final Collection<String> files) throws SQLException {
        final String where = " FROM customer_merge_receipt WHERE source_file IN (" + quoted(files) + ")";
        return new ScdModel.Counts(count("SELECT COALESCE(SUM(noop_updates), 0)" + where),
                count("SELECT COALESCE(SUM(in_place_updates), 0)" + where));
    }

    /**
     * The audit's UPDATED rows caused by {@code files}, by customer and start; each must say its end did not move
     * (previous_valid_to = valid_to) and its content changed.
     */
    public List<ScdModel.Updated> updatedVersions(final Collection<String> files) throws SQLException {
        final List<ScdModel.Updated> rows = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT customer_id, valid_from, valid_to, previous_valid_to, content_changed"
                     + " FROM customer_history_recut WHERE change_kind = 'UPDATED' AND caused_by_file IN (" + quoted(files) + ")"
                     + " ORDER BY customer_id, valid_from")) {
            while (rs.next()) {
                final ScdModel.Updated row = new ScdModel.Updated(rs.getLong(1), time(rs, "VALID_FROM"), time(rs, "VALID_TO"));
                if (!Objects.equals(row.validTo(), time(rs, "PREVIOUS_VALID_TO")) || !rs.getBoolean("CONTENT_CHANGED")) {
                    throw new IllegalStateException("an UPDATED audit row with previous_valid_to " + time(rs, "PREVIOUS_VALID_TO")
                            + " and content_changed " + rs.getBoolean("CONTENT_CHANGED") + ": " + row);
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private static String quoted(final Collection<String> files) {
        return files.isEmpty() ? "NULL" : String.join(", ", files.stream().map(file -> "'" + file.replace("'", "''") + "'").toList());
    }

    /** Deletes every row of every CustomerTrack table but the seeded one-row tables: merge settings and lock. */
    public void emptyTables() throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (final String table : SnowflakeDdl.tableNames()) {
                if (!table.equals("CUSTOMER_MERGE_SETTINGS") && !table.equals("CUSTOMER_MERGE_LOCK")) {
                    statement.execute("DELETE FROM " + table);
                }
            }
        }
    }

    /** Sets CUSTOMER_MERGE_SETTINGS.lateness_budget_seconds (null: no budget). */
    public void latenessBudget(final Long seconds) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE customer_merge_settings SET lateness_budget_seconds = ?")) {
            if (seconds == null) {
                update.setNull(1, Types.BIGINT);
            } else {
                update.setLong(1, seconds);
            }
            if (update.executeUpdate() != 1) {
                throw new IllegalStateException("customer_merge_settings should hold one row");
            }
        }
    }

    public void execute(final String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** The first column of every row the query returns, as text. */
    public List<String> rows(final String sql) throws SQLException {
        final List<String> rows = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }

    public long count(final String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static LocalDateTime time(final ResultSet rs, final String column) throws SQLException {
        final Timestamp value = rs.getTimestamp(column);
        return value == null ? null : value.toLocalDateTime();
    }

    /** The declared attributes of the current row, each in its canonical text (as events carry it), so rows and model compare. */
    private List<String> attributes(final ResultSet rs) throws SQLException {
        final List<String> values = new ArrayList<>();
        for (final Attribute attribute : declaration.attributes()) {
            values.add(canonical(rs, attribute.name().toUpperCase(Locale.ROOT), attribute.type()));
        }
        return values;
    }

    /**
     * A column as canonical text: a NUMBER without the trailing fraction zeros its scale gives it, a BOOLEAN as true or
     * false, a DATE as yyyy-MM-dd (the default output format of both engines), a TIMESTAMP_NTZ as {@link EventTimes#format}.
     */
    private static String canonical(final ResultSet rs, final String column, final AttributeType type) throws SQLException {
        return switch (type) {
            case AttributeType.Varchar ignored -> rs.getString(column);
            case AttributeType.Number ignored -> {
                final BigDecimal number = rs.getBigDecimal(column);
                yield number == null ? null : number.stripTrailingZeros().toPlainString();
            }
            case AttributeType.Boolean ignored -> {
                final boolean value = rs.getBoolean(column);
                yield rs.wasNull() ? null : Boolean.toString(value);
            }
            case AttributeType.Date ignored -> rs.getString(column);
            case AttributeType.TimestampNtz ignored -> {
                final LocalDateTime time = time(rs, column);
                yield time == null ? null : EventTimes.format(time.toInstant(ZoneOffset.UTC));
            }
        };
    }

    static String resource(final String name) {
        try (InputStream in = CustomerStore.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " not on the test classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
