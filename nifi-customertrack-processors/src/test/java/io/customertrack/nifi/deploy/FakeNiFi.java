package io.customertrack.nifi.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A stand-in for NiFi 2.x's REST API on loopback. Each handled request is checked against the documented contract
 * of its endpoint (method, path, headers, body shape); anything else is answered 404 and recorded as a violation.
 * Plays NiFi's asynchronous behaviour (NAR installing, update requests completing, queues draining) over polls.
 */
final class FakeNiFi implements AutoCloseable {

    static final String TOKEN = "eyJ.fake.token";
    static final String USER = "admin";
    static final String PASSWORD = "correct-horse-battery";
    static final String GENERATOR = "io.customertrack.nifi.processors.GenerateFakeCustomer";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    final Map<String, JsonNode> bodies = Collections.synchronizedMap(new HashMap<>());

    // Scenario knobs.
    String narFinalState = "INSTALLED";
    boolean existingGroup;
    int queuedPolls = 2;
    private final byte[] expectedNar;
    private final JsonNode parameters;

    private int narPolls;
    private String serviceState = "DISABLED";

    FakeNiFi(final byte[] expectedNar, final JsonNode flowDefinition) throws IOException {
        this.expectedNar = expectedNar;
        this.parameters = flowDefinition.get("parameterContexts").get("CustomerTrack").get("parameters");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/nifi-api/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(final HttpExchange exchange) throws IOException {
        final String method = exchange.getRequestMethod();
        final String path = exchange.getRequestURI().getPath().substring("/nifi-api".length());
        final String query = exchange.getRequestURI().getQuery();
        final byte[] body = exchange.getRequestBody().readAllBytes();
        calls.add(method + " " + path);
        try {
            if (!path.equals("/access/token") && !("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                respond(exchange, 401, "Unable to validate the access token.");
                return;
            }
            route(exchange, method, path, query, body);
        } catch (final RuntimeException e) {
            violations.add(method + " " + path + ": " + e.getMessage());
            respond(exchange, 400, e.getMessage());
        }
    }

    private void route(final HttpExchange exchange, final String method, final String path, final String query, final byte[] body) throws IOException {
        final String contentType = String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type"));
        switch (method + " " + path) {
            case "POST /access/token" -> {
                require(contentType.startsWith("application/x-www-form-urlencoded"), "token request must be a form");
                final Map<String, String> form = form(new String(body, StandardCharsets.UTF_8));
                if (USER.equals(form.get("username")) && PASSWORD.equals(form.get("password"))) {
                    respond(exchange, 201, TOKEN);
                } else {
                    respond(exchange, 400, "The supplied username and password are not valid.");
                }
            }
            case "GET /flow/process-groups/root" -> {
                final ArrayNode groups = json.createArrayNode();
                if (existingGroup) {
                    groups.add(json.readTree("{\"id\":\"old-pg\",\"component\":{\"id\":\"old-pg\",\"name\":\"CustomerTrack\"}}"));
                }
                final ObjectNode root = json.createObjectNode();
                root.putObject("processGroupFlow").put("id", "root-pg").putObject("flow").set("processGroups", groups);
                respondJson(exchange, root);
            }
            case "POST /controller/nar-manager/nars/content" -> {
                require(contentType.equals("application/octet-stream"), "NAR upload must be application/octet-stream");
                require(exchange.getRequestHeaders().getFirst("Filename") != null, "NAR upload needs a Filename header");
                require(java.util.Arrays.equals(expectedNar, body), "uploaded bytes are not the NAR");
                respondJson(exchange, json.readTree("{\"narSummary\":{\"identifier\":\"nar-1\",\"state\":\"WAITING_TO_INSTALL\",\"installComplete\":false}}"));
            }
            case "GET /controller/nar-manager/nars/nar-1" -> {
                final String state = ++narPolls < 2 ? "INSTALLING" : narFinalState;
                final ObjectNode summary = json.createObjectNode();
                summary.putObject("narSummary").put("identifier", "nar-1").put("state", state)
                        .put("installComplete", !state.equals("INSTALLING"))
                        .put("failureMessage", state.equals("FAILED") ? "Unable to load NAR: unsupported system API version" : null);
                respondJson(exchange, summary);
            }
            case "POST /process-groups/root-pg/process-groups/upload" -> {
                require(contentType.startsWith("multipart/form-data"), "flow upload must be multipart/form-data");
                final String multipart = new String(body, StandardCharsets.UTF_8);
                require(multipart.contains("name=\"groupName\"") && multipart.contains("CustomerTrack"), "groupName part missing");
                require(multipart.contains("name=\"clientId\""), "clientId part missing");
                require(multipart.contains("name=\"file\"") && multipart.contains("\"flowContents\""), "file part with the flow definition missing");
                respondJson(exchange, json.readTree("{\"id\":\"new-pg\",\"revision\":{\"version\":0},\"component\":{\"id\":\"new-pg\","
                        + "\"name\":\"CustomerTrack\",\"parameterContext\":{\"id\":\"ctx-1\"}}}"));
            }
            case "GET /parameter-contexts/ctx-1" -> {
                final ObjectNode context = json.createObjectNode().put("id", "ctx-1");
                context.putObject("revision").put("version", 3);
                final ArrayNode list = context.putObject("component").put("id", "ctx-1").putArray("parameters");
                parameters.forEach(p -> list.addObject().putObject("parameter").put("name", p.get("name").asText())
                        .put("sensitive", p.get("sensitive").asBoolean()));
                respondJson(exchange, context);
            }
            case "POST /parameter-contexts/ctx-1/update-requests" -> {
                final JsonNode update = json.readTree(body);
                require(update.path("id").asText().equals("ctx-1"), "update must name the context id");
                require(update.path("revision").path("version").asInt() == 3, "update must carry the current revision");
                require(update.path("component").path("parameters").isArray(), "component.parameters missing");
                update.path("component").path("parameters").forEach(p -> require(p.path("parameter").has("name")
                        && p.path("parameter").has("value") && p.path("parameter").has("sensitive"), "parameter entries need name, value, sensitive"));
                bodies.put("parameters", update);
                respondJson(exchange, json.readTree("{\"request\":{\"requestId\":\"upd-1\",\"complete\":false}}"));
            }
            case "GET /parameter-contexts/ctx-1/update-requests/upd-1" ->
                    respondJson(exchange, json.readTree("{\"request\":{\"requestId\":\"upd-1\",\"complete\":true}}"));
            case "DELETE /parameter-contexts/ctx-1/update-requests/upd-1" ->
                    respondJson(exchange, json.readTree("{\"request\":{\"requestId\":\"upd-1\",\"complete\":true}}"));
            case "PUT /flow/process-groups/new-pg/controller-services", "PUT /flow/process-groups/old-pg/controller-services" -> {
                final JsonNode state = json.readTree(body);
                require(path.contains(state.path("id").asText()), "id in body must match the path");
                require(state.path("state").asText().matches("ENABLED|DISABLED"), "state must be ENABLED or DISABLED");
                bodies.put(method + " " + path, state);
                serviceState = state.path("state").asText();
                respondJson(exchange, state);
            }
            case "GET /flow/process-groups/new-pg/controller-services", "GET /flow/process-groups/old-pg/controller-services" -> {
                require(query != null && query.contains("includeAncestorGroups=false"), "list services of this group only");
                respondJson(exchange, json.readTree("{\"controllerServices\":[{\"component\":{\"name\":\"CSV Reader\",\"state\":\""
                        + serviceState + "\",\"validationStatus\":\"VALID\"}}]}"));
            }
            case "PUT /flow/process-groups/new-pg", "PUT /flow/process-groups/old-pg" -> {
                final JsonNode state = json.readTree(body);
                require(path.endsWith(state.path("id").asText()), "id in body must match the path");
                require(state.path("state").asText().matches("RUNNING|STOPPED"), "state must be RUNNING or STOPPED");
                bodies.put(method + " " + path, state);
                respondJson(exchange, state);
            }
            case "GET /flow/process-groups/old-pg" -> respondJson(exchange, json.readTree("{\"processGroupFlow\":{\"id\":\"old-pg\",\"flow\":{\"processors\":["
                    + "{\"id\":\"gen-old\",\"revision\":{\"version\":5},\"component\":{\"type\":\"" + GENERATOR + "\"}},"
                    + "{\"id\":\"val-old\",\"revision\":{\"version\":2},\"component\":{\"type\":\"io.customertrack.nifi.processors.ValidateCustomerRecord\"}}]}}}"));
            case "PUT /processors/gen-old/run-status" -> {
                final JsonNode state = json.readTree(body);
                require(state.path("revision").path("version").asInt() == 5, "run-status needs the processor's revision");
                require(state.path("state").asText().equals("STOPPED"), "the generator must be stopped");
                bodies.put(method + " " + path, state);
                respondJson(exchange, state);
            }
            case "GET /flow/process-groups/old-pg/status" -> respondJson(exchange, json.readTree(
                    "{\"processGroupStatus\":{\"aggregateSnapshot\":{\"flowFilesQueued\":" + (queuedPolls-- > 0 ? 7 : 0) + "}}}"));
            case "GET /process-groups/old-pg" -> respondJson(exchange, json.readTree("{\"id\":\"old-pg\",\"revision\":{\"version\":9}}"));
            case "DELETE /process-groups/old-pg" -> {
                require(query != null && query.contains("version=9"), "delete must carry the group's revision version");
                require(query.contains("clientId="), "delete must carry a clientId");
                respondJson(exchange, json.readTree("{\"id\":\"old-pg\"}"));
            }
            default -> {
                violations.add("undocumented request " + method + " " + path);
                respond(exchange, 404, "Not Found");
            }
        }
    }

    private static void require(final boolean condition, final String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    private static Map<String, String> form(final String body) {
        final Map<String, String> values = new HashMap<>();
        for (final String pair : body.split("&")) {
            final int equals = pair.indexOf('=');
            if (equals > 0) {
                values.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        return values;
    }

    private void respondJson(final HttpExchange exchange, final JsonNode body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        respond(exchange, 200, json.writeValueAsString(body));
    }

    private static void respond(final HttpExchange exchange, final int status, final String body) throws IOException {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
