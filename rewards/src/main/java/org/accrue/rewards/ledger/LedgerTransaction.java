/*
 * A balanced double-entry transaction: in every unit (each currency, each
 * miles or points program) the entries sum to zero. The check is always on
 * (not a Java assert): an unbalanced transaction is a broken program and is
 * never written.
 */
package org.accrue.rewards.ledger;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.accrue.rewards.matching.RewardUnit;

public record LedgerTransaction(String rewardId, Kind kind, Instant at, List<Entry> entries) {

    public enum Kind {
        EARN, REDUCE, AVAILABLE, SEND, EXPIRE,
        /** A refund after sending: the issuer (or airline) recovers it from the cardholder; the funder owes less. */
        CLAWBACK,
        /** The issuer or airline refused a sent reward: it is owed to the cardholder again. */
        REJECT,
        /** Bank points spent on a redemption go back to the program. */
        REDEEM,
        /** Ops closed a refused or missing reward: the funder owes it no more. */
        WRITE_OFF,
        /** Ops accepted what the issuer actually posted: the reward follows it. */
        ADJUST
    }

    public LedgerTransaction {
        entries = List.copyOf(entries);
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("a ledger transaction has entries");
        }
        Map<RewardUnit, Long> sums = new HashMap<>();
        for (Entry e : entries) {
            sums.merge(e.unit(), e.amount(), Math::addExact);
        }
        sums.forEach((unit, sum) -> {
            if (sum != 0) {
                throw new IllegalStateException("unbalanced ledger transaction for reward " + rewardId + ": "
                        + unit + " sums to " + sum);
            }
        });
    }

    /** Moves {@code amount} from one account to another: debit {@code to}, credit {@code from}. */
    public static LedgerTransaction move(String rewardId, Kind kind, Instant at, RewardUnit unit, long amount,
                                         Account debit, Account credit) {
        return new LedgerTransaction(rewardId, kind, at, List.of(new Entry(debit, unit, amount), new Entry(credit, unit, -amount)));
    }
}
