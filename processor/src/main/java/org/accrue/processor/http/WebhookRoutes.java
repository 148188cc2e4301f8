/*
 * The webhook endpoints of webhooks.md: an issuer manages its own endpoints,
 * an admin any issuer's (naming the issuer on registration), ops read them.
 * The signing secret is in the answer to registration and to rotation only.
 */
package org.accrue.processor.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.accrue.config.AccrueConfig.Role;
import org.accrue.processor.webhooks.WebhookEndpoints;
import org.accrue.processor.webhooks.WebhookEndpoints.Endpoint;

import com.fasterxml.jackson.databind.JsonNode;

import io.javalin.Javalin;

final class WebhookRoutes {
    private static final String BASE = ApiServer.BASE + "/webhooks";
    private static final List<String> FIELDS = List.of("url", "events", "description", "enabled", "issuerId");
    private static final List<String> STATUSES = List.of("PENDING", "DELIVERED", "DEAD");

    private WebhookRoutes() {
    }

    static void register(ApiServer api, Javalin app, WebhookEndpoints webhooks) {
        app.post(BASE, ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.ADMIN);
            JsonNode b = api.body(ctx);
            only(b, "url", "events", "description", "issuerId");
            String issuer = p.role() == Role.ISSUER ? p.issuerId() : ApiServer.text(b, "issuerId");
            if (p.role() == Role.ISSUER && b.has("issuerId") && !p.issuerId().equals(ApiServer.text(b, "issuerId"))) {
                throw Problem.badRequest("FIELD_INVALID", "issuerId is the key's own issuer or left out");
            }
            if (issuer == null) {
                throw Problem.badRequest("FIELD_INVALID", "issuerId is required when an admin registers an endpoint");
            }
            var r = webhooks.register(p.keyName(), issuer, ApiServer.text(b, "url"), events(b), ApiServer.text(b, "description"));
            Map<String, Object> body = view(r.endpoint());
            body.put("secret", r.secret());
            ctx.status(201).header("Location", BASE + "/" + r.endpoint().id()).json(body);
        });
        app.get(BASE, ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.OPS, Role.ADMIN);
            ApiServer.onlyParams(ctx);
            ctx.json(Map.of("webhooks", webhooks.list(p.issuerScope()).stream().map(WebhookRoutes::view).toList()));
        });
        app.get(BASE + "/{id}", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.OPS, Role.ADMIN);
            ctx.json(view(webhooks.find(p.issuerScope(), ctx.pathParam("id")).orElseThrow(() -> Problem.notFound("webhook"))));
        });
        app.patch(BASE + "/{id}", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.ADMIN);
            JsonNode b = api.body(ctx);
            only(b, "url", "events", "description", "enabled");
            JsonNode enabled = b.get("enabled");
            if (enabled != null && !enabled.isBoolean()) {
                throw Problem.badRequest("FIELD_INVALID", "enabled must be true or false");
            }
            var change = new WebhookEndpoints.Change(ApiServer.text(b, "url"), b.has("events") ? events(b) : null,
                    ApiServer.text(b, "description"), enabled == null ? null : enabled.booleanValue());
            ctx.json(view(webhooks.change(p.keyName(), p.issuerScope(), ctx.pathParam("id"), change)
                    .orElseThrow(() -> Problem.notFound("webhook"))));
        });
        app.delete(BASE + "/{id}", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.ADMIN);
            if (!webhooks.delete(p.keyName(), p.issuerScope(), ctx.pathParam("id"))) {
                throw Problem.notFound("webhook");
            }
            ctx.status(204);
        });
        app.post(BASE + "/{id}/secret", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.ADMIN);
            String secret = webhooks.rotate(p.keyName(), p.issuerScope(), ctx.pathParam("id")).orElseThrow(() -> Problem.notFound("webhook"));
            ctx.json(Map.of("id", ctx.pathParam("id"), "secret", secret,
                    "previousSignsForHours", WebhookEndpoints.PREVIOUS_SECRET_SIGNS.toHours()));
        });
        app.get(BASE + "/{id}/deliveries", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.OPS, Role.ADMIN);
            ApiServer.onlyParams(ctx, "status", "limit");
            String status = ctx.queryParam("status");
            if (status != null && !STATUSES.contains(status)) {
                throw Problem.badRequest("PARAMETER_INVALID", "status must be one of " + String.join(", ", STATUSES));
            }
            int limit = ApiServer.intParam(ctx, "limit", 1, 500, 100);
            var list = webhooks.deliveries(p.issuerScope(), ctx.pathParam("id"), status, limit)
                    .orElseThrow(() -> Problem.notFound("webhook"));
            ctx.json(Map.of("webhookId", ctx.pathParam("id"), "deliveries", list.stream().map(WebhookRoutes::view).toList()));
        });
        app.post(BASE + "/{id}/deliveries/{deliveryId}/replay", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.OPS, Role.ADMIN);
            if (!webhooks.replay(p.issuerScope(), ctx.pathParam("id"), ctx.pathParam("deliveryId"))) {
                throw Problem.notFound("delivery");
            }
            ctx.status(202).json(Map.of("webhookId", ctx.pathParam("id"), "deliveryId", ctx.pathParam("deliveryId"),
                    "status", "PENDING"));
        });
    }

    private static void only(JsonNode b, String... allowed) {
        List<String> ok = List.of(allowed);
        for (var it = b.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!ok.contains(f)) {
                throw Problem.badRequest("UNKNOWN_FIELD", FIELDS.contains(f) ? "field '" + f + "' cannot be set here"
                        : "unknown field '" + f + "'");
            }
        }
    }

    private static List<String> events(JsonNode b) {
        JsonNode e = b.get("events");
        if (e == null || !e.isArray()) {
            throw Problem.badRequest("FIELD_INVALID", "events must be an array of event types");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode n : e) {
            if (!n.isTextual()) {
                throw Problem.badRequest("FIELD_INVALID", "events must be an array of event types");
            }
            out.add(n.asText());
        }
        return out;
    }

    static Map<String, Object> view(Endpoint e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("issuerId", e.issuerId());
        m.put("url", e.url());
        m.put("events", e.events());
        if (e.description() != null) {
            m.put("description", e.description());
        }
        m.put("enabled", e.enabled());
        if (e.disabledReason() != null) {
            m.put("disabledReason", e.disabledReason());
        }
        if (e.failingSince() != null) {
            m.put("failingSince", e.failingSince());
        }
        m.put("createdAt", e.createdAt());
        m.put("updatedAt", e.updatedAt());
        return m;
    }

    static Map<String, Object> view(WebhookEndpoints.Delivery d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", d.eventId());
        m.put("eventId", d.eventId());
        m.put("type", d.type());
        m.put("status", d.status());
        m.put("attempts", d.attempts());
        m.put("createdAt", d.createdAt());
        if (d.lastAttemptAt() != null) {
            m.put("lastAttemptAt", d.lastAttemptAt());
        }
        if (d.lastStatus() != null) {
            m.put("lastStatus", d.lastStatus());
        }
        if (d.lastError() != null) {
            m.put("lastError", d.lastError());
        }
        if (d.status().equals("PENDING")) {
            m.put("nextAttemptAt", d.nextAttemptAt());
        }
        if (d.deliveredAt() != null) {
            m.put("deliveredAt", d.deliveredAt());
        }
        return m;
    }
}
