/*
 * The console's exceptions queue (/console): the open counts charted by type
 * and age, the filters (status, type, age bucket, issuer, card), paging by
 * offset, and assigning many ticked rows at once (one CSRF-checked POST). One
 * exception's page and its resolution are ConsoleExceptions.
 */
package org.accrue.processor.http;

import static org.accrue.processor.http.Console.PATH;
import static org.accrue.processor.http.Console.age;
import static org.accrue.processor.http.Console.esc;
import static org.accrue.processor.http.ConsoleChrome.csrf;
import static org.accrue.processor.http.ConsoleChrome.page;
import static org.accrue.processor.http.ConsoleExceptions.amount;
import static org.accrue.processor.http.ConsoleExceptions.resolveForm;

import java.util.List;

import org.accrue.processor.confirmations.ExceptionsQueue;
import org.accrue.processor.exceptions.Exceptions.Status;
import org.accrue.processor.exceptions.Exceptions.Type;
import org.accrue.processor.http.Console.Session;

import io.javalin.http.Context;

final class ConsoleQueue {
    /** Rows on a page of the queue unless the page asks for another size; the sizes it may ask for. */
    private static final int QUEUE_PAGE_ROWS = 50;
    private static final List<Integer> QUEUE_PAGE_SIZES = List.of(25, 50, 100, 200);
    /** Exceptions one bulk assignment may name (the largest page). */
    private static final int BULK_ASSIGN_MAX = 200;
    /** Characters of a filter's free text (issuer ids are at most 16, account references 64). */
    private static final int FILTER_CHARS_MAX = 64;
    /** An open exception older than this is shown in red. */
    private static final long OLD_SECONDS = 3 * 86_400;

    private final ConsoleChrome chrome;
    private final OperationsRoutes.Services s;

    ConsoleQueue(ConsoleChrome chrome, OperationsRoutes.Services s) {
        this.chrome = chrome;
        this.s = s;
    }

    private Session session(Context ctx) {
        return chrome.session(ctx);
    }

    private Session post(Context ctx) {
        return chrome.post(ctx);
    }

    void queue(Context ctx) {
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
        String card = cardParam(ctx);
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

    /**
     * {@code ?card=}: a card's last four digits or its account reference (as {@link ExceptionsQueue.Filter} matches
     * them), null when blank; a run of 13 or more digits is refused (400 PARAMETER_INVALID): a card number is never a
     * filter, and is not echoed back.
     */
    static String cardParam(Context ctx) {
        String v = textParam(ctx, "card");
        if (v != null && org.accrue.processor.ids.Ids.holdsCardNumberLikeRun(v)) {
            throw Problem.badRequest("PARAMETER_INVALID", "card is a card's last four digits or its account reference, "
                    + "never a card number");
        }
        return v;
    }

    /** {@code ?age=}: absent or empty is any age; anything else names a bucket (400 PARAMETER_INVALID). */
    static ExceptionsQueue.Age ageParam(Context ctx) {
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
    void bulkAssign(Context ctx) {
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
}
