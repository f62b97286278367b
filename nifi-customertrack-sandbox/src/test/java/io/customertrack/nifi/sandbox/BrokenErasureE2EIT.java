package io.customertrack.nifi.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import io.customertrack.nifi.processors.CustomerTrackAttributes;
import io.customertrack.nifi.snowflake.FakesnowServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Erasure requests that arrive broken, through the deployed local flow on fakesnow: after the generator has created
 * customers, NiFi's own GenerateFlowFile, added to the group and connected to ValidateCustomerRecord beside the
 * generator, sends one CSV file in the generator's header holding an ERASE of an existing customer that carries a
 * personal value and an unparseable updated_at, and an ERASE whose customer_id is no number. The first must erase the
 * customer in the warehouse at the time it was received; the second must wait before the "Needs attention" funnel,
 * announced by an error bulletin.
 */
class BrokenErasureE2EIT {

    private static final String VALIDATOR = "io.customertrack.nifi.processors.ValidateCustomerRecord";
    private static final String GENERATE_FLOW_FILE = "org.apache.nifi.processors.standard.GenerateFlowFile";
    private static final String PUT_FILE = "org.apache.nifi.processors.standard.PutFile";
    /** ValidateCustomerRecord's attributes (package-private constants there). */
    private static final String RECEIVED_AT = "validation.received.at";
    private static final String ERASURE_CORRECTIONS = "validation.erasure.corrections";
    private static final String HEADER = "customer_id,first_name,last_name,email,street,city,state,country,op,updated_at";
    private static final String LEAKED_EMAIL = "erase.me@example.com";
    private static final String PERSONAL_VALUE_LEFT = "(first_name IS NOT NULL OR last_name IS NOT NULL OR email IS NOT NULL "
            + "OR street IS NOT NULL OR city IS NOT NULL OR state IS NOT NULL OR country IS NOT NULL)";
    private static final Duration PATIENCE = Duration.ofSeconds(90);

    @TempDir
    static Path work;

    private static FakesnowServer fakesnow;
    private static SandboxNiFi nifi;

