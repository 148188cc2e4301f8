/*
 * What a cardholder sees of one card (issue 16 items 2 and 3): the offers it can earn from now, with their targeting
 * as the matcher applies it, activation state, and progress of caps and punch cards; its rewards with the why of each
 * purchase; its points and the dates they expire; the miles sent to its airline and those refused. The API's
 * cardholder routes and the cardholder page both read through here; the tables stay with their owners (rewards
 * through the reward book, activations through matcher.Activations, accruals through miles.MilesAccrual, purchases'
 * outcomes through matcher.RewardQueries).
 *
 * Progress is counted as the matcher counts it (CardStates): the card's live rewards for the offer (not REVERSED,
 * EXPIRED or REJECTED) in the current cap period, and every live reward for a punch card. The matcher keys periods
 * by the merchant's local date (DE13); here the period is the one of today's date on the card's issuer's time zone
 * (accrue.issuer.<ID>.time-zone, default UTC), so on a period's edge the figure may be a day early or late only for
 * a merchant on another calendar than the cardholder's.
 */
package org.accrue.processor.cardholder;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import javax.sql.DataSource;

import org.accrue.processor.catalog.Catalog;
import org.accrue.processor.matcher.Activations;
import org.accrue.processor.matcher.RewardQueries;
import org.accrue.processor.miles.MilesAccrual;
import org.accrue.processor.points.Points;
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.rewards.matching.Periods;
import org.accrue.rewards.offers.Offer;
import org.accrue.rewards.offers.RewardRule;

import com.fasterxml.jackson.annotation.JsonInclude;

public final class Cardholder {
    /** The most rows of one list in one answer. */
    public static final int PAGE_LIMIT_MAX = RewardQueries.LIMIT_MAX;

    private final DataSource ds;
    private final Catalog catalog;
    private final Activations activations;
    private final RewardQueries rewards;
    private final RewardBook book;
    private final Points points;
    private final InstantSource clock;
    private final Map<String, org.accrue.config.AccrueConfig.Issuer> issuers;

    public Cardholder(DataSource ds, Catalog catalog, Activations activations, RewardQueries rewards, RewardBook book,
                      Points points, InstantSource clock, Map<String, org.accrue.config.AccrueConfig.Issuer> issuers) {
        this.issuers = issuers;
        this.ds = ds;
        this.catalog = catalog;
        this.activations = activations;
        this.rewards = rewards;
        this.book = book;
        this.points = points;
        this.clock = clock;
    }

    public Activations activations() {
        return activations;
    }

    public Catalog catalog() {
        return catalog;
    }

    // ---- offers

