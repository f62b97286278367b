package io.customertrack.nifi.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.customertrack.nifi.ProjectFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One NiFi version everywhere, and no secret in the committed deployment files. */
class DeploymentFilesTest {

    @Test
    void everyNiFiImageIsTheBuildsNiFiVersion() {
        final String compose = ProjectFiles.read("docker/docker-compose.yml");
        final Matcher image = Pattern.compile("image: apache/nifi:(\\S+)").matcher(compose);
        int images = 0;
        while (image.find()) {
            images++;
            assertEquals(System.getProperty("nifi.version", "2.6.0"), image.group(1));
        }
        assertTrue(images >= 2, "NiFi image found in compose");
        assertFalse(Pattern.compile("image: \\S+:latest").matcher(compose).find(), "no unpinned images");
    }

    /**
     * apache/nifi's start.sh (rel/nifi-2.6.0, nifi-docker/dockerhub/sh/start.sh) applies KEYSTORE_*, TRUSTSTORE_* and the
     * authorizer settings only through secure.sh, which it runs for AUTH tls, ldap or oidc; and it writes
     * NIFI_WEB_PROXY_HOST to nifi.web.proxy.host, without which a request to a published port other than 8443 fails
     * NiFi's Host header check.
     */
    @Test
    void nifiNodesRunTheImagesSecureScriptAndAcceptThePublishedPort() {
        final String compose = ProjectFiles.read("docker/docker-compose.yml");
        final String nodeEnvironment = compose.substring(compose.indexOf("environment: &nifi-env"), compose.indexOf("healthcheck:"));
        assertTrue(Pattern.compile("(?m)^\\s+AUTH: (tls|ldap|oidc)$").matcher(nodeEnvironment).find(), "AUTH set for every node");
        final Matcher proxy = Pattern.compile("NIFI_WEB_PROXY_HOST: (\\S+)").matcher(compose);
        assertTrue(proxy.find(), "nifi-1 names its proxy hosts");
        assertTrue(proxy.group(1).contains("localhost:${NIFI_HTTPS_PORT:-8443}"), "the published port is accepted: " + proxy.group(1));
    }

    /**
     * NiFi keeps processed content (archive) and provenance by nifi.properties values for which the image's start.sh
     * (rel/nifi-2.6.0) reads no variable: the entrypoint writes them from the stack's environment, and the erasure
     * bound in docs/design/merge.md states the same values.
     */
    @Test
    void nifiNodesKeepProcessedDataAsLongAsTheErasureBoundSays() {
        final String compose = ProjectFiles.read("docker/docker-compose.yml");
        final String nodeEnvironment = compose.substring(compose.indexOf("environment: &nifi-env"), compose.indexOf("healthcheck:"));
        final String entrypoint = ProjectFiles.read("docker/nifi/authorizers-entrypoint.sh");
        final String erasure = ProjectFiles.read("docs/design/merge.md");
        for (final String[] setting : new String[][]{
                {"CUSTOMERTRACK_CONTENT_ARCHIVE_RETENTION", "nifi.content.repository.archive.max.retention.period"},
                {"CUSTOMERTRACK_PROVENANCE_RETENTION", "nifi.provenance.repository.max.storage.time"}}) {
            final Matcher value = Pattern.compile("(?m)^\\s+" + setting[0] + ": (.+)$").matcher(nodeEnvironment);
            assertTrue(value.find(), setting[0] + " set for every node");
            assertTrue(entrypoint.contains("prop_replace " + setting[1] + " \"${" + setting[0] + ":?"), setting[1] + " written from " + setting[0]);
            assertTrue(erasure.contains(value.group(1).strip() + " in the Docker stack | `" + setting[1] + "`"),
                    "docs/design/merge.md states " + setting[1] + " = " + value.group(1));
        }
    }

