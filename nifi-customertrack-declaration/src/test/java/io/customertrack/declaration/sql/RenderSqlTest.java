package io.customertrack.declaration.sql;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RenderSqlTest {

    @TempDir
    Path folder;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void aGoodDeclarationIsRenderedIntoTheFolder() throws IOException {
        final Path declaration = folder.resolve("loyalty.json");
        Files.writeString(declaration, """
                {"attributes": [
                  {"name": "loyalty_tier", "type": "VARCHAR(10)", "required": true, "personal": false},
                  {"name": "points", "type": "NUMBER(12,0)", "required": false, "personal": false},
                  {"name": "nickname", "type": "VARCHAR(40)", "required": false, "personal": true}]}""");
        final Path out = folder.resolve("sql");
        assertEquals(RenderSql.DONE, run("--declaration", declaration.toString(), "--out", out.toString()));
        for (final String script : SqlRenderer.SCRIPTS) {
            assertTrue(Files.isRegularFile(out.resolve(script)), script);
        }
        assertTrue(Files.readString(out.resolve("02_ingest.sql")).contains("points             NUMBER(12,0),"));
        assertTrue(Files.readString(out.resolve("04_merge.sql")).contains("SET nickname = NULL"));
        assertTrue(Files.readString(out.resolve("local/duckdb-copy.sql")).contains("loyalty_tier, points, nickname"));
    }

    @Test
    void withoutDeclarationTheDefaultIsRendered() throws IOException {
        assertEquals(RenderSql.DONE, run("--out", folder.toString()));
        assertTrue(Files.readString(folder.resolve("03_scd_tables.sql")).contains("first_name"));
    }

    @Test
    void anInvalidDeclarationExitsWith3NamingTheAttribute() throws IOException {
        final Path declaration = folder.resolve("bad.json");
        Files.writeString(declaration, """
                {"attributes": [{"name": "tier", "type": "TEXT", "required": true, "personal": false}]}""");
        assertEquals(RenderSql.INVALID_DECLARATION, run("--declaration", declaration.toString(), "--out", folder.resolve("sql").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("attribute 'tier': unknown type 'TEXT'"), err.toString(StandardCharsets.UTF_8));
        assertFalse(Files.exists(folder.resolve("sql")), "nothing written");
    }

    /** A rule value no value could pass: the renderer refuses it as the processors do, with the same message. */
    @Test
    void aOneOfValueLongerThanItsVarcharExitsWith3NamingTheAttribute() throws IOException {
        final Path declaration = folder.resolve("tier.json");
        Files.writeString(declaration, """
                {"attributes": [{"name": "tier", "type": "VARCHAR(4)", "required": true, "personal": false,
                                 "rules": {"oneOf": ["gold", "platinum"]}}]}""");
        assertEquals(RenderSql.INVALID_DECLARATION, run("--declaration", declaration.toString(), "--out", folder.resolve("sql").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("render-sql: invalid declaration " + declaration + ": attribute 'tier': rule oneOf value "
                + "'platinum' could never be accepted: it has 8 characters, more than the 4 the column holds"), err.toString(StandardCharsets.UTF_8));
        assertFalse(Files.exists(folder.resolve("sql")), "nothing written");
    }

    @Test
    void wrongUseExitsWith2() {
        assertEquals(RenderSql.USAGE, run("--declaration", "x.json"));
        assertEquals(RenderSql.USAGE, run("--out"));
        assertEquals(RenderSql.USAGE, run("--bogus", "x"));
    }

    /** The shipped declaration, version 1. */
    private static final String CUSTOMER = resource("customer.json");

    /** The shipped example that appends phone (since 2) to it. */
    private static final String WITH_PHONE = resource("examples/customer-with-phone.json");

    /** An attribute version 3 appends. */
    private static final String LOYALTY_V3 = """
            ,
                {"name": "loyalty_tier", "type": "VARCHAR(10)", "required": false, "personal": false, "since": 3}
              ]
            }""";

    @Test
    void fromTheOldDeclarationTheMigrationIsWrittenWithTheNewRendering() throws IOException {
        final Path out = folder.resolve("v2");
        final ByteArrayOutputStream printed = new ByteArrayOutputStream();
        final int exit = RenderSql.run(new String[] {"--from", write("old.json", CUSTOMER).toString(),
            "--declaration", write("new.json", WITH_PHONE).toString(), "--out", out.toString()},
                new PrintStream(printed, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(RenderSql.DONE, exit, err.toString(StandardCharsets.UTF_8));
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains("migrate.sql from version 1 to 2, adding phone"));
        final String migrate = Files.readString(out.resolve("migrate.sql"));
        for (final String table : SqlMigration.TABLES) {
            assertTrue(migrate.contains("ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS phone VARCHAR(32);"), table);
        }
        assertFalse(migrate.contains("CUSTOMER_MERGE_QUARANTINE ADD"), "the quarantine holds no attribute values");
        assertTrue(migrate.contains("CREATE OR REPLACE PIPE CUSTOMER_RAW_PIPE"));
        assertTrue(migrate.contains("op, updated_at, phone,"), "the appended column comes after updated_at, as in files");
        assertTrue(migrate.contains("$10, $11,"));
        assertFalse(migrate.contains("{{"), "every placeholder rendered");
        assertTrue(migrate.indexOf("SET PIPE_EXECUTION_PAUSED = TRUE") < migrate.indexOf("ALTER TABLE CUSTOMER_RAW ADD COLUMN"), "the pipe is paused first");
        // Step 6 re-creates CUSTOMER_AS_OF with the new column, not the rest of 03 (its watermark backfill and settings).
        assertEquals(3, migrate.split("CREATE OR REPLACE FUNCTION CUSTOMER_AS_OF\\(", -1).length - 1, "the three overloads");
        assertTrue(migrate.contains("GRANT USAGE ON FUNCTION CUSTOMER_AS_OF(TIMESTAMP_TZ) TO ROLE CUSTOMERTRACK_LOADER;"));
        assertTrue(migrate.contains("phone VARCHAR") && migrate.indexOf("phone VARCHAR", migrate.indexOf("CUSTOMER_AS_OF(AS_OF")) > 0,
                "the function returns the new column");
        assertFalse(migrate.contains("MERGE INTO CUSTOMER_MERGE_WATERMARK"));
        assertTrue(Files.isRegularFile(out.resolve("04_merge.sql")), "the new declaration's full rendering beside it");
    }

    /**
     * Every change but appending is refused with exit code 4, naming the attribute and what to do instead. Each row: the
     * old declaration (CUSTOMER or WITH_PHONE), the text replaced in WITH_PHONE to make the new one, its replacement,
     * and the start of the message.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            CUSTOMER   | `"name": "city"` | `"name": "town"` | attribute 'city': removed or renamed
            CUSTOMER   | `"name": "city", "type": "VARCHAR(100)"` | `"name": "city", "type": "VARCHAR(200)"` | attribute 'city': retyped from VARCHAR(100) to VARCHAR(200). Stored values
            CUSTOMER   | `"name": "state"` | `"name": "region"` | attribute 'state': removed or renamed
            CUSTOMER   | `"VARCHAR(100)", "required": true, "personal": true,` | `"VARCHAR(100)", "required": true, "personal": false,` | attribute 'first_name': no longer personal
            WITH_PHONE | `"required": false, "personal": true, "since": 2` | `"required": false, "personal": false, "since": 2` | attribute 'phone': no longer personal
            WITH_PHONE | `"required": false, "personal": true, "since": 2,` | `"required": true, "personal": true, "since": 2,` | attribute 'phone': made required
            WITH_PHONE | `"version": 2,` | `"version": 3,` | attribute 'phone': "since" changed from 2 to 3
            WITH_PHONE | `"attributes": [` | `"attributes": [` | the new declaration adds no attribute: nothing to migrate
            WITH_PHONE | `"since": 3}` | `"since": 2}` | the new declaration's "version" is 2, the old one's 2
            CUSTOMER   | `"name": "city"` | `"name": "city", "trackHistory": false` | attribute 'city': "trackHistory" switched from true to false. The stored versions were cut
            WITH_PHONE | `"personal": true, "since": 2,` | `"personal": true, "since": 2, "trackHistory": false,` | attribute 'phone': "trackHistory" switched from true to false
            CUSTOMER   | `"attributes": [` | `"partialUpdates": true, "attributes": [` | the declaration's "partialUpdates" switched from false to true. The stored versions read
            WITH_PHONE | `"attributes": [` | `"partialUpdates": true, "attributes": [` | the declaration's "partialUpdates" switched from false to true
            """)
    void anyChangeButAppendingIsRefusedSayingWhatToDoInstead(final String old, final String text, final String replacement,
                                                             final String message) throws IOException {
        String changed = WITH_PHONE.replace(text, replacement);
        if (message.contains("made required")) {
            changed = changed.replace("\"emptyPercent\": 20", "\"emptyPercent\": 0");
        }
        if (message.contains("\"since\" changed")) {
            changed = changed.replace("\"since\": 2", "\"since\": 3");
        }
        if (!message.contains("adds no attribute")) {
            changed = changed.replaceFirst("\\s*]\\s*}\\s*$", LOYALTY_V3).replace("\"version\": 2,", "\"version\": 3,");
        }
        if (message.contains("\"version\" is 2")) {
            changed = changed.replace("\"version\": 3,", "\"version\": 2,").replace("\"since\": 3}", "\"since\": 2}");
        }
        final Path from = write("old.json", "CUSTOMER".equals(old) ? CUSTOMER : WITH_PHONE);
        final Path to = write("new.json", "CUSTOMER".equals(old) ? changed.replace("\"version\": 3,", "\"version\": 2,")
                .replace("\"since\": 3}", "\"since\": 2}") : changed);
        assertEquals(RenderSql.MIGRATION_REFUSED, run("--from", from.toString(), "--declaration", to.toString(),
                "--out", folder.resolve("sql").toString()), err.toString(StandardCharsets.UTF_8));
        final String printed = err.toString(StandardCharsets.UTF_8);
        assertTrue(printed.startsWith("render-sql: no migration from " + from + " to " + to + ": " + message), printed);
        assertFalse(Files.exists(folder.resolve("sql")), "nothing written");
    }

    /** Switching back is refused as well, and a switch alone is refused for what it is, not for adding nothing. */
    @Test
    void switchingHistoryTrackingOrPartialUpdatesBackIsRefusedSayingHowToRebuild() throws IOException {
        final String untrackedPhone = WITH_PHONE.replace("\"since\": 2,", "\"since\": 2, \"trackHistory\": false,");
        assertEquals(RenderSql.MIGRATION_REFUSED, run("--from", write("old.json", untrackedPhone).toString(),
                "--declaration", write("new.json", WITH_PHONE).toString(), "--out", folder.resolve("sql").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).endsWith(": attribute 'phone': \"trackHistory\" switched from false to true."
                + " The stored versions were cut by the old setting (whether a change of it opens a version), and late events make"
                + " the merge re-cut them: the history would have to be rebuilt. Keep it false; to switch it, set up a new pipeline"
                + " on the new declaration (its own schema, rendered without --from) and replay CUSTOMER_RAW's files into it, or"
                + " rebuild CUSTOMER_HISTORY and CUSTOMER from CUSTOMER_RAW with the new declaration's merge\n"),
                err.toString(StandardCharsets.UTF_8));

        err.reset();
        final String partial = WITH_PHONE.replace("\"attributes\": [", "\"partialUpdates\": true, \"attributes\": [");
        final String fullAndWider = WITH_PHONE.replaceFirst("\\s*]\\s*}\\s*$", LOYALTY_V3).replace("\"version\": 2,", "\"version\": 3,");
        assertEquals(RenderSql.MIGRATION_REFUSED, run("--from", write("old.json", partial).toString(),
                "--declaration", write("new.json", fullAndWider).toString(), "--out", folder.resolve("sql").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains(": the declaration's \"partialUpdates\" switched from true to false."
                + " The stored versions read an UPDATE's empty attribute as unchanged, and late events make the merge re-cut them"
                + " from CUSTOMER_RAW: the history would have to be rebuilt. Keep it true; to switch it, set up a new pipeline"),
                err.toString(StandardCharsets.UTF_8));
        assertFalse(Files.exists(folder.resolve("sql")), "nothing written");
    }

    /** An appended attribute is new: declaring it untracked switches nothing, nor does keeping partial updates on. */
    @Test
    void anAppendedAttributeMayBeUntrackedAndPartialUpdatesMayStayOn() throws IOException {
        final String partial = WITH_PHONE.replace("\"attributes\": [", "\"partialUpdates\": true, \"attributes\": [");
        final String wider = partial.replaceFirst("\\s*]\\s*}\\s*$", LOYALTY_V3.replace("\"since\": 3}", "\"since\": 3, \"trackHistory\": false}"))
                .replace("\"version\": 2,", "\"version\": 3,");
        final Path out = folder.resolve("v3");
        assertEquals(RenderSql.DONE, run("--from", write("old.json", partial).toString(), "--declaration", write("new.json", wider).toString(),
                "--out", out.toString()), err.toString(StandardCharsets.UTF_8));
        assertTrue(Files.readString(out.resolve("migrate.sql")).contains("ALTER TABLE CUSTOMER_HISTORY ADD COLUMN IF NOT EXISTS loyalty_tier"));
    }

    @Test
    void makingAnAttributePersonalIsRefused() throws IOException {
        final String notPersonal = WITH_PHONE.replace("\"personal\": true, \"since\": 2", "\"personal\": false, \"since\": 2");
        final String wider = WITH_PHONE.replaceFirst("\\s*]\\s*}\\s*$", LOYALTY_V3).replace("\"version\": 2,", "\"version\": 3,");
        assertEquals(RenderSql.MIGRATION_REFUSED, run("--from", write("old.json", notPersonal).toString(),
                "--declaration", write("new.json", wider).toString(), "--out", folder.resolve("sql").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains(": attribute 'phone': made personal. Customers erased before"
                + " kept its values in CUSTOMER_RAW"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void removingIsRefused() throws IOException {
        final String withoutCity = CUSTOMER.replaceFirst("(?s)\\{\\s*\"name\": \"city\".*?}\\s*},\\s*", "");
        assertFalse(withoutCity.contains("city"));
        assertEquals(RenderSql.MIGRATION_REFUSED, run("--from", write("old.json", CUSTOMER).toString(),
                "--declaration", write("new.json", withoutCity).toString(), "--out", folder.resolve("sql").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains(": attribute 'city': removed or renamed. The tables, the stored"
                + " versions and files in flight hold it"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void reorderingIsRefused() throws IOException {
        final String swapped = CUSTOMER.replace("\"name\": \"first_name\"", "\"name\": \"swap\"")
                .replace("\"name\": \"last_name\"", "\"name\": \"first_name\"").replace("\"name\": \"swap\"", "\"name\": \"last_name\"");
        assertEquals(RenderSql.MIGRATION_REFUSED, run("--from", write("old.json", CUSTOMER).toString(),
                "--declaration", write("new.json", swapped).toString(), "--out", folder.resolve("sql").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains(": attribute 'first_name': moved from position 1 to 2. Loads take"
                + " file columns by position"), err.toString(StandardCharsets.UTF_8));
    }

    private Path write(final String name, final String json) throws IOException {
        return Files.writeString(folder.resolve(name), json);
    }

    private static String resource(final String name) {
        try (var in = RenderSqlTest.class.getResourceAsStream("/io/customertrack/declaration/" + name)) {
            return new String(Objects.requireNonNull(in, name).readAllBytes(), StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private int run(final String... args) {
        return RenderSql.run(args, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }
}
