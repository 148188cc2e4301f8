/*
 * The console card page's bonus offers (issue 17 items 4 and 7): each live punch card, welcome and threshold offer
 * with what it pays and the card's progress as the matcher counts it (Cardholder.offers, which reads the punches and
 * threshold spend through matcher.BonusProgress). No SQL here: the http layer reads through features.
 */
package org.accrue.processor.http;

import java.util.List;

import org.accrue.processor.cardholder.Cardholder;

final class ConsoleBonuses {
    private ConsoleBonuses() {
    }

    static String section(List<Cardholder.OfferView> offers) {
        StringBuilder b = new StringBuilder("<h2>Bonus offers</h2><table id=bonuses><thead><tr><th>offer</th><th>pays</th>"
                + "<th>progress</th></tr></thead><tbody>");
        int n = 0;
        for (Cardholder.OfferView v : offers) {
            Cardholder.Earns e = v.earns();
            if (!e.kind().equals("PUNCH_CARD") && !e.kind().equals("WELCOME") && !e.kind().equals("SPEND_THRESHOLD")) {
                continue;
            }
            n++;
            String pays = Console.money(e.amount().minor(), e.amount().currency()) + switch (e.kind()) {
                case "PUNCH_CARD" -> " every " + e.every() + " visits" + (e.maxCompletions() == null ? ""
                        : ", " + e.maxCompletions() + "x per card");
                case "WELCOME" -> " on the first purchase" + (e.withinDays() == null ? "" : " within " + e.withinDays() + " days");
                default -> " on spending " + Console.money(e.threshold().minor(), e.threshold().currency()) + " per "
                        + e.period().toLowerCase(java.util.Locale.ROOT);
            };
            b.append("<tr data-offer='").append(esc(v.offerId())).append("'><td>").append(esc(v.offerId())).append("</td><td>")
                    .append(esc(pays)).append("</td><td>").append(esc(progress(e.kind(), v.progress()))).append("</td></tr>");
        }
        if (n == 0) {
            b.append("<tr><td colspan=3>no live bonus offers</td></tr>");
        }
        return b.append("</tbody></table>").toString();
    }

    private static String progress(String kind, Cardholder.Progress p) {
        if (p == null || p.bonus() == null) {
            return "";
        }
        Cardholder.Bonus bonus = p.bonus();
        return switch (kind) {
            case "PUNCH_CARD" -> p.punches() + " punch(es), " + bonus.completions() + " completion(s)"
                    + (p.punchesToNextReward() == null ? ", no more completions" : ", " + p.punchesToNextReward() + " to the next");
            case "WELCOME" -> Boolean.TRUE.equals(bonus.earned()) ? "earned" : "not yet";
            default -> Console.money(bonus.spendInPeriod().minor(), bonus.spendInPeriod().currency()) + " of "
                    + Console.money(bonus.threshold().minor(), bonus.threshold().currency()) + " this " + bonus.thresholdPeriod()
                    .toLowerCase(java.util.Locale.ROOT) + (Boolean.TRUE.equals(bonus.earned()) ? ", bonus earned" : "");
        };
    }

    private static String esc(String s) {
        return CardholderPage.esc(s); // escapes quotes too: the offer id goes into an attribute
    }
}
