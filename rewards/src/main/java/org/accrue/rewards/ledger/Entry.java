package org.accrue.rewards.ledger;

import org.accrue.rewards.matching.RewardUnit;

/** One line of a ledger transaction: a signed amount (debit > 0, credit < 0) in a unit, on an account. */
public record Entry(Account account, RewardUnit unit, long amount) {
    public Entry {
        if (amount == 0) {
            throw new IllegalArgumentException("a ledger entry moves something");
        }
    }
}
