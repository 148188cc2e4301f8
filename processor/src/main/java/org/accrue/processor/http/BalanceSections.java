/*
 * The cardholder page's balance sections: a summary of what the card has earned, its rewards, its points (with what
 * expires when) and the miles sent to airlines. Every value escaped; reversed, rejected and expired rewards count
 * in no total.
 */
package org.accrue.processor.http;

import static org.accrue.processor.http.CardholderPage.esc;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.accrue.processor.cardholder.Cardholder;
import org.accrue.processor.matcher.RewardQueries;

final class BalanceSections {
    private BalanceSections() {
    }

    private static boolean counts(String status) {
        return !status.equals("REVERSED") && !status.equals("REJECTED") && !status.equals("EXPIRED");
    }

    static void summary(StringBuilder b, CardholderTexts t, List<RewardQueries.RewardBody> rewards, Cardholder.PointsView pv) {
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

    static void rewardsTable(StringBuilder b, CardholderTexts t, List<RewardQueries.RewardBody> rewards) {
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

    static void points(StringBuilder b, CardholderTexts t, Cardholder.PointsView pv) {
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

    static void miles(StringBuilder b, CardholderTexts t, List<org.accrue.processor.miles.MilesAccrual.CardAccrual> miles) {
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
}
