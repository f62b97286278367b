package io.customertrack.nifi.flow;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.customertrack.nifi.ProjectFiles;
import org.apache.nifi.flow.Bundle;
import org.apache.nifi.flow.ConnectableComponent;
import org.apache.nifi.flow.VersionedComponent;
import org.apache.nifi.flow.VersionedConnection;
import org.apache.nifi.flow.VersionedParameterContext;
import org.apache.nifi.flow.VersionedProcessGroup;
import org.apache.nifi.registry.flow.RegisteredFlowSnapshot;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * flows/ as NiFi's Git-based registry clients (GitHub, GitLab; apache/nifi rel/nifi-2.6.0,
 * nifi-extension-utils/nifi-git-flow-registry's AbstractGitFlowRegistryClient and JacksonFlowSnapshotSerializer, the
 * GitHubRepositoryClient and GitLabRepositoryClient) read it, configured as docs/operations/registry.md says:
 * buckets are the folders directly under the Repository Path whose names the Directory Filter Exclusion does not
 * match; a bucket's flows are the files directly in it whose names end in ".json", the flow id being the name without
 * ".json"; each file is a RegisteredFlowSnapshot. Read here with NiFi's own snapshot classes (nifi-api) and a mapper
 * that fails on any property they do not have.
 */
class FlowRegistryLayoutTest {

    private static final String SNAPSHOT_SUFFIX = ".json";
    /** What NiFi's Git clients store as the top-level group's identifier when they commit a version. */
    private static final String STORED_GROUP_ID = "flow-contents-group";
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    private static String documentedSetting(final String name) {
        final Matcher row = Pattern.compile("(?m)^- \\*\\*" + Pattern.quote(name) + "\\*\\*: `([^`]+)`")
                .matcher(ProjectFiles.read("docs/operations/registry.md"));
        assertTrue(row.find(), "docs/operations/registry.md gives the client's " + name);
        return row.group(1);
    }

    private static Path repositoryPath() {
        final String path = documentedSetting("Repository Path");
        assertFalse(path.startsWith("/") || path.endsWith("/"), "NiFi rejects a Repository Path starting or ending with /: " + path);
        return ProjectFiles.resolve(path);
    }

    /** The bucket folders the client lists: directly under the Repository Path, not matched by the exclusion. */
    private static List<Path> buckets() throws IOException {
        final Pattern excluded = Pattern.compile(documentedSetting("Directory Filter Exclusion"));
        try (Stream<Path> children = Files.list(repositoryPath())) {
            return children.filter(Files::isDirectory)
                    .filter(folder -> !excluded.matcher(folder.getFileName().toString()).matches())
                    .sorted().toList();
        }
    }

    /** The flow files the client lists in a bucket: files directly in it whose names end in ".json". */
    private static List<Path> flows(final Path bucket) throws IOException {
        try (Stream<Path> children = Files.list(bucket)) {
            return children.filter(Files::isRegularFile)
                    .filter(file -> file.getFileName().toString().endsWith(SNAPSHOT_SUFFIX))
                    .sorted().toList();
        }
    }

    static List<Path> allFlows() throws IOException {
        final List<Path> all = new ArrayList<>();
        for (final Path bucket : buckets()) {
            all.addAll(flows(bucket));
        }
        assertFalse(all.isEmpty(), "the registry lists at least one flow");
        return all;
    }

    private static String flowId(final Path file) {
        final String name = file.getFileName().toString();
        return name.substring(0, name.length() - SNAPSHOT_SUFFIX.length());
    }

    private static RegisteredFlowSnapshot read(final Path file) throws IOException {
        return STRICT.readValue(file.toFile(), RegisteredFlowSnapshot.class);
    }

    @Test
    void everyListedBucketHoldsFlowsAndEveryFlowFileIsInAListedBucket() throws IOException {
        final List<Path> buckets = buckets();
        assertEquals(List.of("customertrack"), buckets.stream().map(b -> b.getFileName().toString()).toList(), "buckets");
        for (final Path bucket : buckets) {
            assertFalse(flows(bucket).isEmpty(), "bucket " + bucket.getFileName() + " lists no flow");
        }
        try (Stream<Path> files = Files.walk(repositoryPath())) {
            for (final Path json : files.filter(f -> f.toString().endsWith(SNAPSHOT_SUFFIX)).toList()) {
                assertTrue(buckets.contains(json.getParent()), json + " is not directly in a listed bucket: no client would find it");
            }
        }
    }

