/*
 * An offer compiled for matching: its rules as primitives and small arrays, so
 * that checking a candidate reads one object (a few cache lines) instead of
 * chasing the Offer's Instants, sets, maps, boxed numbers and reward record
 * (with 100,000 offers, each of those is likely a cache miss). MatchingEngine
 * compiles each offer once per catalog; the Offer itself is only read again
 * for the Earned it rewards. Nothing here decides anything: the engine checks
 * these fields in the spec's precedence exactly as it would check the Offer.
 */
package org.accrue.rewards.matching;

import java.math.RoundingMode;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.accrue.rewards.money.Money;
import org.accrue.rewards.offers.Offer;
import org.accrue.rewards.offers.RewardRule;

record CompiledOffer(
        Offer offer,
        String id,
        int index,                    // position in the engine's catalog: a decline is recorded as index and reason
        CompiledOffer next,           // the merchant's next offer in catalog order, or null (category offers: null)
        int chainLength,              // this offer and those after it through next
        boolean active,
        long startSecond, int startNano,
        boolean ends, long endSecond, int endNano,
        Offer.Channel channel,
        String currency,              // interned: compared with the purchase's currency for every candidate
        long[] excludedEpochDays,
        int daysOfWeek,               // bit DayOfWeek.getValue() set for each day the offer runs; 0: every day
        long[] windowFromNanos,       // time windows as nano of day, [from, to); to before from spans midnight
        long[] windowToNanos,
        boolean activationRequired, long activationValidSeconds,
        Offer.Audience audience, long lookBackSeconds,
        long minSpendMinor,
        RewardKind rewardKind,
        long rewardValue,             // RATE: units per divisor of the base; otherwise: the amount
        long rewardDivisor,           // RATE: 10,000 basis points, or minor units per major unit for miles and points
        int punchEvery,
        RewardUnit unit,
        RoundingMode rounding,
        int[] tiers,                  // tier numbers (Compiler's) that have a multiplier ...
        int[] tierMultipliers,        // ... and the multiplier, basis points (both shared between equal offers)
        boolean capped, long maxRewardPerTransactionMinor,
        Offer.Period limitPeriod,     // null: no per-card limit
        boolean limitsRedemptions, int maxRedemptions,
        boolean limitsReward, long maxRewardPerCardMinor,
        boolean budgeted, long budgetMinor,
        boolean stackable,
        CompiledTargeting targeting,  // null: the offer is for everyone, everywhere (issue 17)
        BonusTerms bonus) {           // a bonus offer's terms (RewardRule.Bonus), or null

    /**
     * What a bonus offer (punch card, welcome, spend threshold) checks beside its amount: the threshold and its period,
     * the welcome's window after enrollment (0: none), the punch card's most completions per card (0: no limit).
     */
    record BonusTerms(long thresholdMinor, Offer.Period period, long withinSeconds, int maxCompletions) {
    }

    /** How the reward is computed; percent, miles and points are all "base times a rate, divided, rounded". */
    enum RewardKind { RATE, FIXED, PUNCH_CARD, WELCOME, SPEND_THRESHOLD }

    private static final long SECONDS_PER_DAY = 86_400;
    private static final long CENTS = 100;
    private static final long[] NO_LONGS = {};
    private static final int[] NO_INTS = {};

    /**
     * Compiles the offers of one catalog: numbers the tier names, and shares equal tier arrays between offers (most
     * offers have the same multipliers; one array each would be one more cache miss per offer checked).
     */
    static final class Compiler {
        private final Map<String, Integer> tierNumbers = new HashMap<>();
        private final Map<List<Integer>, int[]> arrays = new HashMap<>();
        private final Map<String, Integer> issuerNumbers = new HashMap<>();

        /** The tier's number, or null when no offer has a multiplier or targeting for it. */
        Integer tierNumber(String tier) {
            return tierNumbers.get(tier);
        }

        int tierNumberOrNew(String tier) {
            return tierNumbers.computeIfAbsent(tier, k -> tierNumbers.size());
        }

        /** The issuer's number, or -1 when no offer is limited to it. */
        int issuerNumber(String issuer) {
            Integer n = issuer == null ? null : issuerNumbers.get(issuer);
            return n == null ? -1 : n;
        }

        int issuerNumberOrNew(String issuer) {
            return issuerNumbers.computeIfAbsent(issuer, k -> issuerNumbers.size());
        }

        CompiledOffer compile(Offer o, int index, CompiledOffer next) {
            return of(o, index, next, this);
        }

        private int[] shared(int[] a) {
            return arrays.computeIfAbsent(Arrays.stream(a).boxed().toList(), k -> a);
        }
    }

    private static CompiledOffer of(Offer o, int index, CompiledOffer next, Compiler compiler) {
        RewardKind kind;
        long value;
        long divisor = 1;
        int every = 0;
        RewardUnit unit;
        BonusTerms bonus = null;
        switch (o.reward()) {
            case RewardRule.Percent r -> {
                kind = RewardKind.RATE;
                value = r.basisPoints();
                divisor = Money.BASIS_POINTS;
                unit = RewardUnit.cash(o.currency());
            }
            case RewardRule.Fixed r -> {
                kind = RewardKind.FIXED;
                value = r.amountMinor();
                unit = RewardUnit.cash(o.currency());
            }
            case RewardRule.MilesPerUnit r -> {
                kind = RewardKind.RATE;
                value = r.milesPerUnit();
                divisor = Money.minorPerMajor(o.currency());
                unit = new RewardUnit(RewardUnit.Kind.MILES, r.program());
            }
            case RewardRule.PointsPerUnit r -> {
                kind = RewardKind.RATE;
                value = r.pointsPerUnit();
                divisor = Money.minorPerMajor(o.currency());
                unit = new RewardUnit(RewardUnit.Kind.POINTS, r.program());
            }
            case RewardRule.PunchCard r -> {
                kind = RewardKind.PUNCH_CARD;
                value = r.amountMinor();
                every = r.every();
                unit = RewardUnit.cash(o.currency());
                bonus = new BonusTerms(0, Offer.Period.OFFER, 0, r.maxCompletions());
            }
            case RewardRule.Welcome r -> {
                kind = RewardKind.WELCOME;
                value = r.amountMinor();
                unit = RewardUnit.cash(o.currency());
                bonus = new BonusTerms(0, Offer.Period.OFFER, r.withinDays() * SECONDS_PER_DAY, 0);
            }
            case RewardRule.SpendThreshold r -> {
                kind = RewardKind.SPEND_THRESHOLD;
                value = r.amountMinor();
                unit = RewardUnit.cash(o.currency());
                bonus = new BonusTerms(r.thresholdMinor(), r.period(), 0, 0);
            }
        }
        int days = 0;
        for (DayOfWeek d : o.daysOfWeek()) {
            days |= 1 << d.getValue();
        }
        long[] from = o.timeWindows().isEmpty() ? NO_LONGS : new long[o.timeWindows().size()];
        long[] to = o.timeWindows().isEmpty() ? NO_LONGS : new long[o.timeWindows().size()];
        for (int i = 0; i < from.length; i++) {
            from[i] = o.timeWindows().get(i).from().toNanoOfDay();
            to[i] = o.timeWindows().get(i).to().toNanoOfDay();
        }
        // Sorted by tier number, so that equal multiplier maps give equal arrays.
        int[] tiers = o.tierMultipliersBasisPoints().isEmpty() ? NO_INTS : new int[o.tierMultipliersBasisPoints().size()];
        int[] multipliers = tiers.length == 0 ? NO_INTS : new int[tiers.length];
        Map<String, Integer> tierNumbers = compiler.tierNumbers;
        int t = 0;
        for (String tier : o.tierMultipliersBasisPoints().keySet()) {
            tiers[t++] = tierNumbers.computeIfAbsent(tier, k -> tierNumbers.size());
        }
        Arrays.sort(tiers);
        for (Map.Entry<String, Integer> e : o.tierMultipliersBasisPoints().entrySet()) {
            multipliers[Arrays.binarySearch(tiers, tierNumbers.get(e.getKey()))] = e.getValue();
        }
        Offer.CardLimit limit = o.cardLimit();
        Instant end = o.endsAt();
        return new CompiledOffer(o, o.id(), index, next, next == null ? 1 : next.chainLength() + 1,
                o.status() == Offer.Status.ACTIVE,
                o.startsAt().getEpochSecond(), o.startsAt().getNano(),
                end != null, end == null ? 0 : end.getEpochSecond(), end == null ? 0 : end.getNano(),
                o.channel(),
                o.currency().intern(),
                o.excludedDates().isEmpty() ? NO_LONGS
                        : o.excludedDates().stream().mapToLong(LocalDate::toEpochDay).sorted().toArray(),
                days, from, to,
                o.activationRequired(), o.activationValidDays() * SECONDS_PER_DAY,
                o.audience(), o.lookBackDays() * SECONDS_PER_DAY,
                o.minSpendMinor(),
                kind, value, divisor, every, unit, o.rounding(),
                compiler.shared(tiers), compiler.shared(multipliers),
                o.maxRewardPerTransactionMinor() != null,
                o.maxRewardPerTransactionMinor() == null ? 0 : o.maxRewardPerTransactionMinor(),
                limit == null ? null : limit.period(),
                limit != null && limit.maxRedemptions() != null,
                limit == null || limit.maxRedemptions() == null ? 0 : limit.maxRedemptions(),
                limit != null && limit.maxRewardMinor() != null,
                limit == null || limit.maxRewardMinor() == null ? 0 : limit.maxRewardMinor(),
                o.budgetMinor() != null, o.budgetMinor() == null ? 0 : o.budgetMinor(),
                o.stacking() == Offer.Stacking.STACKABLE,
                CompiledTargeting.of(o.targeting(), compiler), bonus);
    }

    /** The offer does not run on this local day (an excluded date, or not one of its days of the week). */
    boolean offDay(long epochDay, int dayOfWeekBit) {
        for (long d : excludedEpochDays) {
            if (d == epochDay) {
                return true;
            }
        }
        return daysOfWeek != 0 && (daysOfWeek & dayOfWeekBit) == 0;
    }

    /** The offer has time windows and the local time is in none of them (Offer.TimeWindow.contains, in nanos). */
    boolean offHours(long nanoOfDay) {
        if (windowFromNanos.length == 0) {
            return false;
        }
        for (int i = 0; i < windowFromNanos.length; i++) {
            long from = windowFromNanos[i];
            long to = windowToNanos[i];
            boolean in = from <= to ? nanoOfDay >= from && nanoOfDay < to : nanoOfDay >= from || nanoOfDay < to;
            if (in) {
                return false;
            }
        }
        return true;
    }

    /** Where tier number {@code tier}'s multiplier is in tierMultipliers, or -1 when the offer has none for it. */
    int tierSlot(int tier) {
        for (int i = 0; i < tiers.length; i++) {
            if (tiers[i] == tier) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Money.divide(n, d, rounding), with the division by 10,000 (basis points) or 100 (cents) written with a constant
     * divisor so that the JIT makes it a multiplication: an idiv is most of an eligible offer's arithmetic, and each
     * divides once or twice. An inexact quotient rounded other than DOWN is left to Money.divide.
     */
    static long divide(long n, long d, RoundingMode rounding) {
        long q;
        if (d == Money.BASIS_POINTS) {
            q = n / Money.BASIS_POINTS;
        } else if (d == CENTS) {
            q = n / CENTS;
        } else {
            return Money.divide(n, d, rounding);
        }
        if (rounding == RoundingMode.DOWN || q * d == n) {
            return q; // toward zero, as Money.divide rounds DOWN; or exact, in any rounding
        }
        return Money.divide(n, d, rounding);
    }
}
