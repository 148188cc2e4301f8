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
 * Reads go through the features (the queue, jobs, statements, catalog,
 * enrollment); time comes from the node's InstantSource (sessions, the
 * statement month). The two reads of the reward and ledger_entry tables
 * below are the exception: they move to rewardbook.RewardBook with the
 * reward tables' owner (issue 14), and until then are the only SQL here.
 */
package org.accrue.processor.http;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;


import org.accrue.processor.ids.Ids;
import org.accrue.config.AccrueConfig.Role;
import org.accrue.processor.cards.Enrollment;
import org.accrue.processor.catalog.Catalog;
import org.accrue.processor.confirmations.ExceptionsQueue;
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.processor.exceptions.Exceptions.Status;
import org.accrue.processor.exceptions.Exceptions.Type;
import org.eclipse.jetty.util.StringUtil;

import io.javalin.Javalin;
import io.javalin.http.Context;

final class Console {
    static final String PATH = "/console";
    private static final String COOKIE = "accrue_console";
    private static final Duration SESSION_TTL = Duration.ofHours(8);
    private static final int SESSIONS_MAX = 10_000;

    private record Session(Principal principal, String csrf, Instant expires) {
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
                         RewardBook rewards, ApiServer.Health health, InstantSource clock) {
        if (s == null || rewards == null) {
            return;
        }
        Console c = new Console(keys, s, catalog, enrollment, rewards, health, clock);
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
        app.post(PATH + "/exceptions/{id}/resolve", c::resolve);
        app.post(PATH + "/exceptions/{id}/assign", c::assign);
        app.post(PATH + "/exceptions/{id}/approve", c::approve);
        app.get(PATH + "/cards/{cardId}", c::card);
        app.get(PATH + "/catalog", c::catalogPage);
        app.get(PATH + "/jobs", c::jobs);
        app.post(PATH + "/jobs/{name}/run", c::runJob);
        app.get(PATH + "/health", c::healthPage);
        app.get(PATH + "/webhooks", c::webhooks);
        app.post(PATH + "/webhooks/{id}/deliveries/{eventId}/replay", c::replayWebhook);
        app.post(PATH + "/webhooks/{id}/enable", c::enableWebhook);
    }

