/*
 * The console's catalog pages: offers and merchants (/console/catalog, with
 * targeting, segments and tier programs) and points programs and coalitions
 * (/console/points).
 */
package org.accrue.processor.http;

import static org.accrue.processor.http.Console.PATH;
import static org.accrue.processor.http.Console.esc;
import static org.accrue.processor.http.Console.rule;
import static org.accrue.processor.http.ConsoleChrome.page;

import java.util.Map;

import org.accrue.processor.catalog.Catalog;
import org.accrue.processor.http.Console.Session;

import io.javalin.http.Context;

final class ConsoleCatalog {
    private final ConsoleChrome chrome;
    private final OperationsRoutes.Services s;
    private final Catalog catalog;

    ConsoleCatalog(ConsoleChrome chrome, OperationsRoutes.Services s, Catalog catalog) {
        this.chrome = chrome;
        this.s = s;
        this.catalog = catalog;
    }

    private Session session(Context ctx) {
        return chrome.session(ctx);
    }

    void catalogPage(Context ctx) {
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

    /** Points programs and coalitions with their settlements (PointsConsole). */
    void pointsPage(Context ctx) {
        Session ses = session(ctx);
        if (ses != null) {
            page(ctx, "Points and coalitions", ses, PointsConsole.body(s.points().programs(), s.coalitions()));
        }
    }
}
