/*
 * An offer: who earns what, where, when, and who pays (offers-and-rewards.md).
 * Values are validated on construction so an offer that exists is coherent;
 * amounts are minor units of the offer's currency; rates are basis points.
 */
package org.accrue.rewards.offers;

import java.math.RoundingMode;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.accrue.rewards.money.Money;

public record Offer(
        String id,
        String merchantId,           // a merchant offer, or null for a category offer
        Set<String> mccs,            // a category offer's MCCs (empty for merchant offers)
        RewardRule reward,
        String currency,             // ISO 4217 alpha; min spend and caps are in it
        long minSpendMinor,
        Long maxRewardPerTransactionMinor,
        CardLimit cardLimit,         // null: no per-card limit
        Long budgetMinor,            // null: unlimited
        Instant startsAt,
        Instant endsAt,              // null: open-ended
        Set<DayOfWeek> daysOfWeek,   // empty: every day
        List<TimeWindow> timeWindows, // empty: all day
        Set<LocalDate> excludedDates,
        Channel channel,
        boolean activationRequired,
        int activationValidDays,
        Audience audience,
        int lookBackDays,
        int returnPeriodDays,
        Funding funding,
        String partnerId,            // PARTNER funding: the partner that pays (null: the offer itself, as before)
        int commissionBasisPoints,
        Stacking stacking,
        Map<String, Integer> tierMultipliersBasisPoints,
        RoundingMode rounding,
        Status status,
        Targeting targeting) {       // who and where the offer is for; Targeting.NONE: everyone, everywhere

    public enum Channel { IN_STORE, ONLINE, ANY }

    public enum Audience { ALL, NEW, LAPSED }

    public enum Funding { MERCHANT, ISSUER, PARTNER }

    public enum Stacking { EXCLUSIVE, STACKABLE }

    public enum Status { ACTIVE, PAUSED }

    public enum Period { OFFER, DAY, WEEK, MONTH, YEAR }

    /** Per-card caps within a period: total reward and/or number of rewarded purchases. */
    public record CardLimit(Long maxRewardMinor, Integer maxRedemptions, Period period) {
        public CardLimit {
            Objects.requireNonNull(period, "period");
            if (maxRewardMinor == null && maxRedemptions == null) {
                throw new IllegalArgumentException("a card limit needs maxRewardPerCard or maxRedemptionsPerCard");
            }
        }
    }

    /** A local-time window [from, to) at the merchant; to before from spans midnight. */
    public record TimeWindow(LocalTime from, LocalTime to) {
        public boolean contains(LocalTime t) {
            return from.isBefore(to) || from.equals(to)
                    ? !t.isBefore(from) && t.isBefore(to)
                    : !t.isBefore(from) || t.isBefore(to);
        }
    }

    /** An offer without a partner or targeting (everyone, everywhere), as offers were before issue 17. */
    public Offer(String id, String merchantId, Set<String> mccs, RewardRule reward, String currency, long minSpendMinor,
                 Long maxRewardPerTransactionMinor, CardLimit cardLimit, Long budgetMinor, Instant startsAt, Instant endsAt,
                 Set<DayOfWeek> daysOfWeek, List<TimeWindow> timeWindows, Set<LocalDate> excludedDates, Channel channel,
                 boolean activationRequired, int activationValidDays, Audience audience, int lookBackDays,
                 int returnPeriodDays, Funding funding, int commissionBasisPoints, Stacking stacking,
                 Map<String, Integer> tierMultipliersBasisPoints, RoundingMode rounding, Status status) {
        this(id, merchantId, mccs, reward, currency, minSpendMinor, maxRewardPerTransactionMinor, cardLimit, budgetMinor,
                startsAt, endsAt, daysOfWeek, timeWindows, excludedDates, channel, activationRequired, activationValidDays,
                audience, lookBackDays, returnPeriodDays, funding, null, commissionBasisPoints, stacking,
                tierMultipliersBasisPoints, rounding, status, Targeting.NONE);
    }

    /** An offer without targeting (everyone, everywhere). */
    public Offer(String id, String merchantId, Set<String> mccs, RewardRule reward, String currency, long minSpendMinor,
                 Long maxRewardPerTransactionMinor, CardLimit cardLimit, Long budgetMinor, Instant startsAt, Instant endsAt,
                 Set<DayOfWeek> daysOfWeek, List<TimeWindow> timeWindows, Set<LocalDate> excludedDates, Channel channel,
                 boolean activationRequired, int activationValidDays, Audience audience, int lookBackDays,
                 int returnPeriodDays, Funding funding, String partnerId, int commissionBasisPoints, Stacking stacking,
                 Map<String, Integer> tierMultipliersBasisPoints, RoundingMode rounding, Status status) {
        this(id, merchantId, mccs, reward, currency, minSpendMinor, maxRewardPerTransactionMinor, cardLimit, budgetMinor,
                startsAt, endsAt, daysOfWeek, timeWindows, excludedDates, channel, activationRequired, activationValidDays,
                audience, lookBackDays, returnPeriodDays, funding, partnerId, commissionBasisPoints, stacking,
                tierMultipliersBasisPoints, rounding, status, Targeting.NONE);
    }

    /** A targeted offer without a partner. */
    public Offer(String id, String merchantId, Set<String> mccs, RewardRule reward, String currency, long minSpendMinor,
                 Long maxRewardPerTransactionMinor, CardLimit cardLimit, Long budgetMinor, Instant startsAt, Instant endsAt,
                 Set<DayOfWeek> daysOfWeek, List<TimeWindow> timeWindows, Set<LocalDate> excludedDates, Channel channel,
                 boolean activationRequired, int activationValidDays, Audience audience, int lookBackDays,
                 int returnPeriodDays, Funding funding, int commissionBasisPoints, Stacking stacking,
                 Map<String, Integer> tierMultipliersBasisPoints, RoundingMode rounding, Status status, Targeting targeting) {
        this(id, merchantId, mccs, reward, currency, minSpendMinor, maxRewardPerTransactionMinor, cardLimit, budgetMinor,
                startsAt, endsAt, daysOfWeek, timeWindows, excludedDates, channel, activationRequired, activationValidDays,
                audience, lookBackDays, returnPeriodDays, funding, null, commissionBasisPoints, stacking,
                tierMultipliersBasisPoints, rounding, status, targeting);
    }

    public Offer {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(reward, "reward");
        Money.exponent(currency);
        mccs = Set.copyOf(mccs);
        daysOfWeek = Set.copyOf(daysOfWeek);
        timeWindows = List.copyOf(timeWindows);
        excludedDates = Set.copyOf(excludedDates);
        tierMultipliersBasisPoints = Map.copyOf(tierMultipliersBasisPoints);
        if ((merchantId == null) == mccs.isEmpty()) {
            throw new IllegalArgumentException("an offer is either a merchant offer (merchantId) or a category offer (mccs)");
        }
        if (minSpendMinor < 0 || (budgetMinor != null && budgetMinor <= 0)
                || (maxRewardPerTransactionMinor != null && maxRewardPerTransactionMinor <= 0)) {
            throw new IllegalArgumentException("minSpend, budget and caps must be positive");
        }
        Objects.requireNonNull(startsAt, "startsAt");
        if (endsAt != null && !endsAt.isAfter(startsAt)) {
            throw new IllegalArgumentException("endsAt must be after startsAt");
        }
        if (activationRequired && activationValidDays <= 0) {
            throw new IllegalArgumentException("an offer that needs activation needs activationValidDays");
        }
        if (audience != Audience.ALL && lookBackDays <= 0) {
            throw new IllegalArgumentException("audience NEW or LAPSED needs lookBackDays");
        }
        if (returnPeriodDays < 0 || commissionBasisPoints < 0 || commissionBasisPoints > 10_000) {
            throw new IllegalArgumentException("returnPeriodDays >= 0, commission 0..10000 basis points");
        }
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(audience, "audience");
        Objects.requireNonNull(funding, "funding");
        if (partnerId != null && funding != Funding.PARTNER) {
            throw new IllegalArgumentException("partnerId is for offers with funding PARTNER");
        }
        Objects.requireNonNull(stacking, "stacking");
        Objects.requireNonNull(rounding, "rounding");
        Objects.requireNonNull(status, "status");
        targeting = targeting == null ? Targeting.NONE : targeting;
        if (targeting.earlyAccess() != null && !targeting.earlyAccess().startsAt().isBefore(startsAt)) {
            throw new IllegalArgumentException("earlyAccess.startsAt must be before startsAt");
        }
    }

    /** This offer with {@code t} as its targeting. */
    public Offer withTargeting(Targeting t) {
        return new Offer(id, merchantId, mccs, reward, currency, minSpendMinor, maxRewardPerTransactionMinor, cardLimit,
                budgetMinor, startsAt, endsAt, daysOfWeek, timeWindows, excludedDates, channel, activationRequired,
                activationValidDays, audience, lookBackDays, returnPeriodDays, funding, partnerId, commissionBasisPoints,
                stacking, tierMultipliersBasisPoints, rounding, status, t);
    }

    public boolean isCategoryOffer() {
        return merchantId == null;
    }
}
