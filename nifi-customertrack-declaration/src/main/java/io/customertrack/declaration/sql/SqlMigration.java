package io.customertrack.declaration.sql;

import io.customertrack.declaration.Attribute;
import io.customertrack.declaration.Declaration;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The change script from one declaration to a wider one ({@code migrate.sql}): the attributes the new declaration
 * appends become columns of the tables that hold attribute values, and the pipe is re-created with the new column list.
 * Only appending is a migration; anything else the running pipeline's files, history or row hashes depend on is refused
 * ({@link #check}) with what to do instead, switching how history is cut ({@code trackHistory}, {@code partialUpdates})
 * included: an appended attribute may be untracked, an existing one keeps its setting.
 */
public final class SqlMigration {

    /** The tables that hold one column per attribute (the quarantine holds keys only), in the order they are altered. */
    public static final List<String> TABLES = List.of("CUSTOMER_RAW", "CUSTOMER", "CUSTOMER_HISTORY", "CUSTOMER_MERGE_PLAN");

    private static final Pattern PIPE = Pattern.compile("(?s)CREATE PIPE IF NOT EXISTS CUSTOMER_RAW_PIPE\\b.*?;\\n");
    private static final Pattern AS_OF_FUNCTION = Pattern.compile("(?s)CREATE OR REPLACE FUNCTION CUSTOMER_AS_OF\\(.*?\\$\\$;\\n");
    private static final Pattern AS_OF_GRANT = Pattern.compile("GRANT USAGE ON FUNCTION CUSTOMER_AS_OF\\([^)]*\\) TO ROLE \\w+;\\n");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(\\w+)}}");

    /** What a change of how history is cut needs instead of a migration. */
    private static final String REBUILD = "to switch it, set up a new pipeline on the new declaration (its own schema,"
            + " rendered without --from) and replay CUSTOMER_RAW's files into it, or rebuild CUSTOMER_HISTORY and CUSTOMER"
            + " from CUSTOMER_RAW with the new declaration's merge";

    private final Declaration from;
    private final Declaration to;
    private final List<Attribute> added;

    private SqlMigration(final Declaration from, final Declaration to) {
        this.from = from;
        this.to = to;
        this.added = to.attributes().subList(from.attributes().size(), to.attributes().size());
    }

    /** The migration from {@code from} to {@code to}, once {@link #check} accepts it. */
    public static SqlMigration between(final Declaration from, final Declaration to) {
        check(from, to);
        return new SqlMigration(from, to);
    }

    /** The attributes the new declaration appends, in declared order. */
    public List<Attribute> added() {
        return added;
    }

    /**
     * Refuses every change but appending attributes of a new version, naming the attribute and what to do instead.
     *
     * @throws MigrationRefusedException for the first change that is not an appended attribute
     */
    public static void check(final Declaration from, final Declaration to) {
        final String instead = "add a new attribute with \"since\": " + Math.max(to.version(), from.version() + 1) + " instead";
        for (int i = 0; i < from.attributes().size(); i++) {
            final Attribute old = from.attributes().get(i);
            final Attribute now = to.attribute(old.name());
            final String where = "attribute '" + old.name() + "': ";
            if (now == null) {
                throw new MigrationRefusedException(where + "removed or renamed. The tables, the stored versions and files in"
                        + " flight hold it, and loads take columns by position: keep it declared (optional, if sources stop"
                        + " sending it); for a new name, " + instead + " and keep this one");
            }
            if (i >= to.attributes().size() || !to.attributes().get(i).name().equals(old.name())) {
                throw new MigrationRefusedException(where + "moved from position " + (i + 1) + " to "
                        + (to.attributes().indexOf(now) + 1) + ". Loads take file columns by position and the row hash reads"
                        + " attributes in declared order: keep the old order and append new attributes after the last one");
            }
            if (!now.type().equals(old.type())) {
                throw new MigrationRefusedException(where + "retyped from " + old.type().sql() + " to " + now.type().sql()
                        + ". Stored values and files in flight have the old type (a longer VARCHAR is the one change"
                        + " Snowflake makes in place: ALTER TABLE ... ALTER COLUMN ... SET DATA TYPE on each table, by hand,"
                        + " with the validator's limit raised after it): keep the type; for values of another type, " + instead);
            }
            if (now.required() && !old.required()) {
                throw new MigrationRefusedException(where + "made required. Files of the old declaration in flight, and stored"
                        + " versions, may lack it: keep it optional and have the sources send it; or " + instead
                        + " (required, with a migration window for the old shape)");
            }
            if (now.personal() != old.personal()) {
                throw new MigrationRefusedException(where + (old.personal()
                        ? "no longer personal. An ERASE would leave its values in CUSTOMER_RAW, CUSTOMER and the history: keep"
                          + " it personal"
                        : "made personal. Customers erased before kept its values in CUSTOMER_RAW (an erasure clears the"
                          + " personal attributes of its time): keep it not personal; for values an ERASE must clear, "
                          + instead));
            }
            if (now.since() != old.since()) {
                throw new MigrationRefusedException(where + "\"since\" changed from " + old.since() + " to " + now.since()
                        + ". It fixes where files carry the attribute and how the row hash counts it: keep it " + old.since());
            }
            if (now.trackHistory() != old.trackHistory()) {
                throw new MigrationRefusedException(where + "\"trackHistory\" switched from " + old.trackHistory() + " to "
                        + now.trackHistory() + ". The stored versions were cut by the old setting (whether a change of it opens"
                        + " a version), and late events make the merge re-cut them: the history would have to be rebuilt. Keep it "
                        + old.trackHistory() + "; " + REBUILD);
            }
        }
        if (to.partialUpdates() != from.partialUpdates()) {
            throw new MigrationRefusedException("the declaration's \"partialUpdates\" switched from " + from.partialUpdates()
                    + " to " + to.partialUpdates() + ". The stored versions read an UPDATE's empty attribute as "
                    + (from.partialUpdates() ? "unchanged" : "no value") + ", and late events make the merge re-cut them from"
                    + " CUSTOMER_RAW: the history would have to be rebuilt. Keep it " + from.partialUpdates() + "; " + REBUILD);
        }
        if (to.attributes().size() == from.attributes().size()) {
            throw new MigrationRefusedException("the new declaration adds no attribute: nothing to migrate (a change of"
                    + " rules, generate or description needs no SQL; set the flow parameter customertrack.declaration)");
        }
        if (to.version() <= from.version()) {
            throw new MigrationRefusedException("the new declaration's \"version\" is " + to.version() + ", the old one's "
                    + from.version() + ": adding attributes makes a new version, \"version\": " + (from.version() + 1));
        }
        for (final Attribute attribute : to.attributes().subList(from.attributes().size(), to.attributes().size())) {
            if (attribute.since() != to.version()) {
                throw new MigrationRefusedException("attribute '" + attribute.name() + "': added with \"since\": "
                        + attribute.since() + "; an added attribute has the new declaration's version, \"since\": " + to.version());
            }
        }
    }

    /** migrate.sql: the statements for Snowflake, with the steps in NiFi between them. */
    public String script() {
        final String template = SqlRenderer.template("migrate.sql");
        final Matcher placeholder = PLACEHOLDER.matcher(template);
        final StringBuilder out = new StringBuilder();
        while (placeholder.find()) {
            placeholder.appendReplacement(out, Matcher.quoteReplacement(expand(placeholder.group(1))));
        }
        placeholder.appendTail(out);
        return out.toString();
    }

    /**
     * The ALTER TABLE statements of the script, one per table and added attribute: what a warehouse without pipes, tasks
     * or procedures (DuckDB, fakesnow) runs of it.
     */
    public List<String> addColumnStatements() {
        final List<String> statements = new ArrayList<>();
        for (final String table : TABLES) {
            for (final Attribute attribute : added) {
                statements.add("ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS " + attribute.name() + " " + attribute.type().sql());
            }
        }
        return statements;
    }

    private String expand(final String name) {
        return switch (name) {
            case "from_version" -> Integer.toString(from.version());
            case "to_version" -> Integer.toString(to.version());
            case "added_names" -> String.join(", ", added.stream().map(Attribute::name).toList());
            case "add_columns" -> String.join(";\n", addColumnStatements()) + ";";
            case "pipe" -> pipe();
            case "customer_as_of" -> customerAsOf();
            default -> throw new IllegalStateException("migrate.sql has an unknown placeholder {{" + name + "}}");
        };
    }

    /** The new declaration's CUSTOMER_AS_OF functions and their grants, as 03_scd_tables.sql creates them. */
    private String customerAsOf() {
        final String tables = new SqlRenderer(to).render("03_scd_tables.sql");
        final List<String> statements = new ArrayList<>();
        for (final Pattern pattern : List.of(AS_OF_FUNCTION, AS_OF_GRANT)) {
            final Matcher statement = pattern.matcher(tables);
            while (statement.find()) {
                statements.add(statement.group().strip());
            }
        }
        if (statements.isEmpty()) {
            throw new IllegalStateException("03_scd_tables.sql has no CREATE OR REPLACE FUNCTION CUSTOMER_AS_OF statement");
        }
        return String.join("\n\n", statements);
    }

    /** The new declaration's pipe as 02_ingest.sql creates it, replacing the existing one. */
    private String pipe() {
        final Matcher pipe = PIPE.matcher(new SqlRenderer(to).render("02_ingest.sql"));
        if (!pipe.find()) {
            throw new IllegalStateException("02_ingest.sql has no CREATE PIPE IF NOT EXISTS CUSTOMER_RAW_PIPE statement");
        }
        return pipe.group().replace("CREATE PIPE IF NOT EXISTS", "CREATE OR REPLACE PIPE").strip();
    }
}
