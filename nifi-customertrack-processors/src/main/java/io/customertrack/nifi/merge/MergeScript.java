package io.customertrack.nifi.merge;

import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.sql.SqlRenderer;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SCD1 + SCD2 merge statements of a declaration, read from its rendering of {@code 04_merge.sql} (SqlRenderer)
 * between the {@value #BEGIN_MARKER} and {@value #END_MARKER} lines, section after section. Each statement follows a
 * {@value #STEP_MARKER} line naming its {@link Step}. The scheduled task, this bundle and the tests all run that text.
 * A section the procedure runs inside {@code IF (flag) THEN}, after {@code SELECT <condition> INTO :flag FROM ...}, has
 * that SELECT as its guard: see {@link #applies}.
 */
public final class MergeScript {

    static final String BEGIN_MARKER = "-- customertrack:merge:begin";
    static final String END_MARKER = "-- customertrack:merge:end";
    static final String STEP_MARKER = "-- customertrack:step";
    static final String MERGE_TEMPLATE = "04_merge.sql";

    /** The merge's statements by name, each exactly once in the script. */
    public enum Step {
        MERGE_LOCK,
        PLAN_CLEAR,
        ERASURE_INSERT,
        QUARANTINE_INSERT,
        PLAN_INSERT,
        HISTORY_MERGE,
        RECUT_INSERT,
        CUSTOMER_MERGE,
        CUSTOMER_INSERT,
        HISTORY_ERASE,
        CUSTOMER_ERASE,
        RAW_ERASE,
        WATERMARK_MERGE,
        RECEIPT_INSERT,
        MERGE_LOG_INSERT
    }

    static final String QUERY_ID_VARIABLE = ":merge_query_id";

    /** Between two sections: {@code SELECT <expression> INTO :<flag> FROM ...; IF (<flag>) THEN}. */
    private static final Pattern GUARD = Pattern.compile("(?s)SELECT\\s+(.+?)\\s+INTO\\s+:(\\w+)\\s+(FROM\\s.+?);\\s*IF\\s*\\(\\s*\\2\\s*\\)\\s*THEN\\s*$");
    private static final Pattern STEP = Pattern.compile("(?m)^" + STEP_MARKER + "[ \\t]+(\\S+)[ \\t]*$");

    /** One script per declaration; a NiFi instance sees few declarations, and a script is a few kilobytes. */
    private static final Map<Declaration, MergeScript> SCRIPTS = new ConcurrentHashMap<>();

    private final Map<Step, String> statements;
    private final Map<Step, String> guards;
    private final List<String> queryIdStatements;

    private MergeScript(final String script) {
        this.statements = load(script);
        this.guards = guards(script);
        this.queryIdStatements = queryIdStatements(script);
    }

    /** The merge of {@code declaration}: its rendering of the merge script, read once. */
    public static MergeScript of(final Declaration declaration) {
        return SCRIPTS.computeIfAbsent(declaration, d -> parse(new SqlRenderer(d).render(MERGE_TEMPLATE)));
    }

    /**
     * The merge statements of a script's text.
     *
     * @throws IllegalStateException naming what is missing or unknown: markers, a step, a statement without a step
     */
    static MergeScript parse(final String script) {
        return new MergeScript(script);
    }

    /** The steps in the order they must run inside one transaction (the script's). */
    public List<Step> steps() {
        return List.copyOf(statements.keySet());
    }

    /** The statements, without trailing semicolons, in the order they must run inside one transaction. */
    public List<String> statements() {
        return List.copyOf(statements.values());
    }

    /** The statement of {@code step}, without its trailing semicolon. */
    public String statement(final Step step) {
        return statements.get(step);
    }

    /**
     * The query whose one boolean value says whether {@code step} runs, or null when it always runs: the SELECT the
     * procedure stores into the flag of the IF around the step's section, without its INTO.
     */
    public String guard(final Step step) {
        return guards.get(step);
    }

    /**
     * Whether {@code step} runs in this merge, by its {@linkplain #guard guard} evaluated on the merge's own statement
     * (inside its transaction), as the procedure's IF decides. Steps without a guard always run.
     */
    public boolean applies(final Step step, final Statement statement) throws SQLException {
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
    public List<String> queryIdStatements() {
        return queryIdStatements;
    }

    private static List<String> queryIdStatements(final String script) {
        final int end = script.lastIndexOf(END_MARKER);
        final int commit = script.indexOf("COMMIT;", end);
        if (end < 0 || commit < 0) {
            throw new IllegalStateException("Merge script has no 'COMMIT;' after its last '" + END_MARKER + "'");
        }
        final List<String> statements = split(script.substring(end + END_MARKER.length(), commit)).stream()
                .filter(sql -> sql.startsWith("UPDATE") && sql.contains(QUERY_ID_VARIABLE))
                .map(sql -> sql.replace(QUERY_ID_VARIABLE, "?"))
                .toList();
        if (statements.isEmpty()) {
            throw new IllegalStateException("Merge script has no UPDATE with " + QUERY_ID_VARIABLE + " after '" + END_MARKER + "'");
        }
        return statements;
    }

    /** Every step's statement, in script order; each section's text split at its step markers. */
    private static Map<Step, String> load(final String script) {
        final Map<Step, String> statements = new LinkedHashMap<>();
        for (final String[] section : sections(script)) {
            statements.putAll(steps(section[1]));
        }
        final Set<Step> missing = EnumSet.allOf(Step.class);
        missing.removeAll(statements.keySet());
        if (!missing.isEmpty()) {
            throw new IllegalStateException("Merge script lacks the step(s) " + missing + " ('" + STEP_MARKER + " NAME' lines)");
        }
        return Collections.unmodifiableMap(statements);
    }

    /** The statements of one section by the step marker before each. */
    private static Map<Step, String> steps(final String section) {
        final Map<Step, String> steps = new LinkedHashMap<>();
        final Matcher marker = STEP.matcher(section);
        int from = 0;
        Step step = null;
        while (true) {
            final boolean found = marker.find();
            final List<String> statements = split(section.substring(from, found ? marker.start() : section.length()));
            if (step == null && !statements.isEmpty()) {
                throw new IllegalStateException("Merge statement without a '" + STEP_MARKER + "' line before it: '"
                        + statements.getFirst().lines().findFirst().orElse("") + "'");
            }
            if (step != null && statements.size() != 1) {
                throw new IllegalStateException("Merge step " + step + " must hold one statement, not " + statements.size());
            }
            if (step != null) {
                steps.put(step, statements.getFirst());
            }
            if (!found) {
                return steps;
            }
            step = step(marker.group(1));
            if (steps.containsKey(step)) {
                throw new IllegalStateException("Merge step " + step + " appears twice");
            }
            from = marker.end();
        }
    }

    private static Step step(final String name) {
        try {
            return Step.valueOf(name);
        } catch (final IllegalArgumentException e) {
            throw new IllegalStateException("Merge script names an unknown step '" + name + "' (known: "
                    + Arrays.toString(Step.values()) + ")", e);
        }
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
        final List<String[]> sections = sections(script);
        for (int i = 1; i < sections.size(); i++) {
            final Matcher guard = GUARD.matcher(stripComments(sections.get(i)[0]));
            if (guard.find()) {
                for (final Step step : steps(sections.get(i)[1]).keySet()) {
                    guards.put(step, "SELECT " + guard.group(1) + " " + guard.group(3));
                }
            }
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
