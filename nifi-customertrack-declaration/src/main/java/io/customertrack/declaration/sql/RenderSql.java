package io.customertrack.declaration.sql;

import io.customertrack.declaration.Attribute;
import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.DeclarationException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The command behind {@code scripts/render-sql.sh}: writes a declaration's SQL scripts into a folder, and the local
 * warehouses' COPY statements into its {@code local/} folder or another one.
 * <pre>
 *   RenderSql [--from OLD] [--declaration FILE] --out DIR [--local-out DIR]
 * </pre>
 * Without {@code --declaration}, the default declaration (whose rendering the repository's {@code sql/} holds). With
 * {@code --from}, the declaration the pipeline runs today: DIR also gets {@code migrate.sql}, the change from it to the
 * new one ({@link SqlMigration}). Exit codes: 0 written, 2 usage or a file that cannot be written, 3 an invalid
 * declaration (its message names the attribute), 4 a change that is not a migration (the message says what to do
 * instead).
 */
public final class RenderSql {

    static final int DONE = 0;
    static final int USAGE = 2;
    static final int INVALID_DECLARATION = 3;
    static final int MIGRATION_REFUSED = 4;

    static final String MIGRATION_SCRIPT = "migrate.sql";

    private static final String USAGE_TEXT = "usage: render-sql.sh [--from OLD] [--declaration FILE] --out DIR [--local-out DIR]";

    private RenderSql() {
    }

    public static void main(final String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command; returns its exit code. */
    static int run(final String[] args, final PrintStream out, final PrintStream err) {
        Path declarationFile = null;
        Path fromFile = null;
        Path folder = null;
        Path localFolder = null;
        for (int i = 0; i < args.length; i++) {
            final String option = args[i];
            if ("-h".equals(option) || "--help".equals(option)) {
                out.println(USAGE_TEXT);
                return DONE;
            }
            if (i + 1 >= args.length || !List.of("--from", "--declaration", "--out", "--local-out").contains(option)) {
                err.println("render-sql: unknown option or missing value '" + option + "'\n" + USAGE_TEXT);
                return USAGE;
            }
            final Path value = Path.of(args[++i]);
            switch (option) {
                case "--declaration" -> declarationFile = value;
                case "--from" -> fromFile = value;
                case "--out" -> folder = value;
                default -> localFolder = value;
            }
        }
        if (folder == null) {
            err.println("render-sql: --out is required\n" + USAGE_TEXT);
            return USAGE;
        }
        final Declaration declaration;
        final Declaration from;
        Path reading = declarationFile;
        try {
            declaration = declarationFile == null ? Declaration.defaultDeclaration() : Declaration.read(declarationFile);
            reading = fromFile;
            from = fromFile == null ? null : Declaration.read(fromFile);
        } catch (final DeclarationException e) {
            err.println("render-sql: invalid declaration" + (reading == null ? "" : " " + reading) + ": " + e.getMessage());
            return INVALID_DECLARATION;
        }
        final SqlMigration migration;
        try {
            migration = from == null ? null : SqlMigration.between(from, declaration);
        } catch (final MigrationRefusedException e) {
            err.println("render-sql: no migration from " + fromFile + " to " + (declarationFile == null ? "the default declaration"
                    : declarationFile) + ": " + e.getMessage());
            return MIGRATION_REFUSED;
        }
        final Path local = localFolder == null ? folder.resolve("local") : localFolder;
        final SqlRenderer renderer = new SqlRenderer(declaration);
        try {
            write(folder, renderer.scripts());
            write(local, renderer.localCopyStatements());
            if (migration != null) {
                write(folder, Map.of(MIGRATION_SCRIPT, migration.script()));
            }
        } catch (final IOException e) {
            err.println("render-sql: cannot write into " + folder + ": " + e);
            return USAGE;
        }
        out.println("render-sql: " + SqlRenderer.SCRIPTS.size() + " scripts in " + folder + ", "
                + SqlRenderer.LOCAL_COPY_STATEMENTS.size() + " local COPY statements in " + local);
        if (migration != null) {
            out.println("render-sql: " + folder.resolve(MIGRATION_SCRIPT) + " from version " + from.version() + " to "
                    + declaration.version() + ", adding " + String.join(", ", migration.added().stream().map(Attribute::name).toList()));
        }
        return DONE;
    }

    private static void write(final Path folder, final Map<String, String> files) throws IOException {
        Files.createDirectories(folder);
        for (final Map.Entry<String, String> file : files.entrySet()) {
            Files.writeString(folder.resolve(file.getKey()), file.getValue(), StandardCharsets.UTF_8);
        }
    }
}
