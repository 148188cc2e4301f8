/*
 * The REST API (http-api.md) on Javalin: bearer API keys, roles, and
 * problem+json errors. Another issuer's resources are 404, never 403, so ids
 * cannot be probed. Request bodies are never echoed into errors or logs: an
 * enrollment body holds a PAN.
 */
package org.accrue.processor.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.accrue.config.AccrueConfig.Role;
import org.accrue.processor.audit.AuditLog;
import org.accrue.processor.cards.Card;
import org.accrue.processor.catalog.Catalog;
import org.accrue.processor.cards.Enrollment;
import org.accrue.processor.intake.IntakeStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.json.JavalinJackson;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    public static final String BASE = "/api/v1";
    private static final String PRINCIPAL = "accrue.principal";
    static final String PROBLEM_WRITTEN = "accrue.problem";
    private static final int PAGE_LIMIT_MAX = 500;
    private static final long BODY_BYTES_MAX = 64 * 1024;

    /** The components /health reports, each up or not. */
    public interface Health {
        Map<String, Boolean> components();
    }

    private final Javalin app;
    private final ObjectMapper json;

    /** The JSON mapper of the API (and of stored catalog definitions). */
    public static ObjectMapper newJsonMapper() {
        return new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    public ApiServer(String bindAddress, int port, ApiKeys keys, Enrollment enrollment, Catalog catalog,
                     org.accrue.processor.matcher.RewardQueries rewards,
                     org.accrue.processor.matcher.Activations activations, IntakeStats stats, Health health,
                     PrometheusMeterRegistry metrics, OperationsRoutes.Services operations,
                     CardholderRoutes.Services cardholder, AuditLog audit, InstantSource clock) {
        this.json = newJsonMapper();
        this.app = Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            cfg.jsonMapper(new JavalinJackson(json, false));
            cfg.http.maxRequestSize = BODY_BYTES_MAX;
            cfg.jetty.defaultHost = bindAddress;
            cfg.jetty.defaultPort = port;
        });

        app.before(BASE + "/*", ctx -> authenticate(ctx, keys));

        app.get(BASE + "/health", ctx -> {
            Map<String, Boolean> c = health.components();
            boolean up = c.values().stream().allMatch(Boolean::booleanValue);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", up ? "UP" : "DOWN");
            Map<String, String> comps = new LinkedHashMap<>();
            c.forEach((k, v) -> comps.put(k, v ? "UP" : "DOWN"));
            body.put("components", comps);
            ctx.status(up ? 200 : 503).json(body);
        });
        app.get(BASE + "/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4").result(metrics.scrape()));
        app.get(BASE + "/openapi.json", ctx -> ctx.contentType("application/json").result(openApi()));

        app.post(BASE + "/cards", ctx -> {
            Principal p = require(ctx, Role.ISSUER);
            Enrollment.Request r = enrollmentRequest(ctx);
            Enrollment.Result result = enrollment.enroll(p.keyName(), p.issuerId(), r);
            if (result.created() && r.airlineProgram() != null && operations != null) {
                // Validate the airline member now, off the request: a slow partner must not slow enrollment,
                // and the miles job validates again before the first accrual if this did not get an answer.
                enrollment.internalId(p.issuerId(), result.card().cardId()).ifPresent(id ->
                        Thread.ofVirtual().name("member-validation").start(() -> operations.miles().validateMember(id)));
            }
            ctx.status(result.created() ? 201 : 200).json(cardBody(result.card()));
        });
        app.get(BASE + "/cards", ctx -> {
            Principal p = require(ctx, Role.ISSUER, Role.OPS, Role.ADMIN);
            onlyParams(ctx, "offset", "limit", "accountRef");
            int offset = intParam(ctx, "offset", 0, Integer.MAX_VALUE, 0);
            int limit = intParam(ctx, "limit", 1, PAGE_LIMIT_MAX, 100);
            String accountRef = ctx.queryParam("accountRef");
            if (accountRef != null && (accountRef.isBlank() || accountRef.length() > Enrollment.TEXT_LENGTH_MAX)) {
                throw Problem.badRequest("PARAMETER_INVALID", "accountRef must be 1-" + Enrollment.TEXT_LENGTH_MAX + " characters");
            }
            ctx.json(Map.of("cards", enrollment.list(p.issuerScope(), accountRef, offset, limit).stream()
                    .map(ApiServer::cardBody).toList(), "offset", offset, "limit", limit));
        });
        app.get(BASE + "/cards/{cardId}", ctx -> {
            Principal p = require(ctx, Role.ISSUER, Role.OPS, Role.ADMIN);
            Card c = enrollment.find(p.issuerScope(), ctx.pathParam("cardId")).orElseThrow(() -> Problem.notFound("card"));
            ctx.json(cardBody(c));
        });
        app.get(BASE + "/cards/{cardId}/rewards", ctx -> {
            Principal p = require(ctx, Role.ISSUER, Role.OPS, Role.ADMIN);
            long id = enrollment.internalId(p.issuerScope(), ctx.pathParam("cardId")).orElseThrow(() -> Problem.notFound("card"));
            onlyParams(ctx, "offset", "limit");
            int offset = intParam(ctx, "offset", 0, Integer.MAX_VALUE, 0);
            int limit = intParam(ctx, "limit", 1, PAGE_LIMIT_MAX, 100);
            ctx.json(Map.of("cardId", ctx.pathParam("cardId"), "rewards", rewards.rewards(id, offset, limit),
                    "purchases", rewards.purchases(id, offset, limit), "offset", offset, "limit", limit));
        });
        app.post(BASE + "/cards/{cardId}/offers/{offerId}/activation", ctx -> {
            Principal p = require(ctx, Role.ISSUER);
            long id = enrollment.internalId(p.issuerId(), ctx.pathParam("cardId")).orElseThrow(() -> Problem.notFound("card"));
            var offer = catalog.offer(ctx.pathParam("offerId")).orElseThrow(() -> Problem.notFound("offer"));
            var a = activations.activate(id, offer);
            ctx.status(a.created() ? 201 : 200).json(Map.of("cardId", ctx.pathParam("cardId"), "offerId", offer.id(),
                    "activatedAt", a.activatedAt(), "validUntil", a.validUntil()));
        });
        app.delete(BASE + "/cards/{cardId}", ctx -> {
            Principal p = require(ctx, Role.ISSUER);
            if (!enrollment.unenroll(p.keyName(), p.issuerId(), ctx.pathParam("cardId"))) {
                throw Problem.notFound("card");
            }
            ctx.status(204);
        });
        app.post(BASE + "/cards/{cardId}/erasure", ctx -> {
            // The cardholder's request reaches us through the issuer (its own cards) or an admin; irreversible.
            Principal p = require(ctx, Role.ISSUER, Role.ADMIN);
            onlyParams(ctx);
            Enrollment.Erasure e = enrollment.erase(p.keyName(), p.issuerScope(), ctx.pathParam("cardId"))
                    .orElseThrow(() -> Problem.notFound("card"));
            Map<String, Object> body = cardBody(e.card());
            body.put("erasedNow", e.erased());
            ctx.json(body);
        });
        app.post(BASE + "/merchants", ctx -> {
            require(ctx, Role.ADMIN);
            var m = catalog.codec().merchant(body(ctx), "merchant");
            boolean created = catalog.putMerchant(require(ctx, Role.ADMIN).keyName(), m);
            ctx.status(created ? 201 : 200).json(catalog.codec().toJson(m));
        });
        app.get(BASE + "/merchants", ctx -> {
            require(ctx, Role.OPS, Role.ADMIN);
            ctx.json(Map.of("merchants", catalog.merchants().stream().map(catalog.codec()::toJson).toList()));
        });
        app.post(BASE + "/offers", ctx -> {
            require(ctx, Role.ADMIN);
            var o = catalog.codec().offer(body(ctx), "offer");
            catalog.createOffer(require(ctx, Role.ADMIN).keyName(), o);
            ctx.status(201).json(Map.of("id", o.id(), "offer", catalog.codec().toJson(o)));
        });
        app.get(BASE + "/offers", ctx -> {
            require(ctx, Role.OPS, Role.ADMIN);
            ctx.json(Map.of("offers", catalog.offers().stream().map(catalog.codec()::toJson).toList()));
        });
        app.get(BASE + "/offers/{offerId}", ctx -> {
            require(ctx, Role.OPS, Role.ADMIN);
            ctx.json(catalog.codec().toJson(catalog.offer(ctx.pathParam("offerId")).orElseThrow(() -> Problem.notFound("offer"))));
        });
        app.patch(BASE + "/offers/{offerId}", ctx -> {
            require(ctx, Role.ADMIN);
            var o = catalog.patchOffer(require(ctx, Role.ADMIN).keyName(), ctx.pathParam("offerId"), body(ctx)).orElseThrow(() -> Problem.notFound("offer"));
            ctx.json(catalog.codec().toJson(o));
        });
        app.get(BASE + "/audit", ctx -> {
            require(ctx, Role.ADMIN);
            onlyParams(ctx, "from", "to", "type");
            java.time.Instant from = instantParam(ctx, "from");
            java.time.Instant to = instantParam(ctx, "to");
            String t = ctx.queryParam("type");
            AuditLog.Resource type = t == null ? null : AuditLog.Resource.parse(t).orElseThrow(() -> Problem.badRequest(
                    "INVALID_TYPE", "type must be one of " + java.util.Arrays.stream(AuditLog.Resource.values())
                            .map(AuditLog.Resource::id).toList()));
            if (audit == null) {
                throw new Problem(503, "UNAVAILABLE", "the audit log is not available on this node");
            }
            ctx.status(200).contentType("application/x-ndjson");
            audit.export(from, to, type, ctx.outputStream());
        });
        app.get(BASE + "/intake", ctx -> {
            require(ctx, Role.OPS, Role.ADMIN);
            ctx.json(stats.snapshot());
        });
        OperationsRoutes.register(this, app, enrollment, operations);
        CardholderRoutes.register(this, app, enrollment, cardholder, clock);
        EnrollmentFileRoutes.register(app, enrollment);
        SegmentRoutes.register(this, app, catalog.segments(), json);
        Console.register(app, keys, operations, catalog, enrollment, operations == null ? null : operations.rewards(), health,
                clock, cardholder == null ? null : cardholder.cardholder());

        app.exception(Problem.class, (e, ctx) -> problem(ctx, e.status(), e.code(), e.getMessage()));
        app.exception(org.accrue.processor.Refusal.class, (e, ctx) -> problem(ctx, e.status(), e.code(), e.getMessage()));
        app.exception(Exception.class, (e, ctx) -> {
            // Never include e.getMessage(): it may quote request content.
            log.error("unhandled error on {} {}: {}", ctx.method(), ctx.matchedPath(), e.getClass().getName());
            problem(ctx, 500, "INTERNAL", "internal error");
        });
        app.error(404, ctx -> {
            if (ctx.attribute(PROBLEM_WRITTEN) == null) { // a route's own 404 problem stays as it is
                problem(ctx, 404, "NOT_FOUND", "no such resource");
            }
        });
        app.error(405, ctx -> problem(ctx, 405, "METHOD_NOT_ALLOWED", "method not allowed here"));
        app.error(413, ctx -> problem(ctx, 413, "BODY_TOO_LARGE", "request body over " + BODY_BYTES_MAX + " bytes"));
        app.start();
    }

    public int port() {
        return app.port();
    }

    /** Every API route as "METHOD /path" (the OpenAPI document is checked against it). */
    public List<String> routes() {
        return app.unsafeConfig().pvt.internalRouter.allHttpHandlers().stream()
                .map(e -> e.getEndpoint().getMethod().name() + " " + e.getEndpoint().getPath())
                .filter(r -> r.contains(BASE + "/") && !r.startsWith("BEFORE") && !r.startsWith("AFTER"))
                .map(r -> r.replace(BASE, ""))
                .sorted().distinct().toList();
    }

    private static void authenticate(Context ctx, ApiKeys keys) {
        String path = ctx.path();
        if (path.equals(BASE + "/health") || path.equals(BASE + "/metrics") || path.equals(BASE + "/openapi.json")) {
            return;
        }
        String h = ctx.header("Authorization");
        String key = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7) : null;
        Principal p = keys.authenticate(key).orElse(null);
        if (p == null) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new Problem(401, "UNAUTHENTICATED", "a valid API key is required (Authorization: Bearer <key>)");
        }
        ctx.attribute(PRINCIPAL, p);
    }

    static Principal require(Context ctx, Role... roles) {
        Principal p = ctx.attribute(PRINCIPAL);
        for (Role r : roles) {
            if (p.role() == r) {
                return p;
            }
        }
        throw new Problem(403, "FORBIDDEN", "role " + p.role().name().toLowerCase() + " may not do this");
    }

    JsonNode body(Context ctx) {
        try {
            JsonNode n = json.readTree(ctx.bodyAsBytes());
            if (n == null || !n.isObject()) {
                throw Problem.badRequest("MALFORMED_JSON", "the body must be a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw Problem.badRequest("MALFORMED_JSON", "the body is not valid JSON");
        }
    }

    private Enrollment.Request enrollmentRequest(Context ctx) {
        JsonNode n;
        try {
            n = json.readTree(ctx.bodyAsBytes());
        } catch (IOException e) {
            throw Problem.badRequest("MALFORMED_JSON", "the body is not valid JSON");
        }
        if (n == null || !n.isObject()) {
            throw Problem.badRequest("MALFORMED_JSON", "the body must be a JSON object");
        }
        for (var it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!List.of("pan", "accountRef", "lastName", "airline").contains(f)) {
                throw Problem.badRequest("UNKNOWN_FIELD", "unknown field '" + f + "'");
            }
        }
        JsonNode airline = n.get("airline");
        String program = null;
        String member = null;
        if (airline != null && !airline.isNull()) {
            if (!airline.isObject()) {
                throw Problem.badRequest("FIELD_INVALID", "airline must be an object {program, memberNumber}");
            }
            program = text(airline, "program");
            member = text(airline, "memberNumber");
        }
        return new Enrollment.Request(text(n, "pan"), text(n, "accountRef"), text(n, "lastName"), program, member);
    }

    static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw Problem.badRequest("FIELD_INVALID", field + " must be a string");
        }
        return v.asText();
    }

    /** Refuses a query parameter the endpoint does not know (400 UNKNOWN_PARAMETER): a misspelt filter filters nothing. */
    static void onlyParams(Context ctx, String... known) {
        List<String> allowed = List.of(known);
        for (String name : ctx.queryParamMap().keySet()) {
            if (!allowed.contains(name)) {
                throw Problem.badRequest("UNKNOWN_PARAMETER", "unknown query parameter; this endpoint takes "
                        + (allowed.isEmpty() ? "none" : String.join(", ", allowed)));
            }
        }
    }

    /** An ISO 8601 instant ({@code 2026-12-03T00:00:00Z}), or null when absent; 400 PARAMETER_INVALID otherwise. */
    static java.time.Instant instantParam(Context ctx, String name) {
        String v = ctx.queryParam(name);
        if (v == null) {
            return null;
        }
        try {
            return java.time.Instant.parse(v);
        } catch (java.time.format.DateTimeParseException e) {
            throw Problem.badRequest("PARAMETER_INVALID", name + " must be an ISO 8601 UTC time such as 2026-12-03T00:00:00Z");
        }
    }

    static int intParam(Context ctx, String name, int min, int max, int def) {
        String v = ctx.queryParam(name);
        if (v == null) {
            return def;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw Problem.badRequest("PARAMETER_INVALID", name + " must be between " + min + " and " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw Problem.badRequest("PARAMETER_INVALID", name + " must be a whole number");
        }
    }

    private static Map<String, Object> cardBody(Card c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cardId", c.cardId());
        m.put("issuerId", c.issuerId());
        m.put("panMasked", c.panMasked());
        m.put("last4", c.last4());
        m.put("accountRef", c.accountRef());
        m.put("status", c.status().name());
        m.put("enrolledAt", c.enrolledAt());
        if (c.unenrolledAt() != null) {
            m.put("unenrolledAt", c.unenrolledAt());
        }
        if (c.erasedAt() != null) {
            m.put("erasedAt", c.erasedAt());
        }
        if (c.airlineProgram() != null) {
            m.put("airline", Map.of("program", c.airlineProgram(), "memberNumber", c.airlineMember()));
        }
        return m;
    }

    private void problem(Context ctx, int status, String code, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "https://accrue.dev/problems/" + code.toLowerCase().replace('_', '-'));
        body.put("title", code);
        body.put("status", status);
        body.put("code", code);
        body.put("detail", detail);
        body.put("instance", ctx.path());
        ctx.attribute(PROBLEM_WRITTEN, Boolean.TRUE);
        try {
            ctx.status(status).contentType("application/problem+json").result(json.writeValueAsString(body));
        } catch (IOException e) {
            ctx.status(status).result(code);
        }
    }

    private static String openApi() {
        try (InputStream in = ApiServer.class.getResourceAsStream("/openapi.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            return "{}";
        }
    }

    @Override
    public void close() {
        app.stop();
    }

}
