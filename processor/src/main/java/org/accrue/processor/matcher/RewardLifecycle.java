/*
 * What each stored message does to rewards, through the Reward's own transitions (each yields its ledger
 * transactions), in one batch:
 *
 *   01xx purchase            -> rewards PENDING (waiting for clearing)
 *   0200 purchase            -> rewards PENDING and cleared at once
 *   0220 clearing            -> clears the auth's rewards (or earns, when no auth came)
 *   02xx refund (DE3 20)     -> reduces the purchase's rewards in proportion (same DE37; failing that, the card's
 *                               latest purchase at the MID within its return period), the share measured in the
 *                               currency of each reward's base (DE4, or DE6 when the base was the billed amount);
 *                               a purchase with its DE37 stored but not matched yet is waited for
 *   04xx reversal            -> finds the original by DE90 (or, zero-filled, by token + DE37 + DE38 + amount);
 *                               DE95 reduces in proportion, otherwise all; an original not yet here is retried
 * and the sweep's: cleared rewards AVAILABLE after their return period, auths never cleared EXPIRED.
 * Bonus offers (punch cards, welcome, spend thresholds) count every purchase and follow refunds their own way:
 * BonusLifecycle.
 * A purchase is never rewarded twice: a lifecycle that has rewards (or an auth) is cleared, not earned again.
 */
package org.accrue.processor.matcher;

import java.math.RoundingMode;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.accrue.iso8583.PurchaseChannel;
import org.accrue.iso8583.TransactionKind;
import org.accrue.processor.ids.Ids;
import org.accrue.rewards.ledger.LedgerTransaction;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.Earned;
import org.accrue.rewards.matching.MatchResult;
import org.accrue.rewards.matching.MatchingEngine;
import org.accrue.rewards.matching.Purchase;
import org.accrue.rewards.money.Money;
import org.accrue.rewards.offers.Offer;

final class RewardLifecycle {
    /** How long a reversal whose original has not arrived waits before it looks again. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(30);

    /** What to do with a message's queue row after handling it. */
    enum Handled { DONE, LATER, SOON }

    private final MatchBatch w;
    private final MatchingEngine engine;
    private final BonusLifecycle bonuses;
    private final Duration clearingWindow;
    private final Instant now;
    private final ProgramPoints programs;

    RewardLifecycle(MatchBatch w, MatchingEngine engine, java.util.function.Function<String, Offer> offers,
                    Duration clearingWindow, Instant now) {
        this(w, engine, offers, ProgramPoints.NONE, clearingWindow, now);
    }

    RewardLifecycle(MatchBatch w, MatchingEngine engine, java.util.function.Function<String, Offer> offers,
                    ProgramPoints programs, Duration clearingWindow, Instant now) {
        this.w = w;
        this.engine = engine;
        this.programs = programs;
        this.bonuses = new BonusLifecycle(w, offers, now, clearingWindow);
        this.clearingWindow = clearingWindow;
        this.now = now;
    }

    /** Applies the message to its rewards; says what becomes of its queue row. */
    Handled handle(StoredMessage m) throws SQLException {
        if (m.mti().isReversal()) {
            return reverse(m);
        }
        if (m.kind() == TransactionKind.REFUND && m.mti().isFinancial()) {
            return refund(m);
        } else if (m.kind() != TransactionKind.PURCHASE) {
            w.outcome(m, null, "NONE", 0, "processing code " + m.processingCode() + " is not rewarded");
        } else {
            purchase(m);
        }
        return Handled.DONE;
    }

    /** The sweep's page of authorizations' punches and spend whose clearing was due ({@link BonusLifecycle#settleUncleared}). */
    int settleUnclearedBonuses(int limit) throws SQLException {
        return bonuses.settleUncleared(limit);
    }

    /** The sweep's page: each reward moved on as time says (AVAILABLE or EXPIRED). */
    void advance(List<Reward> due) throws SQLException {
        for (Reward r : due) {
            w.save(r, r.advance(now, clearingWindow));
        }
    }

