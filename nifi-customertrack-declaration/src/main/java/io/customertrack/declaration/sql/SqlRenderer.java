package io.customertrack.declaration.sql;

import io.customertrack.declaration.Attribute;
import io.customertrack.declaration.AttributeType;
import io.customertrack.declaration.Declaration;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a declaration's Snowflake SQL from the templates under {@code io/customertrack/declaration/sql/}: the scripts
 * a user runs ({@link #SCRIPTS}, what {@code sql/} holds for the default declaration), the local warehouses' COPY
 * statements ({@link #LOCAL_COPY_STATEMENTS}) and TriggerSnowflakeMerge's COPY. A template is the SQL as written, with
 * a few named placeholders where the declaration's attributes go, {@code {{name}}} or {@code {{name argument}}}:
 * <ul>
 *     <li>{@code attributes [prefix]}: the attributes' names in declared order, e.g. {@code r.name, r.tier};</li>
 *     <li>{@code first_attributes}, {@code appended_attributes}: a load's column list around op and updated_at, in
 *     file order: the first version's attributes, and {@code , name, ...} for the appended ones (nothing without);</li>
 *     <li>{@code attributes_from prefix}: {@code name = source.name, ...};</li>
 *     <li>{@code nulls}: one {@code NULL} per attribute;</li>
 *     <li>{@code file_positions}: {@code $1, $2, ...}, one per file column;</li>
 *     <li>{@code column_definitions width}: one line per attribute, name padded to {@code width}, then its type;</li>
 *     <li>{@code returns_columns}: the attributes with their types as a table function returns them;</li>
 *     <li>{@code row_hash prefix}: the row hash of the attributes (fragment {@code row_hash_value.sql});</li>
 *     <li>{@code current_values prefix}: the attributes where the merge needs the current version's values (a
 *     declaration with untracked attributes or partial updates), {@code NULL AS name} per attribute otherwise;</li>
 *     <li>{@code tracked_hash prefix}: the row hash of the attributes whose history is tracked, computed as if they
 *     were the only ones; {@code prefix row_hash} when every attribute is tracked, as the two are then equal;</li>
 *     <li>{@code resolved_events}: the merge's events with partial updates resolved (fragment
 *     {@code resolved_events.sql}), or {@code SELECT * FROM events} without partial updates; inside the fragment
 *     {@code set_counts} and {@code resolved_values}, per attribute the running count of values set and the value of
 *     the row that set it;</li>
 *     <li>{@code version_values}: the judged events with every untracked attribute's value of its version's latest
 *     event (fragment {@code version_values.sql}), or {@code SELECT * FROM judged} when every attribute is tracked;
 *     inside the fragment {@code latest_values};</li>
 *     <li>{@code newest_valid_to prefix}: the end of the newest version (fragment {@code newest_valid_to.sql});</li>
 *     <li>{@code newest_versions}: every batch customer's newest version (fragment {@code newest_versions.sql});</li>
 *     <li>{@code personal_values_to_null}, {@code any_personal_value [prefix]}: the personal attributes as
 *     {@code name = NULL} assignments, and as "any of them is not null" (OR: Snowflake's COALESCE needs two
 *     arguments, and a declaration may have one personal attribute or none);</li>
 *     <li>{@code csv_text_columns}, {@code appended_csv_text_columns}: the first version's attributes as DuckDB's
 *     read_csv columns of text, and {@code , 'name': 'VARCHAR', ...} for the appended ones;</li>
 *     <li>{@code null_padding}: DuckDB's read_csv option that loads a short row, where a migration appended
 *     attributes (files of the old shape lack them);</li>
 *     <li>{@code appended_columns_union}: for fakesnow's COPY, which reads files by header name (fakesnow turns a
 *     read_csv column list into a subquery it cannot run), a union by name with no row that has every appended
 *     attribute, so that a batch of old-shape files still has their columns (NULL); nothing without.</li>
 * </ul>
 * A list wraps before {@value #LINE_LIMIT} characters, continuing under the column where its placeholder sits.
 */
public final class SqlRenderer {

    /** The scripts a user runs, in order: {@code sql/} holds their rendering of the default declaration. */
    public static final List<String> SCRIPTS = List.of("01_setup.sql", "02_ingest.sql", "02b_copy_mode.sql",
            "03_scd_tables.sql", "04_merge.sql", "05_monitoring.sql", "99_teardown.sql");

    /** TriggerSnowflakeMerge's Copy Statement for the local warehouses: {@code flows/local/} holds them. */
    public static final List<String> LOCAL_COPY_STATEMENTS = List.of("duckdb-copy.sql", "fakesnow-copy.sql");

    static final int LINE_LIMIT = 120;

    private static final String TEMPLATES = "/io/customertrack/declaration/sql/";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(\\w+)(?: ([^}\\s]+))?}}");
    private static final Pattern FRAGMENT_COMMENT = Pattern.compile("(?m)^--.*\\n");
    /** One text value as the row hash reads it, {@code {{value}}} where the value goes: read once, used per attribute. */
    private static final String ROW_HASH_VALUE = fragment("row_hash_value.sql");

    private final Declaration declaration;

    public SqlRenderer(final Declaration declaration) {
        this.declaration = declaration;
    }

    /** Every script of {@link #SCRIPTS}, by file name, in order. */
    public Map<String, String> scripts() {
        return renderAll(SCRIPTS);
    }

    /** Every statement of {@link #LOCAL_COPY_STATEMENTS}, by file name. */
    public Map<String, String> localCopyStatements() {
        return renderAll(LOCAL_COPY_STATEMENTS);
    }

    /** The COPY of TriggerSnowflakeMerge's COPY mode: the pipe's column list, {@code {files}} for the file list. */
    public String copyStatement() {
        return render("copy-statement.sql").strip();
    }

    /** One template, rendered. */
    public String render(final String template) {
        return renderText(template, template(template));
    }

    private String renderText(final String template, final String text) {
        final Matcher placeholder = PLACEHOLDER.matcher(text);
        final StringBuilder out = new StringBuilder(text.length() * 2);
        int from = 0;
        while (placeholder.find()) {
            out.append(text, from, placeholder.start());
            final int column = out.length() - out.lastIndexOf("\n") - 1;
            final int lineEnd = text.indexOf('\n', placeholder.end());
            // What follows on the line, without placeholders (an appended list may render empty).
            final int suffix = PLACEHOLDER.matcher(text.substring(placeholder.end(), lineEnd < 0 ? text.length() : lineEnd))
                    .replaceAll("").length();
            out.append(expand(template, placeholder.group(1), placeholder.group(2), column, suffix));
            from = placeholder.end();
        }
        return out.append(text, from, text.length()).toString();
    }

    private Map<String, String> renderAll(final List<String> templates) {
        final Map<String, String> rendered = new LinkedHashMap<>();
        templates.forEach(template -> rendered.put(template, render(template)));
        return rendered;
    }

    private String expand(final String template, final String name, final String argument, final int column, final int suffix) {
        final String prefix = argument == null ? "" : argument;
        final List<Attribute> all = declaration.attributes();
        final List<Attribute> personal = all.stream().filter(Attribute::personal).toList();
        return switch (name) {
            case "attributes" -> list(names(all, a -> prefix + a.name()), ",", column, suffix);
            case "first_attributes" -> list(names(declaration.firstAttributes(), a -> prefix + a.name()), ",", column, suffix);
            case "appended_attributes" -> declaration.appendedAttributes().stream().map(a -> ", " + prefix + a.name()).reduce("", String::concat);
            // A short row loads NULL in its missing columns only where a migration appended some: otherwise a
            // truncated row must fail its file, as Snowpipe skips a file with a bad row.
            case "null_padding" -> declaration.appendedAttributes().isEmpty() ? "" : " null_padding = true,";
            case "appended_csv_text_columns" -> declaration.appendedAttributes().stream().map(a -> ", '" + a.name() + "': 'VARCHAR'")
                    .reduce("", String::concat);
            case "appended_columns_union" -> declaration.appendedAttributes().isEmpty() ? ""
                    : "\n      UNION ALL BY NAME SELECT " + String.join(", ", names(declaration.appendedAttributes(), a -> "NULL::VARCHAR AS " + a.name()))
                    + " WHERE FALSE";
            case "attributes_from" -> list(names(all, a -> a.name() + " = " + prefix + a.name()), ",", column, suffix);
            case "nulls" -> list(names(all, a -> "NULL"), ",", column, suffix);
            case "current_values" -> list(names(all, a -> declaration.valuesSpanEvents() ? prefix + a.name() : "NULL AS " + a.name()), ",", column, suffix);
            case "file_positions" -> list(positions(), ",", column, suffix);
            case "returns_columns" -> list(names(all, a -> a.name() + " " + returnedType(a.type())), ",", column, suffix);
            case "csv_text_columns" -> list(names(declaration.firstAttributes(), a -> "'" + a.name() + "': 'VARCHAR'"), ",", column, suffix);
            case "column_definitions" -> columnDefinitions(Integer.parseInt(argument), column);
            case "row_hash" -> rowHash(prefix, column, suffix, all);
            case "tracked_hash" -> declaration.untrackedAttributes().isEmpty() ? prefix + "row_hash"
                    : rowHash(prefix, column, suffix, declaration.trackedAttributes());
            case "resolved_events" -> declaration.partialUpdates() ? renderedFragment("resolved_events.sql", column)
                    : "SELECT * FROM events";
            case "version_values" -> declaration.untrackedAttributes().isEmpty() ? "SELECT * FROM judged"
                    : renderedFragment("version_values.sql", column);
            // A helper column per attribute, named with a leading underscore, which no attribute name has.
            case "set_counts" -> windows(all, a -> "COUNT(CASE WHEN op <> 'DELETE' THEN " + a.name() + " END)",
                    a -> "PARTITION BY customer_id, values_group ORDER BY updated_at ROWS UNBOUNDED PRECEDING", a -> "_set_" + a.name(), column);
            case "resolved_values" -> windows(all, a -> "FIRST_VALUE(CASE WHEN op <> 'DELETE' THEN " + a.name() + " END)",
                    a -> "PARTITION BY customer_id, values_group, _set_" + a.name() + " ORDER BY updated_at", Attribute::name, column);
            case "latest_values" -> windows(all, a -> a.trackHistory() ? a.name() : "LAST_VALUE(" + a.name() + ")",
                    a -> a.trackHistory() ? null
                            : "PARTITION BY customer_id, version_number ORDER BY updated_at ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING",
                    Attribute::name, column);
            case "newest_valid_to" -> indent(newestValidTo(prefix), column);
            case "newest_versions" -> indent(fragment("newest_versions.sql")
                    .replace("{{newest_valid_to}}", indent(newestValidTo("h."), "       ".length())), column);
            // Without personal attributes an erasure has no value to clear: the predicates match nothing, and the
            // scrub (which then never runs on a row) still needs one assignment to be a valid UPDATE.
            case "personal_values_to_null" -> personal.isEmpty() ? "op = op"
                    : list(names(personal, a -> a.name() + " = NULL"), ",", column, suffix);
            case "any_personal_value" -> personal.isEmpty() ? "FALSE"
                    : orList(names(personal, a -> prefix + a.name() + " IS NOT NULL"), column, suffix);
            default -> throw new IllegalStateException("Template " + template + " has an unknown placeholder {{" + name + "}}");
        };
    }

    private static List<String> names(final List<Attribute> attributes, final Function<Attribute, String> text) {
        return attributes.stream().map(text).toList();
    }

    private List<String> positions() {
        final List<String> positions = new ArrayList<>();
        for (int i = 1; i <= declaration.fileColumns().size(); i++) {
            positions.add("$" + i);
        }
        return positions;
    }

    /** A table function returns text unsized; every other type as declared. */
    private static String returnedType(final AttributeType type) {
        return switch (type) {
            case AttributeType.Varchar ignored -> "VARCHAR";
            case AttributeType.TimestampNtz ignored -> "TIMESTAMP_NTZ";
            default -> type.sql();
        };
    }

    private String columnDefinitions(final int width, final int column) {
        final List<String> lines = new ArrayList<>();
        for (final Attribute attribute : declaration.attributes()) {
            final String name = attribute.name();
            lines.add(name + " ".repeat(Math.max(1, width - name.length())) + attribute.type().sql() + ",");
        }
        return String.join("\n" + " ".repeat(column), lines);
    }

    /**
     * MD5 of the attributes' values, comma-separated: text through {@code row_hash_value} (its length, a colon, the
     * text), every other type as its text alone, which holds no comma and is never the NULL marker '~'. An appended
     * attribute (since a later version) adds {@code ,name=value} only when it has a value: a NULL one adds nothing, so
     * every hash stored before it was added still equals the hash of the same values with it NULL, and no stored hash
     * is recomputed. Its name keeps two appended attributes apart; the value is length-prefixed text or comma-free.
     */
    private String rowHash(final String prefix, final int column, final int suffix, final List<Attribute> attributes) {
        final int partColumn = column + 4 + "|| ".length();
        final List<Attribute> positional = attributes.stream().filter(attribute -> !attribute.appended()).toList();
        final boolean appended = positional.size() < attributes.size();
        final List<String> parts = new ArrayList<>();
        for (final Attribute attribute : positional) {
            final String part = "COALESCE(" + hashText(prefix + attribute.name(), attribute.type()) + ", '~')";
            // What follows a part on its line: the separator, or for the last one the closing parenthesis and the rest.
            final int after = parts.size() < positional.size() - 1 || appended ? " || ','".length() : 1 + suffix;
            parts.add(attribute.type() instanceof AttributeType.Varchar ? fitted(part, partColumn, after) : wrapped(part, partColumn, after));
        }
        final String separator = "\n" + " ".repeat(column + 4) + "|| ";
        // Without a first-version attribute (a tracked hash may have none) the positional part is the empty text.
        final StringBuilder hash = new StringBuilder("MD5(").append(parts.isEmpty() ? "''" : String.join(" || ','" + separator, parts));
        for (final Attribute attribute : attributes.stream().filter(Attribute::appended).toList()) {
            hash.append(separator).append("COALESCE(',").append(attribute.name()).append("=' || ")
                    .append(hashText(prefix + attribute.name(), attribute.type())).append(", '')");
        }
        return hash.append(")").toString();
    }

    /** A value's text in the row hash: text through {@code row_hash_value}, any other type as {@link #asText}. */
    private static String hashText(final String value, final AttributeType type) {
        return type instanceof AttributeType.Varchar ? ROW_HASH_VALUE.replace("{{value}}", value) : asText(value, type);
    }

    /** A typed value too long for its line continues with the column, under DATEDIFF's first argument. */
    private static String wrapped(final String part, final int column, final int after) {
        final int datediff = part.indexOf("DATEDIFF(");
        if (datediff < 0 || column + part.length() + after <= LINE_LIMIT) {
            return part;
        }
        final int lastComma = part.indexOf(", ", part.indexOf("::"));
        return part.substring(0, lastComma + 1) + "\n" + " ".repeat(column + datediff + "DATEDIFF(".length())
                + part.substring(lastComma + 2);
    }

    /** A row hash value too long for its line continues, from its second concatenation, under its first argument. */
    private static String fitted(final String part, final int column, final int after) {
        if (column + part.length() + after <= LINE_LIMIT) {
            return part;
        }
        final int argument = part.indexOf('(') + 1;
        return part.replace(" || ':' || ", " || ':'\n" + " ".repeat(column + argument) + "|| ");
    }

    /**
     * A value as text that depends on the value alone, so that values of several types meet in one expression and every
     * session hashes alike: text as it is; a number or a boolean cast (no session format applies to either); a date or
     * a time as its distance from 1970 in days or microseconds, because casting them follows the session's
     * DATE_OUTPUT_FORMAT and TIMESTAMP_NTZ_OUTPUT_FORMAT (whose default shows milliseconds only), which NiFi's session
     * and the task's need not share. DATEDIFF takes its unit quoted in Snowflake and DuckDB alike.
     */
    private static String asText(final String value, final AttributeType type) {
        return switch (type) {
            case AttributeType.Varchar ignored -> value;
            case AttributeType.Date ignored -> "CAST(DATEDIFF('day', '1970-01-01'::DATE, " + value + ") AS VARCHAR)";
            case AttributeType.TimestampNtz ignored ->
                    "CAST(DATEDIFF('microsecond', '1970-01-01'::TIMESTAMP_NTZ, " + value + ") AS VARCHAR)";
            case AttributeType.Number ignored -> "CAST(" + value + " AS VARCHAR)";
            case AttributeType.Boolean ignored -> "CAST(" + value + " AS VARCHAR)";
        };
    }

    /**
     * Per attribute a window function on a line of its own under {@code column}, its OVER clause and then its alias on
     * the next lines (the frame on one more where the clause would pass the line limit); an attribute without a window
     * ({@code over} gives null) is its name alone.
     */
    private static String windows(final List<Attribute> attributes, final Function<Attribute, String> function,
                                  final Function<Attribute, String> over, final Function<Attribute, String> alias, final int column) {
        final String indent = "\n" + " ".repeat(column + 4);
        final List<String> items = new ArrayList<>();
        for (final Attribute attribute : attributes) {
            final String window = over.apply(attribute);
            if (window == null) {
                items.add(function.apply(attribute));
                continue;
            }
            final int frame = window.indexOf(" ROWS ");
            final String clause = column + 4 + "OVER ()".length() + window.length() > LINE_LIMIT && frame > 0
                    ? window.substring(0, frame) + indent + "      " + window.substring(frame + 1) : window;
            items.add(function.apply(attribute) + indent + "OVER (" + clause + ")" + indent + "AS " + alias.apply(attribute));
        }
        return String.join(",\n" + " ".repeat(column), items);
    }

    /** Items separated by {@code separator} and a space, wrapped under {@code column}. */
    private static String list(final List<String> items, final String separator, final int column, final int suffix) {
        final List<String> tokens = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            tokens.add(items.get(i) + (i < items.size() - 1 ? separator : ""));
        }
        return wrap(tokens, column, suffix);
    }

    /** Conditions joined by OR, a wrapped line beginning with its OR. */
    private static String orList(final List<String> conditions, final int column, final int suffix) {
        final List<String> tokens = new ArrayList<>();
        for (int i = 0; i < conditions.size(); i++) {
            tokens.add((i > 0 ? "OR " : "") + conditions.get(i));
        }
        return wrap(tokens, column, suffix);
    }

    private static String wrap(final List<String> tokens, final int column, final int suffix) {
        final StringBuilder out = new StringBuilder();
        int length = column;
        boolean lineStart = true;
        for (int i = 0; i < tokens.size(); i++) {
            final String token = tokens.get(i);
            final int needed = (lineStart ? 0 : 1) + token.length() + (i == tokens.size() - 1 ? suffix : 0);
            if (!lineStart && length + needed > LINE_LIMIT) {
                out.append('\n').append(" ".repeat(column));
                length = column;
                lineStart = true;
            }
            if (!lineStart) {
                out.append(' ');
                length++;
            }
            out.append(token);
            length += token.length();
            lineStart = false;
        }
        return out.toString();
    }

    /** The end of the newest version of the versions {@code alias} names. */
    private static String newestValidTo(final String alias) {
        return fragment("newest_valid_to.sql").replace("{{alias}}", alias);
    }

    /** A fragment's continuation lines moved right by {@code column}: it stays aligned where its placeholder sits. */
    private static String indent(final String fragment, final int column) {
        return fragment.replace("\n", "\n" + " ".repeat(column));
    }

    /**
     * A fragment with placeholders of its own, rendered where it sits ({@code column}), so that its lists wrap at the
     * line limit; comments kept: it is a part of the merge to read.
     */
    private String renderedFragment(final String name, final int column) {
        final String text = template("fragments/" + name).strip().indent(column);
        return renderText(name, text).strip();
    }

    /** A fragment without its leading comment lines and final line break. */
    private static String fragment(final String name) {
        return FRAGMENT_COMMENT.matcher(template("fragments/" + name)).replaceAll("").strip();
    }

    static String template(final String name) {
        try (InputStream in = SqlRenderer.class.getResourceAsStream(TEMPLATES + name)) {
            if (in == null) {
                throw new IllegalStateException("No SQL template " + TEMPLATES + name + " on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new UncheckedIOException("Cannot read the SQL template " + name, e);
        }
    }
}
