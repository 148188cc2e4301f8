/*
 * A stand-in airline for `accrue demo` only (tests use WireMock): the partner
 * API of airline-partner-api.md on a local port, remembering idempotency keys
 * (a repeat gets 200 with the original confirmation), refusing members whose
 * number ends in 7 (ACCOUNT_CLOSED), and failing every tenth new accrual once
 * with a 503, so the demo shows retries and a refusal next to credits.
 */
package org.accrue.processor.cli;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.javalin.Javalin;

final class DemoAirline implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Javalin app;
    private final Map<String, String> credited = new ConcurrentHashMap<>();
    private final Map<String, Boolean> failedOnce = new ConcurrentHashMap<>();
    final AtomicInteger created = new AtomicInteger();
    final AtomicInteger replays = new AtomicInteger();
    final AtomicInteger unavailable = new AtomicInteger();
    final AtomicInteger refused = new AtomicInteger();
    final AtomicInteger reversals = new AtomicInteger();

    DemoAirline() {
        app = Javalin.create(c -> c.showJavalinBanner = false);
        app.post("/v1/members/validate", ctx -> {
            JsonNode b = JSON.readTree(ctx.body());
            if (b.path("memberNumber").asText().endsWith("7")) {
                refused.incrementAndGet();
                ctx.status(422).json(Map.of("code", "ACCOUNT_CLOSED"));
            } else {
                ctx.json(Map.of("status", "ACTIVE"));
            }
        });
        app.post("/v1/accruals", ctx -> {
            String key = ctx.header("Idempotency-Key");
            String earlier = credited.get(key);
            if (earlier != null) {
                replays.incrementAndGet();
                ctx.status(200).json(Map.of("confirmation", earlier));
                return;
            }
            if (Math.floorMod(key.hashCode(), 10) == 0 && failedOnce.putIfAbsent(key, true) == null) {
                unavailable.incrementAndGet();
                ctx.status(503);
                return;
            }
            String confirmation = "SKY-" + (100_000 + created.incrementAndGet());
            credited.put(key, confirmation);
            ctx.status(201).json(Map.of("confirmation", confirmation));
        });
        app.post("/v1/accruals/{id}/reversal", ctx -> {
            reversals.incrementAndGet();
            ctx.status(201).json(Map.of("confirmation", "SKY-R-" + ctx.pathParam("id")));
        });
        app.start("127.0.0.1", 0);
    }

    int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
