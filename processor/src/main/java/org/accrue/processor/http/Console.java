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

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;


import org.accrue.processor.ids.Ids;
import org.accrue.config.AccrueConfig.Role;
import org.accrue.processor.cards.Enrollment;
import org.accrue.processor.catalog.Catalog;
import org.accrue.processor.confirmations.ExceptionsQueue;
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.processor.exceptions.Exceptions.Status;
import org.accrue.processor.exceptions.Exceptions;
import org.accrue.processor.exceptions.Exceptions.Type;
import org.accrue.rewards.ledger.Account;
import org.accrue.rewards.matching.RewardUnit;
import org.accrue.rewards.money.Money;
import org.eclipse.jetty.util.StringUtil;

import io.javalin.Javalin;
import io.javalin.http.Context;

final class Console {
    static final String PATH = "/console";
    private static final String COOKIE = "accrue_console";
    private static final Duration SESSION_TTL = Duration.ofHours(8);
    private static final int SESSIONS_MAX = 10_000;
    /** Rows on a page of the queue unless the page asks for another size; the sizes it may ask for. */
    private static final int QUEUE_PAGE_ROWS = 50;
    private static final List<Integer> QUEUE_PAGE_SIZES = List.of(25, 50, 100, 200);
    /** Exceptions one bulk assignment may name (the largest page). */
    private static final int BULK_ASSIGN_MAX = 200;
    /** Characters of a filter's free text (issuer ids are at most 16, account references 64). */
    private static final int FILTER_CHARS_MAX = 64;
    /** An open exception older than this is shown in red. */
    private static final long OLD_SECONDS = 3 * 86_400;

    record Session(Principal principal, String csrf, Instant expires) {
    }

    /** One line of an exception's page: its name (also the cell's id, f-<name>) and what it shows. */
    private record Field(String name, Object value) {
    }

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final ApiKeys keys;
    private final OperationsRoutes.Services s;
    private final Catalog catalog;
    private final Enrollment enrollment;
    private final ApiServer.Health health;
    /** Rewards on a card's page, newest first. */
    private static final int CARD_REWARDS_SHOWN = 200;
    /** The reward and ledger views the console shows (the book owns those tables). */
    private final RewardBook rewards;
    private final InstantSource clock;
    /** A card's bonus offers and progress on its page (punch cards, welcome, thresholds); null without the cardholder API. */
    private org.accrue.processor.cardholder.Cardholder cardholder;

    private Console(ApiKeys keys, OperationsRoutes.Services s, Catalog catalog, Enrollment enrollment, RewardBook rewards,
                    ApiServer.Health health, InstantSource clock) {
        this.clock = clock;
        this.keys = keys;
        this.s = s;
        this.catalog = catalog;
        this.enrollment = enrollment;
        this.health = health;
        this.rewards = rewards;
    }

    static void register(Javalin app, ApiKeys keys, OperationsRoutes.Services s, Catalog catalog, Enrollment enrollment,
                         RewardBook rewards, ApiServer.Health health, InstantSource clock,
                         org.accrue.processor.cardholder.Cardholder cardholder) {
        if (s == null || rewards == null) {
            return;
        }
        Console c = new Console(keys, s, catalog, enrollment, rewards, health, clock);
        c.cardholder = cardholder;
        app.get(PATH + "/login", ctx -> c.page(ctx, "Sign in", null, c.loginForm(ctx.queryParam("error"))));
        app.post(PATH + "/login", c::login);
        app.post(PATH + "/logout", ctx -> {
            c.session(ctx);
            String id = ctx.cookie(COOKIE);
            if (id != null) {
                c.sessions.remove(id);
            }
            ctx.removeCookie(COOKIE, PATH);
            ctx.redirect(PATH + "/login");
        });
        app.get(PATH, c::queue);
        app.get(PATH + "/", c::queue);
        app.get(PATH + "/exceptions/{id}", c::exception);
        app.post(PATH + "/exceptions/assign", c::bulkAssign);
        app.post(PATH + "/exceptions/{id}/resolve", c::resolve);
        app.post(PATH + "/exceptions/{id}/assign", c::assign);
        app.post(PATH + "/exceptions/{id}/approve", c::approve);
        app.get(PATH + "/cards/{cardId}", c::card);
        app.get(PATH + "/catalog", c::catalogPage);
        app.get(PATH + "/jobs", c::jobs);
        app.post(PATH + "/jobs/{name}/run", c::runJob);
        app.get(PATH + "/health", c::healthPage);
        app.get(PATH + "/webhooks", c::webhooks);
        app.get(PATH + "/points", c::pointsPage);
        app.post(PATH + "/webhooks/{id}/deliveries/{eventId}/replay", c::replayWebhook);
        app.post(PATH + "/webhooks/{id}/enable", c::enableWebhook);
        ConsolePrograms.register(app, c, s.programs());
    }

    static String esc(Object o) {
        return o == null ? "" : StringUtil.sanitizeXmlString(String.valueOf(o));
    }

    private static String token() {
        return Ids.secret("cs");
    }

