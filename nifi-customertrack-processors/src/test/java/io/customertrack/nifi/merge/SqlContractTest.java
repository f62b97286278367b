package io.customertrack.nifi.merge;

import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.sql.SqlRenderer;
import io.customertrack.nifi.ProjectFiles;
import io.customertrack.declaration.Attribute;
import io.customertrack.declaration.AttributeType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keeps the Java side and sql/ in step: the merge script by step, column sizes and the pipe's column order. */
class SqlContractTest {

    private static final Path SQL = ProjectFiles.resolve("sql");

    private static String read(final String file) throws IOException {
        return Files.readString(SQL.resolve(file), StandardCharsets.UTF_8);
    }

    @Test
    void theMergeRunsSql04sStatementsByTheirStepNames() throws IOException {
        final MergeScript sql04 = MergeScript.parse(read("04_merge.sql"));
        assertEquals(List.of(MergeScript.Step.values()), sql04.steps(), "every step once, in the order the enum lists them");
        assertEquals(sql04.statements(), MergeScript.of(Declaration.defaultDeclaration()).statements());
        assertTrue(sql04.statement(MergeScript.Step.CUSTOMER_INSERT).startsWith("INSERT INTO customer\n"));
        assertTrue(sql04.statement(MergeScript.Step.RAW_ERASE).startsWith("UPDATE customer_raw\n"));
        assertEquals(List.of("UPDATE customer_merge_receipt SET merge_query_id = ? WHERE merge_query_id IS NULL",
                "UPDATE customer_erasure SET merge_query_id = ? WHERE merge_query_id IS NULL"), MergeScript.of(Declaration.defaultDeclaration()).queryIdStatements());
        // The procedure's IF around the scrub of CUSTOMER_RAW, read as the runner's guard of that one step.
        assertEquals("SELECT COUNT(*) > 0 FROM customer_raw_stream AS s JOIN customer_erasure AS e ON e.customer_id = s.customer_id",
                MergeScript.of(Declaration.defaultDeclaration()).guard(MergeScript.Step.RAW_ERASE).replaceAll("\\s+", " "));
    }

    /**
     * Snowflake picks any row among ties of MIN_BY/MAX_BY's key or ROW_NUMBER's order, so every such choice must order by
     * a key: MIN_BY/MAX_BY only by CUSTOMER_HISTORY's valid_from within one customer (its declared key, which sql/05
     * checks), every ROW_NUMBER down to a CUSTOMER_RAW row (source_file, source_row_number). LAG/LEAD run over events
     * already one per customer and time.
     */
    @Test
    void everyChoiceAmongRowsInTheMergeHasATotalOrder() {
        final String script = String.join(";\n", MergeScript.of(Declaration.defaultDeclaration()).statements()).replaceAll("\\s+", " ");
        final List<String> byKeys = fragments(script, "(?:MIN|MAX)_BY\\([^()]*(?:\\([^()]*\\)[^()]*)*\\)");
        assertFalse(byKeys.isEmpty());
        byKeys.forEach(call -> assertTrue(call.endsWith(", h.valid_from)"), "ordered by CUSTOMER_HISTORY's key: " + call));
        for (final String statement : MergeScript.of(Declaration.defaultDeclaration()).statements()) {
            if (statement.contains("_BY(")) {
                assertTrue(statement.contains("GROUP BY h.customer_id") || statement.contains("GROUP BY o.customer_id"),
                        "MIN_BY/MAX_BY per customer: " + statement.lines().findFirst().orElse(""));
            }
        }
        final List<String> rowNumbers = fragments(script, "ROW_NUMBER\\(\\) OVER \\(PARTITION BY [^)]*?ORDER BY .*?\\) = 1");
        assertEquals(3, rowNumbers.size(), rowNumbers.toString());
        rowNumbers.forEach(window -> assertTrue(window.endsWith("source_file, source_row_number) = 1"), "ends at a raw row: " + window));
    }