    private static String esc(Object o) {
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
    private Session session(Context ctx) {
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

    private void page(Context ctx, String title, Session ses, String body) {
        String nav = ses == null ? "" : "<nav><a href='" + PATH + "'>Exceptions</a> <a href='" + PATH + "/jobs'>Jobs</a> "
                + "<a href='" + PATH + "/webhooks'>Webhooks</a> "
                + "<a href='" + PATH + "/catalog'>Offers &amp; merchants</a> <a href='" + PATH + "/health'>Health</a> "
                + "<form class=inline method=get action='" + PATH + "/cards/'><input name=card placeholder='card id' "
                + "id=card-search></form> <span class=who>" + esc(ses.principal().keyName()) + " ("
                + esc(ses.principal().role().name().toLowerCase()) + ")</span> <form class=inline method=post action='" + PATH
                + "/logout'>" + csrf(ses) + "<button>Sign out</button></form></nav>";
        ctx.contentType("text/html; charset=utf-8").header("Cache-Control", "no-store")
                .header("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'")
                .result("<!doctype html><html lang=en><head><meta charset=utf-8><title>Accrue · " + esc(title)
                        + "</title><style>body{font:14px system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse}"
                        + "td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}"
                        + "nav{margin-bottom:1em}nav a{margin-right:1em}.inline{display:inline}.err{color:#b00}"
                        + ".ok{color:#070}.old{color:#b00;font-weight:bold}.who{color:#666;margin-left:1em}</style></head><body>"
                        + nav + "<h1>" + esc(title) + "</h1>" + body + "</body></html>");
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
        List<ExceptionsQueue.Item> items = s.exceptions().list(status, type, null, null, 500);
        StringBuilder b = new StringBuilder();
        if (ctx.queryParam("done") != null) {
            b.append("<p class=ok id=flash>").append(esc(ctx.queryParam("done"))).append("</p>");
        }
        b.append("<p>Open by type: ").append(esc(s.exceptions().openByType())).append("</p>");
        b.append("<form method=get action='").append(PATH).append("'>Status <select name=status>");
        options(b, Status.values(), status);
        b.append("</select> Type <select name=type>");
        options(b, Type.values(), type);
        b.append("</select> <button>Filter</button></form>");
        b.append("<table id=queue><tr><th>#</th><th>age</th><th>type</th><th>issuer</th><th>card</th><th>amount</th>"
                + "<th>detail</th><th>assignee</th><th>resolve</th></tr>");
        for (ExceptionsQueue.Item e : items) {
            b.append("<tr id='exception-").append(e.id()).append("' data-type='").append(esc(e.type())).append("'><td><a href='")
                    .append(PATH).append("/exceptions/").append(e.id()).append("'>").append(e.id()).append("</a></td><td")
                    .append(e.ageSeconds() > 3 * 86_400 ? " class=old" : "").append(">").append(age(e.ageSeconds()))
                    .append("</td><td>").append(esc(e.type())).append("</td><td>").append(esc(e.issuerId())).append("</td><td>")
                    .append(esc(e.cardMasked())).append("</td><td>").append(e.amount() == null ? "" : esc(amount(e)))
                    .append("</td><td>").append(esc(e.detail())).append("</td><td>")
                    .append(esc(e.assignee())).append("</td><td>").append(resolveForm(ses, e)).append("</td></tr>");
        }
        b.append("</table>");
        page(ctx, "Exceptions", ses, b.toString());
    }

    /** The options of a filter: each value by name, then "any" (an empty value), the one shown selected. */
    private static <E extends Enum<E>> void options(StringBuilder b, E[] values, E shown) {
        for (E v : values) {
            b.append("<option").append(v == shown ? " selected" : "").append(" value='").append(v.name()).append("'>")
                    .append(v.name()).append("</option>");
        }
        b.append("<option").append(shown == null ? " selected" : "").append(" value=''>any</option>");
    }

    /** "12.50 USD" for money (the queue gives ISO 4217 alpha codes), "1200 SKY" for miles. */
    static String amount(ExceptionsQueue.Item e) {
        try {
            return org.accrue.rewards.money.Money.of(e.amount(), e.currency()).toString();
        } catch (IllegalArgumentException | NullPointerException notMoney) {
            return e.amount() + " " + e.currency();
        }
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
            b.append("<p class=ok id=flash>").append(esc(ctx.queryParam("done"))).append("</p>");
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
                .append(csrf(ses)).append("<input name=assignee placeholder=assignee required> <button>Assign</button></form>");
        b.append("<h2>Audit</h2><table id=audit><tr><th>at</th><th>action</th><th>by</th><th>why</th><th>what</th></tr>");
        for (ExceptionsQueue.AuditEntry a : s.exceptions().audit(id)) {
            b.append("<tr><td>").append(esc(a.at())).append("</td><td>").append(esc(a.action())).append("</td><td>")
                    .append(esc(a.actor())).append("</td><td>").append(esc(a.reason())).append("</td><td>").append(esc(a.detail()))
                    .append("</td></tr>");
        }
        b.append("</table>");
        if (e.rewardId() != null) {
            b.append("<h2>Ledger of the reward</h2><table id=ledger><tr><th>at</th><th>kind</th><th>account</th><th>owner</th>"
                    + "<th>unit</th><th>amount</th></tr>");
            for (RewardBook.LedgerLine l : rewards.ledgerOf(e.rewardId())) {
                b.append("<tr class=entry data-kind='").append(esc(l.kind().name())).append("'><td>")
                        .append(esc(l.at())).append("</td><td>").append(esc(l.kind().name())).append("</td><td>")
                        .append(esc(l.account().type().name())).append("</td><td>").append(esc(l.account().owner()))
                        .append("</td><td>").append(esc(l.unit().code())).append("</td><td>").append(l.amount())
                        .append("</td></tr>");
            }
            b.append("</table>");
        }
        page(ctx, "Exception " + id, ses, b.toString());
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
        StringBuilder b = new StringBuilder("<p>").append(esc(card.panMasked())).append(" · issuer ").append(esc(card.issuerId()))
                .append(" · account ").append(esc(card.accountRef())).append(" · ").append(esc(card.status())).append("</p>");
        b.append("<h2>Statement ").append(month).append("</h2><table id=statement>");
        for (var l : st.cash()) {
            b.append("<tr><td>").append(esc(l.statementText())).append("</td><td>").append(l.amount()).append(' ')
                    .append(esc(l.currency())).append("</td><td>").append(esc(l.kind())).append("</td></tr>");
        }
        b.append("</table><p>Totals: ").append(esc(st.cashTotals())).append(" · miles ").append(esc(st.milesTotals())).append("</p>");
        b.append("<h2>Rewards</h2><table id=rewards><tr><th>offer</th><th>status</th><th>amount</th><th>unit</th><th>purchased</th></tr>");
        for (RewardBook.CardReward r : rewards.cardRewards(row, CARD_REWARDS_SHOWN)) {
            b.append("<tr><td>").append(esc(r.offerId())).append("</td><td>").append(esc(r.status().name()))
                    .append("</td><td>").append(r.amount()).append("</td><td>").append(esc(r.unit().code()))
                    .append("</td><td>").append(esc(r.purchasedAt())).append("</td></tr>");
        }
        b.append("</table>");
        page(ctx, "Card " + cardId, ses, b.toString());
    }

    private void catalogPage(Context ctx) {
        Session ses = session(ctx);
        if (ses == null) {
            return;
        }
        StringBuilder b = new StringBuilder("<h2>Merchants</h2><table id=merchants>");
        for (var m : catalog.merchants()) {
            b.append("<tr><td>").append(esc(m.merchantId())).append("</td><td>").append(esc(m.name())).append("</td></tr>");
        }
        b.append("</table><h2>Offers</h2><table id=offers><tr><th>id</th><th>merchant / MCCs</th><th>reward</th><th>status</th>"
                + "<th>ends</th></tr>");
        for (var o : catalog.offers()) {
            b.append("<tr><td>").append(esc(o.id())).append("</td><td>").append(esc(o.merchantId() != null ? o.merchantId()
                    : o.mccs())).append("</td><td>").append(esc(o.reward())).append("</td><td>").append(esc(o.status()))
                    .append("</td><td>").append(esc(o.endsAt())).append("</td></tr>");
        }
        b.append("</table>");
        page(ctx, "Offers and merchants", ses, b.toString());
    }

    private void jobs(Context ctx) {
        Session ses = session(ctx);
        if (ses == null) {
            return;
        }
        StringBuilder b = new StringBuilder("<table id=jobs><tr><th>job</th><th>schedule</th><th>next run</th><th>last run</th>"
                + "<th></th></tr>");
        for (var j : s.jobs().list()) {
            var r = j.lastRun();
            b.append("<tr><td>").append(esc(j.job().id())).append("</td><td>").append(esc(j.schedule())).append("</td><td>")
                    .append(esc(j.nextRunAt())).append("</td><td>").append(r == null ? "never" : esc(r.status() + " "
                            + r.finishedAt() + ": " + r.summary())).append("</td><td><form method=post action='").append(PATH)
                    .append("/jobs/").append(esc(j.job().id())).append("/run'>").append(csrf(ses))
                    .append("<button>Run now</button></form></td></tr>");
        }
        b.append("</table>");
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
