/*
 * The cardholder API (issue 16 item 2): what one card can earn and has earned, for its issuer (its own cards only;
 * another issuer's card is 404) and for ops: live offers with targeting, activation and progress; activation and
 * deactivation; purchases with their why; points with expiry dates; miles sent and refused; and a signed link to the
 * cardholder page (CardholderPage). Reads go through cardholder.Cardholder: no SQL here.
 */
package org.accrue.processor.http;

import static org.accrue.processor.http.ApiServer.BASE;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

import org.accrue.config.AccrueConfig;
import org.accrue.config.AccrueConfig.Role;
import org.accrue.processor.cardholder.Cardholder;
import org.accrue.processor.cardholder.PageLinks;
import org.accrue.processor.cards.Enrollment;

import io.javalin.Javalin;
import io.javalin.http.Context;

public final class CardholderRoutes {
    /** What the cardholder routes and page need: the reads, the link signer, and the issuers (each page is in its issuer's language). */
    public record Services(Cardholder cardholder, PageLinks links, Map<String, AccrueConfig.Issuer> issuers,
                           org.accrue.processor.tiers.TierPrograms tiers) {
    }

    private static final int PAGE_LIMIT_DEFAULT = 50;

    private CardholderRoutes() {
    }

    static void register(ApiServer api, Javalin app, Enrollment enrollment, Services s, java.time.InstantSource clock) {
        if (s == null) {
            return;
        }
        Cardholder ch = s.cardholder();
        app.get(BASE + "/cards/{cardId}/offers", ctx -> {
            long id = card(ctx, enrollment, Role.ISSUER, Role.OPS, Role.ADMIN);
            ApiServer.onlyParams(ctx, "offset", "limit");
            int offset = offset(ctx);
            int limit = limit(ctx);
            ctx.json(page(ctx, "offers", ch.offers(id, offset, limit), offset, limit));
        });
        app.delete(BASE + "/cards/{cardId}/offers/{offerId}/activation", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER);
            long id = enrollment.internalId(p.issuerId(), ctx.pathParam("cardId")).orElseThrow(() -> Problem.notFound("card"));
            var offer = ch.catalog().offer(ctx.pathParam("offerId")).orElseThrow(() -> Problem.notFound("offer"));
            ch.activations().deactivate(id, offer);
            ctx.status(204);
        });
        app.get(BASE + "/cards/{cardId}/purchases", ctx -> {
            long id = card(ctx, enrollment, Role.ISSUER, Role.OPS, Role.ADMIN);
            ApiServer.onlyParams(ctx, "offset", "limit");
            int offset = offset(ctx);
            int limit = limit(ctx);
            ctx.json(page(ctx, "purchases", ch.purchases(id, offset, limit), offset, limit));
        });
        app.get(BASE + "/cards/{cardId}/points/expiring", ctx -> {
            long id = card(ctx, enrollment, Role.ISSUER, Role.OPS, Role.ADMIN);
            ApiServer.onlyParams(ctx);
            var v = ch.points(id);
            ctx.json(Map.of("cardId", ctx.pathParam("cardId"), "balances", v.balances(), "expiring", v.expiring()));
        });
        app.get(BASE + "/cards/{cardId}/miles", ctx -> {
            long id = card(ctx, enrollment, Role.ISSUER, Role.OPS, Role.ADMIN);
            ApiServer.onlyParams(ctx, "offset", "limit");
            int offset = offset(ctx);
            int limit = limit(ctx);
            ctx.json(page(ctx, "accruals", ch.miles(id, offset, limit), offset, limit));
        });
        app.post(BASE + "/cards/{cardId}/page-link", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER);
            var card = enrollment.find(p.issuerId(), ctx.pathParam("cardId")).orElseThrow(() -> Problem.notFound("card"));
            if (card.status() != org.accrue.processor.cards.CardEntity.Status.ENROLLED) {
                throw new Problem(409, "CARD_NOT_ENROLLED", "the card is unenrolled; its page is closed");
            }
            ApiServer.onlyParams(ctx, "validDays");
            int days = ApiServer.intParam(ctx, "validDays", 1, (int) PageLinks.TTL_MAX.toDays(),
                    (int) PageLinks.TTL_DEFAULT.toDays());
            Instant expires = clock.instant().plus(Duration.ofDays(days)).truncatedTo(ChronoUnit.SECONDS);
            String path = CardholderPage.PATH + "/" + s.links().sign(card.cardId(), expires);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("cardId", card.cardId());
            body.put("url", ctx.scheme() + "://" + ctx.host() + path);
            body.put("path", path);
            body.put("expiresAt", expires);
            ctx.status(201).header("Cache-Control", "no-store").json(body);
        });
        CardholderPage.register(app, enrollment, s, clock);
    }

    private static long card(Context ctx, Enrollment enrollment, Role... roles) {
        Principal p = ApiServer.require(ctx, roles);
        return enrollment.internalId(p.issuerScope(), ctx.pathParam("cardId")).orElseThrow(() -> Problem.notFound("card"));
    }

    private static int offset(Context ctx) {
        return ApiServer.intParam(ctx, "offset", 0, Integer.MAX_VALUE, 0);
    }

    private static int limit(Context ctx) {
        return ApiServer.intParam(ctx, "limit", 1, Cardholder.PAGE_LIMIT_MAX, PAGE_LIMIT_DEFAULT);
    }

    private static Map<String, Object> page(Context ctx, String name, Object rows, int offset, int limit) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("cardId", ctx.pathParam("cardId"));
        body.put(name, rows);
        body.put("offset", offset);
        body.put("limit", limit);
        return body;
    }
}
