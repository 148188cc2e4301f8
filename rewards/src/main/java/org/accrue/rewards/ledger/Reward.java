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
 *   expire:     cardholder pending -> funder receivable (auth never cleared);
 *               cardholder available -> funder receivable (points past validity)
 *   clawback:   issuer settlement -> funder receivable (refund after sending)
 *   reject:     issuer settlement -> cardholder available (refused: owed again)
 *   redeem:     cardholder available -> funder receivable (points spent)
 * Cash settles with the issuer; miles with the airline program ("AIRLINE:<program>").
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
    private long consumed;

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

    /** Restores how much of a points reward was already redeemed or expired. */
    public Reward withConsumed(long consumedPoints) {
        if (consumedPoints < 0 || consumedPoints > amount) {
            throw new IllegalArgumentException("consumed must be 0.." + amount + ", was " + consumedPoints);
        }
        this.consumed = consumedPoints;
        return this;
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
        if (status == Status.SENT || status == Status.POSTED) {
            return clawBack(newRemainingBase, at);
        }
        if (status != Status.PENDING && status != Status.AVAILABLE) {
            return List.of();
        }
        long remaining = Math.max(0, Math.min(newRemainingBase, remainingBase));
        remainingBase = remaining;
        // Points already redeemed stay spent (what they bought was delivered): only what is left goes back.
        long target = Math.max(consumed, Money.divide(Math.multiplyExact(originalReward, remaining), originalBase,
                RoundingMode.DOWN));
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

    /**
     * A refund after the reward was sent: the status stays (the credit was made), the amount follows the purchase
     * down, and the difference is clawed back: a debit or netting for cash, a reversal at the airline for miles.
     */
    private List<LedgerTransaction> clawBack(long newRemainingBase, Instant at) {
        long remaining = Math.max(0, Math.min(newRemainingBase, remainingBase));
        remainingBase = remaining;
        long target = Money.divide(Math.multiplyExact(originalReward, remaining), originalBase, RoundingMode.DOWN);
        long back = amount - target;
        if (back <= 0) {
            return List.of();
        }
        amount = target;
        return List.of(LedgerTransaction.move(id, LedgerTransaction.Kind.CLAWBACK, at, unit, back,
                Account.settlement(settlementOwner()), Account.funder(funder)));
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
        if (unit.kind() == RewardUnit.Kind.POINTS) {
            throw new IllegalStateException("bank points are redeemed, never sent; " + id);
        }
        status = Status.SENT;
        return amount == 0 ? List.of() : List.of(LedgerTransaction.move(id, LedgerTransaction.Kind.SEND, at, unit,
                amount, Account.available(cardId), Account.settlement(settlementOwner())));
    }

    /** The issuer or airline confirmed the credit. */
    public List<LedgerTransaction> posted() {
        if (status == Status.SENT) {
            status = Status.POSTED;
        }
        return List.of();
    }

    /** The issuer or airline refused it: the reward is owed to the cardholder again until ops resolve it. */
    public List<LedgerTransaction> rejected(Instant at) {
        if (status != Status.SENT) {
            throw new IllegalStateException("only a SENT reward is rejected; " + id + " is " + status);
        }
        status = Status.REJECTED;
        return amount == 0 ? List.of() : List.of(LedgerTransaction.move(id, LedgerTransaction.Kind.REJECT, at, unit,
                amount, Account.settlement(settlementOwner()), Account.available(cardId)));
    }

    /** Ops resend a refused (or missing) reward: a REJECTED one goes back to the issuer or airline. */
    public List<LedgerTransaction> resend(Instant at) {
        if (status == Status.SENT) {
            return List.of(); // still with the issuer (missing): a new credit id, no money moves
        }
        if (status != Status.REJECTED) {
            throw new IllegalStateException("only a REJECTED or SENT reward is resent; " + id + " is " + status);
        }
        status = Status.SENT;
        return amount == 0 ? List.of() : List.of(LedgerTransaction.move(id, LedgerTransaction.Kind.SEND, at, unit,
                amount, Account.available(cardId), Account.settlement(settlementOwner())));
    }

    /** Ops write a refused or missing reward off: the funder owes it no more; the reward stays closed as REJECTED. */
    public List<LedgerTransaction> writeOff(Instant at) {
        Account from = switch (status) {
            case REJECTED -> Account.available(cardId);
            case SENT -> Account.settlement(settlementOwner());
            default -> throw new IllegalStateException("only a REJECTED or SENT reward is written off; " + id + " is " + status);
        };
        status = Status.REJECTED;
        long left = amount;
        amount = 0;
        return left == 0 ? List.of() : List.of(LedgerTransaction.move(id, LedgerTransaction.Kind.WRITE_OFF, at, unit, left,
                from, Account.funder(funder)));
    }

    /** Ops accept the amount the issuer posted: the reward becomes it, and the funder owes the difference or less. */
    public List<LedgerTransaction> adjustTo(long issuerAmount, Instant at) {
        if (status != Status.SENT && status != Status.POSTED) {
            throw new IllegalStateException("only a SENT or POSTED reward is adjusted; " + id + " is " + status);
        }
        if (issuerAmount < 0) {
            throw new IllegalArgumentException("an issuer amount is never negative");
        }
        long diff = issuerAmount - amount;
        amount = issuerAmount;
        status = Status.POSTED;
        if (diff == 0) {
            return List.of();
        }
        return List.of(diff < 0
                ? LedgerTransaction.move(id, LedgerTransaction.Kind.ADJUST, at, unit, -diff,
                        Account.settlement(settlementOwner()), Account.funder(funder))
                : LedgerTransaction.move(id, LedgerTransaction.Kind.ADJUST, at, unit, diff,
                        Account.funder(funder), Account.settlement(settlementOwner())));
    }

    /** Spends up to {@code points} of an AVAILABLE points reward; returns what it gave (in the transaction). */
    public List<LedgerTransaction> redeem(long points, Instant at) {
        if (unit.kind() != RewardUnit.Kind.POINTS || status != Status.AVAILABLE) {
            throw new IllegalStateException("only AVAILABLE points are redeemed; " + id + " is " + status + " " + unit);
        }
        long take = Math.min(points, amount - consumed);
        if (take <= 0) {
            return List.of();
        }
        consumed += take;
        return List.of(LedgerTransaction.move(id, LedgerTransaction.Kind.REDEEM, at, unit, take,
                Account.available(cardId), Account.funder(funder)));
    }

    /** Points past the program's validity: what was not redeemed goes back to the program. */
    public List<LedgerTransaction> expirePoints(Instant at) {
        if (unit.kind() != RewardUnit.Kind.POINTS || status != Status.AVAILABLE) {
            return List.of();
        }
        long left = amount - consumed;
        status = Status.EXPIRED;
        consumed = amount;
        return left == 0 ? List.of() : List.of(LedgerTransaction.move(id, LedgerTransaction.Kind.EXPIRE, at, unit, left,
                Account.available(cardId), Account.funder(funder)));
    }

    /**
     * The balances this reward's state implies, funder against the cardholder or settlement side: PENDING holds its
     * amount on the cardholder's pending account; AVAILABLE what is left of it (less redeemed points) on the
     * available account; SENT and POSTED its amount with the issuer or airline; REJECTED its amount owed to the
     * cardholder again (nothing once written off: the amount is then 0); REVERSED and EXPIRED nothing. The ledger
     * rows of a reward always sum to exactly this, which is what makes a transition checkable at post time
     * ({@link #checkTransition}) without reading the rows back.
     */
    public Ledger ledger() {
        Ledger l = new Ledger();
        Account holder = switch (status) {
            case PENDING -> Account.pending(cardId);
            case AVAILABLE, REJECTED -> Account.available(cardId);
            case SENT, POSTED -> Account.settlement(settlementOwner());
            case REVERSED, EXPIRED -> null;
        };
        long held = holder == null ? 0 : status == Status.AVAILABLE ? amount - consumed : amount;
        if (held != 0) {
            l.open(holder, unit, -held); // credit-normal: what the cardholder or settlement side is owed
            l.open(Account.funder(funder), unit, held);
        }
        return l;
    }

    /**
     * The ledger rules at post time (as minigl runs its rules when a transaction is posted): {@code txns}, applied
     * through {@link Ledger#apply} to {@code before} (the ledger this reward implied before the transition), must
     * keep every account on its right side, and leave exactly the ledger the reward implies now. Throws
     * IllegalStateException otherwise: the caller writes nothing. Mutates {@code before}.
     */
    public void checkTransition(Ledger before, List<LedgerTransaction> txns) {
        for (LedgerTransaction t : txns) {
            if (!id.equals(t.rewardId())) {
                throw new IllegalStateException("ledger rule broken: a " + t.kind() + " of reward " + t.rewardId()
                        + " posted on reward " + id);
            }
            before.apply(t);
        }
        Ledger now = ledger();
        if (!before.sameBalancesAs(now)) {
            throw new IllegalStateException("ledger rule broken: the transactions of reward " + id + " (" + status
                    + ") leave " + before + ", its state implies " + now);
        }
    }

    /** Who holds a sent reward: the issuer for cash, the airline program for miles. */
    public String settlementOwner() {
        return unit.kind() == RewardUnit.Kind.MILES ? "AIRLINE:" + unit.code() : issuerId;
    }

    public long consumed() { return consumed; }
    public long originalReward() { return originalReward; }
    public Instant authorizedAt() { return authorizedAt; }
    public Duration returnPeriod() { return returnPeriod; }

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
