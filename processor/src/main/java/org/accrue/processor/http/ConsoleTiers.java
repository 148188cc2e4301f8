package org.accrue.processor.http;

import org.accrue.processor.tiers.TierProgram;
import org.accrue.processor.tiers.TierPrograms;
import org.accrue.rewards.money.Money;

/** The console's tiers: a card's tier state on its page, and the tier programs on the catalog page. */
final class ConsoleTiers {
    private ConsoleTiers() {
    }

    /** The card's tier, progress, gap and pending downgrade; empty when no program applies or none is stored yet. */
    static String card(TierPrograms tiers, long cardRow, String issuerId) {
        var t = tiers == null ? java.util.Optional.<TierPrograms.CardTier>empty() : tiers.ofCard(cardRow, issuerId);
        if (t.isEmpty()) {
            return "";
        }
        TierProgram p = t.get().program();
        var s = t.get().state();
        StringBuilder b = new StringBuilder("<h2>Tier</h2><p id=tier class=panel>");
        b.append(esc(p.name())).append(": <strong>").append(esc(s.tier() == null ? "none" : s.tier())).append("</strong>");
        if (s.since() != null) {
            b.append(" since ").append(esc(s.since()));
        }
        b.append(" · progress ").append(esc(value(p, s.progress()))).append(" from ").append(esc(s.periodStart()));
        if (s.nextTier() != null) {
            b.append(" · ").append(esc(value(p, s.gap()))).append(" to ").append(esc(s.nextTier()));
        }
        if (s.downgradePendingUntil() != null) {
            b.append(" · <span class=warn>downgrade to ").append(esc(s.downgradeTo() == null ? "none" : s.downgradeTo()))
                    .append(" on ").append(esc(s.downgradePendingUntil())).append("</span>");
        }
        return b.append(" · computed ").append(esc(s.computedAt())).append("</p>").toString();
    }

    /** Every issuer's own tier program and the default one. */
    static String programs(TierPrograms tiers) {
        if (tiers == null) {
            return "";
        }
        StringBuilder b = new StringBuilder("<h2>Tier programs</h2><table id=tier-programs><thead><tr><th>issuer</th>"
                + "<th>name</th><th>measure</th><th>window</th><th class=num>grace days</th><th>tiers</th></tr></thead><tbody>");
        java.util.List<TierProgram> all = new java.util.ArrayList<>(tiers.all().values());
        if (tiers.defaultProgram() != null) {
            all.add(tiers.defaultProgram());
        }
        for (TierProgram p : all) {
            StringBuilder levels = new StringBuilder();
            p.levels().forEach(l -> levels.append(levels.isEmpty() ? "" : ", ").append(l.tier()).append(' ').append(value(p, l.threshold())));
            b.append("<tr><td>").append(esc(p.issuerId() == null ? "(default)" : p.issuerId())).append("</td><td>")
                    .append(esc(p.name())).append("</td><td>").append(esc(p.measure())).append("</td><td>").append(esc(p.window()))
                    .append("</td><td class=num>").append(p.graceDays()).append("</td><td>").append(esc(levels)).append("</td></tr>");
        }
        return b.append("</tbody></table>").toString();
    }

    private static String value(TierProgram p, long v) {
        return switch (p.measure()) {
            case SPEND -> Money.show(v, p.currency());
            case POINTS -> v + " points";
            case COUNT -> v + " purchases";
        };
    }

    private static String esc(Object o) {
        return CardholderPage.esc(o);
    }
}
