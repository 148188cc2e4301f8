/*
 * The API of issue 17's partners, win-back campaigns and offer performance
 * (README "API"): partners and their settlement invoices (admin writes, ops
 * reads), win-back campaigns with what they won back, and an offer's
 * performance. Same keys, roles and problem+json as the rest of the API.
 */
package org.accrue.processor.http;

import static org.accrue.processor.http.ApiServer.BASE;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.accrue.config.AccrueConfig.Role;
import org.accrue.processor.Programs;
import org.accrue.processor.invoicing.MerchantInvoicing;
import org.accrue.processor.invoicing.PartnerInvoicing;
import org.accrue.processor.partners.Partners;
import org.accrue.processor.performance.OfferPerformance;
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.processor.winback.WinBackCampaigns;
import org.accrue.rewards.matching.RewardUnit;
import org.accrue.rewards.offers.Offer;

import com.fasterxml.jackson.databind.JsonNode;

import io.javalin.Javalin;

final class ProgramRoutes {
    private static final Set<String> PARTNER_FIELDS = Set.of("partnerId", "name", "kind", "billingCurrency", "feeBps",
            "contact");
    private static final Set<String> CAMPAIGN_FIELDS = Set.of("offerId", "lapseDays");

    private ProgramRoutes() {
    }

    static void register(ApiServer api, Javalin app, Programs p) {
        app.post(BASE + "/partners", ctx -> {
            Principal who = ApiServer.require(ctx, Role.ADMIN);
            Partners.Partner partner = partner(api.body(ctx));
            boolean created = p.partners().put(who.keyName(), partner);
            ctx.status(created ? 201 : 200).json(partnerBody(p.partners().find(partner.partnerId()).orElseThrow()));
        });
        app.get(BASE + "/partners", ctx -> {
            ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            ctx.json(Map.of("partners", p.partners().list().stream().map(ProgramRoutes::partnerBody).toList()));
        });
        app.get(BASE + "/partners/{partnerId}", ctx -> {
            ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            ctx.json(partnerBody(p.partners().find(ctx.pathParam("partnerId")).orElseThrow(() -> Problem.notFound("partner"))));
        });
        app.get(BASE + "/partners/{partnerId}/invoices", ctx -> {
            ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            String id = p.partners().find(ctx.pathParam("partnerId")).orElseThrow(() -> Problem.notFound("partner")).partnerId();
            ctx.json(Map.of("partnerId", id, "invoices", p.partnerInvoicing().list(id).stream()
                    .map(ProgramRoutes::invoiceBody).toList()));
        });
        app.get(BASE + "/partner-invoices/{invoiceId}", ctx -> {
            ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            String body = p.partnerInvoicing().body(ctx.pathParam("invoiceId"));
            if (body == null) {
                throw Problem.notFound("partner invoice");
            }
            ctx.contentType("text/plain; charset=utf-8").result(body);
        });
        app.post(BASE + "/winback-campaigns", ctx -> {
            Principal who = ApiServer.require(ctx, Role.ADMIN);
            JsonNode n = api.body(ctx);
            unknown(n, CAMPAIGN_FIELDS);
            String offerId = ApiServer.text(n, "offerId");
            if (offerId == null) {
                throw new Problem(422, "FIELD_INVALID", "offerId is required");
            }
            JsonNode days = n.get("lapseDays");
            if (days == null || !days.canConvertToInt() || !days.isIntegralNumber()) {
                throw new Problem(422, "FIELD_INVALID", "lapseDays is required: whole days 1.." + WinBackCampaigns.LAPSE_DAYS_MAX);
            }
            Offer offer = p.catalog().offer(offerId).orElseThrow(() -> new Problem(422, "FIELD_INVALID",
                    "offerId names no offer"));
            WinBackCampaigns.Campaign c = p.winBack().create(who.keyName(), offer, days.asInt());
            ctx.status(201).json(campaignBody(p.winBack().results(c, offer)));
        });
        app.get(BASE + "/winback-campaigns", ctx -> {
            ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            ctx.json(Map.of("campaigns", p.winBack().list().stream().map(c -> p.catalog().offer(c.offerId())
                    .map(o -> campaignBody(p.winBack().results(c, o))).orElse(Map.of("campaignId", c.campaignId(),
                            "offerId", c.offerId()))).toList()));
        });
        app.get(BASE + "/winback-campaigns/{campaignId}", ctx -> {
            ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            WinBackCampaigns.Campaign c = p.winBack().find(ctx.pathParam("campaignId"))
                    .orElseThrow(() -> Problem.notFound("win-back campaign"));
            Offer o = p.catalog().offer(c.offerId()).orElseThrow(() -> Problem.notFound("offer"));
            ctx.json(campaignBody(p.winBack().results(c, o)));
        });
        app.get(BASE + "/offers/{offerId}/performance", ctx -> {
            ApiServer.require(ctx, Role.OPS, Role.ADMIN);
            Offer o = p.catalog().offer(ctx.pathParam("offerId")).orElseThrow(() -> Problem.notFound("offer"));
            ctx.json(performanceBody(p.performance().of(o)));
        });
    }

