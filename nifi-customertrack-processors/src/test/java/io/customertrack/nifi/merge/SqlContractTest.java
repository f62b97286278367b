package io.customertrack.nifi.merge;

import io.customertrack.nifi.customer.CustomerField;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keeps the Java side and sql/ in step: the packed merge script, column sizes and the pipe's column order. */
class SqlContractTest {

    private static final Path SQL = Path.of("..", "sql");

    private static String read(final String file) throws IOException {
        return Files.readString(SQL.resolve(file), StandardCharsets.UTF_8);
    }

    @Test
    void packedMergeScriptIsSql04Unchanged() throws IOException {
        assertEquals(read("04_merge.sql"), CustomerStore.resource(MergeScript.RESOURCE));
        assertEquals(List.of(MergeScript.Step.values()).size(), MergeScript.statements().size());
        for (final MergeScript.Step step : MergeScript.Step.values()) {
            assertTrue(MergeScript.statements().get(step.ordinal()).startsWith(step.opening()), step.toString());
        }
        assertEquals(List.of("UPDATE customer_merge_receipt SET merge_query_id = ? WHERE merge_query_id IS NULL",
                "UPDATE customer_erasure SET merge_query_id = ? WHERE merge_query_id IS NULL"), MergeScript.queryIdStatements());
    }

    /**
     * Fragments that appear in more than one statement: the row hash (SCD2 source, SCD1 insert), the newest version per
     * customer (SCD1 merge, SCD1 insert) and the end of that version (also in the SCD2 anchors). Copies must not drift apart.
     */
    @Test
    void repeatedFragmentsOfTheMergeAreIdentical() {
        final String script = String.join(";\n", MergeScript.statements()).replaceAll("\\s+", " ");
        final List<String> hashes = fragments(script, "MD5\\(COALESCE\\(CAST\\(LENGTH\\((\\w)\\.first_name.*?\\) AS row_hash");
        assertEquals(2, hashes.size(), "row hash expressions");
        assertEquals(hashes.get(0).replace("p.", "s."), hashes.get(1));
        final List<String> latest = fragments(script, "SELECT h\\.customer_id, MAX\\(h\\.valid_from\\).*?GROUP BY h\\.customer_id");
        assertEquals(2, latest.size(), "newest-version subqueries");
        assertEquals(latest.get(0), latest.get(1));
        final List<String> newestEnds = fragments(script, "NULLIF\\(MAX_BY\\(COALESCE\\(h\\.valid_to, .*?\\), h\\.valid_from\\), .*?\\)");
        assertEquals(3, newestEnds.size(), "end of the newest version: SCD2 anchors, SCD1 merge, SCD1 insert");
        assertEquals(1, Set.copyOf(newestEnds).size(), newestEnds.toString());
    }

    private static List<String> fragments(final String text, final String regex) {
        return Pattern.compile(regex).matcher(text).results().map(MatchResult::group).toList();
    }

    @Test
    void monitoringInvariantsAreFoundForThePropertyTest() {
        final List<String> invariants = SnowflakeDdl.invariantQueries();
        assertEquals(4, invariants.size(), invariants.toString());
        invariants.forEach(query -> assertTrue(query.startsWith("SELECT "), query));
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
            for (final CustomerField field : CustomerField.values()) {
                if (field == CustomerField.OP && !table[1].equals("CUSTOMER_RAW") || field == CustomerField.UPDATED_AT) {
                    continue; // op exists only in the raw table; updated_at is a timestamp column
                }
                assertEquals(field.maxLength(), sizes.get(field.columnName()), table[1] + "." + field.columnName());
            }
        }
    }

    @Test
    void pipeLoadsColumnsInTheCanonicalFieldOrder() throws IOException {
        final Matcher copy = Pattern.compile("COPY INTO CUSTOMER_RAW \\(([^)]*)\\)").matcher(read("02_ingest.sql"));
        assertTrue(copy.find());
        final List<String> columns = Arrays.stream(copy.group(1).split(",")).map(String::strip).toList();
        assertEquals(Arrays.stream(CustomerField.values()).map(CustomerField::columnName).toList(), columns.subList(0, CustomerField.values().length));
    }

    @Test
    void everySqlFileDocumentsItselfAndIsIdempotent() throws IOException {
        try (var files = Files.list(SQL)) {
            for (final Path file : files.filter(f -> f.toString().endsWith(".sql")).sorted().toList()) {
                final String text = Files.readString(file);
                assertTrue(text.startsWith("-- ====="), file + " starts with its documentation block");
                for (final String line : text.lines().filter(l -> l.startsWith("CREATE ")).toList()) {
                    // Procedures and functions hold no state: replacing them is how a re-run updates them.
                    assertTrue(line.contains(" IF NOT EXISTS ") || line.startsWith("CREATE OR REPLACE PROCEDURE ")
                                    || line.startsWith("CREATE OR REPLACE FUNCTION "),
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
