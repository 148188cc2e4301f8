/*
 * What a message does to bonus offers (punch cards, welcome, spend thresholds: RewardRule.Bonus), beside what
 * RewardLifecycle does to rewards:
 *
 *   purchase earned      -> a punch for every punch card offer it qualified for, its base added to the spend of every
 *                           threshold offer it qualified for (whatever else it earned: MatchResult.counted)
 *   refund (DE37)        -> a refund of the whole visit takes its punches back; the refunded share of its base comes
 *                           off the threshold spend
 *   reversal (DE90)      -> a full one takes the punches back and all of the spend; a partial one (DE95) leaves the
 *                           punch and the spend of the replacement amount
 * and the bonus rewards themselves:
 *   punch card, welcome  -> reversed (clawed back when sent or posted) only when their purchase is refunded or
 *                           reversed in full; a partial refund leaves them (the visit happened)
 *   spend threshold      -> reversed when the card's spend in the bonus's period falls back below the threshold,
 *                           whichever purchase's refund took it there; never reduced in proportion
 *   authorization never cleared
 *                        -> as a full reversal, by the sweep, once the clearing window is over (V30: clears_by): its
 *                           punches and all of its spend taken back, a threshold bonus reversed if the spend falls
 *                           below it (its own rewards expire in the same sweep)
 * Every reward change goes through the Reward's own transitions (MatchBatch.save). A refund that finds its purchase
 * only by the card and MID (no DE37 match) takes back no punch or spend, and leaves bonus rewards as they are.
 */
package org.accrue.processor.matcher;

import java.math.RoundingMode;
import java.sql.SQLException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.TemporalAdjusters;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.accrue.processor.rewardbook.MatcherRewards;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.Earned;
import org.accrue.rewards.matching.MatchResult;
import org.accrue.rewards.matching.Periods;
import org.accrue.rewards.money.Money;
import org.accrue.rewards.offers.Offer;
import org.accrue.rewards.offers.RewardRule;

final class BonusLifecycle {
    /** The first and after the last day a DATE column holds: the bounds of an OFFER period. */
    private static final LocalDate FIRST_DAY = LocalDate.of(1000, 1, 1);
    private static final LocalDate AFTER_LAST_DAY = LocalDate.of(9999, 12, 31);

    /** What a refund or reversal leaves of a purchase: the base that stays counted, or -1 when it cannot be told. */
    @FunctionalInterface
    interface Kept {
        long of(long baseMinor, long remainingMinor, long purchaseMinor, String currency);
    }

    /** How a reward of a bonus offer follows its purchase's refunds and reversals. */
    enum Follows { PURCHASE_SHARE, WHOLE_VISIT, THRESHOLD }

    /** What took back the counts of an authorization that never cleared: no message (the sweep). */
    static final long EXPIRED_UNCLEARED = 0;

    private final MatchBatch w;
    private final Function<String, Offer> offers;
    private final Instant now;
    private final java.time.Duration clearingWindow;

    BonusLifecycle(MatchBatch w, Function<String, Offer> offers, Instant now, java.time.Duration clearingWindow) {
        this.w = w;
        this.offers = offers;
        this.now = now;
        this.clearingWindow = clearingWindow;
    }

    /** How a reward follows refunds: in proportion (every offer but a bonus), with the whole visit, or its threshold. */
    Follows follows(Reward r) {
        String offerId = w.offerOf(r.id());
        Offer o = offerId == null ? null : offers.apply(offerId);
        if (o == null) {
            return Follows.PURCHASE_SHARE;
        }
        return switch (o.reward()) {
            case RewardRule.PunchCard p -> Follows.WHOLE_VISIT;
            case RewardRule.Welcome p -> Follows.WHOLE_VISIT;
            case RewardRule.SpendThreshold p -> Follows.THRESHOLD;
            default -> Follows.PURCHASE_SHARE;
        };
    }

    /** Records the purchase's punches and threshold spend; returns what it counted, for the outcome's detail. */
    String counted(StoredMessage m, MatchResult r, LocalDate localDate) throws SQLException {
        StringBuilder detail = new StringBuilder();
        BonusCounts counts = w.bonus();
        for (Earned e : r.counted()) {
            Offer o = e.offer();
            Money purchase = m.amountIn(e.baseCurrency());
            if (purchase == null) {
                continue; // the engine took the base in this currency from DE4 or DE6: not reached
            }
            // An authorization counts now and until its clearing is due; if none comes, the sweep takes it back.
            BonusCounts.Visit v = new BonusCounts.Visit(m.cardId(), m.id(), m.lifecycleKey(), m.rrnKey(), purchase.minor(),
                    purchase.currency(), localDate, m.mti().isFinancial() ? null : m.receivedAt().plus(clearingWindow));
            switch (o.reward()) {
                case RewardRule.PunchCard p -> {
                    counts.punch(v, o.id());
                    int n = counts.punches(m.cardId(), o.id());
                    detail.append("punch ").append(o.id()).append(' ').append((n - 1) % p.every() + 1).append('/')
                            .append(p.every()).append("; ");
                }
                case RewardRule.SpendThreshold t -> {
                    String period = Periods.key(t.period(), localDate);
                    counts.spend(v, o.id(), period, m.id(), Math.max(0, e.baseMinor()));
                    detail.append("spend ").append(o.id()).append(' ').append(counts.spend(m.cardId(), o.id(), period))
                            .append('/').append(t.thresholdMinor()).append(' ').append(period).append("; ");
                }
                default -> {
                    // a welcome counts nothing: its reward is its record
                }
            }
        }
        return detail.toString();
    }

