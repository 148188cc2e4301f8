/*
 * The cardholder page (issue 16 item 3): one card's cashback, points and miles, each purchase's why, and the offers
 * to activate, server-rendered at /cardholder/<signed link> for the issuer to link to or embed. No build tool, no
 * script: plain HTML forms that work from the keyboard, headings per section, a label on every control, tables with
 * column headers, the lang attribute of the issuer's language (accrue.issuer.<ID>.language: en, da, nb, tr; message
 * bundles in resources/cardholder/, read by CardholderTexts), and every value escaped. The balance sections are
 * BalanceSections and TierSection; the offers and purchases (with their why) are here.
 *
 * Access is the link alone (cardholder.PageLinks: signed, expiring, carrying only the card's public id); an invalid,
 * expired or unenrolled card's link gets the same 404 page. Posts carry the link's CSRF token. Answers are
 * no-store and no-referrer (the link is a bearer secret: it must not leak through a cache or a Referer header to an
 * offer's site), and the page loads nothing from anywhere (CSP default-src 'none'). Nothing here logs the link.
 */
package org.accrue.processor.http;

import java.time.InstantSource;
import java.util.List;
import java.util.Map;

import org.accrue.config.AccrueConfig;
import org.accrue.processor.Refusal;
import org.accrue.processor.cardholder.Cardholder;
import org.accrue.processor.cardholder.PageLinks;
import org.accrue.processor.cardholder.Why;
import org.accrue.processor.cards.Card;
import org.accrue.processor.cards.CardEntity;
import org.accrue.processor.cards.Enrollment;
import org.accrue.processor.matcher.RewardQueries;

import io.javalin.Javalin;
import io.javalin.http.Context;

final class CardholderPage {
    static final String PATH = "/cardholder";
    /** Rows of each list on the page (the API pages through more). */
    private static final int ROWS_SHOWN = 100;
    private final Enrollment enrollment;
    private final CardholderRoutes.Services s;
    private final InstantSource clock;

    private CardholderPage(Enrollment enrollment, CardholderRoutes.Services s, InstantSource clock) {
        this.enrollment = enrollment;
        this.s = s;
        this.clock = clock;
    }

    static void register(Javalin app, Enrollment enrollment, CardholderRoutes.Services s, InstantSource clock) {
        CardholderPage p = new CardholderPage(enrollment, s, clock);
        app.get(PATH + "/{link}", p::show);
        app.post(PATH + "/{link}/offers/{offerId}", p::offer);
    }

    /** The card a link opens, when the link is valid and the card still enrolled. */
    private record Opened(String link, Card card, long id, CardholderTexts t) {
    }

    private Opened open(Context ctx) {
        String link = ctx.pathParam("link");
        var l = s.links().verify(link, clock.instant()).orElse(null);
        Card card = l == null ? null : enrollment.find(null, l.cardId()).orElse(null);
        if (card == null || card.status() != CardEntity.Status.ENROLLED) {
            return null;
        }
        long id = enrollment.internalId(null, card.cardId()).orElseThrow();
        AccrueConfig.Issuer issuer = s.issuers().get(card.issuerId());
        return new Opened(link, card, id, new CardholderTexts(issuer));
    }

    private static void headers(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'");
        ctx.contentType("text/html; charset=utf-8");
    }

    private void invalid(Context ctx) {
        CardholderTexts t = new CardholderTexts(null);
        headers(ctx);
        ctx.attribute(ApiServer.PROBLEM_WRITTEN, Boolean.TRUE); // this page is the answer, not the API's problem
        ctx.status(404).result(document(t, t.m("invalid.title"), "<main><h1>" + esc(t.m("invalid.title")) + "</h1><p>"
                + esc(t.m("invalid.body")) + "</p></main>"));
    }

