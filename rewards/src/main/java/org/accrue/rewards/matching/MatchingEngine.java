/*
 * The matching engine: pure, no I/O, no clock of its own. For one purchase it
 * resolves the merchant (MID, then descriptor, then MCC for category offers),
 * checks every candidate offer's rules in the spec's precedence recording the
 * first that fails, computes each eligible offer's reward (base without tip
 * in the offer's currency, explicit rounding, tier multiplier, caps, budget
 * straddling), and picks the exclusive winner plus every stackable.
 *
 * Bonus offers (punch cards, welcome, spend thresholds: RewardRule.Bonus) never rank: every purchase one qualifies for
 * is counted (MatchResult.counted, for the store's punches and spend), and the bonus, when due, is paid on top of the
 * exclusive winner like a stackable; a punch or a spend below the threshold is no reward of 0.
 *
 * Exclusive ranking: the larger reward wins; rewards in different units
 * (cash minor units, miles, points) are compared as numbers, which is why
 * issuers are told to keep one unit per merchant's exclusive offers; ties go
 * to the offer that started most recently.
 *
 * Layout (for a million MIDs and 100,000 offers at a million purchases a
 * second on one core, where each cache miss costs about 170 ns): offers are
 * compiled once (CompiledOffer) into a chain per merchant, found by the
 * directory's merchant ordinal, and an array per MCC, both in catalog order.
 * A purchase by MID costs a MID probe, the merchant's first offer, and the
 * MCC's array (shared by every purchase with that MCC, so in cache).
 * Only the rewards that are paid become Earned records; declines are recorded
 * as ints (ResultLists). The card state is asked only what the rules reach, in
 * the same order as before (in the processor each question may be a query);
 * its tier is asked once per purchase, when an offer with tier multipliers
 * first needs it.
 *
 * Targeting (issue 17) is compiled to null for an untargeted offer, so it costs
 * those one null check. A targeted one checks its geography right after the
 * channel (LOCATION_NOT_ELIGIBLE) and the card (issuer, BIN, tier, segment) at
 * the audience step (AUDIENCE_NOT_ELIGIBLE); early access lets the named tiers
 * past OFFER_NOT_LIVE from their earlier start.
 */
package org.accrue.rewards.matching;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.accrue.rewards.matching.MatchResult.MidSuggestion;
import org.accrue.rewards.matching.MatchResult.Resolution;
import org.accrue.rewards.money.Money;
import org.accrue.rewards.offers.Merchant;
import org.accrue.rewards.offers.Offer;

public final class MatchingEngine {

    /** How much of each offer's budget is spent already, in the offer's reward unit. */
    public interface Budgets {
        long spent(String offerId);
    }

    /** Evaluation's answer for an offer that passes every rule (a Reason's ordinal otherwise). */
    private static final int ELIGIBLE = -1;
    private static final CompiledOffer[] NO_OFFERS = {};
    /** MCCs are four digits (ISO 18245): their offers are found by the number, without hashing the string. */
    private static final int MCC_DIGITS = 4;
    private static final int MCC_CODES = 10_000;

    private final MerchantDirectory merchants;
    private final CompiledOffer[] firstOffer;     // by merchant ordinal: its first offer (the rest through next), or null
    private final CompiledOffer[][] byMccCode = new CompiledOffer[MCC_CODES][];
    private final Map<String, CompiledOffer[]> byOtherMcc = new HashMap<>(); // MCCs that are not four digits
    private final String[] offerIds;              // by CompiledOffer.index, read by the declined lists
    private final CompiledOffer.Compiler compiler = new CompiledOffer.Compiler();

