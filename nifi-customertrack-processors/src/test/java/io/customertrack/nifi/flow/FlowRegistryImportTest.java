package io.customertrack.nifi.flow;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.nifi.flow.Bundle;
import org.apache.nifi.flow.VersionedConfigurableExtension;
import org.apache.nifi.flow.VersionedProcessGroup;
import org.apache.nifi.registry.flow.RegisteredFlowSnapshot;
import org.apache.nifi.registry.flow.VersionedFlowSnapshot;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * flows/ as a NiFi Registry takes it and NiFi gets it back (apache/nifi rel/nifi-2.3.0). The Registry UI's "Import New
 * Flow" creates the flow, then POSTs the file unchanged to /buckets/{bucket}/flows/{flow}/versions/import, as "Import
 * New Version" does (nifi-registry-web-ui, nf-registry.api.js uploadFlow and uploadVersionedFlowSnapshot).
 * BucketFlowResource.importVersionedFlow takes the body as nifi-registry-data-model's VersionedFlowSnapshot, read by
 * NiFiRegistryJsonProvider with ObjectMapperProvider's mapper, which skips unknown properties: whatever that class
 * lacks is dropped without a word, so it is read here with a mapper that fails on them. The import path is the same
 * in rel/nifi-2.6.0.
 */
class FlowRegistryImportTest {

    /**
     * The Registry's mapper as far as the file is concerned (ObjectMapperProvider: nulls left out when writing a
     * version), but failing on unknown properties.
     */
    private static final ObjectMapper REGISTRY = JsonMapper.builder()
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .addMixIn(VersionedFlowSnapshot.class, RegistryTransient.class)
            .build();
    /** Derived, never stored: nifi-api's RegisteredFlowSnapshot writes it, the Registry computes it from the flow. */
    private static final String DERIVED_LATEST = "latest";

    /**
     * VersionedFlowSnapshot.isLatest is @XmlTransient, which the Registry's JakartaXmlBindAnnotationIntrospector
     * honours: neither read from an upload nor stored.
     */
    @JsonIgnoreProperties(DERIVED_LATEST)
    private abstract static class RegistryTransient {
    }

    /** The file's values but the derived one, which the Registry ignores. */
    private static ObjectNode fileTree(final Path file) throws IOException {
        final ObjectNode tree = (ObjectNode) REGISTRY.readTree(file.toFile());
        tree.remove(DERIVED_LATEST);
        return tree;
    }

    private static VersionedFlowSnapshot upload(final Path file) throws IOException {
        return REGISTRY.readValue(file.toFile(), VersionedFlowSnapshot.class);
    }

    /** Every property of the file is one the Registry's class has, and every value survives it. */
    @Test
    void theRegistryReadsEveryValueOfTheFile() throws IOException {
        for (final Path file : FlowRegistryLayoutTest.allFlows()) {
            final VersionedFlowSnapshot snapshot = upload(file);
            final Map<String, Integer> kept = new HashMap<>();
            FlowRegistryLayoutTest.scalars(REGISTRY.valueToTree(snapshot), "").forEach(v -> kept.merge(v, 1, Integer::sum));
            final List<String> lost = new ArrayList<>();
            for (final String value : FlowRegistryLayoutTest.scalars(fileTree(file), "")) {
                if (kept.merge(value, -1, Integer::sum) < 0) {
                    lost.add(value);
                }
            }
            assertEquals(List.of(), lost, "values of " + file + " that the Registry's VersionedFlowSnapshot does not keep");
        }
    }

    /**
     * StandardServiceFacade.importVersionedFlowSnapshot replaces the snapshot metadata (bucket and flow of the request,
     * the next version, the uploader as author), keeping only the file's comments when the request has none; then
     * RegistryService.createFlowSnapshot drops flow and bucket and validates: flowContents must not be null
     * (VersionedFlowSnapshot's @NotNull). So the file needs its contents and nothing that names a bucket or version,
     * and carries no comments that would stand in for the user's.
     */
    @Test
    void theRegistryAcceptsTheFileAsANewVersion() throws IOException {
        for (final Path file : FlowRegistryLayoutTest.allFlows()) {
            final VersionedFlowSnapshot snapshot = upload(file);
            assertNotNull(snapshot.getFlowContents(), "flowContents in " + file);
            assertNull(snapshot.getBucket(), "no bucket in " + file);
            if (snapshot.getSnapshotMetadata() != null) {
                assertNull(snapshot.getSnapshotMetadata().getComments(), "snapshotMetadata.comments in " + file);
                assertNull(snapshot.getSnapshotMetadata().getBucketIdentifier(), "snapshotMetadata.bucketIdentifier in " + file);
            }
        }
    }

