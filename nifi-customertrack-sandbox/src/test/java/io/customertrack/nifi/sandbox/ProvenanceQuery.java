package io.customertrack.nifi.sandbox;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A provenance search through NiFi's REST API (POST /provenance, poll, DELETE), as the UI's provenance page runs it. */
final class ProvenanceQuery {

    private ProvenanceQuery() {
    }

    /** The events of one processor of one type (up to 10,000), without their FlowFiles' attributes. */
    static List<JsonNode> events(final NiFiRest rest, final String processorId, final String eventType) throws IOException {
        return events(rest, processorId, eventType, false);
    }

    /** As {@link #events(NiFiRest, String, String)}; with attributes, each event carries its FlowFile's attributes. */
    static List<JsonNode> events(final NiFiRest rest, final String processorId, final String eventType,
                                 final boolean withAttributes) throws IOException {
        grantProvenanceRead(rest);
        final Map<String, Object> searchTerms = Map.of(
                "ProcessorID", Map.of("value", processorId, "inverse", false),
                "EventType", Map.of("value", eventType, "inverse", false));
        final JsonNode submitted = rest.post("/provenance", Map.of("provenance", Map.of("request",
                Map.of("maxResults", 10_000, "summarize", !withAttributes, "incrementalResults", false, "searchTerms", searchTerms))));
        final String id = submitted.at("/provenance/id").asText();
        final JsonNode done = rest.await("/provenance/" + id, Duration.ofMinutes(1), answer -> answer.at("/provenance/finished").asBoolean());
        rest.delete("/provenance/" + id);
        final List<JsonNode> events = new ArrayList<>();
        done.at("/provenance/results/provenanceEvents").forEach(events::add);
        return events;
    }

    /** An attribute of the event's FlowFile (events read with attributes), or null when it has none of that name. */
    static String attribute(final JsonNode event, final String name) {
        for (final JsonNode attribute : event.get("attributes")) {
            if (attribute.get("name").asText().equals(name)) {
                return attribute.get("value").asText();
            }
        }
        return null;
    }

    /**
     * Reading provenance is no deployment need, so deploy-nifi.sh grants nothing for it: the tests give the current
     * user read on /provenance and on the root group's provenance data (nothing to do on an unsecured NiFi).
     */
    private static void grantProvenanceRead(final NiFiRest rest) throws IOException {
        final JsonNode user = rest.get("/flow/current-user");
        if (user.get("anonymous").asBoolean() || user.at("/provenancePermissions/canRead").asBoolean()) {
            return;
        }
        final String root = rest.get("/flow/process-groups/root").at("/processGroupFlow/id").asText();
        String userId = null;
        for (final JsonNode tenant : rest.get("/tenants/users").get("users")) {
            if (tenant.at("/component/identity").asText().equals(user.get("identity").asText())) {
                userId = tenant.get("id").asText();
            }
        }
        for (final String resource : List.of("/provenance", "/provenance-data/process-groups/" + root)) {
            rest.post("/policies", Map.of("revision", Map.of("version", 0), "component", Map.of("action", "read",
                    "resource", resource, "users", List.of(Map.of("id", userId)), "userGroups", List.of())));
        }
    }
}
