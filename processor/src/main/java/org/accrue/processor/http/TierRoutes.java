/*
 * Tier programs and card tiers over HTTP (issue 17 item 3): an issuer's program (admin writes; the issuer reads its
 * own, ops all), and a card's tier now with its progress, the gap to the next tier and a pending downgrade. Amounts
 * of a SPEND program as {"minor", "currency"}; points and purchases as {"amount", "unit"}.
 */
package org.accrue.processor.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.accrue.config.AccrueConfig.Role;
import org.accrue.processor.cards.Enrollment;
import org.accrue.processor.tiers.TierProgram;
import org.accrue.processor.tiers.TierPrograms;

import com.fasterxml.jackson.databind.JsonNode;

import io.javalin.Javalin;

final class TierRoutes {
    private static final String BASE = ApiServer.BASE;
    private static final List<String> FIELDS = List.of("name", "measure", "currency", "window", "graceDays", "tiers");

    private TierRoutes() {
    }

    static void register(ApiServer api, Javalin app, Enrollment enrollment, TierPrograms tiers) {
        if (tiers == null) {
            return;
        }
        app.get(BASE + "/tier-programs", ctx -> {
            ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            List<Map<String, Object>> all = new ArrayList<>();
            tiers.all().values().forEach(p -> all.add(program(p, false)));
            ctx.json(Map.of("programs", all, "defaultProgram", tiers.defaultProgram() == null ? Map.of()
                    : program(tiers.defaultProgram(), true)));
        });
        app.get(BASE + "/issuers/{issuerId}/tier-program", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.OPS, Role.ADMIN);
            String issuer = ctx.pathParam("issuerId");
            if (p.role() == Role.ISSUER && !issuer.equals(p.issuerId())) {
                throw Problem.notFound("issuer");
            }
            var own = tiers.own(issuer);
            if (own.isPresent()) {
                ctx.json(program(own.get(), false));
            } else if (tiers.defaultProgram() != null) {
                ctx.json(program(tiers.defaultProgram(), true));
            } else {
                throw Problem.notFound("tier program");
            }
        });
        app.put(BASE + "/issuers/{issuerId}/tier-program", ctx -> {
            Principal admin = ApiServer.require(ctx, Role.ADMIN);
            TierProgram p = tiers.put(admin.keyName(), parse(ctx.pathParam("issuerId"), api.body(ctx)));
            ctx.json(program(p, false));
        });
        app.delete(BASE + "/issuers/{issuerId}/tier-program", ctx -> {
            Principal admin = ApiServer.require(ctx, Role.ADMIN);
            if (!tiers.delete(admin.keyName(), ctx.pathParam("issuerId"))) {
                throw Problem.notFound("tier program");
            }
            ctx.status(204);
        });
        app.get(BASE + "/cards/{cardId}/tier", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.OPS, Role.ADMIN);
            var card = enrollment.find(p.issuerScope(), ctx.pathParam("cardId")).orElseThrow(() -> Problem.notFound("card"));
            long id = enrollment.internalId(p.issuerScope(), card.cardId()).orElseThrow(() -> Problem.notFound("card"));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("cardId", card.cardId());
            var t = tiers.ofCard(id, card.issuerId());
            if (t.isEmpty()) {
                body.put("program", null);
                body.put("tier", null);
                ctx.json(body);
                return;
            }
            TierProgram prog = t.get().program();
            var s = t.get().state();
            body.put("program", prog.name());
            body.put("measure", prog.measure().name());
            body.put("window", prog.window().name());
            body.put("tier", s.tier());
            body.put("since", s.since());
            body.put("progress", measure(prog, s.progress()));
            body.put("countedFrom", s.periodStart().toString());
            body.put("nextTier", s.nextTier());
            body.put("gap", s.gap() == null ? null : measure(prog, s.gap()));
            body.put("downgradePendingUntil", s.downgradePendingUntil());
            body.put("downgradeTo", s.downgradePendingUntil() == null ? null : s.downgradeTo());
            body.put("computedAt", s.computedAt());
            ctx.json(body);
        });
    }

    /** A value of the program's measure: money for SPEND, else {"amount", "unit"} (POINTS or PURCHASES). */
    static Map<String, Object> measure(TierProgram p, long value) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (p.measure() == TierProgram.Measure.SPEND) {
            m.put("minor", value);
            m.put("currency", p.currency());
        } else {
            m.put("amount", value);
            m.put("unit", p.measure() == TierProgram.Measure.POINTS ? "POINTS" : "PURCHASES");
        }
        return m;
    }

    static Map<String, Object> program(TierProgram p, boolean isDefault) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("issuerId", p.issuerId());
        m.put("name", p.name());
        m.put("default", isDefault);
        m.put("measure", p.measure().name());
        m.put("currency", p.currency());
        m.put("window", p.window().name());
        m.put("graceDays", p.graceDays());
        m.put("tiers", p.levels().stream().map(l -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("tier", l.tier());
            x.put("threshold", measure(p, l.threshold()));
            return x;
        }).toList());
        return m;
    }

    /** {"name", "measure", "currency"?, "window", "graceDays", "tiers": [{"tier", "threshold"}]}; thresholds in minor units, points or purchases. */
    static TierProgram parse(String issuerId, JsonNode b) {
        for (var it = b.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw Problem.badRequest("UNKNOWN_FIELD", "unknown field '" + f + "'; a tier program has " + FIELDS);
            }
        }
        TierProgram.Measure measure = choice(TierProgram.Measure.class, ApiServer.text(b, "measure"), "measure", TierProgram.Measure.SPEND);
        TierProgram.Window window = choice(TierProgram.Window.class, ApiServer.text(b, "window"), "window",
                TierProgram.Window.TRAILING_12_MONTHS);
        JsonNode grace = b.get("graceDays");
        if (grace != null && !grace.canConvertToInt()) {
            throw Problem.badRequest("FIELD_INVALID", "graceDays must be a whole number of days");
        }
        JsonNode list = b.get("tiers");
        if (list == null || !list.isArray()) {
            throw Problem.badRequest("FIELD_INVALID", "tiers must be an array of {\"tier\", \"threshold\"}");
        }
        List<TierProgram.Level> levels = new ArrayList<>();
        for (JsonNode t : list) {
            JsonNode threshold = t.get("threshold");
            if (!t.isObject() || threshold == null || !threshold.canConvertToLong()) {
                throw Problem.badRequest("FIELD_INVALID", "each tier is {\"tier\": name, \"threshold\": whole number "
                        + "(minor units for SPEND, points, or purchases)}");
            }
            levels.add(new TierProgram.Level(ApiServer.text(t, "tier"), threshold.asLong()));
        }
        String currency = ApiServer.text(b, "currency");
        if (measure == TierProgram.Measure.SPEND && currency == null) {
            throw new TierPrograms.TierProgramException("INVALID_CURRENCY", "a SPEND program needs currency, e.g. USD");
        }
        return TierPrograms.check(new TierProgram(issuerId, ApiServer.text(b, "name"), measure, currency, window,
                grace == null ? 0 : grace.asInt(), levels));
    }

    private static <E extends Enum<E>> E choice(Class<E> type, String value, String field, E def) {
        if (value == null) {
            return def;
        }
        try {
            return Enum.valueOf(type, value);
        } catch (IllegalArgumentException e) {
            throw Problem.badRequest("FIELD_INVALID", field + " must be one of " + java.util.Arrays.toString(type.getEnumConstants()));
        }
    }
}
