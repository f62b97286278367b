package io.customertrack.nifi.deploy;

import io.customertrack.nifi.ProjectFiles;
import org.junit.jupiter.api.Test;

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