    private String loginForm(String error) {
        return (error == null ? "" : "<p class=err>That key is not an ops or admin key.</p>")
                + "<form method=post action='" + PATH + "/login'><label>API key <input type=password name=key id=key "
                + "autocomplete=off required></label> <button id=signin>Sign in</button></form>";
    }

    private void login(Context ctx) {
        Principal p = keys.authenticate(ctx.formParam("key")).orElse(null);
        if (p == null || p.role() == Role.ISSUER) {
            ctx.redirect(PATH + "/login?error=1");
            return;
        }
        Instant now = clock.instant();
        if (sessions.size() >= SESSIONS_MAX) {
            sessions.values().removeIf(x -> x.expires().isBefore(now));
        }
        String id = token();
        sessions.put(id, new Session(p, token(), now.plus(SESSION_TTL)));
        ctx.res().addHeader("Set-Cookie", COOKIE + "=" + id + "; Path=" + PATH + "; HttpOnly; SameSite=Strict; Max-Age="
                + SESSION_TTL.toSeconds());
        ctx.redirect(PATH);
    }

    /** The signed-in session, or a redirect to sign in (and null). */
    Session session(Context ctx) {
        String id = ctx.cookie(COOKIE);
        Session ses = id == null ? null : sessions.get(id);
        if (ses == null || ses.expires().isBefore(clock.instant())) {
            if (id != null) {
                sessions.remove(id);
            }
            ctx.redirect(PATH + "/login");
            return null;
        }
        return ses;
    }

    /** A POST's session, with its CSRF token checked. */
    private Session post(Context ctx) {
        Session ses = session(ctx);
        if (ses != null && !ses.csrf().equals(ctx.formParam("csrf"))) {
            ctx.status(403).result("stale form: reload the page");
            return null;
        }
        return ses;
    }

    private String csrf(Session ses) {
        return "<input type=hidden name=csrf value='" + ses.csrf() + "'>";
    }

    /** The console's stylesheet, inline (see the header): quiet, dense tables, a visible focus ring everywhere. */
    private static final String STYLE = """
            :root{--fg:#1c2430;--muted:#5b6675;--line:#e3e7ee;--bg:#f6f7f9;--card:#fff;--accent:#1f5fbf;--bad:#b42318;\
            --good:#067647;--warn:#b54708}
            *{box-sizing:border-box}
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0}
            header{background:#16202e;color:#fff;display:flex;flex-wrap:wrap;align-items:center;gap:.25em 1em;padding:.5em 1.5em}
            header .brand{font-weight:700;letter-spacing:.02em;margin-right:1em}
            header a{color:#dbe6f6;text-decoration:none;padding:.3em .5em;border-radius:4px}
            header a:hover,header a[aria-current=page]{background:#2b3a52;color:#fff}
            header .who{color:#9fb0c6;margin-left:auto}
            header input{width:12em}
            main{padding:1em 1.5em 2em;max-width:1500px}
            h1{font-size:1.4em;margin:.2em 0 .6em}h2{font-size:1.1em;margin:1.4em 0 .5em}
            table{border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:6px;margin-bottom:1em}
            th,td{border-bottom:1px solid var(--line);padding:5px 10px;text-align:left;vertical-align:top}
            th{background:#eef1f5;font-weight:600;color:#344054;position:sticky;top:0}
            tr:nth-child(even) td{background:#fafbfc}tr:hover td{background:#eef4fd}
            td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
            a{color:var(--accent)}
            button,select,input{font:inherit;padding:3px 8px;border:1px solid #c5ccd6;border-radius:4px;background:#fff;color:var(--fg)}
            button{background:var(--accent);border-color:var(--accent);color:#fff;cursor:pointer}
            button.quiet{background:#fff;color:var(--accent)}
            :focus-visible{outline:3px solid #f5a524;outline-offset:2px}
            .inline{display:inline}.err{color:var(--bad)}.ok{color:var(--good)}
            .old{color:var(--bad);font-weight:600}.muted{color:var(--muted)}
            .flash{background:#ecfdf3;border:1px solid #abefc6;padding:.5em .8em;border-radius:4px}
            .panel{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.6em 1em;margin-bottom:1em}
            .charts{display:flex;flex-wrap:wrap;gap:1em}.charts figure{margin:0}.charts figcaption{font-weight:600;margin-bottom:.3em}
            .filters{display:flex;flex-wrap:wrap;gap:.4em 1em;align-items:end}.filters label{display:flex;flex-direction:column;font-size:.85em;color:var(--muted)}
            .pager{display:flex;gap:1em;align-items:center;margin:.5em 0}
            .keys{color:var(--muted);font-size:.85em;margin-top:2em}kbd{border:1px solid #c5ccd6;border-radius:3px;padding:0 4px;background:#fff}
            """;

    /** The main pages: path, label, access key (Alt+key in Chromium, Alt+Shift+key in Firefox). */
    private record NavLink(String path, String label, char key) {
    }

    private static final List<NavLink> NAV = List.of(new NavLink("", "Exceptions", 'e'), new NavLink("/jobs", "Jobs", 'j'),
            new NavLink("/webhooks", "Webhooks", 'w'), new NavLink("/catalog", "Offers & merchants", 'o'),
            new NavLink("/points", "Points", 'p'),
            new NavLink("/health", "Health", 'h'));