    /**
     * Fragments that appear in more than one statement: the row hash (SCD2 source, SCD1 insert), the newest version per
     * customer (SCD1 merge, SCD1 insert) and the end of that version (also in the SCD2 anchors). Copies must not drift apart.
     */
    @Test
    void repeatedFragmentsOfTheMergeAreIdentical() {
        final String script = String.join(";\n", MergeScript.of(Declaration.defaultDeclaration()).statements()).replaceAll("\\s+", " ");
        final List<String> hashes = fragments(script, "MD5\\(COALESCE\\(CAST\\(LENGTH\\((\\w)\\.first_name.*?\\) AS row_hash");
        assertEquals(2, hashes.size(), "row hash expressions");
        assertEquals(hashes.get(0).replace("p.", "s."), hashes.get(1));
        final List<String> latest = fragments(script, "SELECT h\\.customer_id, MAX\\(h\\.valid_from\\).*?GROUP BY h\\.customer_id");
        assertEquals(2, latest.size(), "newest-version subqueries");
        assertEquals(latest.get(0), latest.get(1));
        final List<String> newestEnds = fragments(script, "NULLIF\\(MAX_BY\\(COALESCE\\(h\\.valid_to, .*?\\), h\\.valid_from\\), .*?\\)");
        assertEquals(3, newestEnds.size(), "end of the newest version: SCD2 anchors, SCD1 merge, SCD1 insert");
        assertEquals(1, Set.copyOf(newestEnds).size(), newestEnds.toString());
        // The erasure receipt counts exactly the CUSTOMER_RAW rows the scrub clears: the same files, the same values.
        final List<String> rawRows = fragments(script, "AND \\(source_file IN \\(SELECT source_file FROM customer_merge_log\\).*?country IS NOT NULL\\)");
        assertEquals(2, rawRows.size(), "CUSTOMER_RAW rows of the erasure: receipt count, scrub");
        assertEquals(rawRows.get(0), rawRows.get(1));
    }

    private static List<String> fragments(final String text, final String regex) {
        return Pattern.compile(regex).matcher(text).results().map(MatchResult::group).toList();
    }

    @Test
    void monitoringInvariantsAreFoundForThePropertyTest() {
        final List<String> invariants = SnowflakeDdl.invariantQueries();
        assertEquals(SnowflakeDdl.declaredKeys().size() + 4, invariants.size(), invariants.toString());
        invariants.forEach(query -> assertTrue(query.startsWith("SELECT "), query));
    }

    /** Snowflake enforces no declared key: sql/05 has a query that returns the duplicates of each one. */
    @Test
    void everyDeclaredKeyHasItsDuplicateQueryInMonitoring() {
        final List<SnowflakeDdl.Key> keys = SnowflakeDdl.declaredKeys();
        assertEquals(List.of("CUSTOMER(customer_id)", "CUSTOMER_HISTORY(customer_id, valid_from)", "CUSTOMER_MERGE_LOG(source_file)",
                        "CUSTOMER_MERGE_WATERMARK(customer_id)", "CUSTOMER_MERGE_QUARANTINE(source_file, source_row_number)",
                        "CUSTOMER_MERGE_RECEIPT(source_file)", "CUSTOMER_ERASURE(customer_id)"),
                keys.stream().map(key -> key.table() + "(" + String.join(", ", key.columns()) + ")").toList());
        final List<String> invariants = SnowflakeDdl.invariantQueries();
        for (final SnowflakeDdl.Key key : keys) {
            final String query = "SELECT " + key.columns().getFirst() + " FROM " + key.table() + " GROUP BY "
                    + String.join(", ", key.columns()) + " HAVING COUNT(*) > 1";
            assertTrue(invariants.contains(query), "sql/05 lacks: " + query);
        }
    }

    /**
     * A stream starts at its creation: rows loaded before it are in no stream and never merged. Over sql/01..05 in the
     * order they are run, CUSTOMER_RAW_STREAM is created after CUSTOMER_RAW and before anything that loads it.
     */
    @Test
    void theStreamExistsBeforeAnythingCanLoadCustomerRaw() throws IOException {
        final List<String> statements = new ArrayList<>();
        try (var files = Files.list(SQL)) {
            for (final Path file : files.filter(f -> f.getFileName().toString().matches("0\\d_.*\\.sql")).sorted().toList()) {
                statements.addAll(MergeScript.split(Files.readString(file)));
            }
        }
        final int table = indexOf(statements, "CREATE TABLE IF NOT EXISTS CUSTOMER_RAW (");
        final int stream = indexOf(statements, "CREATE STREAM IF NOT EXISTS CUSTOMER_RAW_STREAM");
        assertTrue(statements.get(stream).contains("ON TABLE CUSTOMER_RAW\n") && statements.get(stream).contains("APPEND_ONLY = TRUE"));
        assertTrue(table < stream, "the stream follows its table");
        for (int i = 0; i < stream; i++) {
            assertFalse(statements.get(i).contains("INTO CUSTOMER_RAW "), "loads CUSTOMER_RAW before the stream exists: " + statements.get(i));
        }
        assertTrue(stream < indexOf(statements, "CREATE PIPE IF NOT EXISTS CUSTOMER_RAW_PIPE"), "the stream precedes the pipe");
    }

