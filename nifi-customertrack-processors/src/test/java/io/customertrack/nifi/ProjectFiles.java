package io.customertrack.nifi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files of this repository outside the module (sql/, flows/, scripts/, docker/), found through the repository root
 * that the build passes to tests as the system property {@value #ROOT_PROPERTY}, so no test depends on the folder
 * it happens to run in.
 */
public final class ProjectFiles {

    public static final String ROOT_PROPERTY = "project.root";

    private ProjectFiles() {
    }

    /** The repository root. */
    public static Path root() {
        final String root = System.getProperty(ROOT_PROPERTY);
        if (root == null || root.isBlank()) {
            throw new IllegalStateException("System property " + ROOT_PROPERTY + " is not set. Maven's surefire, failsafe and"
                    + " exec configurations pass the repository root; elsewhere (an IDE, a plain java command) add -D"
                    + ROOT_PROPERTY + "=<path of the repository root> to the JVM's arguments");
        }
        final Path path = Path.of(root).toAbsolutePath().normalize();
        if (!Files.isDirectory(path)) {
            throw new IllegalStateException(ROOT_PROPERTY + "=" + root + " is not a folder; it must name the repository root");
        }
        return path;
    }

    /** The existing file or folder at {@code relativePath} under the repository root, for example "sql/04_merge.sql". */
    public static Path resolve(final String relativePath) {
        final Path path = root().resolve(relativePath);
        if (!Files.exists(path)) {
            throw new IllegalStateException(relativePath + " not found under " + ROOT_PROPERTY + "=" + root()
                    + "; does it name the repository root?");
        }
        return path;
    }

    /** The text of the file at {@code relativePath} under the repository root. */
    public static String read(final String relativePath) {
        try {
            return Files.readString(resolve(relativePath));
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
