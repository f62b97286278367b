package io.customertrack.nifi.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.customertrack.nifi.ProjectFiles;
import org.apache.nifi.components.ConfigurableComponent;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.controller.ControllerService;
import org.apache.nifi.processor.Processor;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks flows/customertrack/customertrack-pipeline.json against the real component classes: what NiFi would
 * reject or silently ignore on import (unknown types, misspelt properties, dangling relationships, undefined
 * parameters) fails here first. Components whose classes are not on this build's classpath (the AWS and DBCP
 * bundles are not in this Maven mirror) are checked against their names in NiFi 2.6.0's source, kept as test data.
 */
class FlowDefinitionTest {

    private static final Pattern PARAMETER = Pattern.compile("#\\{([^}]+)}");
    private static final String BUNDLE_ARTIFACT = "nifi-customertrack-nar";

    private static JsonNode flow;
    private static JsonNode contents;

    @BeforeAll
    static void load() throws IOException {
        flow = new ObjectMapper().readTree(ProjectFiles.read("flows/customertrack/customertrack-pipeline.json"));
        contents = flow.get("flowContents");
    }

    private static List<JsonNode> components() {
        final List<JsonNode> components = new ArrayList<>();
        contents.get("processors").forEach(components::add);
        contents.get("controllerServices").forEach(components::add);
        return components;
    }

    /** The component's class with its property descriptors, when the class is on the test classpath. */
    private static Optional<ConfigurableComponent> instantiate(final JsonNode component) throws Exception {
        final Class<?> type;
        try {
            type = Class.forName(component.get("type").asText());
        } catch (final ClassNotFoundException e) {
            return Optional.empty();
        }
        if (Processor.class.isAssignableFrom(type)) {
            final TestRunner runner = TestRunners.newTestRunner(type.asSubclass(Processor.class));
            return Optional.of(runner.getProcessor());
        }
        final ControllerService service = type.asSubclass(ControllerService.class).getDeclaredConstructor().newInstance();
        final TestRunner runner = TestRunners.newTestRunner(NoOpProcessor.class);
        runner.addControllerService(component.get("identifier").asText(), service);
        return Optional.of(service);
    }

    /** What a component type declares: properties, relationships, whether it takes dynamic properties. */
    private record Declared(Set<String> properties, Set<String> relationships, boolean dynamicProperties) {
    }

    /**
     * From the class when this build can load it, otherwise from NiFi 2.6.0's source as recorded in
     * flow/nifi-2.6.0-components.json. A component that is neither fails: nothing is skipped.
     */
    private static Declared declared(final JsonNode component) throws Exception {
        final Optional<ConfigurableComponent> instance = instantiate(component);
        if (instance.isPresent()) {
            final Set<String> properties = new HashSet<>();
            instance.get().getPropertyDescriptors().forEach(descriptor -> properties.add(descriptor.getName()));
            final Set<String> relationships = new HashSet<>();
            if (instance.get() instanceof Processor processor) {
                processor.getRelationships().forEach(relationship -> relationships.add(relationship.getName()));
            }
            return new Declared(properties, relationships, false);
        }
        final JsonNode recorded;
        try (var in = FlowDefinitionTest.class.getResourceAsStream("/flow/nifi-2.6.0-components.json")) {
            recorded = new ObjectMapper().readTree(in).get("components").get(component.get("type").asText());
        }
        assertTrue(recorded != null, component.get("type").asText() + " is neither on the classpath nor recorded in flow/nifi-2.6.0-components.json");
        final Set<String> properties = new HashSet<>();
        recorded.get("properties").forEach(name -> properties.add(name.asText()));
        final Set<String> relationships = new HashSet<>();
        recorded.get("relationships").forEach(name -> relationships.add(name.asText()));
        return new Declared(properties, relationships, recorded.get("dynamicProperties").asBoolean());
    }

    @Test
    void everyBundleComponentExistsAtTheBuiltVersion() throws Exception {
        final String projectVersion = System.getProperty("project.version", "0.1.0-SNAPSHOT");
        final String nifiVersion = System.getProperty("nifi.version", "2.6.0");
        int ours = 0;
        for (final JsonNode component : components()) {
            final JsonNode bundle = component.get("bundle");
            if (BUNDLE_ARTIFACT.equals(bundle.get("artifact").asText())) {
                ours++;
                assertEquals(projectVersion, bundle.get("version").asText(), component.get("name").asText());
                assertTrue(instantiate(component).isPresent(), "no such class in this bundle: " + component.get("type").asText());
            } else {
                assertEquals("org.apache.nifi", bundle.get("group").asText());
                assertEquals(nifiVersion, bundle.get("version").asText(), "one NiFi version everywhere: " + component.get("name").asText());
            }
        }
        assertEquals(3, ours, "the three CustomerTrack processors are in the flow");
    }