    public MatchingEngine(MerchantDirectory merchants, Iterable<Offer> offers) {
        this.merchants = merchants;
        Map<String, List<Integer>> byMerchant = new HashMap<>(); // merchant id -> catalog indexes, in order
        Map<String, List<CompiledOffer>> mcc = new HashMap<>();
        List<Offer> catalog = new ArrayList<>();
        for (Offer o : offers) {
            if (catalog.size() == ResultLists.OFFERS_MAX) {
                throw new IllegalArgumentException("more than " + ResultLists.OFFERS_MAX + " offers");
            }
            int index = catalog.size();
            catalog.add(o);
            if (o.isCategoryOffer()) {
                CompiledOffer c = compiler.compile(o, index, null);
                for (String code : o.mccs()) {
                    mcc.computeIfAbsent(code, k -> new ArrayList<>()).add(c);
                }
            } else {
                byMerchant.computeIfAbsent(o.merchantId(), k -> new ArrayList<>()).add(index);
            }
        }
        offerIds = catalog.stream().map(Offer::id).toArray(String[]::new);
        mcc.forEach((code, list) -> {
            int number = mccNumber(code);
            if (number >= 0) {
                byMccCode[number] = list.toArray(NO_OFFERS);
            } else {
                byOtherMcc.put(code, list.toArray(NO_OFFERS));
            }
        });
        // A merchant's offers are a chain from its first: one cache miss fewer per purchase than a range of an array.
        Map<String, CompiledOffer> chains = new HashMap<>();
        byMerchant.forEach((merchantId, indexes) -> {
            CompiledOffer next = null;
            for (int i = indexes.size() - 1; i >= 0; i--) {
                next = compiler.compile(catalog.get(indexes.get(i)), indexes.get(i), next);
            }
            chains.put(merchantId, next);
        });
        // Two merchants with one id (the directory allows it) each get that id's offers.
        firstOffer = new CompiledOffer[merchants.size()];
        for (int m = 0; m < merchants.size(); m++) {
            firstOffer[m] = chains.get(merchants.merchantId(m));
        }
    }

    public MatchResult match(Purchase p, CardState card, Budgets budgets) {
        int merchant = merchants.ordinalByMid(p.acquirerId(), p.mid());
        Resolution how = Resolution.MID;
        String name = null; // DE43's name normalized, when the MID is not known
        if (merchant == MerchantDirectory.ABSENT) {
            name = p.descriptor() == null ? null : MerchantDirectory.normalize(p.descriptor());
            merchant = name == null ? MerchantDirectory.ABSENT : merchants.ordinalByNormalized(name);
            how = Resolution.DESCRIPTOR;
        }
        MidSuggestion suggestion = null;
        String merchantId = null;
        CompiledOffer own = null;
        if (merchant != MerchantDirectory.ABSENT) {
            merchantId = merchants.merchantId(merchant);
            own = firstOffer[merchant];
        } else {
            Merchant near = name == null ? null : merchants.nearMissNormalized(name);
            if (near != null) {
                suggestion = new MidSuggestion(near.merchantId(), p.acquirerId(), p.mid(), p.descriptor());
            }
        }
        CompiledOffer[] category = categoryOffers(p.mcc());
        if (merchant == MerchantDirectory.ABSENT) {
            how = category.length == 0 ? Resolution.NONE : Resolution.CATEGORY;
        }
        LocalDate date = p.local().toLocalDate();
        long nanoOfDay = p.local().toLocalTime().toNanoOfDay();
        int n = (own == null ? 0 : own.chainLength()) + category.length;
        if (n == 0) {
            return new MatchResult(merchantId, how, ResultLists.NO_EARNED, ResultLists.NO_DECLINES, suggestion);
        }

        Evaluation ev = new Evaluation(p, date, nanoOfDay, merchantId, card, budgets);
        int[] declined = new int[n];
        int declines = 0;
        Earned[] earned = null; // [0]: the best exclusive offer's, then the stackables'
        int stackables = 0;
        CompiledOffer best = null;
        long bestAmount = 0;
        long bestBase = 0;
        boolean bestLimited = false;
        List<Earned> counted = null; // bonus offers the purchase qualified for, paid or not
        CompiledOffer next = own; // the merchant's offers first, then the category's
        int k = 0;
        for (int i = 0; i < n; i++) {
            CompiledOffer c;
            if (next != null) {
                c = next;
                next = c.next();
            } else {
                c = category[k++];
            }
            int reason = ev.evaluate(c);
            if (reason != ELIGIBLE) {
                declined[declines++] = ResultLists.declineCode(c.index(), reason);
            } else if (c.bonus() != null) {
                // A bonus counts the purchase (punch, spend) whatever else it earns, and pays on top when due.
                Earned e = ev.earned(c);
                if (counted == null) {
                    counted = new ArrayList<>(2);
                }
                counted.add(e);
                if (e.amount() > 0) {
                    if (earned == null) {
                        earned = new Earned[n + 1];
                    }
                    earned[1 + stackables++] = e;
                }
            } else if (c.stackable()) {
                if (earned == null) {
                    earned = new Earned[n + 1];
                }
                earned[1 + stackables++] = ev.earned(c);
            } else if (best == null || beats(ev.amount, c, bestAmount, best)) {
                if (best != null) {
                    declined[declines++] = ResultLists.declineCode(best.index(), Reason.NOT_BEST_OFFER.ordinal());
                }
                best = c;
                bestAmount = ev.amount;
                bestBase = ev.base;
                bestLimited = ev.limited;
            } else {
                declined[declines++] = ResultLists.declineCode(c.index(), Reason.NOT_BEST_OFFER.ordinal());
            }
        }
        ResultLists.Earneds paid = ResultLists.NO_EARNED;
        if (best != null) {
            if (earned == null) {
                earned = new Earned[1];
            }
            earned[0] = new Earned(best.offer(), best.unit(), bestAmount, bestBase, best.currency(), bestLimited);
            paid = new ResultLists.Earneds(earned, 0, 1 + stackables);
        } else if (stackables > 0) {
            paid = new ResultLists.Earneds(earned, 1, stackables);
        }
        ResultLists.Declines notPaid = declines == 0 ? ResultLists.NO_DECLINES
                : new ResultLists.Declines(offerIds, declined, declines);
        return new MatchResult(merchantId, how, paid, notPaid, suggestion, counted == null ? List.of() : counted);
    }

