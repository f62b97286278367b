package io.customertrack.nifi.merge;

import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.sql.SqlRenderer;
import io.customertrack.nifi.ProjectFiles;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CREATE TABLE statements of 02_ingest.sql and 03_scd_tables.sql as rendered for a declaration (for the default
 * declaration, sql/ as it is: RenderedSqlTest keeps them equal), translated for DuckDB so tests run against the very
 * tables Snowflake gets. The translation is minimal and documented: NUMBER(19,0) becomes BIGINT, any other NUMBER(p,s)
 * DECIMAL(p,s), TIMESTAMP_NTZ(n) TIMESTAMP, TIMESTAMP_LTZ(n) TIMESTAMPTZ, and COMMENT clauses, TRANSIENT and the Time
 * Travel retention are dropped. Without a declaration, the default one.
 */
public final class SnowflakeDdl {

    private static final Pattern CREATE_TABLE = Pattern.compile("(?s)CREATE (?:TRANSIENT )?TABLE IF NOT EXISTS (\\w+) \\(.*?\\n\\)[^;]*;");

    private SnowflakeDdl() {
    }

    /** With key constraints enforced (a doubled version fails loudly at once; Snowflake would not fail at all). */
    static List<String> createTables() {
        return createTables(true);
    }

    /**
     * @param enforceKeys false drops PRIMARY KEY clauses: Snowflake declares but never enforces them. The property tests
     *                    run so, as strict as Snowflake, and check every declared key with sql/05's duplicate-key
     *                    queries instead; benchmarks so as not to pay for DuckDB's index maintenance
     */
    static List<String> createTables(final boolean enforceKeys) {
        return createTables(Declaration.defaultDeclaration(), enforceKeys);
    }

    /** The tables of {@code declaration}'s rendering, for DuckDB. */
    public static List<String> createTables(final Declaration declaration, final boolean enforceKeys) {
        final List<String> statements = new ArrayList<>();
        for (final String table : snowflakeCreateTables(declaration)) {
            final String ddl = toDuckDb(table);
            statements.add(enforceKeys ? ddl : withoutKeys(ddl));
        }
        return statements;
    }

    /**
     * The CREATE TABLE statements of 02 and 03 as rendered. fakesnow gets them from scripts/init-local-warehouse.py,
     * which reads the same files (sql/, or --sql-dir for another declaration's rendering) with sqlglot.
     */
    private static List<String> snowflakeCreateTables(final Declaration declaration) {
        final List<String> statements = new ArrayList<>();
        for (final String file : List.of("02_ingest.sql", "03_scd_tables.sql")) {
            final Matcher table = CREATE_TABLE.matcher(read(declaration, file));
            while (table.find()) {
                statements.add(table.group());
            }
        }
        return statements;
    }

    /**
     * Every declared key (PRIMARY KEY or UNIQUE, on a column or the table) of the tables sql/02 and sql/03 create: table
     * and key columns, in file order.
     */
    public static List<Key> declaredKeys() {
        final List<Key> keys = new ArrayList<>();
        final Pattern columnKey = Pattern.compile("(?m)^\\s+(\\w+)\\s+[^\\n]*?\\b(?:PRIMARY KEY|UNIQUE)\\b(?!\\s*\\()");
        final Pattern tableKey = Pattern.compile("(?m)^\\s+(?:PRIMARY KEY|UNIQUE)\\s*\\(([^)]*)\\)");
        for (final String table : snowflakeCreateTables(Declaration.defaultDeclaration())) {
            final Matcher name = CREATE_TABLE.matcher(table);
            if (!name.matches()) {
                continue;
            }
            final String body = table.replaceAll("COMMENT\\s*=?\\s*'(?:[^']|'')*'", "");
            final Matcher column = columnKey.matcher(body);
            while (column.find()) {
                keys.add(new Key(name.group(1), List.of(column.group(1))));
            }
            final Matcher composite = tableKey.matcher(body);
            while (composite.find()) {
                keys.add(new Key(name.group(1), Arrays.stream(composite.group(1).split(",")).map(String::strip).toList()));
            }
        }
        return keys;
    }

    /** A declared key: the table and its columns. */
    public record Key(String table, List<String> columns) {
    }