    @Test
    void everyPropertyIsARealDescriptorOfItsComponent() throws Exception {
        for (final JsonNode component : components()) {
            final Declared declared = declared(component);
            final JsonNode dynamic = component.get("propertyDescriptors");
            component.get("properties").fieldNames().forEachRemaining(property ->
                    assertTrue(declared.properties().contains(property) || declared.dynamicProperties()
                                    || (dynamic != null && dynamic.has(property)),
                            component.get("name").asText() + " has no property '" + property + "'; known: " + new TreeSet<>(declared.properties())));
        }
    }

    @Test
    void componentsOutsideThisBuildAreCheckedAgainstNiFisSource() throws Exception {
        final Set<String> recorded = new TreeSet<>();
        for (final JsonNode component : components()) {
            if (instantiate(component).isEmpty()) {
                declared(component); // fails unless the type is recorded
                recorded.add(component.get("type").asText());
            }
        }
        assertEquals(Set.of("org.apache.nifi.processors.aws.s3.PutS3Object", "org.apache.nifi.dbcp.DBCPConnectionPool",
                "org.apache.nifi.processors.aws.credentials.provider.service.AWSCredentialsProviderControllerService"), recorded);
    }

    @Test
    void controllerServiceReferencesPointAtServicesOfThisFlow() {
        final Set<String> serviceIds = new HashSet<>();
        contents.get("controllerServices").forEach(service -> serviceIds.add(service.get("identifier").asText()));
        for (final JsonNode component : components()) {
            component.get("properties").fields().forEachRemaining(property -> {
                if (property.getKey().contains("Record Reader") || property.getKey().contains("Record Writer")
                        || property.getKey().contains("Credentials Provider") || property.getKey().contains("Connection Pooling")) {
                    assertTrue(serviceIds.contains(property.getValue().asText()),
                            component.get("name").asText() + "." + property.getKey() + " points at no service");
                }
            });
        }
    }

    @Test
    void everyConnectionUsesARealRelationshipAndEveryRelationshipGoesSomewhere() throws Exception {
        final Map<String, Set<String>> routed = new HashMap<>();
        for (final JsonNode connection : contents.get("connections")) {
            final String source = connection.get("source").get("id").asText();
            connection.get("selectedRelationships").forEach(rel -> routed.computeIfAbsent(source, id -> new HashSet<>()).add(rel.asText()));
            assertTrue(componentIds().contains(connection.get("destination").get("id").asText()), "dangling destination");
            assertFalse(connection.get("backPressureDataSizeThreshold").asText().isEmpty());
            assertTrue(connection.get("backPressureObjectThreshold").asLong() > 0, "back-pressure set on " + connection.get("name"));
        }
        for (final JsonNode processor : contents.get("processors")) {
            final Set<String> relationships = declared(processor).relationships();
            final Set<String> used = new HashSet<>(routed.getOrDefault(processor.get("identifier").asText(), Set.of()));
            final Set<String> autoTerminated = new HashSet<>();
            processor.get("autoTerminatedRelationships").forEach(rel -> autoTerminated.add(rel.asText()));
            for (final String relationship : used) {
                assertTrue(relationships.contains(relationship), processor.get("name").asText() + " has no relationship " + relationship);
            }
            for (final String relationship : relationships) {
                assertTrue(used.contains(relationship) || autoTerminated.contains(relationship),
                        processor.get("name").asText() + "." + relationship + " is neither connected nor auto-terminated");
            }
        }
    }

    /**
     * An erasure request ValidateCustomerRecord cannot apply waits in a queue for a person: its relationship is not
     * auto-terminated and leads to a funnel that nothing drains (the invalid records' upload auto-terminates its success,
     * so a request routed there would be gone).
     */
    @Test
    void unresolvedErasureRequestsWaitInAQueueNothingDrains() {
        final JsonNode validator = processorOfType("ValidateCustomerRecord");
        validator.get("autoTerminatedRelationships").forEach(rel -> assertFalse(rel.asText().equals("unresolved erasure"), "auto-terminated"));
        final List<JsonNode> routes = new ArrayList<>();
        for (final JsonNode connection : contents.get("connections")) {
            final boolean fromValidator = connection.get("source").get("id").asText().equals(validator.get("identifier").asText());
            connection.get("selectedRelationships").forEach(rel -> {
                if (fromValidator && rel.asText().equals("unresolved erasure")) {
                    routes.add(connection);
                }
            });
        }
        assertEquals(1, routes.size(), "'unresolved erasure' is connected once");
        final JsonNode destination = routes.getFirst().get("destination");
        assertEquals("FUNNEL", destination.get("type").asText());
        assertEquals("0 sec", routes.getFirst().get("flowFileExpiration").asText(), "requests never expire from the queue");
        for (final JsonNode connection : contents.get("connections")) {
            assertFalse(connection.get("source").get("id").asText().equals(destination.get("id").asText()), "the funnel is not drained");
        }
    }