    private CompiledOffer[] categoryOffers(String mcc) {
        if (mcc == null) {
            return NO_OFFERS;
        }
        int number = mccNumber(mcc);
        CompiledOffer[] offers = number >= 0 ? byMccCode[number] : byOtherMcc.get(mcc);
        return offers == null ? NO_OFFERS : offers;
    }

    /** The MCC as a number when it is four ASCII digits (so equal numbers mean equal strings), else -1. */
    private static int mccNumber(String mcc) {
        if (mcc.length() != MCC_DIGITS) {
            return -1;
        }
        int number = 0;
        for (int i = 0; i < MCC_DIGITS; i++) {
            char c = mcc.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            number = number * 10 + (c - '0');
        }
        return number;
    }

    /** The larger reward wins; on a tie, the offer that started more recently. */
    private static boolean beats(long amount, CompiledOffer c, long bestAmount, CompiledOffer best) {
        if (amount != bestAmount) {
            return amount > bestAmount;
        }
        return before(best.startSecond(), best.startNano(), c.startSecond(), c.startNano());
    }

    /** Instant.isBefore on (epoch second, nano) pairs. */
    private static boolean before(long second, int nano, long otherSecond, int otherNano) {
        return second < otherSecond || second == otherSecond && nano < otherNano;
    }

    /**
     * One purchase against its candidates: the purchase taken apart once, and what the last eligible offer earned
     * (amount, base, limited), so that only paid rewards become Earned records.
     */
    private final class Evaluation {
        private static final int TIER_UNKNOWN = -2;
        private static final int NO_TIER = -1;

        private final Purchase p;
        private final Instant at;
        private final long atSecond;
        private final int atNano;
        private final LocalDate date;
        private final long epochDay;
        private final int dayOfWeekBit;
        private final long nanoOfDay;
        private final String merchantId;
        private final CardState card;
        private final Budgets budgets;
        private int tier = TIER_UNKNOWN; // asked of the card once, when an offer with tier multipliers first needs it
        private int issuer = TIER_UNKNOWN; // the card's issuer number, asked once when a targeted offer first needs it
        private String city;               // DE43's city upper case, once a geography first needs it
        private String country;            // DE43's country upper case, likewise

        long amount;
        long base;
        boolean limited;

        Evaluation(Purchase p, LocalDate date, long nanoOfDay, String merchantId, CardState card, Budgets budgets) {
            this.p = p;
            this.at = p.at();
            this.atSecond = at.getEpochSecond();
            this.atNano = at.getNano();
            this.date = date;
            this.epochDay = date.toEpochDay();
            this.dayOfWeekBit = 1 << date.getDayOfWeek().getValue();
            this.nanoOfDay = nanoOfDay;
            this.merchantId = merchantId;
            this.card = card;
            this.budgets = budgets;
        }

