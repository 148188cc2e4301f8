/*
 * The cardholder page (issue 16 item 3): one card's cashback, points and miles, each purchase's why, and the offers
 * to activate, server-rendered at /cardholder/<signed link> for the issuer to link to or embed. No build tool, no
 * script: plain HTML forms that work from the keyboard, headings per section, a label on every control, tables with
 * column headers, the lang attribute of the issuer's language (accrue.issuer.<ID>.language: en, da, nb, tr; message
 * bundles in resources/cardholder/), and every value escaped.
 *
 * Access is the link alone (cardholder.PageLinks: signed, expiring, carrying only the card's public id); an invalid,
 * expired or unenrolled card's link gets the same 404 page. Posts carry the link's CSRF token. Answers are
 * no-store and no-referrer (the link is a bearer secret: it must not leak through a cache or a Referer header to an
 * offer's site), and the page loads nothing from anywhere (CSP default-src 'none'). Nothing here logs the link.
 */
package org.accrue.processor.http;

import java.text.DecimalFormatSymbols;
import java.text.MessageFormat;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ResourceBundle;
import java.util.TreeMap;

import org.accrue.config.AccrueConfig;
import org.accrue.processor.Refusal;
import org.accrue.processor.cardholder.Cardholder;
import org.accrue.processor.cardholder.PageLinks;
import org.accrue.processor.cardholder.Why;
import org.accrue.processor.cards.Card;
import org.accrue.processor.cards.CardEntity;
import org.accrue.processor.cards.Enrollment;
import org.accrue.processor.matcher.RewardQueries;
import org.accrue.rewards.money.Money;

import io.javalin.Javalin;
import io.javalin.http.Context;

final class CardholderPage {
    static final String PATH = "/cardholder";
    /** Rows of each list on the page (the API pages through more). */
    private static final int ROWS_SHOWN = 100;
    private static final Map<AccrueConfig.Language, ResourceBundle> BUNDLES = new EnumMap<>(AccrueConfig.Language.class);