    /** What an offer pays: the rule's kind and its figures (rates in basis points, amounts in minor units). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Earns(String kind, Integer basisPoints, RewardQueries.Amount amount, Long perUnit, String program,
                        Integer every, Integer maxCompletions, Integer withinDays, RewardQueries.Amount threshold,
                        String period) {
        Earns(String kind, Integer basisPoints, RewardQueries.Amount amount, Long perUnit, String program, Integer every) {
            this(kind, basisPoints, amount, perUnit, program, every, null, null, null, null);
        }

        static Earns of(Offer o) {
            return switch (o.reward()) {
                case RewardRule.Percent p -> new Earns("PERCENT", p.basisPoints(), null, null, null, null);
                case RewardRule.Fixed f -> new Earns("FIXED", null, new RewardQueries.Amount(f.amountMinor(), o.currency()),
                        null, null, null);
                case RewardRule.MilesPerUnit m -> new Earns("MILES_PER_UNIT", null, null, m.milesPerUnit(), m.program(), null);
                case RewardRule.PointsPerUnit p -> new Earns("POINTS_PER_UNIT", null, null, p.pointsPerUnit(), p.program(), null);
                case RewardRule.PunchCard p -> new Earns("PUNCH_CARD", null,
                        new RewardQueries.Amount(p.amountMinor(), o.currency()), null, null, p.every(),
                        p.maxCompletions() > 0 ? p.maxCompletions() : null, null, null, null);
                case RewardRule.Welcome w -> new Earns("WELCOME", null, new RewardQueries.Amount(w.amountMinor(), o.currency()),
                        null, null, null, null, w.withinDays() > 0 ? w.withinDays() : null, null, null);
                case RewardRule.SpendThreshold t -> new Earns("SPEND_THRESHOLD", null,
                        new RewardQueries.Amount(t.amountMinor(), o.currency()), null, null, null, null, null,
                        new RewardQueries.Amount(t.thresholdMinor(), o.currency()), t.period().name());
            };
        }
    }

    /** When and how a purchase qualifies, as the matching engine checks it. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Targeting(String channel, Set<DayOfWeek> daysOfWeek, List<String> timeWindows, Set<LocalDate> excludedDates,
                            RewardQueries.Amount minSpend, RewardQueries.Amount maxRewardPerTransaction, String audience,
                            Integer lookBackDays, Map<String, Integer> tierMultipliersBasisPoints, String stacking,
                            Set<String> countries, Set<String> cities) { // issue 17: where the offer earns
        static Targeting of(Offer o) {
            return new Targeting(o.channel().name(), new TreeSet<>(o.daysOfWeek()),
                    o.timeWindows().stream().map(w -> w.from() + "-" + w.to()).toList(), new TreeSet<>(o.excludedDates()),
                    o.minSpendMinor() > 0 ? new RewardQueries.Amount(o.minSpendMinor(), o.currency()) : null,
                    o.maxRewardPerTransactionMinor() == null ? null
                            : new RewardQueries.Amount(o.maxRewardPerTransactionMinor(), o.currency()),
                    o.audience().name(), o.audience() == Offer.Audience.ALL ? null : o.lookBackDays(),
                    o.tierMultipliersBasisPoints(), o.stacking().name(), new TreeSet<>(o.targeting().countries()),
                    new TreeSet<>(o.targeting().cities()));
        }
    }

    /** An offer's activation for this card: ACTIVE until validUntil, LAPSED, or NOT_ACTIVATED. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ActivationState(String state, Instant activatedAt, Instant validUntil) {
        public boolean active() {
            return state.equals("ACTIVE");
        }
    }

    /** The card's progress against the offer's caps in the current period, and on a punch card. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Progress(String period, Long rewardInPeriod, Long maxRewardInPeriod, Integer redemptionsInPeriod,
                           Integer maxRedemptionsInPeriod, Integer punches, Integer punchesPerReward, Integer punchesToNextReward,
                           boolean limitReached, Bonus bonus) {
        Progress(String period, Long rewardInPeriod, Long maxRewardInPeriod, Integer redemptionsInPeriod,
                 Integer maxRedemptionsInPeriod, Integer punches, Integer punchesPerReward, Integer punchesToNextReward,
                 boolean limitReached) {
            this(period, rewardInPeriod, maxRewardInPeriod, redemptionsInPeriod, maxRedemptionsInPeriod, punches,
                    punchesPerReward, punchesToNextReward, limitReached, null);
        }
    }

    /**
     * A bonus offer's progress as the matcher counts it: punch card completions (live), a threshold's spend in the
     * current period (the bonus earned in it or not), a welcome had or not.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Bonus(Integer completions, Integer maxCompletions, String thresholdPeriod, RewardQueries.Amount spendInPeriod,
                        RewardQueries.Amount threshold, Boolean earned) {
    }

    /** An offer the card can earn from now. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OfferView(String offerId, String merchantId, String merchantName, Set<String> mccs, Earns earns,
                            String currency, Targeting targeting, boolean activationRequired, ActivationState activation,
                            Progress progress, Instant startsAt, Instant endsAt, boolean earnsNow) {
    }

    /**
     * The live offers (ACTIVE, started, not ended) the card is targeted by (issue 17: an offer limited to other cards
     * is not shown; early access counts as started for its tiers), those ending soonest first, a page at a time.
     */
    public List<OfferView> offers(long cardId, int offset, int limit) {
        Instant now = clock.instant();
        org.accrue.processor.catalog.Segments.CardAudience audience = catalog.segments().audience(cardId)
                .orElse(new org.accrue.processor.catalog.Segments.CardAudience(null, -1, null, Set.of()));
        List<Offer> live = catalog.offers().stream()
                .filter(o -> o.status() == Offer.Status.ACTIVE
                        && (!o.startsAt().isAfter(now) || o.targeting().earlyFor(audience.tier(), now))
                        && (o.endsAt() == null || o.endsAt().isAfter(now)) && audience.admits(o))
                .sorted(Comparator.comparing((Offer o) -> o.endsAt() == null ? Instant.MAX : o.endsAt())
                        .thenComparing(Offer::id))
                .skip(offset).limit(Math.min(limit, PAGE_LIMIT_MAX)).toList();
        if (live.isEmpty()) {
            return List.of();
        }
        Map<String, String> names = new HashMap<>();
        catalog.merchants().forEach(m -> names.put(m.merchantId(), m.name()));
        Map<String, Instant> activated = activations.of(cardId);
        Map<String, List<RewardBook.LiveReward>> held = new HashMap<>();
        for (RewardBook.LiveReward r : book.liveRewards(cardId)) {
            held.computeIfAbsent(r.offerId(), k -> new ArrayList<>()).add(r);
        }
        // The cardholder's today, on the issuer's time zone: the bonus period progress is shown in.
        var issuer = audience.issuerId() == null ? null : issuers.get(audience.issuerId());
        LocalDate today = LocalDate.ofInstant(now, issuer == null ? ZoneOffset.UTC : issuer.timeZone());
        org.accrue.processor.matcher.BonusProgress.Counts counts = live.stream().anyMatch(o -> o.reward() instanceof RewardRule.Bonus)
                ? org.accrue.processor.matcher.BonusProgress.of(ds, cardId) : null;
        List<OfferView> out = new ArrayList<>(live.size());
        for (Offer o : live) {
            ActivationState a = null;
            if (o.activationRequired()) {
                Instant at = activated.get(o.id());
                Instant until = at == null ? null : at.plus(java.time.Duration.ofDays(o.activationValidDays()));
                a = at == null ? new ActivationState("NOT_ACTIVATED", null, null)
                        : now.isBefore(until) ? new ActivationState("ACTIVE", at, until) : new ActivationState("LAPSED", at, until);
            }
            Progress p = o.reward() instanceof RewardRule.Bonus
                    ? BonusProgressView.progress(o, held.getOrDefault(o.id(), List.of()), counts, today)
                    : progress(o, held.getOrDefault(o.id(), List.of()), today);
            boolean earnsNow = (a == null || a.active()) && (p == null || !p.limitReached());
            out.add(new OfferView(o.id(), o.merchantId(), o.merchantId() == null ? null : names.get(o.merchantId()),
                    o.mccs().isEmpty() ? null : new TreeSet<>(o.mccs()), Earns.of(o), o.currency(), Targeting.of(o),
                    o.activationRequired(), a, p, o.startsAt(), o.endsAt(), earnsNow));
        }
        return out;
    }