    /**
     * Every prefix the flow writes to expires, on a versioned bucket its old versions too, and unfinished multipart
     * uploads are aborted; docs/design/merge.md's S3 bound is the rule's days plus the noncurrent days.
     */
    @Test
    void s3LifecycleExpiresEveryPrefixOfTheFlowWithOldVersionsAndUnfinishedUploads() throws Exception {
        final ObjectMapper json = new ObjectMapper();
        final JsonNode rules = json.readTree(ProjectFiles.read("docker/ec2/s3-lifecycle.json")).get("Rules");
        final JsonNode parameters = json.readTree(ProjectFiles.read("flows/customertrack/customertrack-pipeline.json"))
                .at("/parameterContexts/CustomerTrack/parameters");
        final List<String> prefixes = new ArrayList<>();
        parameters.forEach(p -> {
            if (p.get("name").asText().matches("s3\\.(valid|quarantine)\\.prefix")) {
                prefixes.add(p.get("value").asText() + "/");
            }
        });
        assertEquals(2, prefixes.size(), "the flow's valid and quarantine prefixes");
        final String erasure = ProjectFiles.read("docs/design/merge.md");
        for (final String prefix : prefixes) {
            JsonNode rule = null;
            for (final JsonNode candidate : rules) {
                if (candidate.at("/Filter/Prefix").asText().equals(prefix)) {
                    rule = candidate;
                }
            }
            assertTrue(rule != null, "a lifecycle rule for " + prefix);
            assertEquals("Enabled", rule.get("Status").asText());
            final int days = rule.at("/Expiration/Days").asInt();
            final int noncurrentDays = rule.at("/NoncurrentVersionExpiration/NoncurrentDays").asInt();
            assertTrue(days > 0 && noncurrentDays > 0, prefix + " expires, old versions too");
            assertTrue(rule.at("/AbortIncompleteMultipartUpload/DaysAfterInitiation").asInt() > 0, prefix + " aborts unfinished uploads");
            assertTrue(erasure.contains("Expiration days + noncurrent days on a versioned bucket: " + days + " + " + noncurrentDays),
                    "docs/design/merge.md states the S3 bound " + days + " + " + noncurrentDays);
        }
    }

    /** The Docker local profile runs fakesnow's own image at the version the tests run. */
    @Test
    void theStacksFakesnowIsTheTestsFakesnow() {
        final Matcher tested = Pattern.compile("(?m)^fakesnow\\[server\\]==(\\S+)$")
                .matcher(ProjectFiles.read("scripts/python-requirements.txt"));
        assertTrue(tested.find(), "fakesnow pinned in scripts/python-requirements.txt");
        final Matcher images = Pattern.compile("image: ghcr.io/tekumara/fakesnow:(\\S+)").matcher(ProjectFiles.read("docker/docker-compose.yml"));
        int count = 0;
        while (images.find()) {
            count++;
            assertEquals(tested.group(1), images.group(1), "compose's fakesnow image tag");
        }
        assertEquals(2, count, "fakesnow and fakesnow-init run fakesnow's image");
    }

    @Test
    void committedEnvironmentHoldsPlaceholdersOnly() {
        final List<String> lines = ProjectFiles.read("docker/.env.example").lines().toList();
        for (final String line : lines) {
            if (line.matches("[A-Z_]*(PASSWORD|KEY|SECRET)[A-Z_]*=.*")) {
                final String value = line.substring(line.indexOf('=') + 1);
                assertTrue(value.isEmpty() || value.startsWith("CHANGE-ME"), "real-looking secret in .env.example: " + line);
            }
        }
        final String gitignore = ProjectFiles.read(".gitignore");
        assertTrue(gitignore.lines().anyMatch(".env"::equals), "docker/.env is ignored");
        assertTrue(gitignore.contains("docker/keys/*"), "private keys are ignored");
    }

    @Test
    void iamPolicyGrantsNoWildcardActionsOrBuckets() {
        final String policy = ProjectFiles.read("docker/ec2/iam-policy.json");
        assertFalse(policy.contains("\"s3:*\"") || policy.contains("\"*\""), "no wildcard actions or resources");
        assertFalse(policy.contains("arn:aws:s3:::*"), "no access to other buckets");
        assertFalse(policy.contains("s3:DeleteObject"), "NiFi never deletes lake objects");
    }

