/*
 * One reward through its life (offers-and-rewards.md, "Reward lifecycle"),
 * as a pure state machine: each event returns the ledger transactions it
 * causes, and the reward's amount always equals the offer's reward scaled to
 * what remains of the purchase (reversals and refunds reduce it in
 * proportion, rounded down: the cardholder is never paid for money that came
 * back). Every change is a balanced transaction:
 *   earn:       funder receivable  -> cardholder pending
 *   reduce:     cardholder pending -> funder receivable (part or all back)
 *   available:  cardholder pending -> cardholder available
 *   send:       cardholder available -> issuer settlement
 *   expire:     cardholder pending -> funder receivable (auth never cleared)
 */
package org.accrue.rewards.ledger;

import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.accrue.rewards.matching.RewardUnit;
import org.accrue.rewards.money.Money;

public final class Reward {

    public enum Status { PENDING, AVAILABLE, SENT, POSTED, REVERSED, REJECTED, EXPIRED }

    private final String id;
    private final String cardId;
    private final String issuerId;
    private final String funder;
    private final RewardUnit unit;
    private final long originalReward;
    private final long originalBase;
    private final Instant authorizedAt;
    private final Duration returnPeriod;
    private long remainingBase;
    private long amount;
    private Status status = Status.PENDING;
    private Instant clearedAt;

    private Reward(String id, String cardId, String issuerId, String funder, RewardUnit unit, long reward, long base,
                   Instant at, Duration returnPeriod) {
        this.id = id;
        this.cardId = cardId;
        this.issuerId = issuerId;
        this.funder = funder;
        this.unit = unit;
        this.originalReward = reward;
        this.originalBase = base;
        this.authorizedAt = at;
        this.returnPeriod = returnPeriod;
        this.remainingBase = base;
        this.amount = reward;
    }

    /** A matched purchase earns a PENDING reward; the transaction moves it from the funder to the cardholder. */
    public static Earning earn(String id, String cardId, String issuerId, String funder, RewardUnit unit, long reward,
                               long base, Instant at, Duration returnPeriod) {
        if (reward < 0 || base <= 0) {
            throw new IllegalArgumentException("a reward is earned on a positive base, never negative");
        }
        Reward r = new Reward(id, cardId, issuerId, funder, unit, reward, base, at, returnPeriod);
        List<LedgerTransaction> t = reward == 0 ? List.of()
                : List.of(LedgerTransaction.move(id, LedgerTransaction.Kind.EARN, at, unit, reward,
                Account.funder(funder), Account.pending(cardId)));
        return new Earning(r, t);
    }

    public record Earning(Reward reward, List<LedgerTransaction> transactions) {
    }

    /** A reward as stored, to carry on its life. */
    public static Reward restore(String id, String cardId, String issuerId, String funder, RewardUnit unit,
                                 long originalReward, long originalBase, Instant authorizedAt, Duration returnPeriod,
                                 long remainingBase, long amount, Status status, Instant clearedAt) {
        Reward r = new Reward(id, cardId, issuerId, funder, unit, originalReward, originalBase, authorizedAt, returnPeriod);
        r.remainingBase = remainingBase;
        r.amount = amount;
        r.status = status;
        r.clearedAt = clearedAt;
        return r;
    }

    /** The purchase cleared (or a clearing of it arrived): the return period starts. */
    public List<LedgerTransaction> clear(Instant at) {
        if (status == Status.PENDING && clearedAt == null) {
            clearedAt = at;
        }
        return List.of();
    }

    /** A partial reversal (DE95) or refund leaves {@code remainingBase} of the purchase; the reward follows. */
    public List<LedgerTransaction> reduceTo(long newRemainingBase, Instant at) {
        if (status != Status.PENDING && status != Status.AVAILABLE) {
            return List.of(); // after sending, a refund is a clawback (posting's business), not a reduction
        }
        long remaining = Math.max(0, Math.min(newRemainingBase, remainingBase));
        remainingBase = remaining;
        long target = Money.divide(Math.multiplyExact(originalReward, remaining), originalBase, RoundingMode.DOWN);
        long back = amount - target;
        List<LedgerTransaction> out = new ArrayList<>();
        if (back > 0) {
            Account from = status == Status.PENDING ? Account.pending(cardId) : Account.available(cardId);
            out.add(LedgerTransaction.move(id, LedgerTransaction.Kind.REDUCE, at, unit, back, from, Account.funder(funder)));
            amount = target;
        }
        if (remaining == 0) {
            status = Status.REVERSED;
        }
        return out;
    }

    /** Reduces by a refund or reversal of {@code returnedBase}. */
    public List<LedgerTransaction> returned(long returnedBase, Instant at) {
        return reduceTo(remainingBase - returnedBase, at);
    }

    /** Time passes: an uncleared auth past its window expires; a cleared reward past its return period is available. */
    public List<LedgerTransaction> advance(Instant now, Duration clearingWindow) {
        if (status != Status.PENDING) {
            return List.of();
        }
        if (clearedAt == null) {
            if (!now.isBefore(authorizedAt.plus(clearingWindow))) {
                status = Status.EXPIRED;
                return amount == 0 ? List.of() : List.of(LedgerTransaction.move(id, LedgerTransaction.Kind.EXPIRE, now,
                        unit, amount, Account.pending(cardId), Account.funder(funder)));
            }
            return List.of();
        }
        if (!now.isBefore(clearedAt.plus(returnPeriod))) {
            status = Status.AVAILABLE;
            return amount == 0 ? List.of() : List.of(LedgerTransaction.move(id, LedgerTransaction.Kind.AVAILABLE, now,
                    unit, amount, Account.pending(cardId), Account.available(cardId)));
        }
        return List.of();
    }

    /** Posting hands an AVAILABLE reward to the issuer (or airline). */
    public List<LedgerTransaction> send(Instant at) {
        if (status != Status.AVAILABLE) {
            throw new IllegalStateException("only an AVAILABLE reward is sent; " + id + " is " + status);
        }
        status = Status.SENT;
        return amount == 0 ? List.of() : List.of(LedgerTransaction.move(id, LedgerTransaction.Kind.SEND, at, unit,
                amount, Account.available(cardId), Account.settlement(issuerId)));
    }

    public String id() { return id; }
    public String cardId() { return cardId; }
    public RewardUnit unit() { return unit; }
    public long amount() { return amount; }
    public long remainingBase() { return remainingBase; }
    public long originalBase() { return originalBase; }
    public Status status() { return status; }
    public String funder() { return funder; }
    public String issuerId() { return issuerId; }
    public Instant clearedAt() { return clearedAt; }
}