    /** The names of the tables sql/02 and sql/03 create, in file order. */
    public static List<String> tableNames() {
        final List<String> names = new ArrayList<>();
        for (final String table : snowflakeCreateTables(Declaration.defaultDeclaration())) {
            final Matcher name = CREATE_TABLE.matcher(table);
            if (name.matches()) {
                names.add(name.group(1));
            }
        }
        return names;
    }

    /** The one statement of {@code sql/<file>} that starts with {@code prefix}, as written there (for DML that DuckDB runs as is). */
    static String statement(final String file, final String prefix) {
        return statement(Declaration.defaultDeclaration(), file, prefix);
    }

    /** The one statement of {@code declaration}'s {@code file} that starts with {@code prefix}. */
    static String statement(final Declaration declaration, final String file, final String prefix) {
        final List<String> matches = MergeScript.split(read(declaration, file)).stream().filter(sql -> sql.startsWith(prefix)).toList();
        if (matches.size() != 1) {
            throw new IllegalStateException("sql/" + file + " holds " + matches.size() + " statements starting with '" + prefix + "'");
        }
        return matches.getFirst();
    }

    /** The queries under "SCD invariants" in {@code sql/05_monitoring.sql}: each returns no rows on a healthy store. */
    public static List<String> invariantQueries() {
        return invariantQueries(Declaration.defaultDeclaration());
    }

    /** The "SCD invariants" queries of {@code declaration}'s 05_monitoring.sql. */
    public static List<String> invariantQueries(final Declaration declaration) {
        final String monitoring = read(declaration, "05_monitoring.sql");
        final int marker = monitoring.indexOf("-- SCD invariants");
        if (marker < 0) {
            throw new IllegalStateException("sql/05_monitoring.sql lacks its '-- SCD invariants' section");
        }
        return MergeScript.split(monitoring.substring(marker));
    }

    /**
     * sql/03's CUSTOMER_AS_OF as a DuckDB table macro: the function's body as written there, its parameter by name.
     */
    public static String customerAsOfMacro() {
        return customerAsOfMacro(Declaration.defaultDeclaration());
    }

    /** {@code declaration}'s CUSTOMER_AS_OF as a DuckDB table macro. */
    public static String customerAsOfMacro(final Declaration declaration) {
        final Matcher function = Pattern.compile("(?s)CREATE OR REPLACE FUNCTION CUSTOMER_AS_OF\\((\\w+) TIMESTAMP_NTZ\\).*?\\$\\$(.*?)\\$\\$")
                .matcher(read(declaration, "03_scd_tables.sql"));
        if (!function.find()) {
            throw new IllegalStateException("sql/03_scd_tables.sql has no CUSTOMER_AS_OF function");
        }
        return "CREATE OR REPLACE MACRO customer_as_of(" + function.group(1) + ") AS TABLE " + function.group(2).strip();
    }

    /** flows/local/stream-view.sql: the stream as a view, for DuckDB and fakesnow, which have no streams. */
    public static String streamView() {
        return ProjectFiles.read("flows/local/stream-view.sql");
    }

    static String withoutKeys(final String ddl) {
        return ddl.replaceAll("\\s+PRIMARY KEY(?=,|\\s*\\n)", "").replaceAll(",\\s*\\n\\s*PRIMARY KEY \\([^)]*\\)", "");
    }

    static String toDuckDb(final String snowflake) {
        return snowflake
                .replaceAll("NUMBER\\(19,\\s*0\\)", "BIGINT")
                .replaceAll("NUMBER\\((\\d+),\\s*(\\d+)\\)", "DECIMAL($1,$2)")
                .replaceAll("TIMESTAMP_NTZ\\(\\d\\)", "TIMESTAMP")
                .replaceAll("TIMESTAMP_LTZ\\(\\d\\)", "TIMESTAMPTZ")
                .replaceAll("\\s+COMMENT\\s*=?\\s*'(?:[^']|'')*'", "")
                .replace("CREATE TRANSIENT TABLE", "CREATE TABLE")
                .replaceAll("\\s+DATA_RETENTION_TIME_IN_DAYS = \\d+", "")
                .replaceAll(";\\s*$", "");
    }

    public static Path sqlFolder() {
        return ProjectFiles.resolve("sql");
    }

    private static String read(final Declaration declaration, final String file) {
        return new SqlRenderer(declaration).render(file);
    }
}
