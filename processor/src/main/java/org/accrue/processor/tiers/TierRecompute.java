/*
 * A card's tier from the store: the program's measure over its window (and, for a calendar-year program, the year
 * before, whose qualification still holds this year), through TierRules. The tiers job uses it for every card
 * (downgrades allowed); the matcher for a card of a program that has no stored state yet (upgrades only).
 */
package org.accrue.processor.tiers;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

final class TierRecompute {
    private TierRecompute() {
    }

    static List<TierRules.Outcome> of(Connection c, TierProgram p, List<Long> cards, Map<Long, TierState> old, Instant now,
                                      boolean mayDowngrade) throws SQLException {
        List<TierRules.Outcome> out = new ArrayList<>(cards.size());
        if (cards.isEmpty()) {
            return out;
        }
        LocalDate periodStart = p.periodStart(now);
        Instant from = p.window() == TierProgram.Window.CALENDAR_YEAR
                ? periodStart.atStartOfDay(ZoneOffset.UTC).toInstant() : now.minus(Duration.ofDays(365));
        Map<Long, Long> current = Measures.of(c, p, cards, from, null);
        Map<Long, Long> lastYear = p.window() == TierProgram.Window.CALENDAR_YEAR
                ? Measures.of(c, p, cards, periodStart.minusYears(1).atStartOfDay(ZoneOffset.UTC).toInstant(), from) : Map.of();
        for (Long card : cards) {
            long progress = current.getOrDefault(card, 0L);
            String earned = p.higher(p.tierOf(progress), lastYear.containsKey(card) ? p.tierOf(lastYear.get(card)) : null);
            out.add(TierRules.apply(p, old.get(card), card, earned, progress, periodStart, now, mayDowngrade));
        }
        return out;
    }
}
