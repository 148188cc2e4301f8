package org.accrue.processor.http;

import java.util.Optional;

import org.accrue.processor.tiers.TierProgram;
import org.accrue.processor.tiers.TierPrograms;

/** The cardholder page's tier: the tier now, progress since the window began, the gap to the next, a pending downgrade. */
final class TierSection {
    private TierSection() {
    }

    static void append(StringBuilder b, CardholderTexts t, Optional<TierPrograms.CardTier> tier) {
        if (tier.isEmpty()) {
            return; // no program for the card's issuer: nothing to show
        }
        TierProgram p = tier.get().program();
        var s = tier.get().state();
        b.append("<section aria-labelledby=h-tier><h2 id=h-tier>").append(CardholderPage.esc(t.m("tier"))).append("</h2><dl id=tier>");
        b.append("<dt>").append(CardholderPage.esc(p.name())).append("</dt><dd data-kind=tier>")
                .append(CardholderPage.esc(s.tier() == null ? t.m("tier.none") : s.tier())).append("</dd>");
        b.append("<dd data-kind=progress>").append(CardholderPage.esc(t.m("tier.progress", value(t, p, s.progress()),
                t.date(s.periodStart())))).append("</dd>");
        b.append("<dd data-kind=next>").append(CardholderPage.esc(s.nextTier() == null ? t.m("tier.top")
                : t.m("tier.next", value(t, p, s.gap()), s.nextTier()))).append("</dd>");
        if (s.downgradePendingUntil() != null) {
            b.append("<dd data-kind=downgrade>").append(CardholderPage.esc(s.downgradeTo() == null
                    ? t.m("tier.keeps", s.tier(), t.date(s.downgradePendingUntil()))
                    : t.m("tier.keepsThen", s.tier(), t.date(s.downgradePendingUntil()), s.downgradeTo()))).append("</dd>");
        }
        b.append("</dl></section>");
    }

    private static String value(CardholderTexts t, TierProgram p, long v) {
        return switch (p.measure()) {
            case SPEND -> t.money(v, p.currency());
            case POINTS -> t.number(v) + " " + t.m("points");
            case COUNT -> t.m("tier.purchases", t.number(v));
        };
    }
}