    private void offer(Context ctx) {
        Opened o = open(ctx);
        if (o == null) {
            invalid(ctx);
            return;
        }
        String done;
        if (!s.links().csrfMatches(o.link(), ctx.formParam("csrf"))) {
            done = "refused";
        } else {
            var offer = s.cardholder().catalog().offer(ctx.pathParam("offerId")).orElse(null);
            String action = ctx.formParam("action");
            boolean live = offer != null && s.cardholder().offers(o.id(), 0, Cardholder.PAGE_LIMIT_MAX).stream()
                    .anyMatch(v -> v.offerId().equals(offer.id()) && v.activationRequired());
            try {
                if (!live) {
                    done = "refused";
                } else if ("activate".equals(action)) {
                    s.cardholder().activations().activate(o.id(), offer);
                    done = "activated";
                } else if ("deactivate".equals(action)) {
                    s.cardholder().activations().deactivate(o.id(), offer);
                    done = "deactivated";
                } else {
                    done = "refused";
                }
            } catch (Refusal e) {
                done = "refused";
            }
        }
        headers(ctx);
        ctx.redirect(PATH + "/" + o.link() + "?done=" + done + "#offers", io.javalin.http.HttpStatus.SEE_OTHER);
    }

    private void show(Context ctx) {
        Opened o = open(ctx);
        if (o == null) {
            invalid(ctx);
            return;
        }
        CardholderTexts t = o.t();
        Cardholder ch = s.cardholder();
        List<RewardQueries.RewardBody> rewards = ch.rewards(o.id(), 0, ROWS_SHOWN);
        StringBuilder b = new StringBuilder("<main>");
        AccrueConfig.Issuer issuer = s.issuers().get(o.card().issuerId());
        b.append("<header><h1>").append(esc(t.m("title"))).append("</h1><p id=card>")
                .append(esc(t.m("card", o.card().last4()))).append(" · ")
                .append(esc(t.m("issuedBy", issuer == null ? o.card().issuerId() : issuer.name()))).append(" · ")
                .append(esc(t.m("asOf", t.date(clock.instant())))).append("</p></header>");
        String done = ctx.queryParam("done");
        if (done != null && List.of("activated", "deactivated", "refused").contains(done)) {
            b.append("<p id=flash role=status class=").append(done).append('>').append(esc(t.m("flash." + done))).append("</p>");
        }
        BalanceSections.summary(b, t, rewards, ch.points(o.id()));
        TierSection.append(b, t, s.tiers() == null ? java.util.Optional.empty() : s.tiers().ofCard(o.id(), o.card().issuerId()));
        offers(b, t, o, ch.offers(o.id(), 0, ROWS_SHOWN));
        BalanceSections.rewardsTable(b, t, rewards);
        purchases(b, t, ch.purchases(o.id(), 0, ROWS_SHOWN));
        BalanceSections.points(b, t, ch.points(o.id()));
        BalanceSections.miles(b, t, ch.miles(o.id(), 0, ROWS_SHOWN));
        b.append("</main>");
        headers(ctx);
        ctx.result(document(t, t.m("title"), b.toString()));
    }