    /**
     * The merge cadence is a parameter (docs/operations/cost.md). Its production default keeps a file's rows under a
     * minute from load to merge with time to spare for the merge itself, and is the value the cost model is worked for;
     * the local flow and the Docker local profile keep the 5 sec their figures are measured at. An idle pipeline lets the
     * warehouse suspend: the processor runs only with FlowFiles queued, the task's WHEN needs no warehouse.
     */
    @Test
    void theMergeCadenceIsAParameterWhoseDefaultFollowsTheCostModel() {
        final JsonNode merge = processorOfType("TriggerSnowflakeMerge");
        assertEquals("#{snowflake.merge.schedule}", merge.get("schedulingPeriod").asText());
        assertEquals("TIMER_DRIVEN", merge.get("schedulingStrategy").asText());
        String production = null;
        for (final JsonNode parameter : flow.get("parameterContexts").get("CustomerTrack").get("parameters")) {
            if (parameter.get("name").asText().equals("snowflake.merge.schedule")) {
                production = parameter.get("value").asText();
            }
        }
        final long seconds = org.apache.nifi.util.FormatUtils.getTimeDuration(production, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(seconds >= 10 && seconds <= 30, "under a minute fresh with room for the merge, and not a merge every few seconds: " + production);
        assertTrue(ProjectFiles.read("docs/operations/cost.md").contains("`snowflake.merge.schedule` | `" + production + "`"),
                "docs/operations/cost.md works the model for the default " + production);
        assertTrue(ProjectFiles.read("docs/operations/deployment.md").contains("| `snowflake.merge.schedule` | `" + production + "` |"));

        assertTrue(ProjectFiles.read("docker/local.parameters").lines().anyMatch("snowflake.merge.schedule=5 sec"::equals));
        assertTrue(ProjectFiles.read("scripts/local-flow.sh").contains("map(if .name == \"snowflake.merge.schedule\" then .value = \"5 sec\" else . end)"));

        assertEquals(org.apache.nifi.annotation.behavior.InputRequirement.Requirement.INPUT_REQUIRED,
                io.customertrack.nifi.processors.TriggerSnowflakeMerge.class
                        .getAnnotation(org.apache.nifi.annotation.behavior.InputRequirement.class).value(), "no run without a FlowFile");
        assertTrue(ProjectFiles.read("sql/04_merge.sql").contains("WHEN SYSTEM$STREAM_HAS_DATA('CUSTOMERTRACK.CORE.CUSTOMER_RAW_STREAM')"));
        assertTrue(ProjectFiles.read("sql/01_setup.sql").contains("AUTO_SUSPEND = 60"));
    }

    private static JsonNode processorOfType(final String simpleName) {
        for (final JsonNode processor : contents.get("processors")) {
            if (processor.get("type").asText().endsWith("." + simpleName)) {
                return processor;
            }
        }
        throw new AssertionError("no " + simpleName + " in the flow");
    }

    @Test
    void mergesRunOnOneNodeAndTheGeneratorOnThePrimary() {
        for (final JsonNode processor : contents.get("processors")) {
            final String type = processor.get("type").asText();
            if (type.endsWith("GenerateFakeCustomer")) {
                assertEquals("PRIMARY", processor.get("executionNode").asText(), "ids are issued by one node");
            }
            if (type.endsWith("TriggerSnowflakeMerge")) {
                assertEquals("ALL", processor.get("executionNode").asText(), "a primary-only processor would strand queued FlowFiles");
                for (final JsonNode connection : contents.get("connections")) {
                    final boolean intoMerge = connection.get("destination").get("id").asText().equals(processor.get("identifier").asText());
                    final boolean selfLoop = connection.get("source").get("id").asText().equals(processor.get("identifier").asText());
                    if (intoMerge && !selfLoop) {
                        assertEquals("SINGLE_NODE", connection.get("loadBalanceStrategy").asText(), "all uploads merge on one node");
                    }
                }
            }
        }
    }

    @Test
    void everyCustomerTrackProcessorReadsTheOneDeclarationParameter() {
        int readers = 0;
        for (final JsonNode processor : contents.get("processors")) {
            if (processor.get("type").asText().startsWith("io.customertrack.")) {
                assertEquals("#{customertrack.declaration}", processor.get("properties").path("Customer Declaration").asText(),
                        processor.get("name").asText() + " must read the pipeline's one declaration");
                readers++;
            }
        }
        assertEquals(3, readers, "generator, validator and merge");
        for (final JsonNode parameter : flow.get("parameterContexts").get("CustomerTrack").get("parameters")) {
            if (parameter.get("name").asText().equals("customertrack.declaration")) {
                assertTrue(parameter.get("value").isNull(), "no value: the default declaration, until a team sets its own");
            }
        }
    }

    @Test
    void everyParameterReferenceIsDefinedInTheOneParameterContext() {
        assertEquals("CustomerTrack", contents.get("parameterContextName").asText());
        final JsonNode parameterContexts = flow.get("parameterContexts");
        assertEquals(1, parameterContexts.size());
        final Map<String, Boolean> parameters = new HashMap<>();
        parameterContexts.get("CustomerTrack").get("parameters").forEach(p -> parameters.put(p.get("name").asText(), p.get("sensitive").asBoolean()));
        final Set<String> referenced = new HashSet<>();
        for (final JsonNode component : components()) {
            final Map<String, String> values = new HashMap<>();
            component.get("properties").fields().forEachRemaining(property -> values.put(property.getKey(), property.getValue().asText()));
            if (component.has("schedulingPeriod")) {
                values.put("scheduling period", component.get("schedulingPeriod").asText());
            }
            values.entrySet().forEach(property -> {
                final Matcher matcher = PARAMETER.matcher(property.getValue());
                while (matcher.find()) {
                    assertTrue(parameters.containsKey(matcher.group(1)), "undefined parameter #{" + matcher.group(1) + "} in "
                            + component.get("name").asText() + "." + property.getKey());
                    referenced.add(matcher.group(1));
                }
            });
        }
        // The key password is referenced only by the SENSITIVE.private_key_pwd property deploy-nifi.sh adds when the
        // parameter has a value: DBCPConnectionPool does not enable with a dynamic property whose parameter is empty.
        final String deployScript = ProjectFiles.read("scripts/deploy-nifi.sh");
        assertTrue(deployScript.contains("\"SENSITIVE.private_key_pwd\": \"#{snowflake.private.key.password}\""), "deploy-nifi.sh adds the key password property");
        referenced.add("snowflake.private.key.password");
        assertEquals(new TreeSet<>(parameters.keySet()), new TreeSet<>(referenced), "every parameter is used");
    }

    @Test
    void noSensitiveValueIsInTheFlow() throws Exception {
        for (final JsonNode parameter : flow.get("parameterContexts").get("CustomerTrack").get("parameters")) {
            if (parameter.get("sensitive").asBoolean()) {
                assertTrue(parameter.get("value").isNull(), "sensitive parameter " + parameter.get("name") + " has a value in git");
            }
        }
        for (final JsonNode component : components()) {
            final Set<String> sensitive = new HashSet<>();
            final Optional<ConfigurableComponent> instance = instantiate(component);
            instance.ifPresent(c -> c.getPropertyDescriptors().stream().filter(PropertyDescriptor::isSensitive).forEach(d -> sensitive.add(d.getName())));
            final JsonNode descriptors = component.get("propertyDescriptors");
            descriptors.fields().forEachRemaining(d -> {
                if (d.getValue().path("sensitive").asBoolean()) {
                    sensitive.add(d.getKey());
                }
            });
            component.get("properties").fields().forEachRemaining(property -> {
                final String value = property.getValue().asText();
                final boolean looksSecret = property.getKey().toLowerCase().matches(".*(password|pwd|secret|access key|token).*");
                if (sensitive.contains(property.getKey()) || looksSecret) {
                    assertTrue(value.matches("#\\{[^}]+}"), component.get("name").asText() + "." + property.getKey()
                            + " must be a sensitive parameter reference, not a value");
                    final String name = value.substring(2, value.length() - 1);
                    assertTrue(isSensitiveParameter(name), "#{" + name + "} must be a sensitive parameter");
                }
            });
        }
    }

    private static boolean isSensitiveParameter(final String name) {
        for (final JsonNode parameter : flow.get("parameterContexts").get("CustomerTrack").get("parameters")) {
            if (parameter.get("name").asText().equals(name)) {
                return parameter.get("sensitive").asBoolean();
            }
        }
        return false;
    }

    private static Set<String> componentIds() {
        final Set<String> ids = new HashSet<>();
        for (final String kind : List.of("processors", "funnels", "inputPorts", "outputPorts")) {
            contents.get(kind).forEach(c -> ids.add(c.get("identifier").asText()));
        }
        return ids;
    }

    /** Host processor for instantiating controller services in a TestRunner. */
    public static class NoOpProcessor extends org.apache.nifi.processor.AbstractProcessor {
        @Override
        public void onTrigger(final org.apache.nifi.processor.ProcessContext context, final org.apache.nifi.processor.ProcessSession session) {
        }
    }
}