    /**
     * What NiFi's "Import from Registry" receives: the stored version without metadata, flow and bucket (which
     * RegistryService.createFlowSnapshot leaves out of the stored content), converted by NifiRegistryUtil.convert into
     * nifi-api's RegisteredFlowSnapshot: flowContents, parameterContexts, externalControllerServices,
     * parameterProviders and flowEncodingVersion, each as the Git-based clients read them from the same file.
     */
    @Test
    void niFiImportsFromTheRegistryWhatTheFileHolds() throws IOException {
        for (final Path file : FlowRegistryLayoutTest.allFlows()) {
            final VersionedFlowSnapshot uploaded = upload(file);
            uploaded.setSnapshotMetadata(null);
            uploaded.setFlow(null);
            uploaded.setBucket(null);
            final VersionedFlowSnapshot stored = REGISTRY.readValue(REGISTRY.writeValueAsBytes(uploaded), VersionedFlowSnapshot.class);
            final RegisteredFlowSnapshot fromGit = REGISTRY.readValue(file.toFile(), RegisteredFlowSnapshot.class);

            assertEquals(tree(fromGit.getFlowContents()), tree(stored.getFlowContents()), "flowContents of " + file);
            assertEquals(tree(fromGit.getParameterContexts()), tree(stored.getParameterContexts()), "parameterContexts of " + file);
            assertEquals(tree(fromGit.getExternalControllerServices()), tree(stored.getExternalControllerServices()),
                    "externalControllerServices of " + file);
            assertEquals(tree(fromGit.getParameterProviders()), tree(stored.getParameterProviders()), "parameterProviders of " + file);
            // Carried, not read: NiFi 2.3.0 and 2.6.0 only copy it (NifiRegistryUtil.convert).
            assertEquals("1.0", stored.getFlowEncodingVersion(), "flowEncodingVersion of " + file);
        }
    }

    /**
     * On import NiFi matches every processor and controller service to a loaded bundle (ProcessGroupResource's
     * createProcessGroup → BundleUtils.discoverCompatibleBundle, which reads the bundle's group, artifact and version,
     * a missing bundle failing), and gives every group the parameter context its parameterContextName names, from the
     * snapshot's parameterContexts when the NiFi has none of that name.
     */
    @Test
    void everyComponentNamesABundleAndEveryGroupAContextOfTheSnapshot() throws IOException {
        for (final Path file : FlowRegistryLayoutTest.allFlows()) {
            final VersionedFlowSnapshot snapshot = upload(file);
            assertNotNull(snapshot.getParameterContexts(), "parameterContexts in " + file);
            for (final VersionedProcessGroup group : FlowRegistryLayoutTest.groups(snapshot.getFlowContents())) {
                final List<VersionedConfigurableExtension> extensions = new ArrayList<>(group.getProcessors());
                extensions.addAll(group.getControllerServices());
                for (final VersionedConfigurableExtension extension : extensions) {
                    final Bundle bundle = extension.getBundle();
                    final String name = extension.getIdentifier() + " (" + extension.getType() + ")";
                    assertFalse(isBlank(extension.getType()), extension.getIdentifier() + " has a type");
                    assertNotNull(bundle, name + " names its bundle");
                    assertFalse(isBlank(bundle.getGroup()) || isBlank(bundle.getArtifact()) || isBlank(bundle.getVersion()),
                            name + "'s bundle has group, artifact and version");
                }
                if (group.getParameterContextName() != null) {
                    assertTrue(snapshot.getParameterContexts().containsKey(group.getParameterContextName()),
                            "context " + group.getParameterContextName() + " of " + group.getName() + " is in the snapshot");
                }
            }
            assertNotNull(snapshot.getFlowContents().getParameterContextName(), "the flow has its parameter context");
        }
    }

    private static JsonNode tree(final Object value) {
        return REGISTRY.valueToTree(value);
    }

    private static boolean isBlank(final String value) {
        return value == null || value.isBlank();
    }
}
