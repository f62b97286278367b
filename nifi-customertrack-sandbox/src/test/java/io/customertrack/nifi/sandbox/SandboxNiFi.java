package io.customertrack.nifi.sandbox;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One sandbox NiFi, started and stopped through scripts/nifi-sandbox.sh exactly as a user would, so the tests exercise
 * the launcher too. Every instance is stopped by {@link #close()}, also when a test fails.
 */
final class SandboxNiFi implements AutoCloseable {

    static final Path ROOT = Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();
    static final Path SCRIPT = ROOT.resolve("scripts/nifi-sandbox.sh");
    static final Path DIST = Path.of(System.getProperty("sandbox.dist", "target/nifi-sandbox-dist")).toAbsolutePath();
    static final Path CUSTOMERTRACK_NAR = Path.of(System.getProperty("customertrack.nar",
            ROOT.resolve("nifi-customertrack-nar/target/nifi-customertrack-nar-0.1.0-SNAPSHOT.nar").toString()));

    private final Path home;
    private final List<String> startArguments;
    private final int port;
    private final boolean secured;

    private SandboxNiFi(final Path home, final int port, final boolean secured, final List<String> extraArguments) {
        this.home = home;
        this.port = port;
        this.secured = secured;
        this.startArguments = new ArrayList<>(List.of("--port", Integer.toString(port), "--management-port",
                Integer.toString(freePort()), "--heap", "1g", "--timeout", "240"));
        if (!secured) {
            startArguments.add("--http");
        }
        startArguments.addAll(extraArguments);
    }

    /** A secured NiFi (HTTPS, client certificates, managed authorizer) on a fresh empty flow. */
    static SandboxNiFi startSecured(final Path home) throws IOException {
        final SandboxNiFi nifi = new SandboxNiFi(home, freePort(), true, List.of());
        nifi.start();
        return nifi;
    }

    /**
     * An unsecured NiFi (plain HTTP, no authentication) on a fresh empty flow, with the CustomerTrack NAR in its
     * extensions folder, which NiFi autoloads at start as it would a NAR a user dropped there.
     */
    static SandboxNiFi startPlainWithCustomerTrack(final Path home) throws IOException {
        final Path extensions = Files.createDirectories(home.resolve("extensions"));
        Files.copy(CUSTOMERTRACK_NAR, extensions.resolve(CUSTOMERTRACK_NAR.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        final SandboxNiFi nifi = new SandboxNiFi(home, freePort(), false, List.of());
        nifi.start();
        return nifi;
    }

    /**
     * An unsecured cluster node (plain HTTP) using the given ZooKeeper, not started yet: the nodes of a cluster start
     * together, since each waits for the other in the flow election.
     */
    static SandboxNiFi clusterNode(final Path home, final String zookeeper) {
        return new SandboxNiFi(home, freePort(), false, List.of("--zookeeper", zookeeper,
                "--protocol-port", Integer.toString(freePort()), "--load-balance-port", Integer.toString(freePort())));
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (final IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    void start() throws IOException {
        final List<String> command = new ArrayList<>(List.of("start", "--home", home.toString()));
        command.addAll(startArguments);
        run(command, 300);
    }

    /** SIGTERM: NiFi's shutdown hook runs. */
    void stop() throws IOException {
        run(List.of("stop", "--home", home.toString()), 120);
    }

    /** SIGKILL: a crash. */
    void kill() throws IOException {
        run(List.of("kill", "--home", home.toString()), 60);
    }

    private void run(final List<String> arguments, final int timeoutSeconds) throws IOException {
        final List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(arguments);
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("NIFI_SANDBOX_DIST", DIST.toString());
        final Process process = builder.start();
        final String output;
        try {
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("nifi-sandbox.sh " + arguments.get(0) + " did not finish in " + timeoutSeconds + " s");
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("nifi-sandbox.sh " + String.join(" ", arguments) + " failed (exit "
                    + process.exitValue() + "):\n" + output);
        }
    }

    String url() {
        return (secured ? "https" : "http") + "://127.0.0.1:" + port;
    }

    Path tls() {
        return home.resolve("tls");
    }

    /** The deploy script's authentication options for this NiFi: the admin's client certificate. */
    List<String> adminCredentials() {
        if (!secured) {
            return List.of();
        }
        return List.of("--cacert", tls().resolve("ca.pem").toString(), "--cert", tls().resolve("admin.pem").toString(),
                "--key", tls().resolve("admin.key").toString());
    }

    NiFiRest rest() {
        return secured ? NiFiRest.withClientCertificate(url(), tls()) : NiFiRest.plain(url());
    }

    String logTail() {
        return logTail(home);
    }

    static Path logFile(final Path home) {
        return home.resolve("logs/nifi-app.log");
    }

    /** The last 60 lines of the NiFi log of a sandbox home, also of one that never started. */
    static String logTail(final Path home) {
        try {
            final List<String> lines = Files.readAllLines(logFile(home));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (final IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