    /** A refund of {@code refunded} (found by DE37): what it leaves of each counted base. */
    static Kept refund(StoredMessage refund) {
        return (base, remaining, purchase, currency) -> {
            Money refunded = refund.amountIn(currency);
            if (refunded == null) {
                return -1;
            }
            long back = purchase == 0 ? base : Money.divide(Math.multiplyExact(refunded.minor(), base), purchase, RoundingMode.HALF_UP);
            return Math.max(0, remaining - back);
        };
    }

    /** A reversal: nothing kept, or (DE95) the replacement's share of each base. */
    static Kept reversal(Long replacementMinor, long originalMinor) {
        return (base, remaining, purchase, currency) -> replacementMinor == null || originalMinor == 0 ? 0
                : Math.min(remaining, Money.divide(Math.multiplyExact(base, replacementMinor), originalMinor, RoundingMode.DOWN));
    }

    /**
     * Takes back what message {@code by} returns of the purchase found by {@code purchaseKey} (its rrn key for a
     * refund, its lifecycle key for a reversal): the punches of a visit returned whole, the spend returned; then reverses
     * each threshold bonus whose period's spend fell below its threshold. Returns what it did, for the outcome's detail.
     */
    String takeBack(long byMessageId, String purchaseKey, boolean byRrn, Kept kept) throws SQLException {
        BonusCounts counts = w.bonus();
        int punchesBack = 0;
        for (BonusCounts.Punch p : counts.punchesOf(purchaseKey, byRrn)) {
            if (kept.of(p.purchaseMinor(), p.purchaseMinor(), p.purchaseMinor(), p.currency()) == 0) {
                counts.removePunch(p, byMessageId);
                punchesBack++;
            }
        }
        Map<String, BonusCounts.Spend> fell = new LinkedHashMap<>(); // card|offer|period -> a purchase of it
        long spendBack = 0;
        for (BonusCounts.Spend s : counts.spendOf(purchaseKey, byRrn)) {
            long left = kept.of(s.baseMinor(), s.remainingMinor(), s.purchaseMinor(), s.currency());
            if (left < 0 || left >= s.remainingMinor()) {
                continue;
            }
            BonusCounts.Visit purchase = new BonusCounts.Visit(s.cardId(), s.purchaseMessageId(), s.lifecycleKey(),
                    s.rrnKey(), s.purchaseMinor(), s.currency(), s.localDate(), null);
            counts.spend(purchase, s.offerId(), s.periodKey(), byMessageId, left - s.remainingMinor());
            spendBack += s.remainingMinor() - left;
            fell.put(s.cardId() + "|" + s.offerId() + "|" + s.periodKey(), s);
        }
        int reversed = 0;
        for (BonusCounts.Spend s : fell.values()) {
            reversed += reverseBelowThreshold(s);
        }
        if (punchesBack == 0 && spendBack == 0) {
            return "";
        }
        return "; took back " + punchesBack + " punch(es) and " + spendBack + " of threshold spend"
                + (reversed > 0 ? ", reversed " + reversed + " threshold bonus(es)" : "");
    }

    /**
     * The sweep's part: authorizations whose clearing was due before now (at most {@code limit} rows of each table). One
     * whose clearing came keeps its counts; one whose clearing never came has them taken back as a full reversal would.
     * Either way its rows are not due again. Returns how many visits were looked at.
     */
    int settleUncleared(int limit) throws SQLException {
        BonusCounts counts = w.bonus();
        List<BonusCounts.DueClearing> due = counts.dueClearings(limit);
        for (BonusCounts.DueClearing d : due) {
            if (!w.clearedAfter(d.authMessageId())) {
                takeBack(EXPIRED_UNCLEARED, d.lifecycleKey(), false, reversal(null, 0));
            }
            counts.clearingSettled(d.lifecycleKey());
        }
        return due.size();
    }

    /** The card's threshold bonus in the period of {@code s}, reversed when the period's spend is below the threshold. */
    private int reverseBelowThreshold(BonusCounts.Spend s) throws SQLException {
        Offer o = offers.apply(s.offerId());
        if (o == null || !(o.reward() instanceof RewardRule.SpendThreshold t)
                || w.bonus().spend(s.cardId(), s.offerId(), s.periodKey()) >= t.thresholdMinor()) {
            return 0;
        }
        LocalDate from = periodStart(t.period(), s.localDate());
        int n = 0;
        for (MatcherRewards.Dated d : w.liveOf(s.cardId(), s.offerId(), from, periodEnd(t.period(), from))) {
            if (d.reward().amount() > 0) {
                w.save(d.reward(), d.reward().reduceTo(0, now));
                n++;
            }
        }
        return n;
    }

    /** The first day of the period (as Periods keys it) that holds {@code date}. */
    static LocalDate periodStart(Offer.Period period, LocalDate date) {
        return switch (period) {
            case OFFER -> FIRST_DAY;
            case DAY -> date;
            case WEEK -> date.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTH -> date.withDayOfMonth(1);
            case YEAR -> date.withDayOfYear(1);
        };
    }

    /** The day after the period that starts on {@code start}. */
    static LocalDate periodEnd(Offer.Period period, LocalDate start) {
        return switch (period) {
            case OFFER -> AFTER_LAST_DAY;
            case DAY -> start.plusDays(1);
            case WEEK -> start.plusWeeks(1);
            case MONTH -> start.plusMonths(1);
            case YEAR -> start.plusYears(1);
        };
    }
}
