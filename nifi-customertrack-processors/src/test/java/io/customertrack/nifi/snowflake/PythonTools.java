package io.customertrack.nifi.snowflake;

import io.customertrack.nifi.ProjectFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The Python tools of scripts/python-requirements.txt (fakesnow, sqlglot, sqlfluff), in the venv python-tools.sh keeps. */
public final class PythonTools {

    private static Path environment;

    private PythonTools() {
    }

    /** The virtual environment, created on first use (needs Python 3 with venv and pip, and PyPI). */
    public static synchronized Path environment() throws IOException {
        if (environment == null) {
            final Process tools = new ProcessBuilder("bash", ProjectFiles.resolve("scripts/python-tools.sh").toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            final String venv = new String(tools.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            try {
                if (tools.waitFor() != 0 || venv.isEmpty()) {
                    throw new IOException("scripts/python-tools.sh failed (exit " + tools.exitValue() + "); the tests need Python 3 with venv and pip");
                }
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            environment = Path.of(venv);
        }
        return environment;
    }

    /** A process running {@code scripts/<script>} with this environment's Python and {@code arguments}. */
    static ProcessBuilder script(final String script, final List<String> arguments) throws IOException {
        final List<String> command = new ArrayList<>(List.of(environment().resolve("bin/python").toString(),
                ProjectFiles.resolve("scripts/" + script).toString()));
        command.addAll(arguments);
        return new ProcessBuilder(command);
    }
}