    /**
     * Every published port is bound to a host address: CUSTOMERTRACK_BIND_ADDRESS (loopback by default, and loopback in
     * docker/.env.example); fakesnow, which takes any password, to loopback only.
     */
    @Test
    void publishedPortsAreOnLoopbackUnlessTheBindAddressSaysOtherwise() throws IOException {
        final JsonNode services = new YAMLMapper().readTree(ProjectFiles.read("docker/docker-compose.yml")).get("services");
        final List<String> published = new ArrayList<>();
        services.properties().forEach(service -> service.getValue().path("ports").forEach(port -> {
            final String mapping = port.asText();
            published.add(service.getKey());
            if (service.getKey().equals("fakesnow")) {
                assertTrue(mapping.startsWith("127.0.0.1:"), "fakesnow on loopback only: " + mapping);
            } else {
                assertTrue(mapping.startsWith("${CUSTOMERTRACK_BIND_ADDRESS:-127.0.0.1}:"), service.getKey() + " binds to the bind address: " + mapping);
            }
        }));
        assertTrue(published.containsAll(List.of("nifi-1", "fakesnow")), "ports found in compose: " + published);
        assertTrue(ProjectFiles.read("docker/.env.example").lines().anyMatch("CUSTOMERTRACK_BIND_ADDRESS=127.0.0.1"::equals),
                "the example environment stays on loopback");
    }

    /** A node's entrypoint and the TLS init refuse docker/.env.example's CHANGE-ME values before doing anything. */
    @Test
    void nodesRefuseTheExamplesPlaceholders() throws Exception {
        final Map<String, String> chosen = Map.of(
                "SINGLE_USER_CREDENTIALS_USERNAME", "customertrack-admin", "SINGLE_USER_CREDENTIALS_PASSWORD", "a$real #password",
                "KEYSTORE_PASSWORD", "keystore-secret", "TRUSTSTORE_PASSWORD", "keystore-secret",
                "NIFI_SENSITIVE_PROPS_KEY", "props-key-secret", "NIFI_NODE_IDENTITIES", "CN=nifi-1");
        final String entrypoint = "docker/nifi/authorizers-entrypoint.sh";
        for (final String name : chosen.keySet()) {
            final Map<String, String> env = new java.util.HashMap<>(chosen);
            env.put(name, "CHANGE-ME-at-least-12-chars");
            final Run refused = bash(entrypoint, env);
            assertEquals(64, refused.exit(), name + " placeholder refused: " + refused.stderr());
            assertTrue(refused.stderr().contains(name), "the refusal names " + name + ": " + refused.stderr());
        }
        for (final String value : List.of("pass|word-12chars", "pass&word-12chars", "pass\\word-12chars")) {
            final Map<String, String> env = new java.util.HashMap<>(chosen);
            env.put("KEYSTORE_PASSWORD", value);
            assertEquals(64, bash(entrypoint, env).exit(), "a keystore password the image's sed would alter is refused: " + value);
        }
        final Run accepted = bash(entrypoint, chosen);
        assertFalse(accepted.stderr().contains("refusing"), "chosen values pass the check: " + accepted.stderr());
        final Run tls = bash("docker/nifi/init-tls.sh", Map.of("NIFI_TLS_PASSWORD", "CHANGE-ME-keystore-password", "NIFI_NODES", "nifi-1"));
        assertEquals(64, tls.exit(), "no keystore is made with the placeholder: " + tls.stderr());
        final String script = ProjectFiles.read(entrypoint);
        assertTrue(script.indexOf("chmod 0600 /opt/nifi/nifi-current/conf/nifi.properties /opt/nifi/nifi-current/conf/login-identity-providers.xml")
                        < script.indexOf("exec /opt/nifi/scripts/start.sh") && script.contains("chmod 0600"),
                "the files holding passwords and the password hash are the nifi user's only, before NiFi starts");
    }

