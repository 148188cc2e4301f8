/*
 * One exception on the console (/console/exceptions/{id}): its fields, the
 * resolve or approve form, assigning it, its audit trail and the ledger of its
 * reward with the accounts' owners named (cards masked, merchants by name).
 */
package org.accrue.processor.http;

import static org.accrue.processor.http.Console.PATH;
import static org.accrue.processor.http.Console.age;
import static org.accrue.processor.http.Console.esc;
import static org.accrue.processor.http.Console.money;
import static org.accrue.processor.http.ConsoleChrome.csrf;
import static org.accrue.processor.http.ConsoleChrome.page;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.accrue.processor.cards.Enrollment;
import org.accrue.processor.catalog.Catalog;
import org.accrue.processor.confirmations.ExceptionsQueue;
import org.accrue.processor.exceptions.Exceptions.Status;
import org.accrue.processor.http.Console.Session;
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.rewards.ledger.Account;

import io.javalin.http.Context;

final class ConsoleExceptions {
    /** One line of an exception's page: its name (also the cell's id, f-<name>) and what it shows. */
    private record Field(String name, Object value) {
    }

    private final ConsoleChrome chrome;
    private final OperationsRoutes.Services s;
    private final Catalog catalog;
    private final Enrollment enrollment;
    /** The reward and ledger views the console shows (the book owns those tables). */
    private final RewardBook rewards;

    ConsoleExceptions(ConsoleChrome chrome, OperationsRoutes.Services s, Catalog catalog, Enrollment enrollment,
                      RewardBook rewards) {
        this.chrome = chrome;
        this.s = s;
        this.catalog = catalog;
        this.enrollment = enrollment;
        this.rewards = rewards;
    }

    private Session session(Context ctx) {
        return chrome.session(ctx);
    }

    private Session post(Context ctx) {
        return chrome.post(ctx);
    }

    /** "12.50 USD" for money (alpha or numeric ISO 4217), "1200 SKY" for miles. */
    static String amount(ExceptionsQueue.Item e) {
        return money(e.amount(), e.currency());
    }

    static String resolveForm(Session ses, ExceptionsQueue.Item e) {
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

    void resolve(Context ctx) {
        act(ctx, (ses, id) -> {
            try {
                ExceptionsQueue.Item e = s.exceptions().resolve(id, ExceptionsQueue.Action.valueOf(ctx.formParam("action")),
                        ctx.formParam("reason"), ses.principal().keyName());
                return ": " + e.status() + (e.resolution() == null ? "" : " (" + e.resolution() + ")");
            } catch (org.accrue.processor.Refusal | IllegalArgumentException r) {
                return " not resolved: " + r.getMessage();
            }
        });
    }

    void approve(Context ctx) {
        act(ctx, (ses, id) -> {
            try {
                return ": " + s.exceptions().approve(id, "true".equals(ctx.formParam("approve")), ctx.formParam("reason"),
                        ses.principal().keyName()).status();
            } catch (org.accrue.processor.Refusal r) {
                return ": " + r.getMessage();
            }
        });
    }

    /** A form post on one exception: {@code action} answers what came of it, shown above the exception it leads back to. */
    private void act(Context ctx, java.util.function.BiFunction<Session, Long, String> action) {
        Session ses = post(ctx);
        if (ses == null) {
            return;
        }
        long id = id(ctx);
        String msg = "Exception " + id + action.apply(ses, id);
        ctx.redirect(PATH + "/exceptions/" + id + "?done=" + java.net.URLEncoder.encode(msg, java.nio.charset.StandardCharsets.UTF_8));
    }

    void assign(Context ctx) {
        Session ses = post(ctx);
        if (ses == null) {
            return;
        }
        long id = id(ctx);
        s.exceptions().assign(id, ctx.formParam("assignee"), ses.principal().keyName());
        ctx.redirect(PATH + "/exceptions/" + id);
    }

    void exception(Context ctx) {
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
}
