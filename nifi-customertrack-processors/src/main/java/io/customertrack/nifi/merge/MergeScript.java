package io.customertrack.nifi.merge;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The SCD1 + SCD2 merge statements, read from {@code sql/04_merge.sql} (packed into this jar at build time) between the
 * {@value #BEGIN_MARKER} and {@value #END_MARKER} lines. The scheduled task, this bundle and the tests all run that text.
 */
public final class MergeScript {

    public static final String RESOURCE = "/io/customertrack/nifi/sql/04_merge.sql";
    static final String BEGIN_MARKER = "-- customertrack:merge:begin";
    static final String END_MARKER = "-- customertrack:merge:end";

    /** Statement kinds in script order; the processor reports each one's row count under these names. */
    public enum Step { HISTORY_MERGE, CUSTOMER_MERGE, CUSTOMER_INSERT, WATERMARK_MERGE, MERGE_LOG_INSERT }

    private static final List<String> STATEMENTS = load();

    private MergeScript() {
    }

    /** The statements, without trailing semicolons, in the order they must run inside one transaction. */
    public static List<String> statements() {
        return STATEMENTS;
    }

    private static List<String> load() {
        final String script;
        try (InputStream in = MergeScript.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("Merge script " + RESOURCE + " missing from the classpath");
            }
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new UncheckedIOException("Cannot read merge script " + RESOURCE, e);
        }
        final List<String> statements = split(extractBetweenMarkers(script));
        if (statements.size() != Step.values().length) {
            throw new IllegalStateException("Merge script must hold " + Step.values().length + " statements but holds " + statements.size());
        }
        return List.copyOf(statements);
    }

    static String extractBetweenMarkers(final String script) {
        final int begin = script.indexOf(BEGIN_MARKER);
        final int end = script.indexOf(END_MARKER);
        if (begin < 0 || end < begin) {
            throw new IllegalStateException("Merge script lacks the '" + BEGIN_MARKER + "' ... '" + END_MARKER + "' section");
        }
        return script.substring(begin + BEGIN_MARKER.length(), end);
    }

    /**
     * Splits on semicolons outside single-quoted strings, double-quoted identifiers, $$-quoted bodies (Snowflake
     * procedures) and line comments.
     */
    public static List<String> split(final String sql) {
        final List<String> statements = new ArrayList<>();
        final StringBuilder current = new StringBuilder();
        int i = 0;
        while (i < sql.length()) {
            final char c = sql.charAt(i);
            if (c == '-' && i + 1 < sql.length() && sql.charAt(i + 1) == '-') {
                final int lineEnd = sql.indexOf('\n', i);
                i = lineEnd < 0 ? sql.length() : lineEnd;
                continue;
            }
            if (c == '$' && sql.startsWith("$$", i)) {
                final int close = sql.indexOf("$$", i + 2);
                if (close < 0) {
                    throw new IllegalStateException("Unterminated $$ block in SQL script");
                }
                current.append(sql, i, close + 2);
                i = close + 2;
                continue;
            }
            if (c == '\'' || c == '"') {
                final int close = closingQuote(sql, i, c);
                current.append(sql, i, close + 1);
                i = close + 1;
                continue;
            }
            if (c == ';') {
                addIfNotBlank(statements, current);
                current.setLength(0);
            } else {
                current.append(c);
            }
            i++;
        }
        addIfNotBlank(statements, current);
        return statements;
    }

    private static int closingQuote(final String sql, final int open, final char quote) {
        int i = open + 1;
        while (i < sql.length()) {
            if (sql.charAt(i) == quote) {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
                    i += 2; // doubled quote inside the literal
                    continue;
                }
                return i;
            }
            i++;
        }
        throw new IllegalStateException("Unterminated " + quote + " quote in merge script");
    }

    private static void addIfNotBlank(final List<String> statements, final StringBuilder statement) {
        final String text = statement.toString().strip();
        if (!text.isEmpty()) {
            statements.add(text);
        }
    }
}
