package io.customertrack.nifi.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs scripts/deploy-nifi.sh as a user would. */
final class DeployScript {

    record Run(int exitCode, String output) {
    }

    private DeployScript() {
    }

    static Run run(final List<String> arguments, final Map<String, String> environment) throws IOException {
        final List<String> command = new ArrayList<>(List.of("bash", SandboxNiFi.ROOT.resolve("scripts/deploy-nifi.sh").toString()));
        command.addAll(arguments);
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).directory(SandboxNiFi.ROOT.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("CUSTOMERTRACK_PARAM_") || name.startsWith("NIFI_"));
        builder.environment().put("CUSTOMERTRACK_POLL_INTERVAL", "0.5");
        builder.environment().putAll(environment);
        final Process process = builder.start();
        try {
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(600, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("deploy-nifi.sh did not finish:\n" + output);
            }
            return new Run(process.exitValue(), output);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
