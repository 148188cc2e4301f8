/*
 * The issuer's webhook receiver for `accrue demo` only (tests use WireMock):
 * takes POST /hooks, checks each Accrue-Signature as an issuer would
 * (webhooks.md, "Verifying"), and counts the events by type and the repeats
 * (delivery is at least once; an issuer deduplicates by event id).
 */
package org.accrue.processor.cli;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.accrue.processor.webhooks.Signatures;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.javalin.Javalin;

final class DemoWebhookReceiver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Javalin app;
    private final Map<String, AtomicInteger> byType = new ConcurrentHashMap<>();
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    final AtomicInteger repeats = new AtomicInteger();
    final AtomicInteger badSignatures = new AtomicInteger();
    private volatile String secret;

    DemoWebhookReceiver() {
        app = Javalin.create(c -> c.showJavalinBanner = false);
        app.post("/hooks", ctx -> {
            String s = secret;
            if (s == null || !Signatures.verify(String.valueOf(ctx.header("Accrue-Signature")), ctx.bodyAsBytes(), s,
                    Instant.now().getEpochSecond())) {
                badSignatures.incrementAndGet();
                ctx.status(401);
                return;
            }
            JsonNode e = JSON.readTree(ctx.bodyAsBytes());
            if (seen.add(e.path("id").asText())) {
                byType.computeIfAbsent(e.path("type").asText(), k -> new AtomicInteger()).incrementAndGet();
            } else {
                repeats.incrementAndGet();
            }
            ctx.status(204);
        });
        app.start("127.0.0.1", 0);
    }

    String url() {
        return "http://127.0.0.1:" + app.port() + "/hooks";
    }

    void secret(String s) {
        this.secret = s;
    }

    int received() {
        return seen.size();
    }

    Map<String, Integer> byType() {
        Map<String, Integer> m = new TreeMap<>();
        byType.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    @Override
    public void close() {
        app.stop();
    }
}