    private static int indexOf(final List<String> statements, final String opening) {
        for (int i = 0; i < statements.size(); i++) {
            if (statements.get(i).startsWith(opening)) {
                return i;
            }
        }
        throw new AssertionError("no statement begins " + opening);
    }

    /** The pipe's PATTERN admits the object keys the flow's PutS3Object writes, relative to the stage or in full, and no others. */
    @Test
    void thePipeLoadsExactlyTheObjectKeysOfTheFlow() throws IOException {
        final Matcher pattern = Pattern.compile("(?m)^PATTERN = '([^']*)'$").matcher(read("02_ingest.sql"));
        assertTrue(pattern.find(), "the pipe has a PATTERN");
        final Pattern keys = Pattern.compile(pattern.group(1));
        final Matcher objectKey = Pattern.compile("\"Object Key\": \"(#\\{s3\\.valid\\.prefix\\}/[^\"]*)\"")
                .matcher(Files.readString(SQL.resolveSibling("flows").resolve("customertrack").resolve("customertrack-pipeline.json")));
        assertTrue(objectKey.find(), "the flow's PutS3Object of valid files");
        final Matcher time = Pattern.compile("\\$\\{now\\(\\):format\\('([^']+)', 'GMT'\\)\\}").matcher(objectKey.group(1));
        assertTrue(time.find(), objectKey.group(1));
        for (final LocalDateTime at : List.of(LocalDateTime.parse("2026-01-31T09:05:00"), LocalDateTime.parse("2031-12-01T23:59:59"))) {
            final String relative = objectKey.group(1).replace(time.group(), at.format(DateTimeFormatter.ofPattern(time.group(1))))
                    .replace("${uuid}", UUID.randomUUID().toString()).replace("#{s3.valid.prefix}/", "");
            assertTrue(keys.matcher(relative).matches(), relative);
            assertTrue(keys.matcher("customers/valid/" + relative).matches(), "full path " + relative);
            for (final String other : List.of(relative + ".tmp", relative.replace(".csv", ".json"), relative.substring(relative.lastIndexOf('/') + 1),
                    relative.replaceFirst("/\\d\\d/", "/"), relative.substring(0, relative.lastIndexOf('/') + 1) + "notes.csv")) {
                assertFalse(keys.matcher(other).matches(), other);
            }
        }
    }

    /**
     * CUSTOMER_AS_OF takes a UTC wall-clock TIMESTAMP_NTZ; an instant (LTZ or TZ) has its own overload that converts it to
     * UTC explicitly, the same query otherwise, so that no argument is cast by the session's time zone. (DuckDB has no
     * CONVERT_TIMEZONE or overloading of macros by type: the NTZ body runs in MergePropertiesTest, the others are held
     * to it here.)
     */
    @Test
    void customerAsOfConvertsInstantsToUtcExplicitly() throws IOException {
        final String tables = read("03_scd_tables.sql");
        final Map<String, String> bodies = new LinkedHashMap<>();
        final Matcher function = Pattern.compile("(?s)CREATE OR REPLACE FUNCTION CUSTOMER_AS_OF\\(AS_OF (\\w+)\\).*?\\$\\$(.*?)\\$\\$").matcher(tables);
        while (function.find()) {
            bodies.put(function.group(1), function.group(2).replaceAll("\\s+", " ").strip());
        }
        assertEquals(List.of("TIMESTAMP_NTZ", "TIMESTAMP_LTZ", "TIMESTAMP_TZ"), List.copyOf(bodies.keySet()));
        final String instant = bodies.get("TIMESTAMP_NTZ").replace("AS_OF", "CONVERT_TIMEZONE('UTC', AS_OF)::TIMESTAMP_NTZ");
        assertEquals(instant, bodies.get("TIMESTAMP_LTZ"));
        assertEquals(instant, bodies.get("TIMESTAMP_TZ"));
        for (final String type : bodies.keySet()) {
            assertTrue(tables.contains("GRANT USAGE ON FUNCTION CUSTOMER_AS_OF(" + type + ") TO ROLE CUSTOMERTRACK_LOADER;"), type);
        }
    }