    static {
        for (AccrueConfig.Language l : AccrueConfig.Language.values()) {
            BUNDLES.put(l, ResourceBundle.getBundle("cardholder.messages", Locale.forLanguageTag(l.tag()),
                    ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES)));
        }
    }

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
    private record Opened(String link, Card card, long id, Texts t) {
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
        return new Opened(link, card, id, new Texts(issuer == null ? AccrueConfig.Language.EN : issuer.language()));
    }

    private static void headers(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'");
        ctx.contentType("text/html; charset=utf-8");
    }

    private void invalid(Context ctx) {
        Texts t = new Texts(AccrueConfig.Language.EN);
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
        Texts t = o.t();
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
        summary(b, t, rewards, ch.points(o.id()));
        TierSection.append(b, t, s.tiers() == null ? java.util.Optional.empty() : s.tiers().ofCard(o.id(), o.card().issuerId()));
        offers(b, t, o, ch.offers(o.id(), 0, ROWS_SHOWN));
        rewardsTable(b, t, rewards);
        purchases(b, t, ch.purchases(o.id(), 0, ROWS_SHOWN));
        points(b, t, ch.points(o.id()));
        miles(b, t, ch.miles(o.id(), 0, ROWS_SHOWN));
        b.append("</main>");
        headers(ctx);
        ctx.result(document(t, t.m("title"), b.toString()));
    }

    private static boolean counts(String status) {
        return !status.equals("REVERSED") && !status.equals("REJECTED") && !status.equals("EXPIRED");
    }

    private static void summary(StringBuilder b, Texts t, List<RewardQueries.RewardBody> rewards, Cardholder.PointsView pv) {
        Map<String, Long> cash = new TreeMap<>();
        Map<String, Long> miles = new TreeMap<>();
        for (RewardQueries.RewardBody r : rewards) {
            if (!counts(r.status())) {
                continue;
            }
            if (r.amount() != null) {
                cash.merge(r.amount().currency(), r.amount().minor(), Math::addExact);
            } else if (r.miles() != null) {
                miles.merge(r.program(), r.miles(), Math::addExact);
            }
        }
        b.append("<section aria-labelledby=h-summary><h2 id=h-summary>").append(esc(t.m("summary"))).append("</h2><dl id=summary>");
        b.append("<dt>").append(esc(t.m("cashback"))).append("</dt>");
        if (cash.isEmpty()) {
            b.append("<dd>").append(esc(t.m("nothingYet"))).append("</dd>");
        }
        cash.forEach((cur, minor) -> b.append("<dd data-kind=cash>").append(esc(t.money(minor, cur))).append("</dd>"));
        b.append("<dt>").append(esc(t.m("points"))).append("</dt>");
        if (pv.balances().isEmpty()) {
            b.append("<dd>").append(esc(t.m("nothingYet"))).append("</dd>");
        }
        pv.balances().forEach(p -> b.append("<dd data-kind=points>").append(esc(t.number(p.available()) + " " + p.program()))
                .append("</dd>"));
        b.append("<dt>").append(esc(t.m("miles"))).append("</dt>");
        if (miles.isEmpty()) {
            b.append("<dd>").append(esc(t.m("nothingYet"))).append("</dd>");
        }
        miles.forEach((program, n) -> b.append("<dd data-kind=miles>").append(esc(t.number(n) + " " + program)).append("</dd>"));
        b.append("</dl></section>");
    }

    private void offers(StringBuilder b, Texts t, Opened o, List<Cardholder.OfferView> offers) {
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

    private static String earns(Texts t, Cardholder.OfferView v) {
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

    private static void rewardsTable(StringBuilder b, Texts t, List<RewardQueries.RewardBody> rewards) {
        b.append("<section aria-labelledby=h-rewards><h2 id=h-rewards>").append(esc(t.m("rewards"))).append("</h2>");
        if (rewards.isEmpty()) {
            b.append("<p>").append(esc(t.m("nothingYet"))).append("</p></section>");
            return;
        }
        b.append("<table id=rewards><thead><tr><th scope=col>").append(esc(t.m("date"))).append("</th><th scope=col>")
                .append(esc(t.m("offer"))).append("</th><th scope=col>").append(esc(t.m("amount")))
                .append("</th><th scope=col>").append(esc(t.m("status"))).append("</th></tr></thead><tbody>");
        for (RewardQueries.RewardBody r : rewards) {
            String amount = r.amount() != null ? t.money(r.amount().minor(), r.amount().currency())
                    : r.miles() != null ? t.number(r.miles()) + " " + t.m("miles") + " " + r.program()
                    : t.number(r.points() == null ? 0 : r.points()) + " " + t.m("points") + " " + r.program();
            b.append("<tr data-status='").append(esc(r.status())).append("'><td>").append(esc(t.date(r.purchasedAt())))
                    .append("</td><td>").append(esc(r.offerId())).append("</td><td>").append(esc(amount)).append("</td><td>")
                    .append(esc(t.m("reward." + r.status()))).append("</td></tr>");
        }
        b.append("</tbody></table></section>");
    }

    private void purchases(StringBuilder b, Texts t, List<Cardholder.Purchase> purchases) {
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
    private String unitWord(Texts t, String offerId) {
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

    private static void points(StringBuilder b, Texts t, Cardholder.PointsView pv) {
        b.append("<section aria-labelledby=h-points><h2 id=h-points>").append(esc(t.m("pointsBalance"))).append("</h2>");
        if (pv.balances().isEmpty()) {
            b.append("<p>").append(esc(t.m("nothingYet"))).append("</p></section>");
            return;
        }
        b.append("<table id=points><thead><tr><th scope=col>").append(esc(t.m("program"))).append("</th><th scope=col>")
                .append(esc(t.m("available"))).append("</th><th scope=col>").append(esc(t.m("pending")))
                .append("</th></tr></thead><tbody>");
        pv.balances().forEach(p -> b.append("<tr><th scope=row>").append(esc(p.program())).append("</th><td>")
                .append(esc(t.number(p.available()))).append("</td><td>").append(esc(t.number(p.pending()))).append("</td></tr>"));
        b.append("</tbody></table>");
        if (!pv.expiring().isEmpty()) {
            b.append("<h3 id=h-expiring>").append(esc(t.m("expiring"))).append("</h3><table id=expiring><thead><tr>")
                    .append("<th scope=col>").append(esc(t.m("expiresOn"))).append("</th><th scope=col>")
                    .append(esc(t.m("program"))).append("</th><th scope=col>").append(esc(t.m("points")))
                    .append("</th></tr></thead><tbody>");
            pv.expiring().forEach(e -> b.append("<tr><td>").append(esc(t.date(e.expiresOn()))).append("</td><td>")
                    .append(esc(e.program())).append("</td><td>").append(esc(t.number(e.points()))).append("</td></tr>"));
            b.append("</tbody></table>");
        }
        b.append("</section>");
    }

    private static void miles(StringBuilder b, Texts t, List<org.accrue.processor.miles.MilesAccrual.CardAccrual> miles) {
        b.append("<section aria-labelledby=h-miles><h2 id=h-miles>").append(esc(t.m("milesSent"))).append("</h2>");
        if (miles.isEmpty()) {
            b.append("<p>").append(esc(t.m("nothingYet"))).append("</p></section>");
            return;
        }
        b.append("<table id=miles><thead><tr><th scope=col>").append(esc(t.m("date"))).append("</th><th scope=col>")
                .append(esc(t.m("program.miles"))).append("</th><th scope=col>").append(esc(t.m("miles")))
                .append("</th><th scope=col>").append(esc(t.m("status"))).append("</th></tr></thead><tbody>");
        for (var a : miles) {
            String status = a.status().equals("REFUSED") ? t.m("miles.REFUSED", a.refusal() == null ? "" : a.refusal())
                    : t.m("miles." + (List.of("POSTED", "OWED", "UNRESOLVED").contains(a.status()) ? a.status() : "OWED"));
            if (a.reversalNo() > 0) {
                status = t.m("miles.reversal") + " · " + status;
            }
            b.append("<tr data-status='").append(esc(a.status())).append("'><td>").append(esc(t.date(a.activityDate())))
                    .append("</td><td>").append(esc(a.program())).append("</td><td>").append(esc(t.number(a.miles())))
                    .append("</td><td>").append(esc(status)).append("</td></tr>");
        }
        b.append("</tbody></table></section>");
    }

    private static String document(Texts t, String title, String body) {
        return "<!doctype html><html lang=" + t.language.tag() + "><head><meta charset=utf-8>"
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

    /** The page's words, numbers, money and dates in one language. */
    static final class Texts {
        final AccrueConfig.Language language;
        final Locale locale;
        final ResourceBundle bundle;

        Texts(AccrueConfig.Language language) {
            this.language = language;
            this.locale = Locale.forLanguageTag(language.tag());
            this.bundle = BUNDLES.get(language);
        }

        String m(String key, Object... args) {
            String pattern = bundle.getString(key);
            return args.length == 0 ? pattern : new MessageFormat(pattern, locale).format(args);
        }

        String date(Instant at) {
            return at == null ? "" : date(LocalDate.ofInstant(at, ZoneOffset.UTC));
        }

        String date(LocalDate d) {
            return DateTimeFormatter.ofLocalizedDate(FormatStyle.MEDIUM).withLocale(locale).format(d);
        }

        String number(long n) {
            return java.text.NumberFormat.getIntegerInstance(locale).format(n);
        }

        /** {@code units} with {@code exponent} decimals, exactly (no floating point), in the locale's separators. */
        String decimal(long units, int exponent) {
            if (exponent == 0) {
                return number(units);
            }
            long scale = (long) Math.pow(10, exponent);
            long whole = Math.abs(units) / scale;
            long frac = Math.abs(units) % scale;
            String f = String.format("%0" + exponent + "d", frac);
            return (units < 0 ? "-" : "") + number(whole) + DecimalFormatSymbols.getInstance(locale).getDecimalSeparator() + f;
        }

        String money(long minor, String currency) {
            int e;
            try {
                e = Money.exponent(currency);
            } catch (IllegalArgumentException x) {
                e = 0;
            }
            return decimal(minor, e) + " " + currency;
        }

        /** An amount of a reward unit: cash in its currency, miles and points as whole numbers with their program. */
        String unitAmount(Long amount, String unit, String word) {
            long a = amount == null ? 0 : amount;
            try {
                return decimal(a, Money.exponent(unit)) + " " + unit;
            } catch (IllegalArgumentException e) {
                return number(a) + (word == null ? "" : " " + word.toLowerCase(locale)) + " " + unit;
            }
        }

        /** A cap's figure of an offer: money for cash rewards, a count for miles and points. */
        String amount(long v, Cardholder.OfferView o) {
            return switch (o.earns().kind()) {
                case "MILES_PER_UNIT", "POINTS_PER_UNIT" -> number(v);
                default -> money(v, o.currency());
            };
        }
    }
}
