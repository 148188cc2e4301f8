/*
 * The straightforward matching engine, as it was before offers were compiled
 * into flat arrays (MatchingEngine): every candidate offer's rules evaluated on
 * the Offer record itself, merchants in plain hash maps. Kept only as the
 * oracle for MatchingEngineEquivalenceTest: the compiled engine must give
 * exactly its results, reasons and order included, on random catalogs.
 */
package org.accrue.rewards.matching;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.accrue.rewards.matching.MatchResult.Declined;
import org.accrue.rewards.matching.MatchResult.MidSuggestion;
import org.accrue.rewards.matching.MatchResult.Resolution;
import org.accrue.rewards.money.Money;
import org.accrue.rewards.offers.Merchant;
import org.accrue.rewards.offers.Offer;
import org.accrue.rewards.offers.RewardRule;

final class ReferenceEngine {

    private static final long SECONDS_PER_DAY = 86_400;

    private final ReferenceDirectory merchants;
    private final Map<String, List<Offer>> byMerchant = new HashMap<>();
    private final Map<String, List<Offer>> byMcc = new HashMap<>();

    ReferenceEngine(ReferenceDirectory merchants, Iterable<Offer> offers) {
        this.merchants = merchants;
        for (Offer o : offers) {
            if (o.isCategoryOffer()) {
                for (String mcc : o.mccs()) {
                    byMcc.computeIfAbsent(mcc, k -> new ArrayList<>()).add(o);
                }
            } else {
                byMerchant.computeIfAbsent(o.merchantId(), k -> new ArrayList<>()).add(o);
            }
        }
    }

    public MatchResult match(Purchase p, CardState card, MatchingEngine.Budgets budgets) {
        Merchant merchant = merchants.byMid(p.acquirerId(), p.mid());
        Resolution how = Resolution.MID;
        if (merchant == null) {
            merchant = merchants.byDescriptor(p.descriptor());
            how = Resolution.DESCRIPTOR;
        }
        MidSuggestion suggestion = null;
        List<Offer> merchantOffers = List.of();
        if (merchant != null) {
            merchantOffers = byMerchant.getOrDefault(merchant.merchantId(), List.of());
        } else {
            Merchant near = merchants.nearMiss(p.descriptor());
            if (near != null) {
                suggestion = new MidSuggestion(near.merchantId(), p.acquirerId(), p.mid(), p.descriptor());
            }
        }
        List<Offer> category = p.mcc() == null ? List.of() : byMcc.getOrDefault(p.mcc(), List.of());
        if (merchant == null) {
            how = category.isEmpty() ? Resolution.NONE : Resolution.CATEGORY;
        }

        When when = new When(p.local().toLocalDate(), p.local().toLocalTime());
        int n = merchantOffers.size() + category.size();
        List<Declined> declined = new ArrayList<>(n);
        List<Earned> stackable = new ArrayList<>(2);
        List<Earned> counted = new ArrayList<>(2);
        Earned best = null;
        String merchantId = merchant == null ? null : merchant.merchantId();
        for (int i = 0; i < n; i++) {
            Offer o = i < merchantOffers.size() ? merchantOffers.get(i) : category.get(i - merchantOffers.size());
            Object outcome = evaluate(o, p, when, merchantId, card, budgets);
            if (outcome instanceof Reason r) {
                declined.add(new Declined(o.id(), r));
            } else {
                Earned e = (Earned) outcome;
                if (o.reward() instanceof RewardRule.Bonus) {
                    counted.add(e); // counted whatever else the purchase earns; paid on top when due
                    if (e.amount() > 0) {
                        stackable.add(e);
                    }
                } else if (o.stacking() == Offer.Stacking.STACKABLE) {
                    stackable.add(e);
                } else if (best == null || beats(e, best)) {
                    if (best != null) {
                        declined.add(new Declined(best.offer().id(), Reason.NOT_BEST_OFFER));
                    }
                    best = e;
                } else {
                    declined.add(new Declined(o.id(), Reason.NOT_BEST_OFFER));
                }
            }
        }
        List<Earned> earned = new ArrayList<>(stackable.size() + 1);
        if (best != null) {
            earned.add(best);
        }
        earned.addAll(stackable);
        return new MatchResult(merchantId, how, earned, declined, suggestion, counted);
    }

