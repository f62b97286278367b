package io.customertrack.nifi.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import io.customertrack.nifi.merge.CustomerStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
        final DeployScript.Run run = deploy(List.of("--cacert", nifi.tls().resolve("ca.pem").toString()),
                SandboxNiFi.CUSTOMERTRACK_NAR, Map.of("NIFI_USERNAME", "admin", "NIFI_PASSWORD", "secret"));
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
        final DeployScript.Run run = deploy(pkcs12, SandboxNiFi.CUSTOMERTRACK_NAR,
                Map.of("NIFI_CLIENT_CERT_PASSWORD", Files.readString(nifi.tls().resolve("admin.p12.password"))), "--skip-nar", "--replace",
                "--drain-timeout", "120", "--parameters", writeParameters().toString());
        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("using the loaded bundle " + System.getProperty("project.version")), run.output());
        assertEquals(nars, nifi.rest().get("/controller/nar-manager/nars").get("narSummaries").size());
        assertFalse(run.output().contains("uploaded"), run.output());
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
