package io.customertrack.nifi.snowflake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.sql.SqlMigration;
import io.customertrack.declaration.sql.SqlRenderer;
import io.customertrack.nifi.merge.MergeScript;
import io.customertrack.nifi.merge.SnowflakeDdl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every statement in sql/ (the merge text included), in the wide example declaration's rendering and in a migration, parses as Snowflake SQL with both current parsers from PyPI:
 * sqlglot (read="snowflake") and sqlfluff (dialect snowflake). A statement a parser cannot handle passes only through
 * an entry of sql/dialect-allowlist.txt that names the parser's gap; an entry that is no longer needed fails too.
 */
class SqlDialectIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    @Test
    void everyStatementParsesAsSnowflakeSqlOrItsParserGapIsNamed() throws Exception {
        final Path sql = SnowflakeDdl.sqlFolder();
        final Map<String, String> files = new TreeMap<>();
        try (Stream<Path> paths = Files.list(sql)) {
            for (final Path file : paths.filter(f -> f.toString().endsWith(".sql")).toList()) {
                files.put(file.getFileName().toString(), Files.readString(file));
            }
        }
        final Map<String, String> rejected = rejected(files);
        final Map<String, String> allowed = allowList(sql.resolve("dialect-allowlist.txt"));
        assertAllExplained(rejected, allowed);
        final TreeSet<String> stale = new TreeSet<>(allowed.keySet());
        stale.removeAll(rejected.keySet());
        assertTrue(stale.isEmpty(), "allow-list entries no parser needs any more: " + stale);
    }

    /**
     * The wide example's rendering (every attribute type, optional and non-personal attributes) parses as well: the
     * same statements with other attributes, so the same allow-list entries explain the same parser gaps.
     */
    @Test
    void theWideDeclarationsSqlParsesAsSnowflakeSql() throws Exception {
        final Map<String, String> rejected = rejected(new SqlRenderer(Declaration.example("wide")).scripts());
        assertAllExplained(rejected, allowList(SnowflakeDdl.sqlFolder().resolve("dialect-allowlist.txt")));
    }

    /**
     * The migration from the default declaration to the example that appends phone parses too; the statements a parser
     * cannot handle are named, with the gap, in this test's own allow-list (sql/ holds no migrate.sql).
     */
    @Test
    void theMigrationScriptParsesAsSnowflakeSql() throws Exception {
        final String migrate = SqlMigration.between(Declaration.defaultDeclaration(), Declaration.example("customer-with-phone")).script();
        final Map<String, String> rejected = rejected(Map.of("migrate.sql", migrate), 10);
        final Map<String, String> allowed = allowList(Path.of(SqlDialectIT.class.getResource("migrate-dialect-allowlist.txt").toURI()));
        assertAllExplained(rejected, allowed);
        final TreeSet<String> stale = new TreeSet<>(allowed.keySet());
        stale.removeAll(rejected.keySet());
        assertTrue(stale.isEmpty(), "allow-list entries no parser needs any more: " + stale);
    }

    private Map<String, String> rejected(final Map<String, String> files) throws Exception {
        return rejected(files, 40);
    }

    /** What either parser rejects, by "parser | file#n first line", with its message. */
    private Map<String, String> rejected(final Map<String, String> files, final int moreThan) throws Exception {
        final List<Map<String, String>> statements = new ArrayList<>();
        for (final Map.Entry<String, String> file : new TreeMap<>(files).entrySet()) {
            final List<String> split = MergeScript.split(file.getValue());
            for (int i = 0; i < split.size(); i++) {
                statements.add(Map.of("id", file.getKey() + "#" + (i + 1) + " " + firstLine(split.get(i)), "sql", split.get(i)));
            }
        }
        assertTrue(statements.size() > moreThan, "statements found: " + statements.size());
        final Path input = Files.createTempFile(work, "statements", ".json");
        JSON.writeValue(input.toFile(), statements);
        final Process check = PythonTools.script("check_sql_dialect.py", List.of(input.toString()))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        final JsonNode verdicts = JSON.readTree(new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(0, check.waitFor(), "check_sql_dialect.py failed");
        assertEquals(statements.size(), verdicts.size());

        final Map<String, String> rejected = new TreeMap<>();
        for (final JsonNode verdict : verdicts) {
            for (final String parser : List.of("sqlglot", "sqlfluff")) {
                if (!verdict.get(parser).asText().equals("ok")) {
                    rejected.put(parser + " | " + verdict.get("id").asText(), verdict.get(parser).asText());
                }
            }
        }
        return rejected;
    }

    private static void assertAllExplained(final Map<String, String> rejected, final Map<String, String> allowed) {
        final TreeSet<String> unexplained = new TreeSet<>(rejected.keySet());
        unexplained.removeAll(allowed.keySet());
        final StringBuilder report = new StringBuilder();
        unexplained.forEach(key -> report.append("\n  ").append(key).append(" => ").append(rejected.get(key)));
        assertTrue(unexplained.isEmpty(), "statements a parser rejects, with no allow-list entry naming the gap:" + report);
    }

    /** Lines "parser | file#n first line | gap": the gap must be said. */
    private static Map<String, String> allowList(final Path file) throws Exception {
        final Map<String, String> entries = new TreeMap<>();
        for (final String line : Files.readAllLines(file)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            final String[] parts = line.split(" \\| ", 3);
            assertEquals(3, parts.length, "allow-list line needs 'parser | statement | gap': " + line);
            assertTrue(parts[2].trim().length() > 20, "allow-list entry must name the parser's gap: " + line);
            entries.put(parts[0].trim() + " | " + parts[1].trim(), parts[2].trim());
        }
        return entries;
    }

    private static String firstLine(final String statement) {
        final String line = statement.strip().lines().findFirst().orElse("");
        return (line.length() > 70 ? line.substring(0, 70) : line).strip();
    }
}