    private static Progress progress(Offer o, List<RewardBook.LiveReward> held, LocalDate today) {
        Integer punches = null;
        Integer every = null;
        Integer toNext = null;
        if (o.reward() instanceof RewardRule.PunchCard pc) {
            punches = held.size();
            every = pc.every();
            toNext = pc.every() - (held.size() % pc.every());
        }
        Offer.CardLimit limit = o.cardLimit();
        if (limit == null) {
            return punches == null ? null : new Progress(null, null, null, null, null, punches, every, toNext, false);
        }
        String key = Periods.key(limit.period(), today);
        long sum = 0;
        int count = 0;
        for (RewardBook.LiveReward r : held) {
            if (Periods.key(limit.period(), r.localDate()).equals(key)) {
                sum += r.amount();
                if (r.amount() > 0) {
                    count++;
                }
            }
        }
        boolean reached = (limit.maxRewardMinor() != null && sum >= limit.maxRewardMinor())
                || (limit.maxRedemptions() != null && count >= limit.maxRedemptions());
        return new Progress(limit.period().name(), sum, limit.maxRewardMinor(), count, limit.maxRedemptions(), punches,
                every, toNext, reached);
    }

    // ---- rewards and the why of each purchase

    /** A purchase message, what it earned, and why (each offer's outcome, or what the message was). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Purchase(long messageId, String mti, RewardQueries.Amount amount, String merchantId, String merchantName,
                           String resolution, int rewardsEarned, List<Why.Line> why, Instant at) {
    }

    public List<RewardQueries.RewardBody> rewards(long cardId, int offset, int limit) {
        return rewards.rewards(cardId, offset, Math.min(limit, PAGE_LIMIT_MAX));
    }

    /** The card's matched messages, newest first, each with its why. */
    public List<Purchase> purchases(long cardId, int offset, int limit) {
        Map<String, String> names = new HashMap<>();
        catalog.merchants().forEach(m -> names.put(m.merchantId(), m.name()));
        return rewards.purchases(cardId, offset, Math.min(limit, PAGE_LIMIT_MAX)).stream()
                .map(p -> new Purchase(p.messageId(), p.mti(), p.amount(), p.merchantId(),
                        p.merchantId() == null ? null : names.get(p.merchantId()), p.resolution(), p.rewardsEarned(),
                        Why.parse(p.why()), p.at()))
                .toList();
    }

    // ---- points

    /** Points of a program that expire on one date (UTC) unless spent first. */
    public record Expiring(String program, long points, LocalDate expiresOn) {
    }

    /** A card's points: balances per program, and when the available ones expire. */
    public record PointsView(List<Points.Balance> balances, List<Expiring> expiring) {
    }

    /**
     * The card's points: balances, and each lot's expiry date by its program's rule (ExpiryRule: the day the expiry
     * job takes it), summed per program and date.
     */
    public PointsView points(long cardId) {
        Map<String, Map<LocalDate, Long>> by = new java.util.TreeMap<>();
        Map<String, org.accrue.processor.points.ExpiryRule> rules = points.expiryRules();
        for (RewardBook.PointsLot lot : book.pointsLots(cardId)) {
            org.accrue.processor.points.ExpiryRule rule = rules.get(lot.program());
            if (rule == null) {
                continue; // a program no longer configured never expires here
            }
            LocalDate on = rule.expiresOn(LocalDate.ofInstant(lot.purchasedAt(), ZoneOffset.UTC));
            by.computeIfAbsent(lot.program(), k -> new java.util.TreeMap<>()).merge(on, lot.left(), Math::addExact);
        }
        List<Expiring> expiring = new ArrayList<>();
        by.forEach((program, dates) -> dates.forEach((d, n) -> expiring.add(new Expiring(program, n, d))));
        expiring.sort(Comparator.comparing(Expiring::expiresOn).thenComparing(Expiring::program));
        return new PointsView(points.balances(cardId), expiring);
    }

    // ---- miles

    public List<MilesAccrual.CardAccrual> miles(long cardId, int offset, int limit) {
        return MilesAccrual.ofCard(ds, cardId, offset, Math.min(limit, PAGE_LIMIT_MAX));
    }

    /** Today at the node's clock (the page's statement heading). */
    public Instant now() {
        return clock.instant();
    }

}