    /** A re-run of sql/04 applies the task's settings as written (CREATE TASK IF NOT EXISTS would keep the old ones). */
    @Test
    void reRunningTheMergeScriptAppliesTheTasksSettings() throws IOException {
        final List<String> statements = MergeScript.split(read("04_merge.sql"));
        final int create = indexOf(statements, "CREATE OR ALTER TASK MERGE_CUSTOMER_CHANGES_TASK");
        assertEquals("ALTER TASK IF EXISTS MERGE_CUSTOMER_CHANGES_TASK SUSPEND", statements.get(create - 1), "altered while suspended");
        assertEquals("ALTER TASK MERGE_CUSTOMER_CHANGES_TASK RESUME", statements.get(create + 1));
        assertTrue(statements.stream().noneMatch(sql -> sql.startsWith("CREATE TASK")), "no CREATE TASK that keeps old settings");
    }

    @Test
    void testsCreateTheSnowflakeTablesThemselves() {
        final List<String> tables = SnowflakeDdl.createTables();
        assertEquals(List.of("CUSTOMER_RAW", "CUSTOMER", "CUSTOMER_HISTORY", "CUSTOMER_MERGE_LOG", "CUSTOMER_MERGE_WATERMARK",
                        "CUSTOMER_MERGE_SETTINGS", "CUSTOMER_MERGE_QUARANTINE", "CUSTOMER_MERGE_RECEIPT", "CUSTOMER_HISTORY_RECUT",
                        "CUSTOMER_ERASURE", "CUSTOMER_MERGE_PLAN", "CUSTOMER_MERGE_LOCK"),
                tables.stream().map(ddl -> ddl.split("\\s+")[5]).toList());
        tables.forEach(ddl -> assertTrue(!ddl.contains("COMMENT") && !ddl.contains("NUMBER(") && !ddl.contains("CLUSTER BY")
                && !ddl.contains("TRANSIENT") && !ddl.contains("DATA_RETENTION"), ddl));
        assertEquals(7, tables.stream().filter(ddl -> ddl.contains("PRIMARY KEY")).count(), "keys kept for tests");
        SnowflakeDdl.createTables(false).forEach(ddl -> assertFalse(ddl.contains("PRIMARY KEY"), ddl));
    }

    @Test
    void validatorLimitsEqualTheSnowflakeColumnSizes() throws IOException {
        for (final String[] table : new String[][]{{"02_ingest.sql", "CUSTOMER_RAW"}, {"03_scd_tables.sql", "CUSTOMER"}, {"03_scd_tables.sql", "CUSTOMER_HISTORY"}}) {
            final Map<String, Integer> sizes = columnSizes(read(table[0]), table[1]);
            assertEquals(19, sizes.get("customer_id"), table[1] + ".customer_id");
            if (table[1].equals("CUSTOMER_RAW")) {
                assertEquals(6, sizes.get("op"), "op exists only in the raw table");
            }
            for (final Attribute attribute : Declaration.defaultDeclaration().attributes()) {
                assertEquals(((AttributeType.Varchar) attribute.type()).length(), sizes.get(attribute.name()), table[1] + "." + attribute.name());
            }
        }
    }

    @Test
    void pipeLoadsColumnsInTheCanonicalFieldOrder() throws IOException {
        final Matcher copy = Pattern.compile("COPY INTO CUSTOMER_RAW \\(([^)]*)\\)").matcher(read("02_ingest.sql"));
        assertTrue(copy.find());
        final List<String> columns = Arrays.stream(copy.group(1).split(",")).map(String::strip).toList();
        final List<String> fileColumns = Declaration.defaultDeclaration().fileColumns();
        assertEquals(fileColumns, columns.subList(0, fileColumns.size()));
    }

