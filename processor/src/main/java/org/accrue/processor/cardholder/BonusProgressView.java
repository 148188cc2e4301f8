/*
 * A bonus offer's progress for one card (punch card, welcome, spend threshold), from the matcher's counts
 * (BonusProgress: V26 punches and threshold spend) and the card's live rewards of the offer (completions, bonuses had).
 * The counting rules are the engine's (MatchingEngine.bonusAmount): a punch card completes when the card's live
 * punches reach one more card than its live completions.
 */
package org.accrue.processor.cardholder;

import java.time.LocalDate;
import java.util.List;

import org.accrue.processor.matcher.BonusProgress;
import org.accrue.processor.matcher.RewardQueries;
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.rewards.matching.Periods;
import org.accrue.rewards.offers.Offer;
import org.accrue.rewards.offers.RewardRule;

final class BonusProgressView {
    private BonusProgressView() {
    }

    static Cardholder.Progress progress(Offer o, List<RewardBook.LiveReward> held, BonusProgress.Counts counts, LocalDate today) {
        return switch (o.reward()) {
            case RewardRule.PunchCard p -> {
                int punches = counts.punches(o.id());
                int completions = (int) held.stream().filter(r -> r.amount() > 0).count();
                boolean done = p.maxCompletions() > 0 && completions >= p.maxCompletions();
                int toNext = done ? 0 : Math.max(1, p.every() * (completions + 1) - punches);
                yield new Cardholder.Progress(null, null, null, null, null, punches, p.every(), done ? null : toNext, done,
                        new Cardholder.Bonus(completions, p.maxCompletions() > 0 ? p.maxCompletions() : null, null, null,
                                null, null));
            }
            case RewardRule.Welcome w -> {
                boolean had = held.stream().anyMatch(r -> r.amount() > 0);
                yield new Cardholder.Progress(null, null, null, null, null, null, null, null, had,
                        new Cardholder.Bonus(null, null, null, null, null, had));
            }
            case RewardRule.SpendThreshold t -> {
                String key = Periods.key(t.period(), today);
                boolean had = held.stream().anyMatch(r -> r.amount() > 0 && Periods.key(t.period(), r.localDate()).equals(key));
                yield new Cardholder.Progress(null, null, null, null, null, null, null, null, false,
                        new Cardholder.Bonus(null, null, t.period().name(),
                                new RewardQueries.Amount(counts.spend(o.id(), key), o.currency()),
                                new RewardQueries.Amount(t.thresholdMinor(), o.currency()), had));
            }
            default -> throw new IllegalArgumentException("not a bonus offer: " + o.id());
        };
    }
}
