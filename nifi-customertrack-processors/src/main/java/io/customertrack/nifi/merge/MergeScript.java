package io.customertrack.nifi.merge;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SCD1 + SCD2 merge statements, read from {@code sql/04_merge.sql} (packed into this jar at build time) between the
 * {@value #BEGIN_MARKER} and {@value #END_MARKER} lines, section after section. The scheduled task, this bundle and the
 * tests all run that text. A section the procedure runs inside {@code IF (flag) THEN}, after
 * {@code SELECT <condition> INTO :flag FROM ...}, has that SELECT as its guard: see {@link #applies}.
 */
public final class MergeScript {

    public static final String RESOURCE = "/io/customertrack/nifi/sql/04_merge.sql";
    static final String BEGIN_MARKER = "-- customertrack:merge:begin";
    static final String END_MARKER = "-- customertrack:merge:end";

    /** The statements in script order, each by how it begins (checked when the script is read). */
    public enum Step {
        MERGE_LOCK("UPDATE customer_merge_lock"),
        PLAN_CLEAR("DELETE FROM customer_merge_plan"),
        ERASURE_INSERT("INSERT INTO customer_erasure"),
        QUARANTINE_INSERT("INSERT INTO customer_merge_quarantine"),
        PLAN_INSERT("INSERT INTO customer_merge_plan"),
        HISTORY_MERGE("MERGE INTO customer_history"),
        RECUT_INSERT("INSERT INTO customer_history_recut"),
        CUSTOMER_MERGE("MERGE INTO customer AS"),
        CUSTOMER_INSERT("INSERT INTO customer\n"),
        HISTORY_ERASE("DELETE FROM customer_history"),
        CUSTOMER_ERASE("DELETE FROM customer\n"),
        RAW_ERASE("UPDATE customer_raw"),
        WATERMARK_MERGE("MERGE INTO customer_merge_watermark"),
        RECEIPT_INSERT("INSERT INTO customer_merge_receipt"),
        MERGE_LOG_INSERT("INSERT INTO customer_merge_log");

        private final String opening;

        Step(final String opening) {
            this.opening = opening;
        }

        /** The text the statement starts with. */
        public String opening() {
            return opening;
        }
    }

    static final String QUERY_ID_VARIABLE = ":merge_query_id";

    /** Between two sections: {@code SELECT <expression> INTO :<flag> FROM ...; IF (<flag>) THEN}. */
    private static final Pattern GUARD = Pattern.compile("(?s)SELECT\\s+(.+?)\\s+INTO\\s+:(\\w+)\\s+(FROM\\s.+?);\\s*IF\\s*\\(\\s*\\2\\s*\\)\\s*THEN\\s*$");

    private static final String SCRIPT = read();
    private static final List<String> STATEMENTS = load(SCRIPT);
    private static final Map<Step, String> GUARDS = guards(SCRIPT);
    private static final List<String> QUERY_ID_STATEMENTS = queryIdStatements(SCRIPT);

    private MergeScript() {
    }

    /** The statements, without trailing semicolons, in the order they must run inside one transaction. */
    public static List<String> statements() {
        return STATEMENTS;
    }

    /**
     * The query whose one boolean value says whether {@code step} runs, or null when it always runs: the SELECT the
     * procedure stores into the flag of the IF around the step's section, without its INTO.
     */
    public static String guard(final Step step) {
        return GUARDS.get(step);
    }

    /**
     * Whether {@code step} runs in this merge, by its {@linkplain #guard guard} evaluated on the merge's own statement
     * (inside its transaction), as the procedure's IF decides. Steps without a guard always run.
     */
    public static boolean applies(final Step step, final Statement statement) throws SQLException {
        final String guard = guard(step);
        if (guard == null) {
            return true;
        }
        try (ResultSet result = statement.executeQuery(guard)) {
            return result.next() && result.getBoolean(1);
        }
    }

    /**
     * The procedure's statements after the merge that give the run's receipts its query id, with a {@code ?} for the id:
     * the procedure reads it from SQLID, MergeRunner from the driver (where it reports query ids).
     */
    public static List<String> queryIdStatements() {
        return QUERY_ID_STATEMENTS;
    }

    private static String read() {
        try (InputStream in = MergeScript.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("Merge script " + RESOURCE + " missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new UncheckedIOException("Cannot read merge script " + RESOURCE, e);
        }
    }

    private static List<String> queryIdStatements(final String script) {
        final int end = script.indexOf(END_MARKER);
        final int commit = script.indexOf("COMMIT;", end);
        final List<String> statements = split(script.substring(end + END_MARKER.length(), commit)).stream()
                .filter(sql -> sql.startsWith("UPDATE") && sql.contains(QUERY_ID_VARIABLE))
                .map(sql -> sql.replace(QUERY_ID_VARIABLE, "?"))
                .toList();
        if (statements.isEmpty()) {
            throw new IllegalStateException("Merge script has no UPDATE with " + QUERY_ID_VARIABLE + " after '" + END_MARKER + "'");
        }
        return statements;
    }

    private static List<String> load(final String script) {
        final List<String> statements = split(extractBetweenMarkers(script));
        if (statements.size() != Step.values().length) {
            throw new IllegalStateException("Merge script must hold " + Step.values().length + " statements but holds " + statements.size());
        }
        for (final Step step : Step.values()) {
            if (!statements.get(step.ordinal()).startsWith(step.opening())) {
                throw new IllegalStateException("Merge statement " + (step.ordinal() + 1) + " should begin '" + step.opening().strip()
                        + "' (" + step + ") but begins '" + statements.get(step.ordinal()).lines().findFirst().orElse("") + "'");
            }
        }
        return List.copyOf(statements);
    }

    /** The text of every marked section, in order, joined: the statements both the procedure and MergeRunner run. */
    static String extractBetweenMarkers(final String script) {
        final StringBuilder merge = new StringBuilder();
        for (final String[] section : sections(script)) {
            merge.append(section[1]).append('\n');
        }
        return merge.toString();
    }

    /** Each marked section as {text before it since the previous section's end, the section's text}. */
    private static List<String[]> sections(final String script) {
        final List<String[]> sections = new ArrayList<>();
        int from = 0;
        int begin = script.indexOf(BEGIN_MARKER);
        if (begin < 0) {
            throw new IllegalStateException("Merge script lacks the '" + BEGIN_MARKER + "' ... '" + END_MARKER + "' section");
        }
        while (begin >= 0) {
            final int end = script.indexOf(END_MARKER, begin);
            final int nextBegin = script.indexOf(BEGIN_MARKER, begin + BEGIN_MARKER.length());
            if (end < 0 || nextBegin >= 0 && nextBegin < end) {
                throw new IllegalStateException("Merge script section at offset " + begin + " lacks its '" + END_MARKER + "'");
            }
            sections.add(new String[]{script.substring(from, begin), script.substring(begin + BEGIN_MARKER.length(), end)});
            from = end + END_MARKER.length();
            begin = nextBegin;
        }
        return sections;
    }

    /** Steps of a section that follows {@code SELECT ... INTO :flag FROM ...; IF (flag) THEN}, with that SELECT minus INTO. */
    private static Map<Step, String> guards(final String script) {
        final Map<Step, String> guards = new EnumMap<>(Step.class);
        int statement = 0;
        final List<String[]> sections = sections(script);
        for (int i = 0; i < sections.size(); i++) {
            final int count = split(sections.get(i)[1]).size();
            if (i > 0) {
                final Matcher guard = GUARD.matcher(stripComments(sections.get(i)[0]));
                if (guard.find()) {
                    for (int s = statement; s < statement + count; s++) {
                        guards.put(Step.values()[s], "SELECT " + guard.group(1) + " " + guard.group(3));
                    }
                }
            }
            statement += count;
        }
        return guards;
    }

    private static String stripComments(final String sql) {
        return sql.replaceAll("(?m)--.*$", "").strip();
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