        /** ELIGIBLE (amount, base and limited set) or the ordinal of the first Reason that fails, in precedence. */
        int evaluate(CompiledOffer c) {
            CompiledTargeting t = c.targeting();
            if (!c.active() || (c.ends() && !before(atSecond, atNano, c.endSecond(), c.endNano()))
                    || before(atSecond, atNano, c.startSecond(), c.startNano())
                    && (t == null || !t.earlyAdmits(atSecond, atNano, tier()))) {
                return Reason.OFFER_NOT_LIVE.ordinal();
            }
            if (c.channel() == Offer.Channel.ONLINE && !p.online() || c.channel() == Offer.Channel.IN_STORE && p.online()) {
                return Reason.CHANNEL_NOT_ELIGIBLE.ordinal();
            }
            if (t != null && !t.locationAdmits(country(), city())) {
                return Reason.LOCATION_NOT_ELIGIBLE.ordinal();
            }
            long base;
            if (p.amount().currency().equals(c.currency())) {
                base = p.amount().minor() - p.tipMinor();
            } else if (p.billingAmount() != null && p.billingAmount().currency().equals(c.currency())) {
                // The tip is in the transaction currency; take its share of the billed amount.
                long tipBilled = p.amount().minor() == 0 ? 0
                        : Money.divide(Math.multiplyExact(p.tipMinor(), p.billingAmount().minor()), p.amount().minor(),
                        java.math.RoundingMode.HALF_UP);
                base = p.billingAmount().minor() - tipBilled;
            } else {
                return Reason.CURRENCY_NOT_ELIGIBLE.ordinal();
            }
            if (c.offDay(epochDay, dayOfWeekBit) || c.offHours(nanoOfDay)) {
                return Reason.DAY_OR_TIME_NOT_ELIGIBLE.ordinal();
            }
            if (c.activationRequired()) {
                Instant activated = card.activatedAt(c.id());
                if (activated == null || at.isBefore(activated)
                        || atSecond - activated.getEpochSecond() >= c.activationValidSeconds()) {
                    return Reason.ACTIVATION_REQUIRED.ordinal();
                }
            }
            if (t != null && t.limitsCards() && !(t.issuerAdmits(issuer()) && t.binAdmits(card.bin())
                    && t.tierAdmits(tier()) && t.segmentAdmits(card))) {
                return Reason.AUDIENCE_NOT_ELIGIBLE.ordinal();
            }
            if (c.audience() != Offer.Audience.ALL) {
                Instant last = merchantId == null ? null : card.lastPurchaseAt(merchantId, at);
                Instant lookBackStart = at.minusSeconds(c.lookBackSeconds());
                boolean inLookBack = last != null && !last.isBefore(lookBackStart);
                boolean eligible = c.audience() == Offer.Audience.NEW ? !inLookBack : !inLookBack && last != null;
                if (!eligible) {
                    return Reason.AUDIENCE_NOT_ELIGIBLE.ordinal();
                }
            }
            if (c.bonus() != null && c.bonus().withinSeconds() > 0) {
                Instant enrolled = card.enrolledAt(); // a welcome only so many days after enrollment
                if (enrolled == null || atSecond - enrolled.getEpochSecond() >= c.bonus().withinSeconds()) {
                    return Reason.AUDIENCE_NOT_ELIGIBLE.ordinal();
                }
            }
            if (base < c.minSpendMinor()) {
                return Reason.BELOW_MIN_SPEND.ordinal();
            }
            long positiveBase = Math.max(base, 0);
            long amount = switch (c.rewardKind()) {
                case RATE -> CompiledOffer.divide(Math.multiplyExact(positiveBase, c.rewardValue()), c.rewardDivisor(), c.rounding());
                case FIXED -> c.rewardValue();
                case PUNCH_CARD, WELCOME, SPEND_THRESHOLD -> bonusAmount(c, positiveBase);
            };
            if (amount < 0) {
                return Reason.CARD_LIMIT_REACHED.ordinal(); // a welcome had, or a punch card completed its most times
            }
            if (c.tiers().length != 0) {
                int slot = c.tierSlot(tier());
                if (slot >= 0) {
                    amount = CompiledOffer.divide(Math.multiplyExact(amount, c.tierMultipliers()[slot]), Money.BASIS_POINTS,
                            c.rounding());
                }
            }
            boolean limited = false;
            if (c.capped() && amount > c.maxRewardPerTransactionMinor()) {
                amount = c.maxRewardPerTransactionMinor();
                limited = true;
            }
            if (c.limitPeriod() != null) {
                if (c.limitsRedemptions()
                        && card.redemptionsInPeriod(c.id(), c.limitPeriod(), date) >= c.maxRedemptions()) {
                    return Reason.CARD_LIMIT_REACHED.ordinal();
                }
                if (c.limitsReward()) {
                    long left = c.maxRewardPerCardMinor() - card.rewardInPeriod(c.id(), c.limitPeriod(), date);
                    if (left <= 0) {
                        return Reason.CARD_LIMIT_REACHED.ordinal();
                    }
                    if (amount > left) {
                        amount = left;
                        limited = true;
                    }
                }
            }
            if (c.budgeted()) {
                long left = c.budgetMinor() - budgets.spent(c.id());
                if (left <= 0) {
                    return Reason.BUDGET_SPENT.ordinal();
                }
                if (amount > left) {
                    amount = left; // a purchase that straddles the budget earns what remains
                    limited = true;
                }
            }
            this.amount = amount;
            this.base = base;
            this.limited = limited;
            return ELIGIBLE;
        }