    @BeforeAll
    static void start() throws Exception {
        // The shared in-memory database: the checks read the warehouse while NiFi's pool holds its connections.
        fakesnow = new FakesnowServer(null);
        nifi = SandboxNiFi.startSecured(work.resolve("nifi"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (nifi != null) {
            nifi.close();
        }
        if (fakesnow != null) {
            fakesnow.close();
        }
    }

    @Test
    void aBrokenErasureIsAppliedAtItsReceivedTimeAndOneWithoutCustomerWaitsForAPerson() throws Exception {
        // No generated erasures: the only receipt is the one this test asks for.
        final LocalPipeline pipeline = new LocalPipeline(nifi, work, LocalPipeline.fakesnow(fakesnow));
        pipeline.writeParameters(Map.of("generator.erasure.percentage", "0"));
        final DeployScript.Run deployed = pipeline.deploy(SandboxNiFi.CUSTOMERTRACK_NAR);
        assertEquals(0, deployed.exitCode(), deployed.output());
        final String group = pipeline.groupId();
        final NiFiRest rest = pipeline.rest();

        pipeline.awaitLandedFiles(2);
        pipeline.setRunStatus(pipeline.generatorId(group), "STOPPED");
        pipeline.awaitDrained(group, Duration.ofMinutes(2));

        final long customer;
        try (Connection warehouse = pipeline.connectWarehouse()) {
            customer = count(warehouse, "SELECT MIN(customer_id) FROM customer");
            assertTrue(customer > 0, "the generator's customers were merged");
            assertEquals(0, count(warehouse, "SELECT COUNT(*) FROM customer_erasure"));
            assertTrue(count(warehouse, "SELECT COUNT(*) FROM customer_raw WHERE customer_id = " + customer
                    + " AND " + PERSONAL_VALUE_LEFT) > 0, "customer " + customer + " has personal values to erase");
        }

        final String validator = pipeline.processor(group, VALIDATOR).get("id").asText();
        final String csv = HEADER + "\n"
                + customer + ",,," + LEAKED_EMAIL + ",,,,, Erase ,last tuesday\n"
                + "abc,,,,,,,,ERASE,2026-01-01T00:00:00Z\n";
        final Instant fedAt = Instant.now();
        feedOnce(rest, group, pipeline.processor(group, PUT_FILE).at("/component/bundle"), validator, csv);

        // The merge reports a FlowFile merged after its commit; the receipt alone may be visible before the deletes
        // (fakesnow shares one DuckDB connection between sessions).
        final JsonNode merged = awaitMergedWithReceivedAt(rest, pipeline.processor(group, LocalPipeline.MERGE).get("id").asText());
        final Instant requestedAt;
        try (Connection warehouse = pipeline.connectWarehouse()) {
            requestedAt = erasureReceipt(warehouse, customer);
            assertEquals(0, count(warehouse, "SELECT COUNT(*) FROM customer WHERE customer_id = " + customer));
            assertEquals(0, count(warehouse, "SELECT COUNT(*) FROM customer_history WHERE customer_id = " + customer));
            assertEquals(0, count(warehouse, "SELECT COUNT(*) FROM customer_raw WHERE customer_id = " + customer + " AND " + PERSONAL_VALUE_LEFT),
                    "no personal value of the erased customer is left in CUSTOMER_RAW");
            assertEquals(0, count(warehouse, "SELECT COUNT(*) FROM customer_raw WHERE email = '" + LEAKED_EMAIL + "'"),
                    "the value the request carried never reached the warehouse");
            assertEquals(1, count(warehouse, "SELECT COUNT(*) FROM customer_erasure"), "only the resolvable request was applied");
        }
        // Received, not written: the request's own time was unusable.
        assertFalse(requestedAt.isBefore(fedAt.minusSeconds(1)) || requestedAt.isAfter(Instant.now()),
                "requested_at " + requestedAt + " is the time the request was received, after " + fedAt);

        assertEquals(requestedAt, Instant.parse(ProvenanceQuery.attribute(merged, RECEIVED_AT)),
                "the FlowFile the merge reported states the time the receipt holds");
        assertNotNull(ProvenanceQuery.attribute(merged, ERASURE_CORRECTIONS), "the corrections are stated: " + merged);

        final JsonNode unresolved = unresolvedErasureConnection(rest, group, validator);
        assertEquals("FUNNEL", unresolved.at("/component/destination/type").asText(), "unresolved requests wait at the Needs attention funnel");
        rest.await("/connections/" + unresolved.get("id").asText(), PATIENCE,
                connection -> connection.at("/status/aggregateSnapshot/flowFilesQueued").asInt() == 1);
        final String[] queued = queuedContent(rest, unresolved.get("id").asText()).strip().split("\n");
        assertEquals(2, queued.length, "a header and the one request: " + String.join("\n", queued));
        assertTrue(queued[1].startsWith("abc,"), "the queue holds the request without a customer: " + queued[1]);

        final List<String> errors = new ArrayList<>();
        for (final JsonNode bulletin : rest.get("/flow/bulletin-board?sourceId=" + validator).at("/bulletinBoard/bulletins")) {
            if (bulletin.at("/bulletin/level").asText().equals("ERROR")) {
                errors.add(bulletin.at("/bulletin/message").asText());
            }
        }
        assertTrue(errors.stream().anyMatch(message -> message.contains("no usable customer_id")),
                "an error bulletin of ValidateCustomerRecord names the unresolved request: " + errors + "\n" + pipeline.problems());
    }

    /** Adds GenerateFlowFile (the bundle of the flow's PutFile) sending {@code text} to the validator, and runs it once. */
    private static void feedOnce(final NiFiRest rest, final String group, final JsonNode bundle, final String validator,
                                 final String text) throws IOException {
        final JsonNode generator = rest.post("/process-groups/" + group + "/processors", Map.of("revision", Map.of("version", 0),
                "component", Map.of("type", GENERATE_FLOW_FILE, "bundle", bundle, "name", "Broken erasure requests",
                        "position", Map.of("x", -400.0, "y", 0.0),
                        "config", Map.of("properties", Map.of("generate-ff-custom-text", text, "Data Format", "Text",
                                "Unique FlowFiles", "false", "mime-type", "text/csv")))));
        final String id = generator.get("id").asText();
        rest.post("/process-groups/" + group + "/connections", Map.of("revision", Map.of("version", 0),
                "component", Map.of("source", Map.of("id", id, "groupId", group, "type", "PROCESSOR"),
                        "destination", Map.of("id", validator, "groupId", group, "type", "PROCESSOR"),
                        "selectedRelationships", List.of("success"))));
        final JsonNode created = rest.await("/processors/" + id, PATIENCE,
                processor -> processor.at("/component/validationStatus").asText().equals("VALID"));
        rest.put("/processors/" + id + "/run-status", Map.of("revision", created.get("revision"), "state", "RUN_ONCE",
                "disconnectedNodeAcknowledged", false));
    }

    /** The erasure receipt's requested_at. */
    private static Instant erasureReceipt(final Connection warehouse, final long customer) throws SQLException {
        try (Statement statement = warehouse.createStatement();
             ResultSet rs = statement.executeQuery("SELECT strftime(requested_at, '%Y-%m-%dT%H:%M:%S.%fZ') "
                     + "FROM customer_erasure WHERE customer_id = " + customer)) {
            assertTrue(rs.next(), "an erasure receipt for customer " + customer);
            return Instant.parse(rs.getString(1));
        }
    }

    /** The merge's report of a FlowFile that carries the validator's received time (provenance is indexed shortly after). */
    private static JsonNode awaitMergedWithReceivedAt(final NiFiRest rest, final String merge) throws IOException {
        final long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            for (final JsonNode event : ProvenanceQuery.events(rest, merge, "ATTRIBUTES_MODIFIED", true)) {
                if (ProvenanceQuery.attribute(event, CustomerTrackAttributes.MERGED_AT) != null
                        && ProvenanceQuery.attribute(event, RECEIVED_AT) != null) {
                    return event;
                }
            }
            NiFiRest.sleep(1_000);
        }
        throw new IllegalStateException("TriggerSnowflakeMerge reported no merged FlowFile carrying " + RECEIVED_AT + " within "
                + PATIENCE + "; NiFi log:\n" + nifi.logTail());
    }

    private static JsonNode unresolvedErasureConnection(final NiFiRest rest, final String group, final String validator) throws IOException {
        for (final JsonNode connection : rest.get("/flow/process-groups/" + group).at("/processGroupFlow/flow/connections")) {
            if (connection.at("/component/source/id").asText().equals(validator)) {
                for (final JsonNode relationship : connection.at("/component/selectedRelationships")) {
                    if (relationship.asText().equals("unresolved erasure")) {
                        return connection;
                    }
                }
            }
        }
        throw new IllegalStateException("no connection of ValidateCustomerRecord's 'unresolved erasure' in " + group);
    }

    /** The content of the only FlowFile in a queue, through a queue listing as the UI's "List queue" runs it. */
    private static String queuedContent(final NiFiRest rest, final String connection) throws IOException {
        final String listing = rest.post("/flowfile-queues/" + connection + "/listing-requests", Map.of()).at("/listingRequest/id").asText();
        final JsonNode done = rest.await("/flowfile-queues/" + connection + "/listing-requests/" + listing, PATIENCE,
                answer -> answer.at("/listingRequest/finished").asBoolean());
        rest.delete("/flowfile-queues/" + connection + "/listing-requests/" + listing);
        final JsonNode summaries = done.at("/listingRequest/flowFileSummaries");
        assertEquals(1, summaries.size(), "FlowFiles queued: " + summaries);
        return rest.getText("/flowfile-queues/" + connection + "/flowfiles/" + summaries.get(0).get("uuid").asText() + "/content");
    }

    private static long count(final Connection warehouse, final String query) throws SQLException {
        try (Statement statement = warehouse.createStatement(); ResultSet rs = statement.executeQuery(query)) {
            assertTrue(rs.next());
            return rs.getLong(1);
        }
    }
}