    private void offers(StringBuilder b, CardholderTexts t, Opened o, List<Cardholder.OfferView> offers) {
        b.append("<section aria-labelledby=h-offers id=offers><h2 id=h-offers>").append(esc(t.m("offers"))).append("</h2>");
        if (offers.isEmpty()) {
            b.append("<p>").append(esc(t.m("noOffers"))).append("</p>");
        }
        String csrf = s.links().csrf(o.link());
        for (Cardholder.OfferView v : offers) {
            String name = v.merchantName() != null ? v.merchantName()
                    : v.merchantId() != null ? v.merchantId() : t.m("anyMerchant", String.join(", ", v.mccs()));
            String hid = "offer-" + esc(v.offerId());
            b.append("<article class=offer data-offer='").append(esc(v.offerId())).append("' aria-labelledby='").append(hid)
                    .append("'><h3 id='").append(hid).append("'>").append(esc(name)).append("</h3><ul>");
            b.append("<li class=earns>").append(esc(earns(t, v))).append("</li>");
            b.append("<li>").append(esc(t.m("channel." + v.targeting().channel()))).append("</li>");
            if (v.targeting().minSpend() != null) {
                b.append("<li>").append(esc(t.m("minSpend", t.money(v.targeting().minSpend().minor(),
                        v.targeting().minSpend().currency())))).append("</li>");
            }
            b.append("<li>").append(esc(v.endsAt() == null ? t.m("noEnd") : t.m("until", t.date(v.endsAt())))).append("</li>");
            Cardholder.Progress p = v.progress();
            if (p != null) {
                if (p.limitReached()) {
                    b.append("<li class=progress>").append(esc(t.m("progress.reached"))).append("</li>");
                } else if (p.maxRewardInPeriod() != null) {
                    b.append("<li class=progress>").append(esc(t.m("progress.cap", t.amount(p.rewardInPeriod(), v),
                            t.amount(p.maxRewardInPeriod(), v)))).append("</li>");
                } else if (p.maxRedemptionsInPeriod() != null) {
                    b.append("<li class=progress>").append(esc(t.m("progress.count", t.number(p.redemptionsInPeriod()),
                            t.number(p.maxRedemptionsInPeriod())))).append("</li>");
                }
                if (p.punchesToNextReward() != null) {
                    b.append("<li class=progress>").append(esc(t.m("progress.punch", t.number(p.punchesToNextReward()))))
                            .append("</li>");
                }
                if (p.bonus() != null && p.bonus().spendInPeriod() != null) {
                    b.append("<li class=progress>").append(esc(t.m("progress.spend",
                            t.money(p.bonus().spendInPeriod().minor(), p.bonus().spendInPeriod().currency()),
                            t.money(p.bonus().threshold().minor(), p.bonus().threshold().currency())))).append("</li>");
                }
            }
            Cardholder.ActivationState a = v.activation();
            String state = a == null ? t.m("activation.NONE")
                    : a.state().equals("NOT_ACTIVATED") ? t.m("activation.NOT_ACTIVATED")
                    : t.m("activation." + a.state(), t.date(a.validUntil()));
            b.append("<li class=activation data-state='").append(a == null ? "NONE" : esc(a.state())).append("'>")
                    .append(esc(state)).append("</li></ul>");
            if (a != null) {
                boolean active = a.active();
                String action = active ? "deactivate" : "activate";
                b.append("<form method=post action='").append(PATH).append('/').append(esc(o.link())).append("/offers/")
                        .append(esc(v.offerId())).append("'><input type=hidden name=csrf value='").append(esc(csrf))
                        .append("'><input type=hidden name=action value=").append(action)
                        .append("><button type=submit aria-label='").append(esc(t.m(action + "Label", name))).append("'>")
                        .append(esc(t.m(action))).append("</button></form>");
            }
            b.append("</article>");
        }
        b.append("</section>");
    }

    private static String earns(CardholderTexts t, Cardholder.OfferView v) {
        Cardholder.Earns e = v.earns();
        return switch (e.kind()) {
            case "PERCENT" -> t.m("earn.PERCENT", t.decimal(e.basisPoints(), 2));
            case "FIXED" -> t.m("earn.FIXED", t.money(e.amount().minor(), e.amount().currency()));
            case "MILES_PER_UNIT" -> t.m("earn.MILES_PER_UNIT", t.number(e.perUnit()), v.currency());
            case "POINTS_PER_UNIT" -> t.m("earn.POINTS_PER_UNIT", t.number(e.perUnit()), v.currency());
            case "WELCOME" -> t.m("earn.WELCOME", t.money(e.amount().minor(), e.amount().currency()));
            case "SPEND_THRESHOLD" -> t.m("earn.SPEND_THRESHOLD", t.money(e.amount().minor(), e.amount().currency()),
                    t.money(e.threshold().minor(), e.threshold().currency()));
            default -> t.m("earn.PUNCH_CARD", t.money(e.amount().minor(), e.amount().currency()), t.number(e.every()));
        };
    }

