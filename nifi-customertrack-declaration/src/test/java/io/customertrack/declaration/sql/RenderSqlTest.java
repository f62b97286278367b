package io.customertrack.declaration.sql;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

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

    @Test
    void wrongUseExitsWith2() {
        assertEquals(RenderSql.USAGE, run("--declaration", "x.json"));
        assertEquals(RenderSql.USAGE, run("--out"));
        assertEquals(RenderSql.USAGE, run("--bogus", "x"));
    }

    private int run(final String... args) {
        return RenderSql.run(args, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }
}