    /**
     * The client takes the file name minus every ".json" as the flow id and reads "<bucket>/<id>.json" back, and names
     * flows it registers with letters, digits and single hyphens only: a file named that way is found again, and a
     * version committed from NiFi replaces this file instead of adding another.
     */
    @Test
    void flowFileNamesAreIdsTheClientReadsBackAndWouldWriteItself() throws IOException {
        for (final Path file : allFlows()) {
            final String id = flowId(file);
            assertFalse(id.contains(SNAPSHOT_SUFFIX), "\".json\" only as the suffix: " + file);
            assertTrue(id.matches("[A-Za-z0-9]+(-[A-Za-z0-9]+)*"), "letters, digits and single inner hyphens: " + id);
        }
    }

    /** Every property of every flow file is one of NiFi's snapshot classes' properties, and it has flow contents. */
    @Test
    void everyFlowFileIsARegisteredFlowSnapshotOfNiFisOwnClasses() throws IOException {
        for (final Path file : allFlows()) {
            final RegisteredFlowSnapshot snapshot = read(file);
            assertNotNull(snapshot.getFlowContents(), "flowContents in " + file);
            assertEquals("1.0", snapshot.getFlowEncodingVersion(), "NiFi's flow encoding version (FlowRegistryUtil.FLOW_ENCODING_VERSION)");
            final Map<String, Integer> kept = new java.util.HashMap<>();
            scalars(STRICT.valueToTree(snapshot), "").forEach(v -> kept.merge(v, 1, Integer::sum));
            final List<String> lost = new ArrayList<>();
            for (final String value : scalars(STRICT.readTree(file.toFile()), "")) {
                if (kept.merge(value, -1, Integer::sum) < 0) {
                    lost.add(value);
                }
            }
            assertEquals(List.of(), lost, "values of " + file + " that NiFi's classes do not keep");
        }
    }

    /** The client sets the bucket, branch, version and comments from the folder and the commit: none is stored. */
    @Test
    void whatTheClientDerivesFromTheRepositoryIsNotStored() throws IOException {
        for (final Path file : allFlows()) {
            final RegisteredFlowSnapshot snapshot = read(file);
            assertNull(snapshot.getBucket(), "no bucket in " + file);
            if (snapshot.getFlow() != null) {
                assertEquals(flowId(file), snapshot.getFlow().getIdentifier(), "flow.identifier is the file's flow id");
                assertNull(snapshot.getFlow().getBucketIdentifier(), "flow.bucketIdentifier");
                assertNull(snapshot.getFlow().getBucketName(), "flow.bucketName");
                assertNull(snapshot.getFlow().getBranch(), "flow.branch");
            }
            if (snapshot.getSnapshotMetadata() != null) {
                assertEquals(flowId(file), snapshot.getSnapshotMetadata().getFlowIdentifier(), "snapshotMetadata.flowIdentifier");
                assertNull(snapshot.getSnapshotMetadata().getBucketIdentifier(), "snapshotMetadata.bucketIdentifier");
                assertNull(snapshot.getSnapshotMetadata().getBranch(), "snapshotMetadata.branch");
                assertNull(snapshot.getSnapshotMetadata().getVersion(), "snapshotMetadata.version");
                assertNull(snapshot.getSnapshotMetadata().getComments(), "snapshotMetadata.comments");
            }
        }
    }

    /**
     * The top-level group as the client commits it (identifier "flow-contents-group", position 0,0, every child and
     * connection end of the group pointing at it), so a version committed from NiFi differs from this file only where
     * the flow changed; no group in it is under version control elsewhere.
     */
    @Test
    void flowContentsAreStoredAsTheClientCommitsThem() throws IOException {
        for (final Path file : allFlows()) {
            final VersionedProcessGroup top = read(file).getFlowContents();
            assertEquals(STORED_GROUP_ID, top.getIdentifier());
            assertEquals(0.0, top.getPosition().getX());
            assertEquals(0.0, top.getPosition().getY());
            assertNull(top.getGroupIdentifier(), "the top-level group has no parent");
            for (final VersionedComponent child : children(top)) {
                assertEquals(STORED_GROUP_ID, child.getGroupIdentifier(), child.getIdentifier() + "'s group");
            }
            for (final VersionedConnection connection : top.getConnections()) {
                for (final ConnectableComponent end : List.of(connection.getSource(), connection.getDestination())) {
                    if (children(top).stream().anyMatch(c -> c.getIdentifier().equals(end.getId()))) {
                        assertEquals(STORED_GROUP_ID, end.getGroupId(), connection.getIdentifier() + " end " + end.getName());
                    }
                }
            }
            groups(top).forEach(group -> assertNull(group.getVersionedFlowCoordinates(), group.getName() + " is under version control elsewhere"));
        }
    }

