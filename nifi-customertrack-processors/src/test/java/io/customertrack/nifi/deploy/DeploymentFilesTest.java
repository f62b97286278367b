package io.customertrack.nifi.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.customertrack.nifi.ProjectFiles;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
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
}