    void page(Context ctx, String title, Session ses, String body) {
        StringBuilder nav = new StringBuilder("<header><span class=brand>Accrue ops</span>");
        if (ses != null) {
            nav.append("<nav aria-label=main>");
            String here = ctx.path();
            for (NavLink l : NAV) {
                boolean current = here.equals(PATH + l.path()) || l.path().isEmpty() && here.equals(PATH + "/");
                nav.append("<a href='").append(PATH).append(l.path()).append("' accesskey=").append(l.key())
                        .append(current ? " aria-current=page" : "").append(">").append(esc(l.label())).append("</a>");
            }
            nav.append("</nav><form class=inline method=get action='").append(PATH).append("/cards/'>")
                    .append("<input name=card placeholder='card id' aria-label='card id' accesskey=c id=card-search></form>")
                    .append("<span class=who>").append(esc(ses.principal().keyName())).append(" (")
                    .append(esc(ses.principal().role().name().toLowerCase())).append(")</span> <form class=inline method=post action='")
                    .append(PATH).append("/logout'>").append(csrf(ses)).append("<button class=quiet>Sign out</button></form>");
        }
        nav.append("</header>");
        String keysHelp = ses == null ? "" : "<footer class=keys>Keys: " + String.join(" · ", NAV.stream()
                .map(l -> "<kbd>Alt</kbd>+<kbd>" + l.key() + "</kbd> " + esc(l.label())).toList())
                + " · <kbd>Alt</kbd>+<kbd>c</kbd> card search · <kbd>Tab</kbd> moves between controls, <kbd>Space</kbd> ticks a "
                + "row, <kbd>Enter</kbd> submits</footer>";
        ctx.contentType("text/html; charset=utf-8").header("Cache-Control", "no-store")
                .header("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'")
                .result("<!doctype html><html lang=en><head><meta charset=utf-8><title>Accrue · " + esc(title)
                        + "</title><style>" + STYLE + "</style></head><body>" + nav + "<main><h1>" + esc(title) + "</h1>"
                        + body + keysHelp + "</main></body></html>");
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

    /** Totals per currency or program, "1.20 USD, 300 JPY"; "none" when empty. */
    private static String totals(Map<String, Long> totals, boolean cash) {
        return totals.isEmpty() ? "none" : String.join(", ", totals.entrySet().stream()
                .map(t -> cash ? money(t.getValue(), t.getKey()) : t.getValue() + " " + t.getKey()).toList());
    }

    static String age(long seconds) {
        long d = seconds / 86_400;
        long h = seconds % 86_400 / 3600;
        long m = seconds % 3600 / 60;
        return d > 0 ? d + "d " + h + "h" : h > 0 ? h + "h " + m + "m" : m + "m";
    }

    private void queue(Context ctx) {
        Session ses = session(ctx);
        if (ses == null) {
            return;
        }
        // The API's parsing: an unknown status or type is a 400 naming the allowed values, not an empty queue.
        // No status parameter is the open queue; an empty one (the form's "any") is every status.
        Status status = ctx.queryParam("status") == null ? Status.OPEN : OperationsRoutes.exceptionStatus(ctx);
        Type type = OperationsRoutes.exceptionType(ctx);
        ExceptionsQueue.Age age = ageParam(ctx);
        String issuer = textParam(ctx, "issuer");
        String card = textParam(ctx, "card");
        int limit = ApiServer.intParam(ctx, "limit", 1, QUEUE_PAGE_SIZES.getLast(), QUEUE_PAGE_ROWS);
        int offset = ApiServer.intParam(ctx, "offset", 0, Integer.MAX_VALUE, 0);
        ExceptionsQueue.Page pageOf = s.exceptions().page(new ExceptionsQueue.Filter(status, type, issuer, null, age, card),
                offset, limit);
        StringBuilder b = new StringBuilder();
        if (ctx.queryParam("done") != null) {
            b.append("<p class='ok flash' id=flash role=status>").append(esc(ctx.queryParam("done"))).append("</p>");
        }
        ExceptionsQueue.OpenCounts counts = s.exceptions().openCounts();
        b.append("<section class='panel charts' id=open-counts aria-label='open exceptions'>")
                .append(Charts.bars("chart-type", "Open by type (" + counts.total() + ")", counts.byType().entrySet().stream()
                        .map(e -> new Charts.Bar(e.getKey().name(), e.getValue(), PATH + "?type=" + e.getKey().name()))
                        .toList()))
                .append(Charts.bars("chart-age", "Open by age", counts.byAge().entrySet().stream()
                        .map(e -> new Charts.Bar(e.getKey().label(), e.getValue(), PATH + "?age=" + e.getKey().name()))
                        .toList()))
                .append("</section>");
        b.append("<form method=get action='").append(PATH).append("' class='panel filters' id=filters>")
                .append("<label>Status <select name=status>");
        options(b, Status.values(), status);
        b.append("</select></label><label>Type <select name=type>");
        options(b, Type.values(), type);
        b.append("</select></label><label>Age <select name=age>");
        for (ExceptionsQueue.Age a : ExceptionsQueue.Age.values()) {
            b.append("<option").append(a == age ? " selected" : "").append(" value='").append(a.name()).append("'>")
                    .append(esc(a.label())).append("</option>");
        }
        b.append("<option").append(age == null ? " selected" : "").append(" value=''>any</option></select></label>")
                .append("<label>Issuer <input name=issuer size=10 maxlength=").append(FILTER_CHARS_MAX).append(" value='")
                .append(esc(issuer)).append("'></label><label>Card (last 4 or account ref) <input name=card size=14 maxlength=")
                .append(FILTER_CHARS_MAX).append(" value='").append(esc(card)).append("'></label><label>Rows <select name=limit>");
        for (int n : QUEUE_PAGE_SIZES) {
            b.append("<option").append(n == limit ? " selected" : "").append(">").append(n).append("</option>");
        }
        b.append("</select></label><button id=filter accesskey=f>Filter</button> <a href='").append(PATH)
                .append("'>Clear</a></form>");
        // Bulk assignment: the rows' checkboxes belong to this form by their form attribute (forms cannot nest, and
        // each row has its own resolve form).
        b.append("<form method=post id=bulk action='").append(PATH).append("/exceptions/assign' class=panel>").append(csrf(ses))
                .append("<input type=hidden name=back value='").append(esc(queueQuery(status, type, age, issuer, card, limit, offset)))
                .append("'><label>Assign the ticked rows to <input name=assignee id=bulk-assignee required maxlength=64 ")
                .append("placeholder=person accesskey=a></label> <button id=bulk-assign>Assign selected</button></form>");
        b.append("<table id=queue><thead><tr><th><span class=muted>pick</span></th><th>#</th><th>age</th><th>type</th>")
                .append("<th>issuer</th><th>card</th><th class=num>amount</th><th>detail</th><th>assignee</th><th>resolve</th>")
                .append("</tr></thead><tbody>");
        for (ExceptionsQueue.Item e : pageOf.items()) {
            b.append("<tr id='exception-").append(e.id()).append("' data-type='").append(esc(e.type())).append("'><td>")
                    .append("<input type=checkbox form=bulk name=id value='").append(e.id()).append("' aria-label='pick ")
                    .append(e.id()).append("'></td><td><a href='")
                    .append(PATH).append("/exceptions/").append(e.id()).append("'>").append(e.id()).append("</a></td><td")
                    .append(e.ageSeconds() > OLD_SECONDS ? " class=old" : "").append(">").append(age(e.ageSeconds()))
                    .append("</td><td>").append(esc(e.type())).append("</td><td>").append(esc(e.issuerId())).append("</td><td>")
                    .append(esc(e.cardMasked())).append("</td><td class=num>").append(e.amount() == null ? "" : esc(amount(e)))
                    .append("</td><td>").append(esc(e.detail())).append("</td><td>")
                    .append(esc(e.assignee())).append("</td><td>").append(resolveForm(ses, e)).append("</td></tr>");
        }
        b.append("</tbody></table><nav class=pager aria-label=pages>");
        if (offset > 0) {
            b.append("<a id=prev accesskey=p href='").append(PATH).append(esc(queueQuery(status, type, age, issuer, card, limit,
                    Math.max(0, offset - limit)))).append("'>&larr; Previous</a>");
        }
        b.append("<span class=muted>rows ").append(pageOf.items().isEmpty() ? 0 : offset + 1).append("-")
                .append(offset + pageOf.items().size()).append("</span>");
        if (pageOf.more()) {
            b.append("<a id=next accesskey=n href='").append(PATH).append(esc(queueQuery(status, type, age, issuer, card, limit,
                    offset + limit))).append("'>Next &rarr;</a>");
        }
        b.append("</nav>");
        page(ctx, "Exceptions", ses, b.toString());
    }

    /** The queue's query string for these filters ("?status=OPEN&..."); an empty status is "any status". */
    private static String queueQuery(Status status, Type type, ExceptionsQueue.Age age, String issuer, String card, int limit,
                                     int offset) {
        StringBuilder q = new StringBuilder("?status=").append(status == null ? "" : status.name());
        if (type != null) {
            q.append("&type=").append(type.name());
        }
        if (age != null) {
            q.append("&age=").append(age.name());
        }
        if (issuer != null) {
            q.append("&issuer=").append(java.net.URLEncoder.encode(issuer, java.nio.charset.StandardCharsets.UTF_8));
        }
        if (card != null) {
            q.append("&card=").append(java.net.URLEncoder.encode(card, java.nio.charset.StandardCharsets.UTF_8));
        }
        return q.append("&limit=").append(limit).append("&offset=").append(offset).toString();
    }

    /** {@code ?age=}: absent or empty is any age; anything else names a bucket (400 PARAMETER_INVALID). */
    private static ExceptionsQueue.Age ageParam(Context ctx) {
        String v = ctx.queryParam("age");
        if (v == null || v.isEmpty()) {
            return null;
        }
        for (ExceptionsQueue.Age a : ExceptionsQueue.Age.values()) {
            if (a.name().equals(v)) {
                return a;
            }
        }
        throw Problem.badRequest("PARAMETER_INVALID", "age must be one of " + List.of(ExceptionsQueue.Age.values()));
    }

    /** A free-text filter: trimmed, null when blank, 400 PARAMETER_INVALID past FILTER_CHARS_MAX. */
    private static String textParam(Context ctx, String name) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) {
            return null;
        }
        if (v.length() > FILTER_CHARS_MAX) {
            throw Problem.badRequest("PARAMETER_INVALID", name + " is at most " + FILTER_CHARS_MAX + " characters");
        }
        return v.strip();
    }

    /** Assigns every ticked exception to one person; a resolved one is skipped and named in the message. */
    private void bulkAssign(Context ctx) {
        Session ses = post(ctx);
        if (ses == null) {
            return;
        }
        List<String> ids = ctx.formParams("id");
        String assignee = ctx.formParam("assignee");
        String back = ctx.formParam("back");
        if (back == null || !back.startsWith("?") || back.contains("//")) {
            back = "?";
        }
        String msg;
        if (ids.isEmpty()) {
            msg = "Nothing assigned: no row was ticked";
        } else if (ids.size() > BULK_ASSIGN_MAX) {
            msg = "Nothing assigned: at most " + BULK_ASSIGN_MAX + " rows at once";
        } else {
            int done = 0;
            List<String> skipped = new java.util.ArrayList<>();
            for (String raw : ids) {
                try {
                    s.exceptions().assign(Long.parseLong(raw), assignee, ses.principal().keyName());
                    done++;
                } catch (NumberFormatException | org.accrue.processor.Refusal r) {
                    skipped.add(raw + " (" + r.getMessage() + ")");
                }
            }
            msg = "Assigned " + done + " to " + assignee + (skipped.isEmpty() ? "" : "; not assigned: " + String.join(", ", skipped));
        }
        ctx.redirect(PATH + back + (back.length() > 1 ? "&" : "") + "done="
                + java.net.URLEncoder.encode(msg, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The options of a filter: each value by name, then "any" (an empty value), the one shown selected. */
    private static <E extends Enum<E>> void options(StringBuilder b, E[] values, E shown) {
        for (E v : values) {
            b.append("<option").append(v == shown ? " selected" : "").append(" value='").append(v.name()).append("'>")
                    .append(v.name()).append("</option>");
        }
        b.append("<option").append(shown == null ? " selected" : "").append(" value=''>any</option>");
    }

    /** "12.50 USD" for money (alpha or numeric ISO 4217), "1200 SKY" for miles. */
    static String amount(ExceptionsQueue.Item e) {
        return money(e.amount(), e.currency());
    }

    private String resolveForm(Session ses, ExceptionsQueue.Item e) {
        if (e.status() == Status.PENDING_APPROVAL) {
            return "<form method=post action='" + PATH + "/exceptions/" + e.id() + "/approve'>" + csrf(ses)
                    + esc(e.proposedAction()) + " by " + esc(e.proposedBy()) + " <input name=reason placeholder=reason required> "
                    + "<button name=approve value=true>Approve</button><button name=approve value=false>Refuse</button></form>";
        }
        if (e.actions().isEmpty()) {
            return esc(e.resolution()) + (e.resolvedBy() == null ? "" : " by " + esc(e.resolvedBy()));
        }
        StringBuilder b = new StringBuilder("<form method=post action='" + PATH + "/exceptions/" + e.id() + "/resolve'>")
                .append(csrf(ses)).append("<select name=action>");
        e.actions().stream().map(Enum::name).sorted().forEach(a -> b.append("<option>").append(a).append("</option>"));
        return b.append("</select> <input name=reason placeholder='why' required maxlength=500> <button>Resolve</button></form>")
                .toString();
    }

    private long id(Context ctx) {
        try {
            return Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw Problem.notFound("exception");
        }
    }

    private void resolve(Context ctx) {
        Session ses = post(ctx);
        if (ses == null) {
            return;
        }
        long id = id(ctx);
        String msg;
        try {
            ExceptionsQueue.Item e = s.exceptions().resolve(id, ExceptionsQueue.Action.valueOf(ctx.formParam("action")),
                    ctx.formParam("reason"), ses.principal().keyName());
            msg = "Exception " + id + ": " + e.status() + (e.resolution() == null ? "" : " (" + e.resolution() + ")");
        } catch (org.accrue.processor.Refusal | IllegalArgumentException r) {
            msg = "Exception " + id + " not resolved: " + r.getMessage();
        }
        ctx.redirect(PATH + "/exceptions/" + id + "?done=" + java.net.URLEncoder.encode(msg, java.nio.charset.StandardCharsets.UTF_8));
    }

    private void approve(Context ctx) {
        Session ses = post(ctx);
        if (ses == null) {
            return;
        }
        long id = id(ctx);
        String msg;
        try {
            ExceptionsQueue.Item e = s.exceptions().approve(id, "true".equals(ctx.formParam("approve")), ctx.formParam("reason"),
                    ses.principal().keyName());
            msg = "Exception " + id + ": " + e.status();
        } catch (org.accrue.processor.Refusal r) {
            msg = "Exception " + id + ": " + r.getMessage();
        }
        ctx.redirect(PATH + "/exceptions/" + id + "?done=" + java.net.URLEncoder.encode(msg, java.nio.charset.StandardCharsets.UTF_8));
    }

    private void assign(Context ctx) {
        Session ses = post(ctx);
        if (ses == null) {
            return;
        }
        long id = id(ctx);
        s.exceptions().assign(id, ctx.formParam("assignee"), ses.principal().keyName());
        ctx.redirect(PATH + "/exceptions/" + id);
    }

    private void exception(Context ctx) {
        Session ses = session(ctx);
        if (ses == null) {
            return;
        }
        long id = id(ctx);
        ExceptionsQueue.Item e = s.exceptions().find(id).orElseThrow(() -> Problem.notFound("exception"));
        StringBuilder b = new StringBuilder();
        if (ctx.queryParam("done") != null) {
            b.append("<p class='ok flash' id=flash role=status>").append(esc(ctx.queryParam("done"))).append("</p>");
        }
        b.append("<table id=exception>");
        for (Field f : List.of(new Field("type", e.type()), new Field("status", e.status()),
                new Field("age", age(e.ageSeconds())), new Field("issuer", e.issuerId()), new Field("card", e.cardMasked()),
                new Field("amount", e.amount() == null ? null : amount(e)), new Field("message", e.messageKey()),
                new Field("credit", e.creditId()), new Field("detail", e.detail()), new Field("assignee", e.assignee()),
                new Field("resolution", e.resolution() == null ? null : e.resolution() + " by " + e.resolvedBy() + " at "
                        + e.resolvedAt() + ": " + e.resolutionReason()))) {
            b.append("<tr><th>").append(f.name()).append("</th><td id='f-").append(f.name()).append("'>")
                    .append(esc(f.value())).append("</td></tr>");
        }
        b.append("</table><h2>Resolve</h2>").append(resolveForm(ses, e));
        b.append("<form method=post action='").append(PATH).append("/exceptions/").append(id).append("/assign'>")
                .append(csrf(ses)).append("<input name=assignee placeholder=assignee aria-label=assignee required maxlength=64> ")
                .append("<button>Assign</button></form>");
        b.append("<h2>Audit</h2><table id=audit><tr><th>at</th><th>action</th><th>by</th><th>why</th><th>what</th></tr>");
        for (ExceptionsQueue.AuditEntry a : s.exceptions().audit(id)) {
            b.append("<tr><td>").append(esc(a.at())).append("</td><td>").append(esc(a.action())).append("</td><td>")
                    .append(esc(a.actor())).append("</td><td>").append(esc(a.reason())).append("</td><td>").append(esc(a.detail()))
                    .append("</td></tr>");
        }
        b.append("</table>");
        if (e.rewardId() != null) {
            List<RewardBook.LedgerLine> lines = rewards.ledgerOf(e.rewardId());
            Owners owners = owners(lines.stream().map(RewardBook.LedgerLine::account).toList());
            b.append("<h2>Ledger of the reward</h2><table id=ledger><thead><tr><th>at</th><th>kind</th><th>account</th>"
                    + "<th>owner</th><th class=num>amount</th></tr></thead><tbody>");
            for (RewardBook.LedgerLine l : lines) {
                b.append("<tr class=entry data-kind='").append(esc(l.kind().name())).append("'><td>")
                        .append(esc(l.at())).append("</td><td>").append(esc(l.kind().name())).append("</td><td>")
                        .append(esc(l.account().type().name())).append("</td><td>").append(owners.html(l.account()))
                        .append("</td><td class=num>").append(esc(money(l.amount(), l.unit()))).append("</td></tr>");
            }
            b.append("</tbody></table>");
        }
        page(ctx, "Exception " + id, ses, b.toString());
    }

    /** Names for the owners of these accounts: the cards they name (one read) and the merchants. */
    private Owners owners(List<Account> accounts) {
        Set<Long> rows = new HashSet<>();
        for (Account a : accounts) {
            Long row = Owners.cardRow(a);
            if (row != null) {
                rows.add(row);
            }
        }
        Map<String, String> merchants = new java.util.HashMap<>();
        if (accounts.stream().anyMatch(a -> a.owner().startsWith("MERCHANT:"))) {
            for (var m : catalog.merchants()) {
                merchants.put(m.merchantId(), m.name());
            }
        }
        return new Owners(enrollment.byRowIds(rows), merchants, PATH);
    }

    private void card(Context ctx) {
        Session ses = session(ctx);
        if (ses == null) {
            return;
        }
        String cardId = ctx.pathParam("cardId").isBlank() ? String.valueOf(ctx.queryParam("card")) : ctx.pathParam("cardId");
        var card = enrollment.find(null, cardId).orElseThrow(() -> Problem.notFound("card"));
        long row = enrollment.internalId(null, cardId).orElseThrow();
        YearMonth month = YearMonth.from(clock.instant().atZone(ZoneOffset.UTC));
        var st = s.statements().of(row, month);
        StringBuilder b = new StringBuilder("<p class=panel>").append(esc(Owners.masked(card))).append(" · issuer ").append(esc(card.issuerId()))
                .append(" · account ").append(esc(card.accountRef())).append(" · ").append(esc(card.status())).append("</p>");
        b.append(ConsoleTiers.card(s.tiers(), row, card.issuerId()));
        b.append("<h2>Statement ").append(month).append("</h2><table id=statement><thead><tr><th>text</th>"
                + "<th class=num>amount</th><th>kind</th></tr></thead><tbody>");
        for (var l : st.cash()) {
            b.append("<tr><td>").append(esc(l.statementText())).append("</td><td class=num>")
                    .append(esc(money(l.amount(), l.currency()))).append("</td><td>").append(esc(l.kind())).append("</td></tr>");
        }
        b.append("</tbody></table><p id=totals>Totals: ").append(esc(totals(st.cashTotals(), true))).append(" · miles ")
                .append(esc(totals(st.milesTotals(), false))).append("</p>");
        b.append("<h2>Rewards</h2><table id=rewards><thead><tr><th>offer</th><th>status</th><th class=num>amount</th>"
                + "<th>purchased</th></tr></thead><tbody>");
        for (RewardBook.CardReward r : rewards.cardRewards(row, CARD_REWARDS_SHOWN)) {
            b.append("<tr><td>").append(esc(r.offerId())).append("</td><td>").append(esc(r.status().name()))
                    .append("</td><td class=num>").append(esc(money(r.amount(), r.unit())))
                    .append("</td><td>").append(esc(r.purchasedAt())).append("</td></tr>");
        }
        b.append("</tbody></table>");
        if (cardholder != null) {
            b.append(ConsoleBonuses.section(cardholder.offers(row, 0, org.accrue.processor.cardholder.Cardholder.PAGE_LIMIT_MAX)));
        }
        page(ctx, "Card " + cardId, ses, b.toString());
    }

    private void catalogPage(Context ctx) {
        Session ses = session(ctx);
        if (ses == null) {
            return;
        }
        StringBuilder b = new StringBuilder("<h2>Merchants</h2><table id=merchants><thead><tr><th>id</th><th>name</th></tr>"
                + "</thead>");
        Map<String, String> names = new java.util.HashMap<>();
        for (var m : catalog.merchants()) {
            names.put(m.merchantId(), m.name());
            b.append("<tr><td>").append(esc(m.merchantId())).append("</td><td>").append(esc(m.name())).append("</td></tr>");
        }
        b.append("</table><p><a href='").append(PATH).append("/programs'>Partners and win-back campaigns</a></p>")
                .append("<h2>Offers</h2><table id=offers><thead><tr><th>id</th><th>merchant / MCCs</th><th>reward</th>"
                + "<th>status</th><th>ends</th><th>for</th></tr></thead><tbody>");
        for (var o : catalog.offers()) {
            b.append("<tr id='offer-").append(esc(o.id())).append("'><td><a href='").append(PATH).append("/offers/")
                    .append(esc(o.id())).append("'>").append(esc(o.id())).append("</a></td><td>")
                    .append(esc(o.merchantId() != null ? names.getOrDefault(o.merchantId(), o.merchantId())
                            : "MCC " + String.join(", ", new java.util.TreeSet<>(o.mccs()))))
                    .append("</td><td>").append(esc(rule(o.reward(), o.currency()))).append("</td><td>").append(esc(o.status()))
                    .append("</td><td>").append(o.endsAt() == null ? "<span class=muted>open-ended</span>" : esc(o.endsAt()))
                    .append("</td><td>").append(ConsoleTargeting.describe(o.targeting())).append("</td></tr>");
        }
        b.append("</tbody></table>").append(ConsoleTargeting.segments(catalog.segments()));
        b.append(ConsoleTiers.programs(s.tiers()));
        page(ctx, "Offers and merchants", ses, b.toString());
    }

    private void jobs(Context ctx) {
        Session ses = session(ctx);
        if (ses == null) {
            return;
        }
        StringBuilder b = new StringBuilder("<table id=jobs><thead><tr><th>job</th><th>schedule (cron, UTC)</th>"
                + "<th>next run</th><th>last run</th><th></th></tr></thead><tbody>");
        for (var j : s.jobs().list()) {
            var r = j.lastRun();
            // "-" is a job configured to run only when asked (accrue.jobs.schedule.<id> = -; the demo sets it for every
            // job so that nothing fires during its script)
            boolean manual = "-".equals(j.schedule());
            b.append("<tr id='job-").append(esc(j.job().id())).append("'><td>").append(esc(j.job().id())).append("</td><td>")
                    .append(manual ? "<span class=muted>manual only</span>" : "<code>" + esc(j.schedule()) + "</code>")
                    .append("</td><td>").append(j.nextRunAt() == null ? "<span class=muted>" + (manual ? "when run" : "none")
                            + "</span>" : esc(j.nextRunAt())).append("</td><td>").append(r == null ? "<span class=muted>never</span>"
                            : esc(r.status() + " " + r.finishedAt() + ": " + r.summary())).append("</td><td><form method=post action='")
                    .append(PATH).append("/jobs/").append(esc(j.job().id())).append("/run'>").append(csrf(ses))
                    .append("<button>Run now</button></form></td></tr>");
        }
        b.append("</tbody></table>");
        page(ctx, "Jobs", ses, b.toString());
    }

    private void runJob(Context ctx) {
        Session ses = post(ctx);
        if (ses == null) {
            return;
        }
        var job = OperationsRoutes.job(s.jobs(), ctx.pathParam("name")).orElseThrow(() -> Problem.notFound("job"));
        s.jobs().request(job, "console:" + ses.principal().keyName());
        ctx.redirect(PATH + "/jobs");
    }

    /** Points programs and coalitions with their settlements (PointsConsole). */
    private void pointsPage(Context ctx) {
        Session ses = session(ctx);
        if (ses != null) {
            page(ctx, "Points and coalitions", ses, PointsConsole.body(s.points().programs(), s.coalitions()));
        }
    }

    /** Webhook endpoints (a disabled one with its reason, to re-enable) and the dead deliveries, each to replay. */
    private void webhooks(Context ctx) {
        Session ses = session(ctx);
        if (ses == null) {
            return;
        }
        if (s.webhooks() == null) {
            page(ctx, "Webhooks", ses, "<p>Webhooks are not served by this node.</p>");
            return;
        }
        StringBuilder b = new StringBuilder("<h2>Endpoints</h2><table id=endpoints><tr><th>endpoint</th><th>issuer</th>"
                + "<th>url</th><th>events</th><th>state</th><th></th></tr>");
        for (var e : s.webhooks().list(null)) {
            b.append("<tr id='e-").append(esc(e.id())).append("'><td>").append(esc(e.id())).append("</td><td>")
                    .append(esc(e.issuerId())).append("</td><td>").append(esc(e.url())).append("</td><td>")
                    .append(esc(String.join(", ", e.events()))).append("</td><td>");
            if (e.enabled()) {
                b.append(e.failingSince() == null ? "enabled" : "enabled, failing since " + esc(e.failingSince()));
                b.append("</td><td></td></tr>");
            } else {
                b.append("<span class=err>disabled</span>: ").append(esc(e.disabledReason())).append("</td><td>")
                        .append("<form method=post action='").append(PATH).append("/webhooks/").append(esc(e.id()))
                        .append("/enable'>").append(csrf(ses)).append("<button>Enable</button></form></td></tr>");
            }
        }
        b.append("</table><h2>Dead deliveries</h2><table id=dead><tr><th>event</th><th>type</th><th>issuer</th>"
                + "<th>endpoint</th><th>attempts</th><th>last answer</th><th>last attempt</th><th></th></tr>");
        for (var d : s.webhooks().dead(null, 200)) {
            b.append("<tr><td>").append(esc(d.delivery().eventId())).append("</td><td>").append(esc(d.delivery().type()))
                    .append("</td><td>").append(esc(d.issuerId())).append("</td><td>").append(esc(d.endpointId()))
                    .append("</td><td>").append(d.delivery().attempts()).append("</td><td>")
                    .append(esc(d.delivery().lastError())).append("</td><td>").append(esc(d.delivery().lastAttemptAt()))
                    .append("</td><td><form method=post action='").append(PATH).append("/webhooks/")
                    .append(esc(d.endpointId())).append("/deliveries/").append(esc(d.delivery().eventId()))
                    .append("/replay'>").append(csrf(ses)).append("<button>Replay</button></form></td></tr>");
        }
        b.append("</table>");
        if (!b.toString().contains("/replay'")) {
            b.append("<p class=muted id=no-dead>No dead deliveries.</p>");
        }
        page(ctx, "Webhooks", ses, b.toString());
    }

    private void replayWebhook(Context ctx) {
        Session ses = post(ctx);
        if (ses == null) {
            return;
        }
        if (s.webhooks() == null || !s.webhooks().replay(null, ctx.pathParam("id"), ctx.pathParam("eventId"))) {
            throw Problem.notFound("delivery");
        }
        ctx.redirect(PATH + "/webhooks");
    }

    private void enableWebhook(Context ctx) {
        Session ses = post(ctx);
        if (ses == null) {
            return;
        }
        if (s.webhooks() == null || s.webhooks().change(ses.principal().keyName(), null, ctx.pathParam("id"),
                new org.accrue.processor.webhooks.WebhookEndpoints.Change(null, null, null, true)).isEmpty()) {
            throw Problem.notFound("webhook");
        }
        ctx.redirect(PATH + "/webhooks");
    }

    private void healthPage(Context ctx) {
        Session ses = session(ctx);
        if (ses == null) {
            return;
        }
        StringBuilder b = new StringBuilder("<table id=health>");
        health.components().forEach((k, v) -> b.append("<tr><td>").append(esc(k)).append("</td><td class=")
                .append(v ? "ok>UP" : "err>DOWN").append("</td></tr>"));
        b.append("</table>");
        page(ctx, "Health", ses, b.toString());
    }
}
