package io.customertrack.nifi.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs scripts/deploy-nifi.sh against {@link FakeNiFi} and checks every request it makes, in order. */
class DeployScriptTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path SCRIPT = ROOT.resolve("scripts/deploy-nifi.sh");
    private static final Path FLOW = ROOT.resolve("flows/customertrack/customertrack-pipeline.json");

    @TempDir
    Path tempDir;

    private Path nar;
    private byte[] narBytes;
    private JsonNode flowDefinition;

    record Run(int exitCode, String output) {
    }

    @BeforeEach
    void createNar() throws IOException {
        nar = tempDir.resolve("nifi-customertrack-nar-0.1.0.nar");
        narBytes = ("PK fake nar " + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
        Files.write(nar, narBytes);
        flowDefinition = new ObjectMapper().readTree(FLOW.toFile());
    }

    private Run deploy(final String url, final Map<String, String> env, final String... extraArgs) throws Exception {
        final List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString(), "--url", url, "--nar", nar.toString(),
                "--flow", FLOW.toString(), "--timeout", "20", "--drain-timeout", "20"));
        command.addAll(List.of(extraArgs));
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("CUSTOMERTRACK_PARAM_"));
        builder.environment().put("NIFI_USERNAME", FakeNiFi.USER);
        builder.environment().put("NIFI_PASSWORD", FakeNiFi.PASSWORD);
        builder.environment().put("CUSTOMERTRACK_POLL_INTERVAL", "0.05");
        builder.environment().putAll(env);
        final Process process = builder.start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "script finished");
        return new Run(process.exitValue(), output);
    }

    @Test
    void freshDeploymentUploadsImportsConfiguresEnablesAndStarts() throws Exception {
        final Path parameters = tempDir.resolve("params.properties");
        Files.writeString(parameters, "# production values\ns3.bucket=acme-lake\nsnowflake.user=CT_NIFI\n");
        try (FakeNiFi nifi = new FakeNiFi(narBytes, flowDefinition)) {
            final Run run = deploy(nifi.url(), Map.of("CUSTOMERTRACK_PARAM_S3_REGION", "eu-west-1",
                    "CUSTOMERTRACK_PARAM_SNOWFLAKE_PRIVATE_KEY_PASSWORD", "s3cret"), "--parameters", parameters.toString());
            assertEquals(0, run.exitCode(), run.output());
            assertEquals(List.of(), nifi.violations);
            assertEquals(List.of(
                    "POST /access/token",
                    "GET /flow/process-groups/root",
                    "POST /controller/nar-manager/nars/content",
                    "GET /controller/nar-manager/nars/nar-1",
                    "GET /controller/nar-manager/nars/nar-1",
                    "POST /process-groups/root-pg/process-groups/upload",
                    "GET /parameter-contexts/ctx-1",
                    "POST /parameter-contexts/ctx-1/update-requests",
                    "GET /parameter-contexts/ctx-1/update-requests/upd-1",
                    "DELETE /parameter-contexts/ctx-1/update-requests/upd-1",
                    "PUT /flow/process-groups/new-pg/controller-services",
                    "GET /flow/process-groups/new-pg/controller-services",
                    "PUT /flow/process-groups/new-pg"), nifi.calls);

            final Map<String, JsonNode> sent = new HashMap<>();
            nifi.bodies.get("parameters").get("component").get("parameters").forEach(p -> sent.put(p.get("parameter").get("name").asText(), p.get("parameter")));
            assertEquals(4, sent.size());
            assertEquals("acme-lake", sent.get("s3.bucket").get("value").asText());
            assertEquals("eu-west-1", sent.get("s3.region").get("value").asText(), "environment values are applied");
            assertEquals("CT_NIFI", sent.get("snowflake.user").get("value").asText());
            assertTrue(sent.get("snowflake.private.key.password").get("sensitive").asBoolean(), "sensitivity kept");
            assertEquals("RUNNING", nifi.bodies.get("PUT /flow/process-groups/new-pg").get("state").asText());
            assertTrue(run.output().contains("CustomerTrack is running as process group new-pg"), run.output());
        }
    }

    @Test
    void replacingARunningVersionDrainsItBeforeDeletingIt() throws Exception {
        try (FakeNiFi nifi = new FakeNiFi(narBytes, flowDefinition)) {
            nifi.existingGroup = true;
            final Run refused = deploy(nifi.url(), Map.of());
            assertEquals(7, refused.exitCode(), refused.output());
            assertTrue(refused.output().contains("already deployed; run with --replace"), refused.output());

            nifi.calls.clear();
            final Run run = deploy(nifi.url(), Map.of(), "--replace");
            assertEquals(0, run.exitCode(), run.output());
            assertEquals(List.of(), nifi.violations);
            final List<String> calls = nifi.calls;
            final int newServicesEnabled = calls.indexOf("PUT /flow/process-groups/new-pg/controller-services");
            final int generatorStopped = calls.indexOf("PUT /processors/gen-old/run-status");
            final int lastQueuePoll = calls.lastIndexOf("GET /flow/process-groups/old-pg/status");
            final int oldStopped = calls.indexOf("PUT /flow/process-groups/old-pg");
            final int oldDeleted = calls.indexOf("DELETE /process-groups/old-pg");
            final int newStarted = calls.indexOf("PUT /flow/process-groups/new-pg");
            assertTrue(newServicesEnabled < generatorStopped, "new version ready before the old one stops: " + calls);
            assertTrue(generatorStopped < lastQueuePoll && lastQueuePoll < oldStopped, "old version drained before it stops: " + calls);
            assertEquals(3, calls.stream().filter("GET /flow/process-groups/old-pg/status"::equals).count(), "polled until empty");
            assertTrue(oldStopped < oldDeleted && oldDeleted < newStarted, "old deleted before the new one starts: " + calls);
            assertEquals("DISABLED", nifi.bodies.get("PUT /flow/process-groups/old-pg/controller-services").get("state").asText());
        }
    }

    @Test
    void skipNarLeavesTheNarManagerAlone() throws Exception {
        try (FakeNiFi nifi = new FakeNiFi(narBytes, flowDefinition)) {
            final Run run = deploy(nifi.url(), Map.of(), "--skip-nar");
            assertEquals(0, run.exitCode(), run.output());
            assertTrue(nifi.calls.stream().noneMatch(call -> call.contains("nar-manager")), nifi.calls.toString());
            assertTrue(nifi.calls.contains("PUT /flow/process-groups/new-pg"));
        }
    }

    @Test
    void unreachableNiFiIsReportedAsSuch() throws Exception {
        final int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        final Run run = deploy("http://127.0.0.1:" + closedPort, Map.of());
        assertEquals(3, run.exitCode(), run.output());
        assertTrue(run.output().contains("NiFi unreachable at http://127.0.0.1:" + closedPort), run.output());
    }

    @Test
    void badCredentialsAreReportedAsSuch() throws Exception {
        try (FakeNiFi nifi = new FakeNiFi(narBytes, flowDefinition)) {
            final Run run = deploy(nifi.url(), Map.of("NIFI_PASSWORD", "wrong"));
            assertEquals(4, run.exitCode(), run.output());
            assertTrue(run.output().contains("bad credentials for user 'admin'"), run.output());
            assertEquals(List.of("POST /access/token"), nifi.calls);
        }
    }

    @Test
    void rejectedNarStopsTheDeploymentWithNiFisReason() throws Exception {
        try (FakeNiFi nifi = new FakeNiFi(narBytes, flowDefinition)) {
            nifi.narFinalState = "FAILED";
            final Run run = deploy(nifi.url(), Map.of());
            assertEquals(5, run.exitCode(), run.output());
            assertTrue(run.output().contains("NAR rejected (FAILED): Unable to load NAR: unsupported system API version"), run.output());
            assertTrue(nifi.calls.stream().noneMatch(call -> call.contains("upload")), "no flow imported");
        }
    }

    @Test
    void unknownParameterIsRejectedBeforeAnythingIsChanged() throws Exception {
        try (FakeNiFi nifi = new FakeNiFi(narBytes, flowDefinition)) {
            final Run run = deploy(nifi.url(), Map.of("CUSTOMERTRACK_PARAM_S3_BUCKKET", "typo"));
            assertEquals(6, run.exitCode(), run.output());
            assertTrue(run.output().contains("unknown parameter 's3.buckket'"), run.output());
            assertTrue(nifi.calls.stream().noneMatch(call -> call.startsWith("POST /parameter-contexts")), "nothing updated");
            assertTrue(nifi.calls.stream().noneMatch(call -> call.startsWith("PUT ")), "nothing started");
        }
    }
}