    /**
     * cloud-init's installer: release.env and docker/.env values single-quoted (Compose reads them literally, so a '$'
     * or ' #' in a secret survives), a value it cannot quote refused; downloads in a private mktemp folder; the release
     * checked against SHA256SUMS, itself pinned, before anything is extracted or installed; tar keeps no owners; IMDSv1
     * refused.
     */
    @Test
    void cloudInitQuotesValuesAndInstallsOnlyACheckedRelease() throws Exception {
        final JsonNode files = new YAMLMapper().readTree(ProjectFiles.read("docker/ec2/cloud-init.yaml")).get("write_files");
        String releaseEnv = null;
        String install = null;
        for (final JsonNode file : files) {
            if (file.get("path").asText().equals("/etc/customertrack/release.env")) {
                releaseEnv = file.get("content").asText();
            } else if (file.get("path").asText().equals("/usr/local/bin/customertrack-install")) {
                install = file.get("content").asText();
            }
        }
        assertTrue(releaseEnv != null && install != null, "release.env and the installer are written by cloud-init");
        releaseEnv.lines().filter(line -> !line.isBlank() && !line.startsWith("#"))
                .forEach(line -> assertTrue(line.matches("[A-Z0-9_]+='[^']*'"), "release.env value single-quoted: " + line));
        assertTrue(releaseEnv.contains("CUSTOMERTRACK_SHA256SUMS_SHA256="), "the release's SHA256SUMS is pinned");
        assertTrue(install.contains("if [[ ! \"${CUSTOMERTRACK_SHA256SUMS_SHA256}\" =~ ^[0-9a-f]{64}$ ]]; then"),
                "an installer without a real pinned hash stops");

        final Matcher function = Pattern.compile("(?ms)^env_line\\(\\) \\{.*?^}$").matcher(install);
        assertTrue(function.find(), "docker/.env is written through env_line");
        final Run line = bashCommand(function.group() + "\nenv_line NIFI_PASSWORD 'a$b #c \"d\\'", Map.of());
        assertEquals("NIFI_PASSWORD='a$b #c \"d\\'", line.stdout().strip(), "the value survives verbatim inside single quotes");
        assertEquals(1, bashCommand(function.group() + "\nenv_line NIFI_PASSWORD \"it's\"", Map.of()).exit(), "a single quote is refused");
        final String envFile = install.substring(install.indexOf("umask 077"), install.indexOf("> \"${work}/.env\""));
        assertFalse(Pattern.compile("echo \"[A-Z_]+=").matcher(envFile).find(), "no unquoted echo into docker/.env");
        for (final String name : List.of("NIFI_PASSWORD", "NIFI_TLS_PASSWORD", "NIFI_SENSITIVE_PROPS_KEY", "CUSTOMERTRACK_BIND_ADDRESS")) {
            assertTrue(envFile.contains("env_line " + name + " "), name + " written by env_line");
        }

        assertTrue(install.contains("work=\"$(mktemp -d)\"") && install.contains("trap 'rm -rf \"${work}\"' EXIT"), "a private temp folder");
        assertFalse(Pattern.compile("\\s/tmp/").matcher(install).find(), "no fixed path under /tmp");
        final int pinned = install.indexOf("echo \"${CUSTOMERTRACK_SHA256SUMS_SHA256}  ${work}/SHA256SUMS\" | sha256sum --check --strict");
        final int checked = install.indexOf("(cd \"${work}\" && sha256sum --check --strict SHA256SUMS)");
        final int extracted = install.indexOf("tar --no-same-owner ");
        final int installed = install.indexOf("install -m 0644 \"${work}/${nar}\"");
        assertTrue(pinned > 0 && checked > install.indexOf("aws s3 cp \"${release}/${nar}\""), "SHA256SUMS pinned, then both files checked after download");
        assertTrue(extracted > checked && installed > checked, "nothing is extracted or installed before the check");
        assertEquals(1, install.split("tar ", -1).length - 1, "one tar call, the one without owners");
        assertTrue(install.contains("if curl -fsS -m 5 -o /dev/null http://169.254.169.254/latest/meta-data/instance-id; then"),
                "a token-less metadata request must fail (IMDSv2 required)");
    }