    private void purchases(StringBuilder b, CardholderTexts t, List<Cardholder.Purchase> purchases) {
        b.append("<section aria-labelledby=h-purchases><h2 id=h-purchases>").append(esc(t.m("purchases"))).append("</h2>");
        if (purchases.isEmpty()) {
            b.append("<p>").append(esc(t.m("nothingYet"))).append("</p></section>");
            return;
        }
        b.append("<table id=purchases><thead><tr><th scope=col>").append(esc(t.m("date"))).append("</th><th scope=col>")
                .append(esc(t.m("merchant"))).append("</th><th scope=col>").append(esc(t.m("amount")))
                .append("</th><th scope=col>").append(esc(t.m("outcome"))).append("</th></tr></thead><tbody>");
        for (Cardholder.Purchase p : purchases) {
            String merchant = p.merchantName() != null ? p.merchantName() : p.merchantId() != null ? p.merchantId()
                    : t.m("unknownMerchant");
            b.append("<tr><td>").append(esc(t.date(p.at()))).append("</td><td>").append(esc(merchant)).append("</td><td>")
                    .append(esc(t.money(p.amount().minor(), p.amount().currency()))).append("</td><td><ul class=why>");
            if (p.why().isEmpty()) {
                b.append("<li>").append(esc(t.m("why.none"))).append("</li>");
            }
            for (Why.Line l : p.why()) {
                String text = switch (l.kind()) {
                    case EARNED -> l.amount() != null && l.amount() == 0 ? t.m("why.PUNCH", l.offerId())
                            : t.m("why.EARNED", t.unitAmount(l.amount(), l.unit(), unitWord(t, l.offerId())), l.offerId());
                    case DECLINED -> t.m("why.DECLINED", l.offerId(), t.m("reason." + l.reason().name()));
                    case PUNCH -> t.m("why.PUNCH", l.offerId());
                    case THRESHOLD_SPEND -> t.m("why.THRESHOLD_SPEND", l.offerId());
                    default -> t.m("why." + l.kind().name());
                };
                b.append("<li data-why='").append(l.kind().name()).append(l.reason() == null ? "" : ":" + l.reason().name())
                        .append("'>").append(esc(text)).append("</li>");
            }
            b.append("</ul></td></tr>");
        }
        b.append("</tbody></table></section>");
    }

    /** "miles" or "points" for an offer that pays them (the outcome names only the program). */
    private String unitWord(CardholderTexts t, String offerId) {
        var offer = s.cardholder().catalog().offer(offerId).orElse(null);
        if (offer == null) {
            return null;
        }
        return switch (offer.reward()) {
            case org.accrue.rewards.offers.RewardRule.MilesPerUnit m -> t.m("miles");
            case org.accrue.rewards.offers.RewardRule.PointsPerUnit p -> t.m("points");
            default -> null;
        };
    }

    private static String document(CardholderTexts t, String title, String body) {
        return "<!doctype html><html lang=" + t.language().tag() + "><head><meta charset=utf-8>"
                + "<meta name=viewport content='width=device-width, initial-scale=1'><meta name=referrer content=no-referrer>"
                + "<title>" + esc(title) + "</title><style>"
                + "body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}"
                + "main{max-width:60rem;margin:0 auto;padding:1rem 1.25rem}h1{margin:.5rem 0}h2{margin-top:2rem;"
                + "border-bottom:2px solid #d0d5dd}table{border-collapse:collapse;width:100%;background:#fff}"
                + "th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #e3e6ea;vertical-align:top}"
                + "ul.why{margin:0;padding-left:1rem}dl{display:grid;grid-template-columns:max-content auto;gap:.25rem 1rem}"
                + "dt{font-weight:600}dd{margin:0}article.offer{background:#fff;border:1px solid #d0d5dd;border-radius:6px;"
                + "padding:.5rem 1rem;margin:.75rem 0}article.offer h3{margin:.25rem 0}"
                + "button{font:inherit;padding:.35rem 1rem;border-radius:4px;border:1px solid #1d4ed8;background:#1d4ed8;"
                + "color:#fff;cursor:pointer}button:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}"
                + "#flash{padding:.5rem 1rem;border-radius:4px;background:#dcfce7}#flash.refused{background:#fee2e2}"
                + "</style></head><body>" + body + "</body></html>";
    }

    /** Escapes text and attribute values (quoted with ' or " or unquoted words of ours). */
    static String esc(Object o) {
        if (o == null) {
            return "";
        }
        String s = String.valueOf(o);
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
