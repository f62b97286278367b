package io.customertrack.nifi.sandbox;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs scripts/deploy-nifi.sh (and the stack's other scripts) as a user or the Docker stack would. */
final class DeployScript {

    record Run(int exitCode, String output) {
    }

    private DeployScript() {
    }

    static Run run(final List<String> arguments, final Map<String, String> environment) throws IOException {
        return script("scripts/deploy-nifi.sh", arguments, environment);
    }

    /**
     * docker/nifi/healthcheck.sh against a sandbox node, logged in as the stack's healthcheck is (client certificate
     * here: the sandbox has no single-user login).
     */
    static Run healthCheck(final SandboxNiFi node) throws IOException {
        final Map<String, String> environment = new HashMap<>(Map.of("NIFI_HEALTH_URL", node.url(),
                "NIFI_HEALTH_CACERT", node.tls().resolve("ca.pem").toString()));
        if (!node.adminCredentials().isEmpty()) {
            environment.put("NIFI_HEALTH_CERT", node.tls().resolve("admin.pem").toString());
            environment.put("NIFI_HEALTH_KEY", node.tls().resolve("admin.key").toString());
        }
        return script("docker/nifi/healthcheck.sh", List.of(), environment);
    }

    /** docker/nifi/healthcheck.sh with exactly the given environment (besides the basics). */
    static Run healthCheck(final Map<String, String> environment) throws IOException {
        return script("docker/nifi/healthcheck.sh", List.of(), environment);
    }

    /**
     * Runs scripts/deploy-nifi.sh and kills it with SIGKILL (no trap runs) as soon as a line of its output contains
     * {@code marker}; the run's output up to then comes back with exit code 137.
     */
    static Run runKilledAt(final List<String> arguments, final Map<String, String> environment, final String marker) throws IOException {
        final Process process = start("scripts/deploy-nifi.sh", arguments, environment);
        final StringBuilder output = new StringBuilder();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                output.append(line).append('\n');
                if (line.contains(marker)) {
                    process.destroyForcibly();
                    process.waitFor(60, TimeUnit.SECONDS);
                    return new Run(process.exitValue(), output.toString());
                }
            }
            process.waitFor(60, TimeUnit.SECONDS);
            throw new IllegalStateException("the deploy ended (exit " + process.exitValue() + ") before printing '" + marker + "':\n" + output);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** A bash script of this repository, run from its root without the caller's NIFI_* and CUSTOMERTRACK_PARAM_* variables. */
    private static Process start(final String script, final List<String> arguments, final Map<String, String> environment) throws IOException {
        final List<String> command = new ArrayList<>(List.of("bash", SandboxNiFi.ROOT.resolve(script).toString()));
        command.addAll(arguments);
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).directory(SandboxNiFi.ROOT.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("CUSTOMERTRACK_") || name.startsWith("NIFI_")
                || name.startsWith("SINGLE_USER_"));
        builder.environment().put("CUSTOMERTRACK_POLL_INTERVAL", "0.5");
        builder.environment().putAll(environment);
        return builder.start();
    }

    private static Run script(final String script, final List<String> arguments, final Map<String, String> environment) throws IOException {
        final Process process = start(script, arguments, environment);
        try {
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(600, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(script + " did not finish:\n" + output);
            }
            return new Run(process.exitValue(), output);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
