package io.customertrack.nifi.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.function.Predicate;

/** A small client of NiFi's REST API for the tests' own checks (the deployment itself goes through deploy-nifi.sh). */
final class NiFiRest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String api;
    private final HttpClient client;

    private NiFiRest(final String url, final HttpClient client) {
        this.api = url + "/nifi-api";
        this.client = client;
    }

    static NiFiRest plain(final String url) {
        return new NiFiRest(url, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
    }

    /** Authenticates with the sandbox admin's certificate (admin.p12) and trusts the sandbox CA (truststore.p12). */
    static NiFiRest withClientCertificate(final String url, final Path tls) {
        try {
            final char[] password = Files.readString(tls.resolve("store.password")).toCharArray();
            final KeyStore keys = load(tls.resolve("admin.p12"), password);
            final KeyStore trust = load(tls.resolve("truststore.p12"), password);
            final KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, password);
            final TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust);
            final SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
            return new NiFiRest(url, HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build());
        } catch (final Exception e) {
            throw new IllegalStateException("cannot read the sandbox certificates in " + tls, e);
        }
    }

    private static KeyStore load(final Path file, final char[] password) throws Exception {
        final KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, password);
        }
        return store;
    }

    JsonNode get(final String path) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(api + path)).GET());
    }

    /** A GET whose answer is not JSON, e.g. a queued FlowFile's content. */
    String getText(final String path) throws IOException {
        return exchange(HttpRequest.newBuilder(URI.create(api + path)).GET());
    }

    JsonNode put(final String path, final Object body) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(api + path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    JsonNode post(final String path, final Object body) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(api + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    JsonNode delete(final String path) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(api + path)).DELETE());
    }

    private JsonNode send(final HttpRequest.Builder request) throws IOException {
        final String body = exchange(request);
        return body.isEmpty() ? JSON.createObjectNode() : JSON.readTree(body);
    }

    private String exchange(final HttpRequest.Builder request) throws IOException {
        try {
            final HttpResponse<String> response = client.send(request.timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 400) {
                throw new IOException(response.request().method() + " " + response.uri() + " answered HTTP "
                        + response.statusCode() + ": " + response.body());
            }
            return response.body();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Polls GET path until the answer satisfies the condition; fails with the last answer after the timeout. */
    JsonNode await(final String path, final Duration timeout, final Predicate<JsonNode> condition) throws IOException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        IOException lastError = null;
        while (System.nanoTime() < deadline) {
            try {
                last = get(path);
                if (condition.test(last)) {
                    return last;
                }
            } catch (final IOException e) {
                lastError = e; // a node may answer 5xx while a cluster reorganises
            }
            sleep(500);
        }
        throw new IllegalStateException("GET " + path + " did not reach the expected state within " + timeout
                + "; last answer: " + last + (lastError == null ? "" : "; last error: " + lastError.getMessage()));
    }

    static void sleep(final long millis) {
        try {
            Thread.sleep(millis);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