    private static void unknown(JsonNode n, Set<String> known) {
        for (var it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw Problem.badRequest("UNKNOWN_FIELD", "unknown field '" + f + "'; known: " + known.stream().sorted().toList());
            }
        }
    }

    private static Partners.Partner partner(JsonNode n) {
        unknown(n, PARTNER_FIELDS);
        String kind = ApiServer.text(n, "kind");
        Partners.Kind k;
        try {
            k = kind == null ? Partners.Kind.OTHER : Partners.Kind.valueOf(kind);
        } catch (IllegalArgumentException e) {
            throw Partners.invalid("kind", "must be one of " + List.of(Partners.Kind.values()));
        }
        JsonNode fee = n.get("feeBps");
        if (fee != null && !fee.isNull() && !fee.isIntegralNumber()) {
            throw Partners.invalid("feeBps", "must be a whole number of basis points 0..10000");
        }
        return new Partners.Partner(ApiServer.text(n, "partnerId"), ApiServer.text(n, "name"), k,
                ApiServer.text(n, "billingCurrency"), fee == null || fee.isNull() ? 0 : fee.asInt(-1),
                ApiServer.text(n, "contact"), null, null);
    }

    private static Map<String, Object> partnerBody(Partners.Partner p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("partnerId", p.partnerId());
        m.put("name", p.name());
        m.put("kind", p.kind().name());
        m.put("billingCurrency", p.billingCurrency());
        m.put("feeBps", p.feeBps());
        m.put("contact", p.contact());
        m.put("createdAt", p.createdAt());
        m.put("updatedAt", p.updatedAt());
        return m;
    }

    private static Map<String, Object> invoiceBody(PartnerInvoicing.Invoice inv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("invoiceId", inv.invoiceId());
        m.put("partnerId", inv.partnerId());
        m.put("billingCurrency", inv.billingCurrency());
        m.put("feeBps", inv.feeBps());
        m.put("periodStart", inv.periodStart().toString());
        m.put("periodEnd", inv.periodEnd().toString());
        List<Map<String, Object>> lines = new java.util.ArrayList<>();
        for (MerchantInvoicing.Line l : inv.lines()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("unitKind", l.unitKind());
            x.put("unit", l.unit());
            x.put("rewards", l.rewards());
            x.put("fee", l.commission());
            x.put("clawbacks", l.clawbacks());
            x.put("total", l.total());
            lines.add(x);
        }
        m.put("lines", lines);
        m.put("fileName", inv.fileName());
        m.put("createdAt", inv.createdAt());
        return m;
    }

    static Map<String, Object> campaignBody(WinBackCampaigns.Results r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("campaignId", r.campaign().campaignId());
        m.put("offerId", r.campaign().offerId());
        m.put("merchantId", r.merchantId());
        m.put("mccs", r.mccs());
        m.put("lapseDays", r.campaign().lapseDays());
        m.put("createdAt", r.campaign().createdAt());
        m.put("cardsEnrolled", r.cardsEnrolled());
        m.put("enrollments", r.enrollments());
        m.put("cardsCameBack", r.cardsCameBack());
        m.put("purchasesAfterEnrollment", r.purchasesAfter());
        m.put("spentAfterEnrollment", money(r.spentMinor(), r.currency()));
        m.put("rewards", rewards(r.rewards()));
        return m;
    }

    static Map<String, Object> performanceBody(OfferPerformance.Performance p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("offerId", p.offerId());
        m.put("windowStart", p.windowStart());
        m.put("windowEnd", p.windowEnd());
        m.put("rewards", rewards(p.rewards()));
        m.put("budget", p.budgetMinor() == null ? null : money(p.budgetMinor(), p.currency()));
        m.put("budgetUsed", money(p.budgetUsedMinor(), p.currency()));
        m.put("budgetLeft", p.budgetLeftMinor() == null ? null : money(p.budgetLeftMinor(), p.currency()));
        m.put("cardsRewarded", p.cardsRewarded());
        m.put("cardsActivated", p.cardsActivated());
        if (p.incremental() != null) {
            Map<String, Object> inc = new LinkedHashMap<>();
            inc.put("measure", "average spend per card per week at the offer's merchant (or category) in the offer's "
                    + "window: activated cards from their activation, against cards that bought there without activating");
            inc.put("activated", group(p.incremental().activated(), p.currency()));
            inc.put("notActivated", group(p.incremental().notActivated(), p.currency()));
            inc.put("liftBps", p.incremental().liftBps());
            m.put("incrementalSpend", inc);
        } else {
            m.put("incrementalSpend", null);
        }
        return m;
    }

    private static Map<String, Object> group(OfferPerformance.Group g, String currency) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cards", g.cards());
        m.put("purchases", g.purchases());
        m.put("spent", money(g.spentMinor(), currency));
        m.put("exposureCardDays", g.exposureSeconds() / 86_400);
        m.put("avgSpendPerCardPerWeek", money(g.avgPerCardWeekMinor(), currency));
        return m;
    }

    private static List<Map<String, Object>> rewards(List<RewardBook.OfferStatusTotal> totals) {
        return totals.stream().map(t -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("status", t.status().name());
            x.put("count", t.rewards());
            x.put("amount", amount(t.unit(), t.amount()));
            x.put("cards", t.cards());
            return x;
        }).toList();
    }

    private static Map<String, Object> amount(RewardUnit unit, long amount) {
        return org.accrue.processor.webhooks.RewardEvents.amount(unit, amount);
    }

    private static Map<String, Object> money(long minor, String currency) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("minor", minor);
        m.put("currency", currency);
        return m;
    }
}
