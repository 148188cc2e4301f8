/*
 * The console's Points page: each points program (whose, earn rates, expiry rule, minimum, redemption options)
 * and each coalition with its members' agreed rates and its settlement statement (who owes whom, per period).
 */
package org.accrue.processor.http;

import java.util.stream.Collectors;

import org.accrue.processor.coalition.Coalition;
import org.accrue.processor.coalition.Coalitions;
import org.accrue.processor.points.PointsProgram;
import org.accrue.processor.points.PointsPrograms;
import org.eclipse.jetty.util.StringUtil;

final class PointsConsole {
    private PointsConsole() {
    }

    private static String esc(Object o) {
        return o == null ? "" : StringUtil.sanitizeXmlString(String.valueOf(o));
    }

    static String body(PointsPrograms programs, Coalitions coalitions) {
        StringBuilder b = new StringBuilder("<h2>Programs</h2><table id=programs><tr><th>program</th><th>issuer</th>"
                + "<th>earns</th><th>expiry</th><th>minimum</th><th>statement credit</th><th>miles</th><th>vouchers</th>"
                + "<th>warning</th></tr>");
        for (PointsProgram p : programs.list(null)) {
            String earns = p.pointsPerUnit() + " per " + p.currency() + (p.bonuses().isEmpty() ? "" : "; "
                    + p.bonuses().stream().map(x -> x.pointsPerUnit() + " in " + x.mcc()).collect(Collectors.joining(", ")));
            b.append("<tr id='p-").append(esc(p.program())).append("'><td>").append(esc(p.program())).append(" (")
                    .append(esc(p.name())).append(")</td><td>").append(p.issuerId() == null ? "any (configuration)"
                            : esc(p.issuerId())).append("</td><td>").append(esc(earns)).append("</td><td>")
                    .append(esc(p.expiry().kind() + " " + p.expiry().count())).append("</td><td>")
                    .append(p.minRedemption()).append("</td><td>")
                    .append(esc(Console.money(p.cashMinorPer1000Points(), p.currency()))).append(" per 1,000</td><td>")
                    .append(esc(p.milesPer1000Points().entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
                            .collect(Collectors.joining(", ")))).append("</td><td>")
                    .append(esc(p.vouchers().stream().map(v -> v.partner() + " " + Console.money(v.faceMinor(),
                            v.currency()) + " for " + v.pointsPrice()).collect(Collectors.joining(", "))))
                    .append("</td><td>").append(p.warningDays()).append(" days</td></tr>");
        }
        b.append("</table><h2>Coalitions</h2>");
        var all = coalitions.list();
        if (all.isEmpty()) {
            b.append("<p class=muted id=no-coalitions>No coalitions.</p>");
        }
        for (Coalition k : all) {
            b.append("<h3>").append(esc(k.coalitionId())).append(" · ").append(esc(k.name())).append("</h3>")
                    .append("<table id='c-").append(esc(k.coalitionId())).append("'><tr><th>member</th><th>program</th>")
                    .append("<th>value of 1,000 points elsewhere</th></tr>");
            for (Coalition.Member m : k.members()) {
                b.append("<tr><td>").append(esc(m.memberId())).append(" (").append(esc(m.name())).append(")</td><td>")
                        .append(esc(m.program() == null ? "-" : m.program())).append("</td><td>")
                        .append(esc(Console.money(m.cashMinorPer1000Points(), k.currency()))).append("</td></tr>");
            }
            b.append("</table><table id='s-").append(esc(k.coalitionId())).append("'><tr><th>period</th><th>owes</th>")
                    .append("<th>to</th><th>redemptions</th><th>points</th><th>amount</th></tr>");
            for (Coalition.Settlement s : coalitions.settlements(k.coalitionId(), null)) {
                b.append("<tr><td>").append(esc(s.periodStart() + " to " + s.periodEnd())).append("</td><td>")
                        .append(esc(s.debtorMember())).append("</td><td>").append(esc(s.creditorMember()))
                        .append("</td><td>").append(s.redemptions()).append("</td><td>").append(s.points())
                        .append("</td><td>").append(esc(Console.money(s.amountMinor(), s.currency())))
                        .append("</td></tr>");
            }
            b.append("</table>");
        }
        return b.toString();
    }
}
