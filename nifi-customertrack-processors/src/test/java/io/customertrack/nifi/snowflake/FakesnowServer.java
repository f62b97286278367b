package io.customertrack.nifi.snowflake;

import io.customertrack.nifi.merge.MergeScript;
import io.customertrack.nifi.merge.SnowflakeDdl;

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
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * fakesnow (PyPI, pinned in scripts/python-requirements.txt) as an HTTP server on 127.0.0.1 that the unmodified
 * snowflake-jdbc driver talks to. Its databases live in a folder (the session parameter FAKESNOW_DB_PATH: the server's
 * --db_path option does not apply to its HTTP sessions), so a killed server restarts with what was committed.
 * The Python environment comes from {@link PythonTools}, which creates it when missing: this never skips.
 */
public final class FakesnowServer implements AutoCloseable {

    public static final String DATABASE = "CUSTOMERTRACK";
    public static final String SCHEMA = "CORE";

    private final Path databases;
    private final Path log;
    private final int port;
    private Process process;

    public FakesnowServer(final Path databases) throws IOException {
        this.databases = databases;
        Files.createDirectories(databases);
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
        properties.setProperty("FAKESNOW_DB_PATH", databases.toString());
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
     * The CustomerTrack tables as sql/02 and sql/03 define them, run verbatim, and the stream as a view (fakesnow has no
     * streams): the same stand-in the DuckDB tests use.
     */
    public void createSchema() throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE IF NOT EXISTS " + DATABASE);
            statement.execute("CREATE SCHEMA IF NOT EXISTS " + DATABASE + "." + SCHEMA);
            statement.execute("USE SCHEMA " + DATABASE + "." + SCHEMA);
            for (final String ddl : SnowflakeDdl.snowflakeCreateTables()) {
                statement.execute(ddl.substring(0, ddl.lastIndexOf(';')));
            }
            for (final String ddl : MergeScript.split(readResource("/duckdb/customertrack-schema.sql"))) {
                statement.execute(ddl);
            }
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

    private static String readResource(final String name) {
        try (var in = FakesnowServer.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new IllegalStateException(e);
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