    /**
     * Least privilege, per load mode. What the loader holds on tables and streams is exactly what the statements NiFi runs
     * need (the merge, its guard and query-id updates, TriggerSnowflakeMerge's look-ups), derived from their text: SELECT
     * on every table or stream they name, INSERT, UPDATE and DELETE where they write. With Snowpipe (sql/01..05) that
     * excludes INSERT on CUSTOMER_RAW and the stage; sql/02b, run for COPY mode only, adds exactly what the COPY statement
     * needs, through CUSTOMERTRACK_COPY_LOADER. The loader never operates the task.
     */
    @Test
    void theLoaderHoldsWhatItsStatementsNeedPerLoadMode() throws IOException {
        final Set<String> objects = createdObjects();
        final List<String> run = new ArrayList<>(MergeScript.of(Declaration.defaultDeclaration()).statements());
        run.addAll(MergeScript.of(Declaration.defaultDeclaration()).queryIdStatements());
        run.add(MergeScript.of(Declaration.defaultDeclaration()).guard(MergeScript.Step.RAW_ERASE));
        run.add(Files.readString(ProjectFiles.resolve("nifi-customertrack-processors/src/main/java/io/customertrack/nifi/processors/Warehouse.java")));
        final Map<String, Set<String>> needed = neededPrivileges(run, objects);
        assertTrue(needed.get("TABLE CUSTOMER_RAW").contains("UPDATE") && needed.get("TABLE CUSTOMER").contains("DELETE"), needed.toString());

        final Map<String, Set<String>> snowpipe = privilegesOf("CUSTOMERTRACK_LOADER", grants(false));
        assertEquals(needed, onTablesAndStreams(snowpipe), "Snowpipe mode: the loader's table and stream privileges");
        assertFalse(snowpipe.getOrDefault("TABLE CUSTOMER_RAW", Set.of()).contains("INSERT"), "no INSERT on CUSTOMER_RAW with Snowpipe");
        assertFalse(snowpipe.containsKey("STAGE CUSTOMER_STAGE") || snowpipe.containsKey("FILE FORMAT CUSTOMER_CSV"), snowpipe.toString());
        assertEquals(Set.of("MONITOR"), snowpipe.get("TASK MERGE_CUSTOMER_CHANGES_TASK"), "the loader cannot suspend or run the task");

        final String copy = new SqlRenderer(Declaration.defaultDeclaration()).copyStatement();
        final Map<String, Set<String>> copyNeeds = neededPrivileges(List.of(copy), objects);
        copyNeeds.put("STAGE CUSTOMER_STAGE", Set.of("USAGE"));
        copyNeeds.put("FILE FORMAT CUSTOMER_CSV", Set.of("USAGE"));
        assertTrue(copy.contains("@customer_stage") && copy.contains("FORMAT_NAME = 'CUSTOMER_CSV'"), copy);
        assertEquals(Map.of("TABLE CUSTOMER_RAW", Set.of("SELECT", "INSERT"), "STAGE CUSTOMER_STAGE", Set.of("USAGE"),
                "FILE FORMAT CUSTOMER_CSV", Set.of("USAGE")), copyNeeds);
        final Map<String, Set<String>> copyMode = privilegesOf("CUSTOMERTRACK_LOADER", grants(true));
        final Map<String, Set<String>> added = new java.util.TreeMap<>();
        copyMode.forEach((object, privileges) -> {
            final Set<String> extra = new java.util.TreeSet<>(privileges);
            extra.removeAll(snowpipe.getOrDefault(object, Set.of()));
            if (!extra.isEmpty()) {
                added.put(object, extra);
            }
        });
        assertEquals(Map.of("TABLE CUSTOMER_RAW", Set.of("INSERT"), "STAGE CUSTOMER_STAGE", Set.of("USAGE"), "FILE FORMAT CUSTOMER_CSV",
                Set.of("USAGE")), added, "COPY mode adds only what its COPY needs beyond SELECT");
    }

    /** The service user connects only through a network policy of its own, which sql/01 creates and sets. */
    @Test
    void theServiceUserHasANetworkPolicy() throws IOException {
        final String setup = read("01_setup.sql");
        final Matcher policy = Pattern.compile("CREATE OR ALTER NETWORK POLICY (\\w+)\\s+ALLOWED_IP_LIST = \\(([^)]*)\\)").matcher(setup);
        assertTrue(policy.find(), "a network policy with an allowed list");
        assertTrue(setup.contains("ALTER USER CUSTOMERTRACK_NIFI SET NETWORK_POLICY = " + policy.group(1) + ";"), "set on the service user");
        assertTrue(read("99_teardown.sql").contains("DROP NETWORK POLICY IF EXISTS " + policy.group(1) + ";"), "removed by the teardown");
    }