    private Handled refund(StoredMessage m) throws SQLException {
        // Its purchase stored but not matched yet (stored on another node and put back, or failed once and waiting):
        // its rewards do not exist yet, so the refund would reduce nothing, or the card's previous purchase at the MID.
        Long unmatched = w.unmatchedPurchase(m);
        if (unmatched != null) {
            return waitFor(unmatched);
        }
        String bonusDetail = bonuses.takeBack(m.id(), m.rrnKey(), true, BonusLifecycle.refund(m));
        List<Reward> rewards = w.rewardsByRrn(m.rrnKey());
        boolean byDe37 = !rewards.isEmpty();
        if (rewards.isEmpty()) {
            rewards = w.rewardsOfLatestPurchaseAt(m); // failing DE37: same card and MID, within the return period
        }
        if (rewards.isEmpty()) {
            w.outcome(m, null, "NONE", 0, "refund: no rewarded purchase with this DE37, or at this MID within its return period"
                    + bonusDetail);
            return Handled.DONE;
        }
        int reduced = 0;
        List<String> unmeasured = new ArrayList<>();
        for (Reward r : rewards) {
            BonusLifecycle.Follows follows = bonuses.follows(r);
            if (follows != BonusLifecycle.Follows.PURCHASE_SHARE) {
                // A bonus: a punch or welcome goes with the whole visit (found by DE37), a threshold bonus with its spend.
                Money bought = w.purchase(r.id());
                Money back = m.amountIn(bought.currency());
                if (follows == BonusLifecycle.Follows.WHOLE_VISIT && byDe37 && back != null && back.minor() >= bought.minor()) {
                    w.save(r, r.reduceTo(0, now));
                    reduced++;
                }
                continue;
            }
            // The refund's share of the purchase, both in the currency of the reward's base: DE6 when the base was the
            // billed amount (a cross-currency purchase), DE4 otherwise. DE4 over a billed purchase reduced a
            // cross-currency refund by the wrong fraction (10.00 EUR of a purchase billed 44.00 USD took 10/44).
            Money purchase = w.purchase(r.id());
            Money refunded = m.amountIn(purchase.currency());
            if (refunded == null) {
                unmeasured.add(purchase.currency()); // no share can be told: the reward stays, the outcome says why
                continue;
            }
            long returnedBase = purchase.minor() == 0 ? 0 : Money.divide(Math.multiplyExact(refunded.minor(),
                    r.originalBase()), purchase.minor(), RoundingMode.HALF_UP);
            w.save(r, r.returned(returnedBase, now));
            reduced++;
        }
        String detail = "refund of " + m.amount().minor() + " reduced " + reduced + " reward(s)" + bonusDetail;
        if (!unmeasured.isEmpty()) {
            detail += "; " + unmeasured.size() + " reward(s) left as they were: their base is in "
                    + String.join("/", new java.util.TreeSet<>(unmeasured)) + ", and the refund carries no amount in it "
                    + "(DE4 is " + m.amount().currency() + (m.billing() == null ? ", no DE6" : ", DE6 " + m.billing().currency()) + ")";
        }
        w.outcome(m, null, "NONE", 0, detail);
        return Handled.DONE;
    }

    /**
     * A refund or reversal whose purchase is queued, not matched: looked at again as soon as the purchase is due
     * (SOON: the next batch, which matches the purchase first, being earlier in seq or due now), or after RETRY_AFTER
     * while the purchase waits for a later try (it failed alone), rather than at every batch meanwhile.
     */
    private Handled waitFor(long purchaseMessageId) throws SQLException {
        Instant due = w.dueAt(purchaseMessageId);
        return due == null || !due.isAfter(now) ? Handled.SOON : Handled.LATER;
    }

    /** An auth, a 0200 or a clearing: clears the lifecycle's rewards when it has some (or had an auth), else earns. */
    private void purchase(StoredMessage m) throws SQLException {
        List<Reward> existing = w.rewardsByLifecycle(m.lifecycleKey());
        boolean clears = m.mti().isFinancial();
        if (!existing.isEmpty() || (m.mti().isClearingAdvice() && w.authSeen(m))) {
            if (clears) {
                for (Reward r : existing) {
                    w.save(r, r.clear(now));
                }
            }
            w.outcome(m, null, "NONE", 0, clears ? "clearing of an earlier purchase" : "repeat of an earlier purchase");
            return;
        }
        earn(m, clears);
    }