    private static boolean inAnyWindow(List<Offer.TimeWindow> windows, java.time.LocalTime t) {
        for (Offer.TimeWindow w : windows) {
            if (w.contains(t)) {
                return true;
            }
        }
        return false;
    }

    private static boolean beats(Earned a, Earned b) {
        if (a.amount() != b.amount()) {
            return a.amount() > b.amount();
        }
        return a.offer().startsAt().isAfter(b.offer().startsAt());
    }

    /** The purchase's local date and time, taken apart once rather than per offer. */
    private record When(java.time.LocalDate date, java.time.LocalTime time) {
    }

    /** A Reason (the first rule that fails) or an Earned. */
    private static Object evaluate(Offer o, Purchase p, When when, String merchantId, CardState card, MatchingEngine.Budgets budgets) {
        org.accrue.rewards.offers.Targeting t = o.targeting();
        boolean early = t.earlyAccess() != null && !p.at().isBefore(t.earlyAccess().startsAt())
                && card.tier() != null && t.earlyAccess().tiers().contains(card.tier());
        if (o.status() != Offer.Status.ACTIVE || p.at().isBefore(o.startsAt()) && !early
                || (o.endsAt() != null && !p.at().isBefore(o.endsAt()))) {
            return Reason.OFFER_NOT_LIVE;
        }
        if (o.channel() == Offer.Channel.ONLINE && !p.online() || o.channel() == Offer.Channel.IN_STORE && p.online()) {
            return Reason.CHANNEL_NOT_ELIGIBLE;
        }
        if (!t.countries().isEmpty() && (p.country() == null || !t.countries().contains(p.country().strip().toUpperCase()))
                || !t.cities().isEmpty() && (p.city() == null || !t.cities().contains(org.accrue.rewards.offers.Targeting.city(p.city())))) {
            return Reason.LOCATION_NOT_ELIGIBLE;
        }
        long base;
        if (p.amount().currency().equals(o.currency())) {
            base = p.amount().minor() - p.tipMinor();
        } else if (p.billingAmount() != null && p.billingAmount().currency().equals(o.currency())) {
            // The tip is in the transaction currency; take its share of the billed amount.
            long tipBilled = p.amount().minor() == 0 ? 0
                    : Money.divide(Math.multiplyExact(p.tipMinor(), p.billingAmount().minor()), p.amount().minor(),
                    java.math.RoundingMode.HALF_UP);
            base = p.billingAmount().minor() - tipBilled;
        } else {
            return Reason.CURRENCY_NOT_ELIGIBLE;
        }
        if ((!o.excludedDates().isEmpty() && o.excludedDates().contains(when.date()))
                || (!o.daysOfWeek().isEmpty() && !o.daysOfWeek().contains(when.date().getDayOfWeek()))
                || (!o.timeWindows().isEmpty() && !inAnyWindow(o.timeWindows(), when.time()))) {
            return Reason.DAY_OR_TIME_NOT_ELIGIBLE;
        }
        if (o.activationRequired()) {
            Instant activated = card.activatedAt(o.id());
            if (activated == null || p.at().isBefore(activated)
                    || p.at().getEpochSecond() - activated.getEpochSecond() >= o.activationValidDays() * SECONDS_PER_DAY) {
                return Reason.ACTIVATION_REQUIRED;
            }
        }
        if (!t.issuers().isEmpty() && (card.issuerId() == null || !t.issuers().contains(card.issuerId())) || !t.binAdmits(card.bin())
                || !t.tiers().isEmpty() && (card.tier() == null || !t.tiers().contains(card.tier()))
                || !t.segments().isEmpty() && t.segments().stream().noneMatch(card::inSegment)) {
            return Reason.AUDIENCE_NOT_ELIGIBLE;
        }
        if (o.audience() != Offer.Audience.ALL) {
            Instant last = merchantId == null ? null : card.lastPurchaseAt(merchantId, p.at());
            Instant lookBackStart = p.at().minusSeconds(o.lookBackDays() * SECONDS_PER_DAY);
            boolean inLookBack = last != null && !last.isBefore(lookBackStart);
            boolean eligible = o.audience() == Offer.Audience.NEW ? !inLookBack : !inLookBack && last != null;
            if (!eligible) {
                return Reason.AUDIENCE_NOT_ELIGIBLE;
            }
        }
        if (o.reward() instanceof RewardRule.Welcome w && w.withinDays() > 0 && (card.enrolledAt() == null
                || !p.at().isBefore(card.enrolledAt().plusSeconds(w.withinDays() * SECONDS_PER_DAY)))) {
            return Reason.AUDIENCE_NOT_ELIGIBLE;
        }
        if (base < o.minSpendMinor()) {
            return Reason.BELOW_MIN_SPEND;
        }
        long positiveBase = Math.max(base, 0);
        RewardUnit unit;
        long amount;
        // Plain long arithmetic here (no Money objects): the same rounding as Money's, on the hot path.
        switch (o.reward()) {
            case RewardRule.Percent r -> {
                unit = RewardUnit.cash(o.currency());
                amount = Money.divide(Math.multiplyExact(positiveBase, r.basisPoints()), Money.BASIS_POINTS, o.rounding());
            }
            case RewardRule.Fixed r -> {
                unit = RewardUnit.cash(o.currency());
                amount = r.amountMinor();
            }
            case RewardRule.MilesPerUnit r -> {
                unit = new RewardUnit(RewardUnit.Kind.MILES, r.program());
                amount = Money.divide(Math.multiplyExact(positiveBase, r.milesPerUnit()), Money.minorPerMajor(o.currency()), o.rounding());
            }
            case RewardRule.PointsPerUnit r -> {
                unit = new RewardUnit(RewardUnit.Kind.POINTS, r.program());
                amount = Money.divide(Math.multiplyExact(positiveBase, r.pointsPerUnit()), Money.minorPerMajor(o.currency()), o.rounding());
            }
            case RewardRule.PunchCard r -> {
                unit = RewardUnit.cash(o.currency());
                int completions = card.redemptionsInPeriod(o.id(), Offer.Period.OFFER, when.date());
                if (r.maxCompletions() > 0 && completions >= r.maxCompletions()) {
                    return Reason.CARD_LIMIT_REACHED;
                }
                amount = (card.punches(o.id()) + 1) / r.every() > completions ? r.amountMinor() : 0;
            }
            case RewardRule.Welcome r -> {
                unit = RewardUnit.cash(o.currency());
                if (card.redemptionsInPeriod(o.id(), Offer.Period.OFFER, when.date()) > 0) {
                    return Reason.CARD_LIMIT_REACHED;
                }
                amount = r.amountMinor();
            }
            case RewardRule.SpendThreshold r -> {
                unit = RewardUnit.cash(o.currency());
                boolean crossed = card.spendInPeriod(o.id(), r.period(), when.date()) + positiveBase >= r.thresholdMinor();
                amount = crossed && card.redemptionsInPeriod(o.id(), r.period(), when.date()) == 0 ? r.amountMinor() : 0;
            }
        }
        if (card.tier() != null) {
            Integer multiplier = o.tierMultipliersBasisPoints().get(card.tier());
            if (multiplier != null) {
                amount = Money.divide(Math.multiplyExact(amount, multiplier), Money.BASIS_POINTS, o.rounding());
            }
        }
        boolean limited = false;
        if (o.maxRewardPerTransactionMinor() != null && amount > o.maxRewardPerTransactionMinor()) {
            amount = o.maxRewardPerTransactionMinor();
            limited = true;
        }
        Offer.CardLimit limit = o.cardLimit();
        if (limit != null) {
            if (limit.maxRedemptions() != null
                    && card.redemptionsInPeriod(o.id(), limit.period(), when.date()) >= limit.maxRedemptions()) {
                return Reason.CARD_LIMIT_REACHED;
            }
            if (limit.maxRewardMinor() != null) {
                long left = limit.maxRewardMinor() - card.rewardInPeriod(o.id(), limit.period(), when.date());
                if (left <= 0) {
                    return Reason.CARD_LIMIT_REACHED;
                }
                if (amount > left) {
                    amount = left;
                    limited = true;
                }
            }
        }
        if (o.budgetMinor() != null) {
            long left = o.budgetMinor() - budgets.spent(o.id());
            if (left <= 0) {
                return Reason.BUDGET_SPENT;
            }
            if (amount > left) {
                amount = left; // a purchase that straddles the budget earns what remains
                limited = true;
            }
        }
        return new Earned(o, unit, amount, base, o.currency(), limited);
    }
}