    /**
     * CUSTOMER_RAW's MAX_DATA_EXTENSION_TIME_IN_DAYS and the staleness check are chosen together: the check fires after one
     * day without a committed merge, with the rest of the extension left to resume merging before the stream goes stale.
     */
    @Test
    void theStalenessCheckFiresADayAfterTheLastMergeWithinTheExtension() throws IOException {
        final Matcher extension = Pattern.compile("ALTER TABLE CUSTOMER_RAW SET MAX_DATA_EXTENSION_TIME_IN_DAYS = (\\d+);").matcher(read("03_scd_tables.sql"));
        assertTrue(extension.find(), "sql/03 sets CUSTOMER_RAW's extension");
        final int days = Integer.parseInt(extension.group(1));
        assertTrue(days >= 2 && days < 14, "shorter than the default 14, long enough to act: " + days);
        assertTrue(read("05_monitoring.sql").contains("\"stale_after\" < DATEADD(day, " + (days - 1) + ", CURRENT_TIMESTAMP())"),
                "sql/05's staleness check warns " + (days - 1) + " days ahead");
        assertTrue(read("05_monitoring.sql").contains("SHOW PARAMETERS LIKE 'MIN_DATA_RETENTION_TIME_IN_DAYS' IN ACCOUNT;")
                && read("05_monitoring.sql").contains("SHOW PARAMETERS LIKE 'MAX_DATA_EXTENSION_TIME_IN_DAYS' IN TABLE CUSTOMER_RAW;"),
                "sql/05 reads the account minimum and the extension");
    }

    /** Tables and streams sql/ creates, as "TABLE NAME" / "STREAM NAME". */
    private static Set<String> createdObjects() throws IOException {
        final Set<String> objects = new java.util.TreeSet<>();
        for (final String file : List.of("02_ingest.sql", "03_scd_tables.sql")) {
            final Matcher created = Pattern.compile("(?m)^CREATE (?:TRANSIENT )?(TABLE|STREAM) IF NOT EXISTS (\\w+)").matcher(read(file));
            while (created.find()) {
                objects.add(created.group(1) + " " + created.group(2));
            }
        }
        return objects;
    }

    /** Privileges the statements need on the created tables and streams (CTE names and aliases name no such object). */
    private static Map<String, Set<String>> neededPrivileges(final List<String> statements, final Set<String> objects) {
        final Map<String, Set<String>> needed = new java.util.TreeMap<>();
        for (final String statement : statements) {
            final String text = statement.toUpperCase(java.util.Locale.ROOT).replaceAll("\\s+", " ");
            final Matcher named = Pattern.compile("\\b(?:FROM|JOIN|USING|INTO|UPDATE) (\\w+)").matcher(text);
            while (named.find()) {
                objectNamed(named.group(1), objects).ifPresent(object -> needed.computeIfAbsent(object, o -> new java.util.TreeSet<>()).add("SELECT"));
            }
            addWrites(needed, objects, text, "(?:INSERT|COPY) INTO (\\w+)", "INSERT");
            addWrites(needed, objects, text, "\\bUPDATE (\\w+) SET", "UPDATE");
            addWrites(needed, objects, text, "\\bDELETE FROM (\\w+)", "DELETE");
            final Matcher merge = Pattern.compile("\\bMERGE INTO (\\w+)").matcher(text);
            if (merge.find()) {
                for (final String action : List.of("INSERT", "UPDATE", "DELETE")) {
                    if (text.contains("THEN " + action)) {
                        objectNamed(merge.group(1), objects).ifPresent(object -> needed.get(object).add(action));
                    }
                }
            }
        }
        return needed;
    }

    private static void addWrites(final Map<String, Set<String>> needed, final Set<String> objects, final String text, final String regex,
                                  final String privilege) {
        final Matcher write = Pattern.compile(regex).matcher(text);
        while (write.find()) {
            objectNamed(write.group(1), objects).ifPresent(object -> needed.computeIfAbsent(object, o -> new java.util.TreeSet<>()).add(privilege));
        }
    }

    private static java.util.Optional<String> objectNamed(final String name, final Set<String> objects) {
        return objects.stream().filter(object -> object.endsWith(" " + name)).findFirst();
    }

