package io.customertrack.nifi.snowflake;

import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.sql.SqlRenderer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * fakesnow (PyPI, pinned in scripts/python-requirements.txt) as an HTTP server on 127.0.0.1 that the unmodified
 * snowflake-jdbc driver talks to. With a folder its databases live there (the session parameter FAKESNOW_DB_PATH: the
 * server's --db_path option does not apply to its HTTP sessions), so a killed server restarts with what was committed,
 * but one session at a time; without one, all sessions share one in-memory database, as in the Docker local profile.
 * The Python environment comes from {@link PythonTools}, which creates it when missing: this never skips.
 */
public final class FakesnowServer implements AutoCloseable {

    private static final String DATABASE = "CUSTOMERTRACK";
    private static final String SCHEMA = "CORE";

    private final Path databases;
    private final Path log;
    private final int port;
    private Process process;

    /**
     * @param databases the folder of its database files, or null for the shared in-memory database
     */
    public FakesnowServer(final Path databases) throws IOException {
        this.databases = databases;
        if (databases != null) {
            Files.createDirectories(databases);
        }
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        // Outside the test's temporary folder, so that a failed run leaves the server's side to read.
        this.log = Files.createDirectories(Path.of("target")).resolve("fakesnow-" + port + ".log");
        start();
    }

    public void start() throws IOException {
        final Path fakesnow = PythonTools.environment().resolve("bin/fakesnow");
        process = new ProcessBuilder(fakesnow.toString(), "--server", "--host", "127.0.0.1", "--port", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (final IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IOException("fakesnow did not start on port " + port + ":\n" + Files.readString(log));
                }
                sleep(100);
            }
        }
    }

    /** SIGKILL: the server dies mid-request, as a lost connection would look to the driver. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    public int port() {
        return port;
    }

    /** JDBC URL for snowflake-jdbc: no TLS, and no probing of cloud metadata addresses (disablePlatformDetection). */
    public String url() {
        return "jdbc:snowflake://127.0.0.1:" + port + "/?ssl=off&account=fakesnow&db=" + DATABASE + "&schema=" + SCHEMA
                + "&disablePlatformDetection=true";
    }

    /**
     * Connection properties: any user and password, the database folder, and a dead server failing a request after
     * seconds rather than the driver's minutes of retries.
     */
    public Properties properties() {
        final Properties properties = new Properties();
        if (databases != null) {
            properties.setProperty("FAKESNOW_DB_PATH", databases.toString());
        }
        properties.setProperty("user", "customertrack");
        properties.setProperty("password", "fakesnow");
        properties.setProperty("networkTimeout", "20000");
        properties.setProperty("maxHttpRetries", "1");
        return properties;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url(), properties());
    }

    /**
     * The CustomerTrack tables and the stream view, created by scripts/init-local-warehouse.py: the script the Docker
     * local profile's init service runs. Keys enforced (DuckDB under fakesnow enforces them; Snowflake does not).
     */
    public void createSchema() throws IOException {
        createSchema(true);
    }

    /**
     * @param enforceKeys false creates the tables without PRIMARY KEY/UNIQUE, as unenforced as Snowflake's
     */
    public void createSchema(final boolean enforceKeys) throws IOException {
        createSchema(enforceKeys, Declaration.defaultDeclaration());
    }

    /**
     * The tables of {@code declaration}: its SQL rendered into a temporary folder, which the script reads (--sql-dir).
     */
    public void createSchema(final boolean enforceKeys, final Declaration declaration) throws IOException {
        final Path sql = Files.createTempDirectory("customertrack-sql");
        sql.toFile().deleteOnExit(); // after its files: deleteOnExit deletes in reverse order
        for (final Map.Entry<String, String> script : new SqlRenderer(declaration).scripts().entrySet()) {
            Files.writeString(sql.resolve(script.getKey()), script.getValue(), StandardCharsets.UTF_8).toFile().deleteOnExit();
        }
        final List<String> arguments = new ArrayList<>(List.of("--host", "127.0.0.1", "--port", Integer.toString(port), "--wait", "10",
                "--sql-dir", sql.toString()));
        if (!enforceKeys) {
            arguments.add("--without-keys");
        }
        if (databases != null) {
            arguments.addAll(List.of("--db-path", databases.toString()));
        }
        final Process init = PythonTools.script("init-local-warehouse.py", arguments).redirectErrorStream(true).start();
        final String output = new String(init.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (init.waitFor() != 0) {
                throw new IOException("scripts/init-local-warehouse.py failed (exit " + init.exitValue() + "):\n" + output);
            }
            if (databases != null) {
                // fakesnow drops a closed session but leaves its database file attached until Python collects it, and
                // a file admits one attachment: restart so the next session can open it.
                close();
                start();
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private static void sleep(final long millis) {
        try {
            Thread.sleep(millis);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

}