    private void earn(StoredMessage m, boolean cleared) throws SQLException {
        Purchase p = purchaseOf(m);
        MatchResult r = engine.match(p, w.cardState(m.cardId(), m.seq()), w::budgetSpent);
        StringBuilder detail = new StringBuilder();
        List<Earned> earned = new ArrayList<>(r.earned().size() + 1);
        for (Earned e : r.earned()) {
            String owner = programs.foreignOwner(m.issuerId(), e);
            if (owner == null) {
                earned.add(e);
            } else {
                detail.append(e.offer().id()).append(": its points program ").append(e.unit().code())
                        .append(" is issuer ").append(owner).append("'s; ");
            }
        }
        earned.addAll(programs.earn(m.issuerId(), p)); // the issuer's own points programs, on top of the offers
        for (Earned e : earned) {
            Offer o = e.offer();
            String funder = switch (o.funding()) {
                case MERCHANT -> "MERCHANT:" + (o.merchantId() != null ? o.merchantId() : r.merchantId());
                case ISSUER -> "ISSUER:" + m.issuerId();
                case PARTNER -> "PARTNER:" + (o.partnerId() != null ? o.partnerId() : o.id());
            };
            Reward.Earning earning = Reward.earn(Ids.next("rw"),
                    Long.toString(m.cardId()), m.issuerId(), funder, e.unit(), e.amount(), Math.max(1, e.baseMinor()),
                    m.receivedAt(), Duration.ofDays(o.returnPeriodDays()));
            List<LedgerTransaction> txns = new ArrayList<>(earning.transactions());
            if (cleared) {
                txns.addAll(earning.reward().clear(now));
                // A return period that is over when the purchase clears (0 days) makes the reward available now, in
                // this transaction, as the sweep would a moment later (issue 13: the sweep took 1,000 every 5 s).
                txns.addAll(earning.reward().advance(now, clearingWindow));
            }
            w.insert(earning.reward(), m, o, r.merchantId(), e, p.local().toLocalDate(), txns);
            detail.append("earned ").append(o.id()).append(' ').append(e.amount()).append(' ').append(e.unit().code()).append("; ");
        }
        detail.append(bonuses.counted(m, r, p.local().toLocalDate()));
        for (MatchResult.Declined d : r.declined()) {
            detail.append(d.offerId()).append(": ").append(d.reason()).append("; ");
        }
        if (r.suggestion() != null) {
            w.midSuggestion(r.suggestion(), m);
            detail.append("MID ").append(m.merchantId()).append(" looks like merchant ").append(r.suggestion().merchantId())
                    .append(" (suggested to ops); ");
        }
        if (earned.isEmpty() && r.declined().isEmpty()) {
            detail.append(r.resolution() == MatchResult.Resolution.NONE ? "no merchant or category offer matched" : "no offers for this merchant");
        }
        w.outcome(m, r.merchantId(), r.resolution().name(), earned.size(), detail.toString());
    }

    private Handled reverse(StoredMessage m) throws SQLException {
        if (m.original() == null) {
            w.outcome(m, null, "NONE", 0, "reversal without DE90");
            return Handled.DONE;
        }
        MatchBatch.Original orig = w.original(m);
        if (orig == null) {
            if (!now.isBefore(m.receivedAt().plus(clearingWindow))) {
                w.outcome(m, null, "NONE", 0, "reversal: original never arrived");
                return Handled.DONE;
            }
            return Handled.LATER; // the original may still come: look again later
        }
        if (w.queued(orig.messageId())) {
            // The original is stored but not matched yet (stored later, or on another node, or waiting after a failure):
            // its rewards do not exist yet. Look again once it is matched.
            return waitFor(orig.messageId());
        }
        boolean full = m.replacementAmountMinor() == null || orig.amountMinor() == 0 || m.replacementAmountMinor() == 0;
        String bonusDetail = bonuses.takeBack(m.id(), orig.lifecycleKey(), false,
                BonusLifecycle.reversal(m.replacementAmountMinor(), orig.amountMinor()));
        List<Reward> rewards = w.rewardsByLifecycle(orig.lifecycleKey());
        for (Reward r : rewards) {
            BonusLifecycle.Follows follows = bonuses.follows(r);
            if (follows == BonusLifecycle.Follows.THRESHOLD || follows == BonusLifecycle.Follows.WHOLE_VISIT && !full) {
                continue; // a threshold bonus follows its spend (above); a punch or welcome stays while the visit does
            }
            if (m.replacementAmountMinor() == null || orig.amountMinor() == 0) {
                w.save(r, r.reduceTo(0, now));
            } else {
                long remaining = Money.divide(Math.multiplyExact(r.originalBase(), m.replacementAmountMinor()), orig.amountMinor(),
                        RoundingMode.DOWN);
                w.save(r, r.reduceTo(remaining, now));
            }
        }
        w.outcome(m, null, "NONE", 0, (m.replacementAmountMinor() == null ? "full" : "partial") + " reversal of "
                + rewards.size() + " reward(s)" + bonusDetail);
        return Handled.DONE;
    }

    /** The purchase as the engine sees it. */
    static Purchase purchaseOf(StoredMessage m) {
        return new Purchase(m.receivedAt(), localTime(m), m.channel() == PurchaseChannel.ONLINE, m.amount(), m.billing(),
                m.tipMinor(), m.acquirerId(), m.merchantId(), m.acceptorName(), m.mcc(), m.acceptorCountry(), m.acceptorCity());
    }

    /** The merchant's local date and time (DE13/DE12); the year is the one that puts it nearest the receipt time. */
    static LocalDateTime localTime(StoredMessage m) {
        LocalDateTime received = LocalDateTime.ofInstant(m.receivedAt(), ZoneOffset.UTC);
        if (m.localDate() == null || m.localTime() == null) {
            return received;
        }
        LocalDateTime best = null;
        for (int y = received.getYear() - 1; y <= received.getYear() + 1; y++) {
            if (!m.localDate().isValidYear(y)) {
                continue; // 29 February in a year without one
            }
            LocalDateTime c = LocalDateTime.of(m.localDate().atYear(y), m.localTime());
            if (best == null || Duration.between(c, received).abs().compareTo(Duration.between(best, received).abs()) < 0) {
                best = c;
            }
        }
        return best == null ? received : best;
    }
}
