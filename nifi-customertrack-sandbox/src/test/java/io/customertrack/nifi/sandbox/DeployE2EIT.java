package io.customertrack.nifi.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.customertrack.nifi.merge.CustomerStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.util.ArrayList;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * scripts/deploy-nifi.sh against a fresh secured sandbox NiFi (HTTPS, client certificates, managed authorizer, no
 * policies on the root group or parameter contexts yet), through its normal code path, and every exit code a real
 * NiFi can make it produce. Failing runs go first: none of them may leave anything behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeployE2EIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;

    private static SandboxNiFi nifi;
    private static Path flow;

    @BeforeAll
    static void startSandbox() throws Exception {
        nifi = SandboxNiFi.startSecured(work.resolve("nifi"));
        flow = work.resolve("customertrack-local.json");
        LocalPipeline.writeLocalFlow("duckdb", flow);
    }

    @AfterAll
    static void stopSandbox() throws IOException {
        if (nifi != null) {
            nifi.close();
        }
    }

    private static DeployScript.Run deploy(final List<String> credentials, final Path nar, final Map<String, String> environment,
                                           final String... extra) throws IOException {
        final List<String> arguments = new ArrayList<>(List.of("--url", nifi.url(), "--nar", nar.toString(), "--flow",
                flow.toString(), "--timeout", "60"));
        arguments.addAll(credentials);
        arguments.addAll(List.of(extra));
        return DeployScript.run(arguments, environment);
    }

    /** A --replace deploy as the admin, killed (SIGKILL) as soon as it prints a line containing the marker. */
    private static DeployScript.Run replaceKilledAt(final String marker) throws IOException, SQLException {
        final List<String> arguments = new ArrayList<>(List.of("--url", nifi.url(), "--skip-nar", "--flow", flow.toString(),
                "--timeout", "60", "--replace", "--parameters", writeParameters().toString()));
        arguments.addAll(nifi.adminCredentials());
        return DeployScript.runKilledAt(arguments, Map.of(), marker);
    }

    private static DeployScript.Run deploy(final List<String> credentials) throws IOException {
        return deploy(credentials, SandboxNiFi.CUSTOMERTRACK_NAR, Map.of());
    }

    private static void assertNothingDeployed() throws IOException {
        final JsonNode groups = nifi.rest().get("/flow/process-groups/root").at("/processGroupFlow/flow/processGroups");
        assertEquals(0, groups.size(), "nothing imported: " + groups);
    }

    /** openssl req + x509: a client certificate for CN=name, signed by the given CA. */
    private static List<String> clientCertificate(final String name, final Path caCert, final Path caKey) throws Exception {
        final Path key = work.resolve(name + ".key");
        final Path csr = work.resolve(name + ".csr");
        final Path cert = work.resolve(name + ".pem");
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + name, "-keyout", key.toString(), "-out", csr.toString());
        run("openssl", "x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(), "-CAkey", caKey.toString(),
                "-CAcreateserial", "-days", "2", "-out", cert.toString());
        return List.of("--cacert", nifi.tls().resolve("ca.pem").toString(), "--cert", cert.toString(), "--key", key.toString());
    }

    private static void run(final String... command) throws Exception {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0, String.join(" ", command) + ": " + output);
    }

    @Test
    @Order(0)
    void aFreshSecuredNiFiGivesItsAdminNoPolicyOnTheRootGroup() throws IOException {
        final JsonNode permissions = nifi.rest().get("/flow/process-groups/root").at("/permissions");
        assertFalse(permissions.get("canWrite").asBoolean(), "the premise of the policy grants: " + permissions);
    }

    @Test
    @Order(0)
    void theStacksHealthcheckFailsOnANodeThatAnswersButIsNotInACluster() throws IOException {
        final DeployScript.Run health = DeployScript.healthCheck(nifi);
        assertEquals(1, health.exitCode(), health.output());
        assertTrue(health.output().contains("not connected to a cluster"), health.output());
    }

    @Test
    @Order(1)
    void unreachableNiFiExits3() throws IOException {
        final int closedPort = SandboxNiFi.freePort();
        final DeployScript.Run run = DeployScript.run(List.of("--url", "https://127.0.0.1:" + closedPort, "--skip-nar",
                "--flow", flow.toString()), Map.of());
        assertEquals(3, run.exitCode(), run.output());
        assertTrue(run.output().contains("NiFi unreachable at https://127.0.0.1:" + closedPort), run.output());
    }

    @Test
    @Order(2)
    void untrustedServerCertificateExits8() throws IOException {
        final List<String> noCa = List.of("--cert", nifi.tls().resolve("admin.pem").toString(), "--key", nifi.tls().resolve("admin.key").toString());
        final DeployScript.Run run = deploy(noCa);
        assertEquals(8, run.exitCode(), run.output());
        assertTrue(run.output().contains("the server certificate of " + nifi.url() + " is not trusted"), run.output());
    }

    @Test
    @Order(3)
    void noClientCertificateExits4() throws IOException {
        final DeployScript.Run run = deploy(List.of("--cacert", nifi.tls().resolve("ca.pem").toString()));
        assertEquals(4, run.exitCode(), run.output());
        assertTrue(run.output().contains("refused the TLS client certificate"), run.output());
    }

    @Test
    @Order(4)
    void certificateOfAnotherCaExits4() throws Exception {
        final Path otherCaKey = work.resolve("other-ca.key");
        final Path otherCa = work.resolve("other-ca.pem");
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Another CA",
                "-keyout", otherCaKey.toString(), "-out", otherCa.toString());
        final DeployScript.Run run = deploy(clientCertificate("customertrack-admin", otherCa, otherCaKey));
        assertEquals(4, run.exitCode(), run.output());
        assertTrue(run.output().contains("refused the TLS client certificate"), run.output());
        assertNothingDeployed();
    }

    @Test
    @Order(5)
    void validCertificateOfAnUnknownUserExits4() throws Exception {
        final DeployScript.Run run = deploy(clientCertificate("stranger", nifi.tls().resolve("ca.pem"), nifi.tls().resolve("ca.key")));
        assertEquals(4, run.exitCode(), run.output());
        assertTrue(run.output().contains("did not accept these credentials (HTTP 403)"), run.output());
        assertNothingDeployed();
    }

    @Test
    @Order(6)
    void usernameAndPasswordWithoutACertificateExits4() throws IOException {
        // With no login identity provider NiFi demands a client certificate during the TLS handshake, so a
        // username/password never reaches POST /access/token.
        final String password = "S3cr3t-canary-login-" + UUID.randomUUID();
        final DeployScript.Run run;
        try (CommandLineSampler sampler = new CommandLineSampler(password)) {
            run = deploy(List.of("--cacert", nifi.tls().resolve("ca.pem").toString()),
                    SandboxNiFi.CUSTOMERTRACK_NAR, Map.of("NIFI_USERNAME", "admin", "NIFI_PASSWORD", password));
            assertNoLeak(sampler);
        }
        assertEquals(4, run.exitCode(), run.output());
        assertTrue(run.output().contains("refused the TLS client certificate"), run.output());
    }

    @Test
    @Order(7)
    void unknownParameterExits6BeforeAnythingChanges() throws IOException {
        final DeployScript.Run run = deploy(nifi.adminCredentials(), SandboxNiFi.CUSTOMERTRACK_NAR,
                Map.of("CUSTOMERTRACK_PARAM_GENERATOR_SCHEDULLE", "1 sec"));
        assertEquals(6, run.exitCode(), run.output());
        assertTrue(run.output().contains("unknown parameter 'generator.schedulle'"), run.output());
        assertNothingDeployed();
        assertEquals(0, nifi.rest().get("/controller/nar-manager/nars").get("narSummaries").size(), "no NAR uploaded");
    }

    @Test
    @Order(8)
    void narWithAMissingDependencyExits5() throws IOException {
        final Path broken = Nars.withManifest(SandboxNiFi.CUSTOMERTRACK_NAR, work.resolve("nifi-customertrack-nar-9.9.9.nar"),
                Map.of("Nar-Version", "9.9.9", "Nar-Dependency-Id", "nifi-no-such-services-api-nar"));
        final DeployScript.Run run = deploy(nifi.adminCredentials(), broken, Map.of());
        assertEquals(5, run.exitCode(), run.output());
        assertTrue(run.output().contains("NAR rejected (Missing Dependency)"), run.output());
        assertNothingDeployed();
    }

    @Test
    @Order(9)
    void aFileThatIsNoNarExits5() throws IOException {
        final Path notANar = Files.writeString(work.resolve("not-a.nar"), "this is no NAR");
        final DeployScript.Run run = deploy(nifi.adminCredentials(), notANar, Map.of());
        assertEquals(5, run.exitCode(), run.output());
        assertTrue(run.output().contains("NAR rejected on upload"), run.output());
        assertNothingDeployed();
    }

    @Test
    @Order(10)
    void freshSecuredNiFiGetsUploadImportParametersServicesAndStart() throws IOException, SQLException {
        final DeployScript.Run run = deploy(nifi.adminCredentials(), SandboxNiFi.CUSTOMERTRACK_NAR,
                Map.of("CUSTOMERTRACK_PARAM_GENERATOR_SCHEDULE", "7 sec"), "--parameters", writeParameters().toString());
        assertEquals(0, run.exitCode(), run.output());
        final NiFiRest rest = nifi.rest();
        assertTrue(rest.get("/flow/process-groups/root").at("/permissions/canWrite").asBoolean(), "granted: " + run.output());
        assertTrue(rest.get("/flow/current-user").at("/parameterContextPermissions/canWrite").asBoolean(), "granted: " + run.output());
        final JsonNode groups = rest.get("/flow/process-groups/root").at("/processGroupFlow/flow/processGroups");
        assertEquals(1, groups.size());
        final String group = groups.get(0).get("id").asText();
        final JsonNode contents = rest.get("/flow/process-groups/" + group).at("/processGroupFlow/flow");
        for (final JsonNode processor : contents.get("processors")) {
            assertEquals("RUNNING", processor.at("/component/state").asText(), processor.at("/component/name").asText());
            if (processor.at("/component/type").asText().startsWith("io.customertrack")) {
                assertEquals(System.getProperty("project.version"), processor.at("/component/bundle/version").asText());
            }
        }
        for (final JsonNode service : rest.get("/flow/process-groups/" + group + "/controller-services").get("controllerServices")) {
            assertEquals("ENABLED", service.at("/component/state").asText(), service.at("/component/name").asText());
        }
        final String context = rest.get("/process-groups/" + group).at("/component/parameterContext/id").asText();
        final Map<String, String> values = new HashMap<>();
        for (final JsonNode parameter : rest.get("/parameter-contexts/" + context).at("/component/parameters")) {
            values.put(parameter.at("/parameter/name").asText(), parameter.at("/parameter/value").asText());
        }
        assertEquals("7 sec", values.get("generator.schedule"), "the environment wins over the file");
        assertEquals("copy", values.get("snowflake.load.mode"));

        final DeployScript.Run again = deploy(nifi.adminCredentials());
        assertEquals(7, again.exitCode(), again.output());
        assertTrue(again.output().contains("already deployed; run with --replace"), again.output());

        final DeployScript.Run ifAbsent = deploy(nifi.adminCredentials(), SandboxNiFi.CUSTOMERTRACK_NAR, Map.of(), "--if-absent");
        assertEquals(0, ifAbsent.exitCode(), ifAbsent.output());
        assertTrue(ifAbsent.output().contains("leaving it as it is (--if-absent)"), ifAbsent.output());
        final JsonNode after = rest.get("/flow/process-groups/root").at("/processGroupFlow/flow/processGroups");
        assertEquals(1, after.size());
        assertEquals(group, after.get(0).get("id").asText(), "--if-absent left the running group alone");
    }

    @Test
    @Order(11)
    void skipNarUsesTheLoadedBundleAndLeavesTheNarManagerAlone() throws IOException, SQLException {
        final int nars = nifi.rest().get("/controller/nar-manager/nars").get("narSummaries").size();
        // The admin's certificate as PKCS12 this time, its password in the environment.
        final List<String> pkcs12 = List.of("--cacert", nifi.tls().resolve("ca.pem").toString(),
                "--cert", nifi.tls().resolve("admin.p12").toString(), "--cert-type", "P12");
        final String password = Files.readString(nifi.tls().resolve("admin.p12.password"));
        final DeployScript.Run run;
        try (CommandLineSampler sampler = new CommandLineSampler(password)) {
            run = deploy(pkcs12, SandboxNiFi.CUSTOMERTRACK_NAR, Map.of("NIFI_CLIENT_CERT_PASSWORD", password), "--skip-nar", "--replace",
                    "--drain-timeout", "120", "--parameters", writeParameters().toString());
            assertNoLeak(sampler);
        }
        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("using the loaded bundle " + System.getProperty("project.version")), run.output());
        assertEquals(nars, nifi.rest().get("/controller/nar-manager/nars").get("narSummaries").size());
        assertFalse(run.output().contains("uploaded"), run.output());
    }

    @Test
    @Order(0)
    void theSandboxKeepsItsKeysAndPasswordsToItsOwner() throws IOException {
        final List<Path> secrets = new ArrayList<>(List.of(work.resolve("nifi/conf/nifi.properties"), work.resolve("nifi/run/sensitive.key")));
        try (var files = Files.list(nifi.tls())) {
            files.filter(file -> file.toString().matches(".*\\.(key|password|p12)$")).forEach(secrets::add);
        }
        assertTrue(secrets.size() >= 8, "keys, passwords and keystores found: " + secrets);
        for (final Path file : secrets) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), file.toString());
        }
        assertTrue(Files.readString(work.resolve("nifi/conf/nifi.properties"))
                .contains("nifi.security.keystorePasswd=" + Files.readString(nifi.tls().resolve("store.password"))), "the file holds the password");
    }

    @Test
    @Order(0)
    void loginPasswordAndAccessTokenNeverAppearInAProcesssArguments() throws Exception {
        final String password = "S3cr3t-canary-pw &=+%\"' " + UUID.randomUUID();
        final String token = "tok3n-canary-" + UUID.randomUUID();
        final Map<String, String> seen = new ConcurrentHashMap<>();
        final HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/nifi-api/", exchange -> {
            final String path = exchange.getRequestURI().getPath();
            final String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String answer = "{}";
            int status = 404;
            if (path.equals("/nifi-api/access/token")) {
                seen.put("login", body);
                answer = token;
                status = 201;
            } else {
                seen.put(path, String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
                status = path.endsWith("/cluster/summary") ? 200 : 403;
                answer = "{\"clusterSummary\": {\"connectedToCluster\": true, \"connectedNodes\": \"1 / 1\"}}";
            }
            final byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        final String url = "http://127.0.0.1:" + server.getAddress().getPort();
        try (CommandLineSampler sampler = new CommandLineSampler(password, token)) {
            final DeployScript.Run run = DeployScript.run(List.of("--url", url, "--skip-nar", "--flow", flow.toString()),
                    Map.of("NIFI_USERNAME", "admin", "NIFI_PASSWORD", password));
            assertEquals(4, run.exitCode(), run.output());
            assertTrue(run.output().contains("did not accept these credentials (HTTP 403)"), run.output());
            final DeployScript.Run health = DeployScript.healthCheck(Map.of("NIFI_HEALTH_URL", url,
                    "SINGLE_USER_CREDENTIALS_USERNAME", "admin", "SINGLE_USER_CREDENTIALS_PASSWORD", password));
            assertEquals(0, health.exitCode(), health.output());
            assertNoLeak(sampler);
        } finally {
            server.stop(0);
        }
        final Map<String, String> form = new HashMap<>();
        for (final String field : seen.get("login").split("&")) {
            final String[] pair = field.split("=", 2);
            form.put(pair[0], URLDecoder.decode(pair[1], StandardCharsets.UTF_8));
        }
        assertEquals(Map.of("username", "admin", "password", password), form, "the login form, url-encoded: " + seen.get("login"));
        assertEquals("Bearer " + token, seen.get("/nifi-api/flow/current-user"), "the deploy's token header");
        assertEquals("Bearer " + token, seen.get("/nifi-api/flow/cluster/summary"), "the healthcheck's token header");
    }

    @Test
    @Order(7)
    void aParametersFileWithCrlfLineEndsExits2() throws IOException {
        final Path crlf = Files.writeString(work.resolve("crlf.parameters"), "generator.schedule=5 sec\r\n");
        final DeployScript.Run run = deploy(nifi.adminCredentials(), SandboxNiFi.CUSTOMERTRACK_NAR, Map.of(), "--parameters", crlf.toString());
        assertEquals(2, run.exitCode(), run.output());
        assertTrue(run.output().contains("line 1: ends with a carriage return"), run.output());
        assertNothingDeployed();
    }

    @Test
    @Order(12)
    void aFailureAfterTheImportRemovesWhatTheRunCreatedAndKeepsTheRunningVersion() throws IOException, SQLException {
        final JsonNode before = rootGroups();
        final int contexts = contextCount();
        final String secret = "S3cr3t-canary-param-" + UUID.randomUUID() + "=";
        final String password = Files.readString(nifi.tls().resolve("admin.p12.password"));
        final DeployScript.Run run;
        try (CommandLineSampler sampler = new CommandLineSampler(secret, password)) {
            run = deploy(pkcs12(), SandboxNiFi.CUSTOMERTRACK_NAR, Map.of("NIFI_CLIENT_CERT_PASSWORD", password,
                    "CUSTOMERTRACK_PARAM_SNOWFLAKE_PRIVATE_KEY_PASSWORD", secret, "CUSTOMERTRACK_DEPLOY_FAIL_AFTER", "import"),
                    "--skip-nar", "--replace", "--parameters", writeParameters().toString());
            assertNoLeak(sampler);
        }
        assertEquals(7, run.exitCode(), run.output());
        assertTrue(run.output().contains("failing after 'import'"), run.output());
        assertTrue(run.output().contains("the Snowflake connection reads the key's password"), "the secret was set first: " + run.output());
        assertTrue(run.output().contains("rolling back"), run.output());
        assertEquals(ids(before), ids(rootGroups()), "only the running version is left");
        assertEquals(contexts, contextCount(), "the run's parameter context is gone");
        assertRunning(activeGroup());
    }

    @Test
    @Order(13)
    void aFailureAfterTheOldVersionStoppedRestartsIt() throws IOException, SQLException {
        final JsonNode before = rootGroups();
        final int contexts = contextCount();
        final DeployScript.Run run = deploy(nifi.adminCredentials(), SandboxNiFi.CUSTOMERTRACK_NAR,
                Map.of("CUSTOMERTRACK_DEPLOY_FAIL_AFTER", "stop"), "--skip-nar", "--replace", "--parameters", writeParameters().toString());
        assertEquals(7, run.exitCode(), run.output());
        assertTrue(run.output().contains("controller services of " + activeGroup() + " disabled"), "the old version was stopped: " + run.output());
        assertTrue(run.output().contains("restored the running version"), run.output());
        assertEquals(ids(before), ids(rootGroups()));
        assertEquals(contexts, contextCount());
        assertRunning(activeGroup());
    }

    @Test
    @Order(14)
    void aRerunAfterAKilledDeployConverges() throws IOException, SQLException {
        final String old = activeGroup();
        final DeployScript.Run killed = replaceKilledAt("stopped generator");
        assertEquals(137, killed.exitCode(), killed.output());
        assertTrue(rootGroups().size() > 1, "the killed run left its new group behind: " + rootGroups());

        final DeployScript.Run rerun = deploy(nifi.adminCredentials(), SandboxNiFi.CUSTOMERTRACK_NAR, Map.of(),
                "--skip-nar", "--replace", "--parameters", writeParameters().toString());
        assertEquals(0, rerun.exitCode(), rerun.output());
        assertTrue(rerun.output().contains("left by an interrupted deployment"), rerun.output());
        final JsonNode groups = rootGroups();
        assertEquals(1, groups.size(), groups.toString());
        assertEquals("CustomerTrack", groups.get(0).at("/component/name").asText());
        assertFalse(groups.get(0).get("id").asText().equals(old), "replaced");
        assertEquals(1, contextCount(), "one parameter context, the running version's");
        assertRunning(activeGroup());
    }

    @Test
    @Order(15)
    void aRunKilledBeforeStartingTheNewVersionIsFinishedByTheNextRun() throws IOException, SQLException {
        final String old = activeGroup();
        final DeployScript.Run killed = replaceKilledAt("removed process group " + old);
        assertEquals(137, killed.exitCode(), killed.output());

        // What the Docker stack's deploy service runs on every `up`.
        final DeployScript.Run rerun = deploy(nifi.adminCredentials(), SandboxNiFi.CUSTOMERTRACK_NAR, Map.of(),
                "--skip-nar", "--if-absent", "--parameters", writeParameters().toString());
        assertEquals(0, rerun.exitCode(), rerun.output());
        assertTrue(rerun.output().contains("which an interrupted deployment had not started yet"), rerun.output());
        final String running = activeGroup();
        assertFalse(running.equals(old), "the new version took over");
        assertRunning(running);
        assertEquals(1, contextCount(), "the old version's parameter context is gone too: " + rerun.output());
        assertEquals(JSON.readTree(flow.toFile()).at("/flowContents/comments").asText(),
                nifi.rest().get("/process-groups/" + running).at("/component/comments").asText(), "the flow's own comments, no mark");
    }

    @Test
    @Order(16)
    void twoActiveGroupsExit9WithTheirIds() throws IOException, SQLException {
        final String running = activeGroup();
        final String root = nifi.rest().get("/flow/process-groups/root").at("/processGroupFlow/id").asText();
        final JsonNode second = nifi.rest().post("/process-groups/" + root + "/process-groups", Map.of("revision", Map.of("version", 0),
                "component", Map.of("name", "CustomerTrack", "position", Map.of("x", 0, "y", 600))));
        final String secondId = second.get("id").asText();
        try {
            final DeployScript.Run run = deploy(nifi.adminCredentials(), SandboxNiFi.CUSTOMERTRACK_NAR, Map.of(),
                    "--skip-nar", "--replace", "--parameters", writeParameters().toString());
            assertEquals(9, run.exitCode(), run.output());
            assertTrue(run.output().contains("more than one active 'CustomerTrack' process group"), run.output());
            assertTrue(run.output().contains(running) && run.output().contains(secondId), run.output());
        } finally {
            nifi.rest().delete("/process-groups/" + secondId + "?version=" + nifi.rest().get("/process-groups/" + secondId).at("/revision/version").asText());
        }
        assertEquals(1, rootGroups().size());
        assertRunning(running);
    }

    @Test
    @Order(17)
    void parkedFlowFilesBlockNoReplaceAndKeepTheOldVersionRetiredUntilEmptied() throws Exception {
        // PutFile cannot create its directory below a regular file: every valid FlowFile goes to Needs attention.
        final Path notADirectory = Files.writeString(work.resolve("not-a-directory"), "");
        final Path broken = Files.writeString(work.resolve("broken.parameters"), Files.readString(writeParameters())
                + "local.landing.directory=" + notADirectory.resolve("landing") + "\n");
        // ... at once: this variant of the flow does not retry its upload failures.
        final ObjectNode definition = (ObjectNode) JSON.readTree(flow.toFile());
        for (final JsonNode processor : definition.at("/flowContents/processors")) {
            if (processor.get("name").asText().equals("Put valid files to a local folder")) {
                ((ObjectNode) processor).put("retryCount", 0).putArray("retriedRelationships");
            }
        }
        final Path noRetries = work.resolve("no-retries.json");
        JSON.writeValue(noRetries.toFile(), definition);
        final List<String> arguments = new ArrayList<>(List.of("--url", nifi.url(), "--skip-nar", "--flow", noRetries.toString(),
                "--timeout", "60", "--replace", "--parameters", broken.toString()));
        arguments.addAll(nifi.adminCredentials());
        final DeployScript.Run first = DeployScript.run(arguments, Map.of());
        assertEquals(0, first.exitCode(), first.output());
        final String parkedGroup = activeGroup();
        nifi.rest().await("/flow/process-groups/" + parkedGroup, Duration.ofSeconds(90), group -> parkedCount(group) > 0);

        final DeployScript.Run replace = deploy(nifi.adminCredentials(), SandboxNiFi.CUSTOMERTRACK_NAR, Map.of(),
                "--skip-nar", "--replace", "--drain-timeout", "60", "--parameters", writeParameters().toString());
        assertEquals(0, replace.exitCode(), replace.output());
        assertTrue(replace.output().contains("holds FlowFiles parked for attention: upload failed ("), replace.output());
        final String running = activeGroup();
        assertFalse(running.equals(parkedGroup));
        assertRunning(running);
        final JsonNode retired = nifi.rest().get("/process-groups/" + parkedGroup);
        assertTrue(retired.at("/component/name").asText().startsWith("CustomerTrack (retired "), retired.at("/component/name").asText());
        assertTrue(retired.at("/component/comments").asText().contains("remove with --remove-retired"));
        for (final JsonNode processor : nifi.rest().get("/flow/process-groups/" + parkedGroup).at("/processGroupFlow/flow/processors")) {
            assertEquals("STOPPED", processor.at("/component/state").asText(), processor.at("/component/name").asText());
        }
        assertEquals(2, contextCount(), "the retired group keeps its parameter context");

        final DeployScript.Run keep = deploy(nifi.adminCredentials(), SandboxNiFi.CUSTOMERTRACK_NAR, Map.of(), "--remove-retired");
        assertEquals(0, keep.exitCode(), keep.output());
        assertTrue(keep.output().contains("keeping retired group " + parkedGroup + ": it still holds upload failed"), keep.output());
        assertEquals(2, rootGroups().size());

        // The operator empties the queue (here: drops its FlowFiles), then cleans up.
        for (final JsonNode connection : nifi.rest().get("/flow/process-groups/" + parkedGroup).at("/processGroupFlow/flow/connections")) {
            if (connection.at("/status/aggregateSnapshot/flowFilesQueued").asInt() > 0) {
                nifi.rest().post("/flowfile-queues/" + connection.get("id").asText() + "/drop-requests", Map.of());
            }
        }
        nifi.rest().await("/flow/process-groups/" + parkedGroup, Duration.ofSeconds(60), group -> parkedCount(group) == 0);
        // As documented: only the URL and the login options.
        final List<String> cleanup = new ArrayList<>(List.of("--url", nifi.url(), "--remove-retired"));
        cleanup.addAll(nifi.adminCredentials());
        final DeployScript.Run remove = DeployScript.run(cleanup, Map.of());
        assertEquals(0, remove.exitCode(), remove.output());
        assertTrue(remove.output().contains("removed process group " + parkedGroup), remove.output());
        assertEquals(List.of(running), ids(rootGroups()));
        assertEquals(1, contextCount());
        assertRunning(running);
    }

    @Test
    @Order(18)
    void parameterValuesArriveByteForByteFromTheFileAndTheEnvironment() throws IOException, SQLException {
        final String pem = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\nq83x+/==\n-----END PUBLIC KEY-----\n";
        final Map<String, String> fromFile = new LinkedHashMap<>();
        fromFile.put("s3.bucket", "s3cr3t=");
        fromFile.put("s3.region", "  spaces before and after  ");
        fromFile.put("s3.valid.prefix", "\"double\" 'single' back\\slash \\n \\\\ # not a comment ${x} $(y)");
        fromFile.put("s3.quarantine.prefix", "Grüße, 東京, café ✓ =a=b=");
        final Path pemFile = Files.writeString(work.resolve("endpoint.pem"), pem);
        final StringBuilder text = new StringBuilder(Files.readString(writeParameters())).append("# a comment line\n");
        fromFile.forEach((name, value) -> text.append(name).append('=').append(value).append('\n'));
        text.append("s3.endpoint.override@=").append(pemFile.getFileName()).append('\n');
        final Path parameters = Files.writeString(work.resolve("verbatim.parameters"), text);
        final String secret = "S3cr3t-canary-sensitive=\n \"quoted\" \\ é ";
        final Map<String, String> environment = Map.of("CUSTOMERTRACK_PARAM_SNOWFLAKE_USER", "=leading equals, trailing =",
                "CUSTOMERTRACK_PARAM_SNOWFLAKE_AUTHENTICATOR", pem, "CUSTOMERTRACK_PARAM_SNOWFLAKE_PRIVATE_KEY_FILE", " 'x' \"y\" \\z\n",
                "CUSTOMERTRACK_PARAM_SNOWFLAKE_PRIVATE_KEY_PASSWORD", secret);
        final DeployScript.Run run;
        try (CommandLineSampler sampler = new CommandLineSampler("S3cr3t-canary-sensitive=")) {
            run = deploy(nifi.adminCredentials(), SandboxNiFi.CUSTOMERTRACK_NAR, environment, "--skip-nar", "--replace",
                    "--parameters", parameters.toString());
            assertNoLeak(sampler);
        }
        assertEquals(0, run.exitCode(), run.output());
        final String group = activeGroup();
        final String context = nifi.rest().get("/process-groups/" + group).at("/component/parameterContext/id").asText();
        final Map<String, JsonNode> values = new HashMap<>();
        for (final JsonNode parameter : nifi.rest().get("/parameter-contexts/" + context).at("/component/parameters")) {
            values.put(parameter.at("/parameter/name").asText(), parameter.get("parameter"));
        }
        fromFile.forEach((name, value) -> assertEquals(value, values.get(name).get("value").asText(), name));
        assertEquals(pem, values.get("s3.endpoint.override").get("value").asText(), "name@=file");
        assertEquals("=leading equals, trailing =", values.get("snowflake.user").get("value").asText());
        assertEquals(pem, values.get("snowflake.authenticator").get("value").asText(), "multi-line from the environment");
        assertEquals(" 'x' \"y\" \\z\n", values.get("snowflake.private.key.file").get("value").asText());
        // A sensitive value is never read back: NiFi shows that it is set, and the connection pool refers to it.
        final JsonNode sensitive = values.get("snowflake.private.key.password");
        assertTrue(sensitive.get("sensitive").asBoolean());
        assertEquals("********", sensitive.get("value").asText(), sensitive.toString());
        boolean present = false;
        for (final JsonNode service : nifi.rest().get("/flow/process-groups/" + group + "/controller-services").get("controllerServices")) {
            present |= service.at("/component/properties").has("SENSITIVE.private_key_pwd");
        }
        assertTrue(present, "the pool has the (masked) SENSITIVE.private_key_pwd property the parameter feeds");
    }

    private static void assertNoLeak(final CommandLineSampler sampler) {
        assertTrue(sampler.sweeps() > 0, "sampled /proc " + sampler.sweeps() + " times");
        assertTrue(sampler.programs().contains("curl") || sampler.programs().contains("jq"),
                "the sampling saw the script's curl or jq calls: " + sampler.programs());
        assertEquals(List.of(), sampler.leaks(), "a secret in a process's arguments");
    }

    private static List<String> pkcs12() {
        return List.of("--cacert", nifi.tls().resolve("ca.pem").toString(), "--cert", nifi.tls().resolve("admin.p12").toString(), "--cert-type", "P12");
    }

    private static JsonNode rootGroups() throws IOException {
        return nifi.rest().get("/flow/process-groups/root").at("/processGroupFlow/flow/processGroups");
    }

    private static List<String> ids(final JsonNode groups) {
        final List<String> ids = new ArrayList<>();
        groups.forEach(group -> ids.add(group.get("id").asText()));
        return ids;
    }

    /** The one group named CustomerTrack. */
    private static String activeGroup() throws IOException {
        final List<String> active = new ArrayList<>();
        for (final JsonNode group : rootGroups()) {
            if (group.at("/component/name").asText().equals("CustomerTrack")) {
                active.add(group.get("id").asText());
            }
        }
        assertEquals(1, active.size(), "active groups: " + rootGroups());
        return active.get(0);
    }

    private static int contextCount() throws IOException {
        return nifi.rest().get("/flow/parameter-contexts").get("parameterContexts").size();
    }

    private static int parkedCount(final JsonNode groupFlow) {
        int parked = 0;
        for (final JsonNode connection : groupFlow.at("/processGroupFlow/flow/connections")) {
            if (connection.at("/component/destination/type").asText().equals("FUNNEL")) {
                parked += connection.at("/status/aggregateSnapshot/flowFilesQueued").asInt();
            }
        }
        return parked;
    }

    private static void assertRunning(final String group) throws IOException {
        for (final JsonNode processor : nifi.rest().get("/flow/process-groups/" + group).at("/processGroupFlow/flow/processors")) {
            assertEquals("RUNNING", processor.at("/component/state").asText(), processor.at("/component/name").asText());
        }
        for (final JsonNode service : nifi.rest().get("/flow/process-groups/" + group + "/controller-services").get("controllerServices")) {
            assertEquals("ENABLED", service.at("/component/state").asText(), service.at("/component/name").asText());
        }
    }

    /** Parameters for the local flow, with a DuckDB warehouse that has the CustomerTrack tables. */
    private static Path writeParameters() throws IOException, SQLException {
        final Path warehouse = work.resolve("warehouse");
        if (!Files.isDirectory(warehouse)) {
            Files.createDirectories(warehouse);
            new CustomerStore("jdbc:duckdb:" + warehouse.resolve("customertrack.duckdb")).close();
        }
        return Files.writeString(work.resolve("deploy.parameters"), String.join("\n",
                "snowflake.jdbc.url=jdbc:duckdb:" + warehouse.resolve("customertrack.duckdb"),
                "snowflake.jdbc.driver.location=" + SandboxNiFi.DIST.resolve("drivers/duckdb_jdbc.jar"),
                "snowflake.load.mode=copy",
                "local.landing.directory=" + warehouse.resolve("landing"),
                "local.quarantine.directory=" + warehouse.resolve("quarantine"),
                "generator.schedule=5 sec", ""));
    }
}