    /**
     * package-release.sh packs no key material: docker/.env and docker/keys/ stay out, a key file anywhere else stops
     * it; SHA256SUMS covers the archive and the NAR. Run on a copy of the packed folders.
     */
    @Test
    void releaseShipsNoKeyMaterialAndPublishesChecksums(@TempDir final Path copy) throws Exception {
        for (final String folder : List.of("docker", "scripts", "flows", "sql")) {
            final Path source = ProjectFiles.resolve(folder);
            try (var paths = Files.walk(source)) {
                for (final Path path : paths.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".jar")).toList()) {
                    final Path target = copy.resolve(folder).resolve(source.relativize(path).toString());
                    Files.createDirectories(target.getParent());
                    Files.copy(path, target);
                }
            }
        }
        Files.createDirectories(copy.resolve("nifi-customertrack-nar/target"));
        Files.writeString(copy.resolve("nifi-customertrack-nar/target/nifi-customertrack-nar-0.1.0.nar"), "nar");
        Files.writeString(copy.resolve("docker/.env"), "NIFI_PASSWORD='secret'\n");
        Files.writeString(copy.resolve("docker/keys/customertrack_rsa_key.p8"), "-----BEGIN PRIVATE KEY-----\n");

        final Run packed = bashCommand("bash scripts/package-release.sh", Map.of(), copy);
        assertEquals(0, packed.exit(), packed.stderr());
        final Run listing = bashCommand("tar -tzf target/customertrack-docker.tar.gz", Map.of(), copy);
        assertTrue(listing.stdout().contains("docker/docker-compose.yml"), "the stack is packed");
        assertFalse(listing.stdout().contains("docker/.env\n") || listing.stdout().contains(".p8"), "no secrets packed: " + listing.stdout());
        assertEquals(0, bashCommand("cd target && sha256sum --check --strict SHA256SUMS", Map.of(), copy).exit(), "SHA256SUMS verifies");
        assertEquals(2, Files.readString(copy.resolve("target/SHA256SUMS")).lines().count(), "archive and NAR summed");

        for (final String stray : List.of("docker/nifi/admin.key", "flows/customertrack/store.JKS", "scripts/client.p12", "sql/ca.pem", "docker/ec2/.env")) {
            final Path planted = copy.resolve(stray);
            Files.writeString(planted, "key");
            final Run refused = bashCommand("bash scripts/package-release.sh", Map.of(), copy);
            assertEquals(1, refused.exit(), stray + " stops the release");
            assertTrue(refused.stderr().contains(stray), "the refusal names " + stray + ": " + refused.stderr());
            Files.delete(planted);
        }
    }

    private record Run(int exit, String stdout, String stderr) {
    }

    private static Run bash(final String script, final Map<String, String> env) throws Exception {
        return bashCommand("bash " + ProjectFiles.resolve(script), env);
    }

    private static Run bashCommand(final String command, final Map<String, String> env) throws Exception {
        return bashCommand(command, env, ProjectFiles.root());
    }

    private static Run bashCommand(final String command, final Map<String, String> env, final Path directory) throws Exception {
        final ProcessBuilder builder = new ProcessBuilder("bash", "-c", command).directory(directory.toFile());
        builder.environment().keySet().removeIf(name -> !name.equals("PATH") && !name.equals("HOME"));
        builder.environment().putAll(env);
        final Path out = Files.createTempFile("stack-test", ".out");
        final Path err = Files.createTempFile("stack-test", ".err");
        try {
            final Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "finished: " + command);
            return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
