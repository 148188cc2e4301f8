/*
 * The ops console: server-rendered pages at /console for ops and admins, on
 * the same services, keys and roles as the API. Signing in takes an API key
 * (ops or admin); the browser then holds only a random session id in an
 * HttpOnly, SameSite=Strict cookie (never the key), every form carries the
 * session's CSRF token, and sessions expire. Pages: the exceptions queue with
 * ageing and resolution (and the ledger of the exception's reward), a card's
 * rewards and statement (masked), offers and merchants, job runs, and health
 * (listener, scheduler, partners). Everything shown is escaped.
 *
 * Made to be used all day: money is shown in major units with the currency's
 * own exponent and its alphabetic code ("0.58 USD", "1200 JPY"; numeric DE49
 * codes are turned into alpha), miles and points as whole counts with their
 * program; the open queue is charted by type and by age as inline SVG drawn
 * here (the CSP allows no script and nothing from elsewhere); the queue filters
 * by status, type, issuer, age bucket and card (last four or account reference),
 * pages by offset, and assigns many rows at once (one CSRF-checked POST); ledger
 * accounts are named (the merchant, "**** 1234 (ACC-REF)", "issuer BANK_A")
 * rather than shown as row ids; every control is reachable from the keyboard
 * with a visible focus ring, and the main pages have access keys (listed on
 * each page). The stylesheet is inline: the CSP's style-src allows inline
 * styles only, so a stylesheet at a URL would be refused.
 *
 * Reads go through the features (the queue, jobs, statements, catalog,
 * enrollment, the reward book); there is no SQL here (HttpLayerWallTest).
 * Time comes from the node's InstantSource (sessions, the statement month,
 * the queue's ages).
 */
package org.accrue.processor.http;

import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;

import org.accrue.processor.catalog.Catalog;
import org.accrue.processor.cards.Enrollment;
import org.accrue.processor.exceptions.Exceptions;
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.rewards.matching.RewardUnit;
import org.accrue.rewards.money.Money;
import org.eclipse.jetty.util.StringUtil;

import io.javalin.Javalin;
import io.javalin.http.Context;

/**
 * The console's routes and the formatting every page shares. Its pages live by responsibility in ConsoleChrome
 * (sessions, sign-in, layout), ConsoleQueue, ConsoleExceptions, ConsoleCards, ConsoleCatalog, ConsoleOperations
 * (jobs, webhooks, health), ConsolePrograms.
 */
final class Console {
    static final String PATH = "/console";

    record Session(Principal principal, String csrf, Instant expires) {
    }

    private final ConsoleChrome chrome;

    private Console(ConsoleChrome chrome) {
        this.chrome = chrome;
    }

    static void register(Javalin app, ApiKeys keys, OperationsRoutes.Services s, Catalog catalog, Enrollment enrollment,
                         RewardBook rewards, ApiServer.Health health, InstantSource clock,
                         org.accrue.processor.cardholder.Cardholder cardholder) {
        if (s == null || rewards == null) {
            return;
        }
        ConsoleChrome chrome = new ConsoleChrome(keys, clock);
        Console c = new Console(chrome);
        ConsoleQueue q = new ConsoleQueue(chrome, s);
        ConsoleExceptions x = new ConsoleExceptions(chrome, s, catalog, enrollment, rewards);
        ConsoleCards cards = new ConsoleCards(chrome, s, enrollment, rewards, clock, cardholder);
        ConsoleCatalog cat = new ConsoleCatalog(chrome, s, catalog);
        ConsoleOperations ops = new ConsoleOperations(chrome, s, health);
        app.get(PATH + "/login", ctx -> ConsoleChrome.page(ctx, "Sign in", null, chrome.loginForm(ctx.queryParam("error"))));
        app.post(PATH + "/login", chrome::login);
        app.post(PATH + "/logout", chrome::logout);
        app.get(PATH, q::queue);
        app.get(PATH + "/", q::queue);
        app.get(PATH + "/exceptions/{id}", x::exception);
        app.post(PATH + "/exceptions/assign", q::bulkAssign);
        app.post(PATH + "/exceptions/{id}/resolve", x::resolve);
        app.post(PATH + "/exceptions/{id}/assign", x::assign);
        app.post(PATH + "/exceptions/{id}/approve", x::approve);
        app.get(PATH + "/cards/{cardId}", cards::card);
        app.get(PATH + "/catalog", cat::catalogPage);
        app.get(PATH + "/jobs", ops::jobs);
        app.post(PATH + "/jobs/{name}/run", ops::runJob);
        app.get(PATH + "/health", ops::healthPage);
        app.get(PATH + "/webhooks", ops::webhooks);
        app.get(PATH + "/points", cat::pointsPage);
        app.post(PATH + "/webhooks/{id}/deliveries/{eventId}/replay", ops::replayWebhook);
        app.post(PATH + "/webhooks/{id}/enable", ops::enableWebhook);
        ConsolePrograms.register(app, c, s.programs());
    }