    /**
     * Parameter contexts are keyed by name, every group's context and every inherited context is one of them, and every
     * parameter provider a context names is in parameterProviders; services outside the flow are declared in
     * externalControllerServices (this flow has none: FlowDefinitionTest checks every reference is a service of the flow).
     */
    @Test
    void everyContextProviderAndServiceTheFlowNamesIsInTheSnapshot() throws IOException {
        for (final Path file : allFlows()) {
            final RegisteredFlowSnapshot snapshot = read(file);
            final Map<String, VersionedParameterContext> contexts = snapshot.getParameterContexts();
            assertNotNull(contexts, "parameterContexts");
            contexts.forEach((name, context) -> {
                assertEquals(name, context.getName(), "a context's key is its name");
                if (context.getInheritedParameterContexts() != null) {
                    assertTrue(contexts.keySet().containsAll(context.getInheritedParameterContexts()), name + " inherits a context the snapshot lacks");
                }
                if (context.getParameterProvider() != null) {
                    assertTrue(snapshot.getParameterProviders() != null && snapshot.getParameterProviders().containsKey(context.getParameterProvider()),
                            name + "'s parameter provider is declared");
                }
            });
            groups(snapshot.getFlowContents()).stream().map(VersionedProcessGroup::getParameterContextName).filter(java.util.Objects::nonNull)
                    .forEach(name -> assertTrue(contexts.containsKey(name), "context " + name + " is in the snapshot"));
            assertNotNull(snapshot.getFlowContents().getParameterContextName(), "the flow has its parameter context");
            assertEquals(Map.of(), snapshot.getExternalControllerServices(), "no service outside the flow");
            assertEquals(Map.of(), snapshot.getParameterProviders(), "no parameter provider");
        }
    }

    /**
     * Every processor and service names its bundle; NiFi resolves it on import: CustomerTrack's at this build's version
     * (the NAR of the same release), NiFi's at the build's NiFi version.
     */
    @Test
    void everyComponentNamesTheBundleOfThisRelease() throws IOException {
        for (final Path file : allFlows()) {
            for (final VersionedProcessGroup group : groups(read(file).getFlowContents())) {
                final List<Map.Entry<String, Bundle>> bundles = new ArrayList<>();
                group.getProcessors().forEach(p -> bundles.add(Map.entry(p.getName(), p.getBundle())));
                group.getControllerServices().forEach(s -> bundles.add(Map.entry(s.getName(), s.getBundle())));
                for (final Map.Entry<String, Bundle> entry : bundles) {
                    final Bundle bundle = entry.getValue();
                    assertNotNull(bundle, entry.getKey() + " names its bundle");
                    final String expected = switch (bundle.getGroup()) {
                        case "io.customertrack" -> System.getProperty("project.version");
                        case "org.apache.nifi" -> System.getProperty("nifi.version", "2.6.0");
                        default -> null;
                    };
                    assertNotNull(expected, entry.getKey() + ": unknown bundle group " + bundle.getGroup());
                    assertNotNull(bundle.getArtifact(), entry.getKey() + "'s artifact");
                    assertEquals(expected, bundle.getVersion(), entry.getKey() + " (" + bundle.getArtifact() + ")");
                }
            }
        }
    }

    static List<VersionedProcessGroup> groups(final VersionedProcessGroup top) {
        final List<VersionedProcessGroup> all = new ArrayList<>(List.of(top));
        for (final VersionedProcessGroup child : top.getProcessGroups()) {
            all.addAll(groups(child));
        }
        return all;
    }

    private static List<VersionedComponent> children(final VersionedProcessGroup group) {
        final List<VersionedComponent> children = new ArrayList<>();
        for (final Collection<? extends VersionedComponent> kind : List.of(group.getProcessGroups(), group.getRemoteProcessGroups(),
                group.getProcessors(), group.getInputPorts(), group.getOutputPorts(), group.getConnections(), group.getLabels(),
                group.getFunnels(), group.getControllerServices())) {
            children.addAll(kind);
        }
        return children;
    }

    /** Every scalar of the tree as "path=value", array positions as "*" (NiFi keeps components in sets), 0 and 0.0 alike. */
    static List<String> scalars(final JsonNode node, final String at) {
        final List<String> values = new ArrayList<>();
        if (node.isObject()) {
            node.properties().forEach(e -> values.addAll(scalars(e.getValue(), at + "/" + e.getKey())));
        } else if (node.isArray()) {
            node.forEach(element -> values.addAll(scalars(element, at + "/*")));
        } else if (!node.isNull()) {
            values.add(at + "=" + (node.isNumber() ? node.decimalValue().stripTrailingZeros().toPlainString() : node.asText()));
        }
        return values;
    }
}
