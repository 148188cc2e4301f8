/*
 * How a card's tier moves, given the tier its measure earns now: up at once; down only after the program's grace
 * period, which starts the first time the card is seen below its tier and is forgotten when it qualifies again. A
 * tier the program no longer has (the issuer changed its program) is replaced at once by what the card earns.
 * Pure: the caller reads and writes the state and sends the event.
 */
package org.accrue.processor.tiers;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;

final class TierRules {
    private TierRules() {
    }

    /** The new state, and the change when the tier changed (from, to), else null. */
    record Outcome(TierState state, Change change) {
    }

    /** A tier change, for tier.changed. */
    record Change(String program, String from, String to) {
    }

    /**
     * {@code old} (null: none stored) moved to what {@code earned} says at {@code now}. {@code mayDowngrade}: the
     * tiers job decides downgrades; the matcher only ever upgrades (a refund lowers progress, never the tier at once).
     */
    static Outcome apply(TierProgram p, TierState old, long cardId, String earned, long progress, LocalDate periodStart,
                         Instant now, boolean mayDowngrade) {
        String current = old == null ? null : old.tier();
        Instant since = old == null ? null : old.since();
        Instant pendingUntil = old == null ? null : old.downgradePendingUntil();
        String downgradeTo = null;
        String tier = current;
        boolean unknown = current != null && p.rank(current) < 0;
        if (unknown || p.rank(earned) > p.rank(current)) {
            tier = earned;
            pendingUntil = null;
        } else if (p.rank(earned) == p.rank(current)) {
            pendingUntil = null;
        } else if (mayDowngrade) {
            if (pendingUntil == null) {
                pendingUntil = now.plus(Duration.ofDays(p.graceDays()));
            }
            if (!now.isBefore(pendingUntil)) {
                tier = earned;
                pendingUntil = null;
            } else {
                downgradeTo = earned;
            }
        } else if (pendingUntil != null) {
            downgradeTo = old.downgradeTo(); // the job's verdict stands until it looks again
        }
        Change change = null;
        if (!java.util.Objects.equals(tier, current)) {
            since = tier == null ? null : now;
            change = new Change(p.name(), current, tier);
        }
        TierProgram.Level next = p.next(tier);
        Long gap = next == null ? null : Math.max(0, next.threshold() - progress);
        return new Outcome(new TierState(cardId, p.name(), tier, since, progress, periodStart,
                next == null ? null : next.tier(), gap, pendingUntil, downgradeTo, now), change);
    }
}