    static String esc(Object o) {
        return o == null ? "" : StringUtil.sanitizeXmlString(String.valueOf(o));
    }

    /** The signed-in session, or a redirect to sign in (and null): ConsoleChrome's. */
    Session session(Context ctx) {
        return chrome.session(ctx);
    }

    /** A page in the console's layout: ConsoleChrome's. */
    void page(Context ctx, String title, Session ses, String body) {
        ConsoleChrome.page(ctx, title, ses, body);
    }

    /**
     * An amount as people read it: money (an ISO 4217 alpha code, or a numeric one as DE49 carries it) in major units
     * with the currency's exponent ("0.58 USD", "1200 JPY"); anything else (miles, points) a whole count and its code.
     */
    static String money(long amount, String code) {
        return Money.show(amount, Exceptions.alphaCurrency(code));
    }

    /** A reward unit's amount: money for CASH, "1200 SKY miles" or "300 BANKPTS points" otherwise. */
    static String money(long amount, RewardUnit unit) {
        return switch (unit.kind()) {
            case CASH -> money(amount, unit.code());
            case MILES -> amount + " " + unit.code() + " miles";
            case POINTS -> amount + " " + unit.code() + " points";
        };
    }

    /** What an offer pays, in words: "10% cashback", "2.00 USD cashback", "2 SKY miles per USD". */
    static String rule(org.accrue.rewards.offers.RewardRule r, String currency) {
        return switch (r) {
            case org.accrue.rewards.offers.RewardRule.Percent p -> percent(p.basisPoints()) + " cashback";
            case org.accrue.rewards.offers.RewardRule.Fixed f -> money(f.amountMinor(), currency) + " cashback";
            case org.accrue.rewards.offers.RewardRule.MilesPerUnit m -> m.milesPerUnit() + " " + m.program() + " miles per "
                    + currency;
            case org.accrue.rewards.offers.RewardRule.PointsPerUnit p -> p.pointsPerUnit() + " " + p.program()
                    + " points per " + currency;
            case org.accrue.rewards.offers.RewardRule.PunchCard p -> money(p.amountMinor(), currency) + " every "
                    + p.every() + " purchases" + (p.maxCompletions() > 0 ? " (" + p.maxCompletions() + "x per card)" : "");
            case org.accrue.rewards.offers.RewardRule.Welcome w -> money(w.amountMinor(), currency) + " welcome bonus"
                    + (w.withinDays() > 0 ? " within " + w.withinDays() + " days of enrollment" : "");
            case org.accrue.rewards.offers.RewardRule.SpendThreshold t -> money(t.amountMinor(), currency) + " on spending "
                    + money(t.thresholdMinor(), currency) + " per " + t.period().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** Basis points as a percentage without trailing zeros: 1000 is "10%", 125 "1.25%", 5 "0.05%". */
    static String percent(int basisPoints) {
        return java.math.BigDecimal.valueOf(basisPoints, 2).stripTrailingZeros().toPlainString() + "%";
    }

    static String age(long seconds) {
        long d = seconds / 86_400;
        long h = seconds % 86_400 / 3600;
        long m = seconds % 3600 / 60;
        return d > 0 ? d + "d " + h + "h" : h > 0 ? h + "h " + m + "m" : m + "m";
    }
}
