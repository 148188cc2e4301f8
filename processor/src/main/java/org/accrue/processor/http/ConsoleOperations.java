/*
 * The console's operations pages: job runs with a run-now button
 * (/console/jobs), webhook endpoints and dead deliveries to re-enable and
 * replay (/console/webhooks), and the node's health (/console/health).
 */
package org.accrue.processor.http;

import static org.accrue.processor.http.Console.PATH;
import static org.accrue.processor.http.Console.esc;
import static org.accrue.processor.http.ConsoleChrome.csrf;
import static org.accrue.processor.http.ConsoleChrome.page;

import org.accrue.processor.http.Console.Session;

import io.javalin.http.Context;

final class ConsoleOperations {
    private final ConsoleChrome chrome;
    private final OperationsRoutes.Services s;
    private final ApiServer.Health health;

    ConsoleOperations(ConsoleChrome chrome, OperationsRoutes.Services s, ApiServer.Health health) {
        this.chrome = chrome;
        this.s = s;
        this.health = health;
    }

    private Session session(Context ctx) {
        return chrome.session(ctx);
    }

    private Session post(Context ctx) {
        return chrome.post(ctx);
    }

    void jobs(Context ctx) {
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

    void runJob(Context ctx) {
        Session ses = post(ctx);
        if (ses == null) {
            return;
        }
        var job = OperationsRoutes.job(s.jobs(), ctx.pathParam("name")).orElseThrow(() -> Problem.notFound("job"));
        s.jobs().request(job, "console:" + ses.principal().keyName());
        ctx.redirect(PATH + "/jobs");
    }

    /** Webhook endpoints (a disabled one with its reason, to re-enable) and the dead deliveries, each to replay. */
    void webhooks(Context ctx) {
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

    void replayWebhook(Context ctx) {
        Session ses = post(ctx);
        if (ses == null) {
            return;
        }
        if (s.webhooks() == null || !s.webhooks().replay(null, ctx.pathParam("id"), ctx.pathParam("eventId"))) {
            throw Problem.notFound("delivery");
        }
        ctx.redirect(PATH + "/webhooks");
    }

    void enableWebhook(Context ctx) {
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

    void healthPage(Context ctx) {
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