    /** The GRANT statements of sql/01..05 in run order, and of 02b (COPY mode) when asked. */
    private static List<String> grants(final boolean copyMode) throws IOException {
        final List<String> grants = new ArrayList<>();
        try (var files = Files.list(SQL)) {
            for (final Path file : files.filter(f -> f.getFileName().toString().matches(copyMode ? "0\\d[b]?_.*\\.sql" : "0\\d_.*\\.sql")).sorted().toList()) {
                MergeScript.split(Files.readString(file)).stream().filter(sql -> sql.startsWith("GRANT ")).forEach(grants::add);
            }
        }
        return grants;
    }

    /** What a role holds by object ("TABLE CUSTOMER_RAW" -> {SELECT}), including what the roles granted to it hold. */
    private static Map<String, Set<String>> privilegesOf(final String role, final List<String> grants) {
        final Map<String, Set<String>> held = new java.util.TreeMap<>();
        final Pattern onObject = Pattern.compile("GRANT ([A-Z ,]+) ON (TABLE|STREAM|STAGE|FILE FORMAT|PIPE|TASK|WAREHOUSE|DATABASE|SCHEMA) (\\S+) TO ROLE (\\w+)");
        final Pattern roleToRole = Pattern.compile("GRANT ROLE (\\w+) TO ROLE (\\w+)");
        for (final String grant : grants) {
            final Matcher object = onObject.matcher(grant);
            if (object.lookingAt() && object.group(4).equals(role)) {
                for (final String privilege : object.group(1).split(",")) {
                    held.computeIfAbsent(object.group(2) + " " + object.group(3), o -> new java.util.TreeSet<>()).add(privilege.strip());
                }
            }
            final Matcher inherited = roleToRole.matcher(grant);
            if (inherited.lookingAt() && inherited.group(2).equals(role)) {
                privilegesOf(inherited.group(1), grants).forEach((o, p) -> held.computeIfAbsent(o, x -> new java.util.TreeSet<>()).addAll(p));
            }
        }
        return held;
    }

    private static Map<String, Set<String>> onTablesAndStreams(final Map<String, Set<String>> held) {
        final Map<String, Set<String>> tables = new java.util.TreeMap<>();
        held.forEach((object, privileges) -> {
            if (object.startsWith("TABLE ") || object.startsWith("STREAM ")) {
                tables.put(object, privileges);
            }
        });
        return tables;
    }

    @Test
    void everySqlFileDocumentsItselfAndIsIdempotent() throws IOException {
        try (var files = Files.list(SQL)) {
            for (final Path file : files.filter(f -> f.toString().endsWith(".sql")).sorted().toList()) {
                final String text = Files.readString(file);
                assertTrue(text.startsWith("-- ====="), file + " starts with its documentation block");
                for (final String line : text.lines().filter(l -> l.startsWith("CREATE ")).toList()) {
                    // Procedures and functions hold no state: replacing them is how a re-run updates them. A task is
                    // altered in place (it keeps its grants), and so is the network policy (a re-run applies its address list).
                    assertTrue(line.contains(" IF NOT EXISTS ") || line.startsWith("CREATE OR REPLACE PROCEDURE ")
                                    || line.startsWith("CREATE OR REPLACE FUNCTION ") || line.startsWith("CREATE OR ALTER TASK ")
                                    || line.startsWith("CREATE OR ALTER NETWORK POLICY "),
                            file + " re-runs must not fail or drop state: " + line);
                }
            }
        }
    }

    /** VARCHAR(n) sizes, and NUMBER(19,0) as 19, of one CREATE TABLE IF NOT EXISTS block. */
    private static Map<String, Integer> columnSizes(final String sql, final String table) {
        final int start = sql.indexOf("CREATE TABLE IF NOT EXISTS " + table + " (");
        assertTrue(start >= 0, table + " not found");
        final String block = sql.substring(start, sql.indexOf("\n)", start));
        final Map<String, Integer> sizes = new LinkedHashMap<>();
        final Matcher column = Pattern.compile("(?m)^\\s+(\\w+)\\s+(?:VARCHAR|NUMBER)\\((\\d+)").matcher(block);
        while (column.find()) {
            sizes.put(column.group(1), Integer.parseInt(column.group(2)));
        }
        return sizes;
    }
}
