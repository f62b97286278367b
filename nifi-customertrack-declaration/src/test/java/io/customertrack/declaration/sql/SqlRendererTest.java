package io.customertrack.declaration.sql;

import io.customertrack.declaration.AttributeType;
import io.customertrack.declaration.Declaration;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SqlRendererTest {

    private static final Declaration WIDE = Declaration.example("wide");

    @Test
    void theDefaultRowHashIsTheOneStoredHashesWereMadeWith() {
        final String merge = new SqlRenderer(Declaration.defaultDeclaration()).render("04_merge.sql");
        final String stored = """
                MD5(COALESCE(CAST(LENGTH(p.first_name) AS VARCHAR) || ':' || p.first_name, '~') || ','
                                   || COALESCE(CAST(LENGTH(p.last_name) AS VARCHAR) || ':' || p.last_name, '~') || ','
                                   || COALESCE(CAST(LENGTH(p.email) AS VARCHAR) || ':' || p.email, '~') || ','
                                   || COALESCE(CAST(LENGTH(p.street) AS VARCHAR) || ':' || p.street, '~') || ','
                                   || COALESCE(CAST(LENGTH(p.city) AS VARCHAR) || ':' || p.city, '~') || ','
                                   || COALESCE(CAST(LENGTH(p.state) AS VARCHAR) || ':' || p.state, '~') || ','
                                   || COALESCE(CAST(LENGTH(p.country) AS VARCHAR) || ':' || p.country, '~')) AS row_hash""";
        assertTrue(merge.contains(stored), "the row hash over p.*");
        assertTrue(merge.contains(stored.replace("p.", "s.")), "the row hash over s.*");
    }

    @Test
    void everyTemplateRendersForTheWideDeclarationWithoutPlaceholdersLeft() {
        final SqlRenderer renderer = new SqlRenderer(WIDE);
        for (final String script : SqlRenderer.SCRIPTS) {
            final String sql = renderer.render(script);
            assertFalse(sql.contains("{{"), script);
            if (List.of("02_ingest.sql", "03_scd_tables.sql", "04_merge.sql").contains(script)) {
                WIDE.names().forEach(name -> assertTrue(sql.contains(name), script + " names " + name));
            }
        }
        assertFalse(renderer.copyStatement().contains("{{"));
        assertTrue(renderer.copyStatement().contains("FILES = ({files})"));
    }

    @Test
    void wideColumnsAreTypedAndTheHashCastsWhatIsNotText() {
        final SqlRenderer renderer = new SqlRenderer(WIDE);
        final String tables = renderer.render("03_scd_tables.sql");
        WIDE.attributes().forEach(attribute -> assertTrue(
                Pattern.compile("(?m)^\\s+" + attribute.name() + "\\s+" + Pattern.quote(attribute.type().sql()) + ",$").matcher(tables).find(),
                attribute.name() + " " + attribute.type().sql()));
        final String merge = renderer.render("04_merge.sql").replaceAll("\\s+", " ");
        WIDE.attributes().forEach(attribute -> {
            final String column = "p." + attribute.name();
            final String value = switch (attribute.type()) {
                case AttributeType.Varchar ignored -> column;
                case AttributeType.Date ignored -> "CAST(DATEDIFF('day', '1970-01-01'::DATE, " + column + ") AS VARCHAR)";
                case AttributeType.TimestampNtz ignored ->
                        "CAST(DATEDIFF('microsecond', '1970-01-01'::TIMESTAMP_NTZ, " + column + ") AS VARCHAR)";
                default -> "CAST(" + column + " AS VARCHAR)";
            };
            assertTrue(merge.contains(attribute.type() instanceof AttributeType.Varchar
                    ? "COALESCE(CAST(LENGTH(" + value + ") AS VARCHAR) || ':' || " + value + ", '~')"
                    : "COALESCE(" + value + ", '~')"), attribute.name());
        });
        assertEquals(6, count(renderer.render("04_merge.sql"), "'9999-12-31 00:00:00'::TIMESTAMP_NTZ"), "three look-ups of the newest version");
    }

    @Test
    void theFileColumnsAreNumberedAsTheDeclarationsFileColumns() {
        final String copy = new SqlRenderer(WIDE).copyStatement();
        final int columns = WIDE.fileColumns().size();
        assertTrue(copy.contains("$" + columns + ","), copy);
        assertFalse(copy.contains("$" + (columns + 1)), copy);
    }

    @Test
    void longListsWrapUnderTheirPlaceholder() {
        for (final String script : SqlRenderer.SCRIPTS) {
            final String rendered = new SqlRenderer(WIDE).render(script);
            final String template = new SqlRenderer(Declaration.defaultDeclaration()).render(script);
            final long longTemplateLines = template.lines().filter(line -> line.length() > SqlRenderer.LINE_LIMIT).count();
            final long longLines = rendered.lines().filter(line -> line.length() > SqlRenderer.LINE_LIMIT).count();
            assertEquals(longTemplateLines, longLines, script + ": no line the attributes made longer than the limit");
        }
    }

    @Test
    void withoutPersonalAttributesErasureClearsNothing() {
        final Declaration impersonal = Declaration.parse("""
                {"attributes": [{"name": "tier", "type": "VARCHAR(10)", "required": true, "personal": false}]}""");
        final String merge = new SqlRenderer(impersonal).render("04_merge.sql");
        assertTrue(merge.contains("AND (FALSE)"), "no raw row has a personal value to count or clear");
        assertFalse(merge.contains("tier = NULL"));
    }

    /** Snowflake's COALESCE takes two arguments or more: a declaration with one personal attribute must not make one. */
    @Test
    void oneOrNoPersonalAttributeRendersNoOneArgumentCoalesce() {
        for (final String personal : List.of("true", "false")) {
            final SqlRenderer renderer = new SqlRenderer(Declaration.parse("""
                    {"attributes": [{"name": "tier", "type": "VARCHAR(10)", "required": true, "personal": %s},
                                    {"name": "score", "type": "NUMBER(3,0)", "required": false, "personal": false}]}"""
                    .formatted(personal)));
            for (final String script : List.of("03_scd_tables.sql", "04_merge.sql", "05_monitoring.sql")) {
                final String sql = renderer.render(script);
                assertFalse(Pattern.compile("COALESCE\\([^,()]*\\)").matcher(sql).find(), script + " with personal=" + personal);
            }
            assertTrue(renderer.render("05_monitoring.sql").contains(personal.equals("true") ? "AND (r.tier IS NOT NULL)" : "AND (FALSE)"));
        }
    }

    private static int count(final String text, final String part) {
        return text.split(Pattern.quote(part), -1).length - 1;
    }

    /**
     * An appended attribute counts in the hash only with a value, after the first version's attributes; every load names
     * it after updated_at, where files carry it, and reads one more position.
     */
    @Test
    void anAppendedAttributeIsHashedOnlyWhenSetAndLoadedAfterUpdatedAt() {
        final SqlRenderer withPhone = new SqlRenderer(Declaration.example("customer-with-phone"));
        final String defaultHash = new SqlRenderer(Declaration.defaultDeclaration()).render("04_merge.sql");
        final String merge = withPhone.render("04_merge.sql");
        assertTrue(merge.contains("|| COALESCE(',phone=' || CAST(LENGTH(p.phone) AS VARCHAR) || ':' || p.phone, '')) AS row_hash"), merge);
        assertTrue(defaultHash.contains("|| COALESCE(CAST(LENGTH(p.country) AS VARCHAR) || ':' || p.country, '~')) AS row_hash"),
                "the default's hash ends with its last attribute, as stored hashes were made");
        final String copy = withPhone.copyStatement();
        assertTrue(copy.contains("op, updated_at, phone,"), copy);
        assertTrue(copy.contains("$10, $11,"), copy);
        assertTrue(withPhone.render("02_ingest.sql").contains("op, updated_at, phone,"));
        assertTrue(withPhone.render("duckdb-copy.sql").contains("'updated_at': 'VARCHAR', 'phone': 'VARCHAR'"));
    }
}
