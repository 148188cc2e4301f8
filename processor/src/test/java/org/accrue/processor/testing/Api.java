package org.accrue.processor.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A small HTTP client for the processor's API in tests: real requests on the real port. */
public final class Api {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    /** An answer; {@code location} is its Location header (null when it has none). */
    public record Response(int status, String contentType, String body, String location) {
        public Response(int status, String contentType, String body) {
            this(status, contentType, body, null);
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    public Api(int port) {
        this.base = "http://127.0.0.1:" + port + "/api/v1";
    }

    public Response get(String path, String key) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), key);
    }

    public Response delete(String path, String key) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE(), key);
    }

    public Response post(String path, String key, String body) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)), key);
    }

    public Response put(String path, String key, String body) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)), key);
    }

    public Response patch(String path, String key, String body) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body)), key);
    }

    /** Posts a raw body (a file) as it is. */
    public Response postRaw(String path, String key, byte[] body) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)), key);
    }

    /** Enrolls a card for the issuer of {@code key}; returns the card id. */
    public String enroll(String key, String pan, String accountRef) {
        Response r = post("/cards", key, "{\"pan\":\"" + pan + "\",\"accountRef\":\"" + accountRef + "\",\"lastName\":\"NGUYEN\"}");
        if (r.status() != 201 && r.status() != 200) {
            throw new AssertionError("enrollment failed: " + r.status() + " " + r.body());
        }
        return r.json().get("cardId").asText();
    }

    /**
     * One sample of GET /metrics (Prometheus text), named as exposed with its labels if any, e.g.
     * {@code accrue_iso_connections_refused_total}; NaN when the node does not expose it.
     */
    public double metric(String sample) {
        Response r = get("/metrics", null);
        if (r.status() != 200) {
            throw new AssertionError("GET /metrics answered " + r.status());
        }
        for (String line : r.body().split("\n")) {
            int space = line.lastIndexOf(' ');
            if (!line.startsWith("#") && space > 0 && line.substring(0, space).equals(sample)) {
                return Double.parseDouble(line.substring(space + 1));
            }
        }
        return Double.NaN;
    }

    private Response send(HttpRequest.Builder b, String key) {
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        try {
            HttpResponse<String> r = http.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body(),
                    r.headers().firstValue("Location").orElse(null));
        } catch (IOException e) {
            throw new AssertionError("HTTP request failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
