package io.customertrack.declaration.sql;

import io.customertrack.declaration.Declaration;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The repository's sql/ and flows/local/ COPY statements are the default declaration's rendering, byte for byte. */
class RenderedSqlTest {

    private static final String FIX = "scripts/render-sql.sh --out sql --local-out flows/local";

    @Test
    void sqlFolderIsTheDefaultDeclarationsRendering() throws IOException {
        final SqlRenderer renderer = new SqlRenderer(Declaration.defaultDeclaration());
        final List<String> stale = new ArrayList<>();
        stale.addAll(differing(root().resolve("sql"), renderer.scripts()));
        stale.addAll(differing(root().resolve("flows/local"), renderer.localCopyStatements()));
        assertEquals(List.of(), stale, "stale against the templates; run " + FIX);
    }

    @Test
    void everyScriptInSqlIsRendered() throws IOException {
        try (var files = Files.list(root().resolve("sql"))) {
            final List<String> handWritten = files.map(path -> path.getFileName().toString())
                    .filter(name -> name.endsWith(".sql") && !SqlRenderer.SCRIPTS.contains(name)).toList();
            assertEquals(List.of(), handWritten, "every script of sql/ comes from a template");
        }
    }

    private static List<String> differing(final Path folder, final Map<String, String> rendered) throws IOException {
        final List<String> stale = new ArrayList<>();
        for (final Map.Entry<String, String> file : rendered.entrySet()) {
            final Path path = folder.resolve(file.getKey());
            if (!Files.exists(path) || !Files.readString(path).equals(file.getValue())) {
                stale.add(root().relativize(path).toString());
            }
        }
        return stale;
    }

    private static Path root() {
        final String root = System.getProperty("project.root");
        assertTrue(root != null && !root.isBlank(), "the build passes the repository root as project.root");
        return Path.of(root).toAbsolutePath().normalize();
    }
}