        /**
         * A bonus offer's amount for this purchase (0: counted, not due), or -1 when the card may earn no more from it.
         * Punch card: due when this visit completes one more card than the card has completions live (punches and
         * completions both lose what was refunded or reversed in full, so a refunded visit is made up by the next).
         * Welcome: once, while the card holds no live welcome. Threshold: the spend reaches the threshold and the
         * card holds no live bonus of the offer in the period.
         */
        private long bonusAmount(CompiledOffer c, long positiveBase) {
            return switch (c.rewardKind()) {
                case PUNCH_CARD -> {
                    int completions = card.redemptionsInPeriod(c.id(), Offer.Period.OFFER, date);
                    if (c.bonus().maxCompletions() > 0 && completions >= c.bonus().maxCompletions()) {
                        yield -1;
                    }
                    yield (card.punches(c.id()) + 1) / c.punchEvery() > completions ? c.rewardValue() : 0;
                }
                case WELCOME -> card.redemptionsInPeriod(c.id(), Offer.Period.OFFER, date) > 0 ? -1 : c.rewardValue();
                case SPEND_THRESHOLD -> {
                    Offer.Period period = c.bonus().period();
                    long spend = Math.addExact(card.spendInPeriod(c.id(), period, date), positiveBase);
                    yield spend >= c.bonus().thresholdMinor() && card.redemptionsInPeriod(c.id(), period, date) == 0
                            ? c.rewardValue() : 0;
                }
                default -> throw new IllegalStateException("not a bonus: " + c.rewardKind());
            };
        }

        /** What the last eligible offer earned, as a record. */
        Earned earned(CompiledOffer c) {
            return new Earned(c.offer(), c.unit(), amount, base, c.currency(), limited);
        }

        /** The card's issuer number (-1 when it has none, or one no offer is limited to). */
        private int issuer() {
            if (issuer == TIER_UNKNOWN) {
                issuer = compiler.issuerNumber(card.issuerId());
            }
            return issuer;
        }

        private String country() {
            if (country == null && p.country() != null) {
                country = p.country().strip().toUpperCase(java.util.Locale.ROOT);
            }
            return country;
        }

        private String city() {
            if (city == null && p.city() != null) {
                city = org.accrue.rewards.offers.Targeting.city(p.city());
            }
            return city;
        }

        /** The card's tier number (NO_TIER when it has none, or one no offer multiplies or targets). */
        private int tier() {
            if (tier == TIER_UNKNOWN) {
                String name = card.tier();
                Integer number = name == null ? null : compiler.tierNumber(name);
                tier = number == null ? NO_TIER : number;
            }
            return tier;
        }
    }
}
