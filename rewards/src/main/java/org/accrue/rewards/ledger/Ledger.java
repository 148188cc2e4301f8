/*
 * Balances derived from entries, with the ledger's rules run on every
 * transaction before it is applied: balanced per unit (LedgerTransaction),
 * and no account past zero on its wrong side (a funder cannot owe less than
 * nothing; the cardholder cannot be owed less than nothing). Rows are only
 * ever added; balances are a fold over them, so they can always be rebuilt
 * and checked against the stored entries.
 */
package org.accrue.rewards.ledger;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.accrue.rewards.matching.RewardUnit;

public final class Ledger {
    private record Key(Account account, RewardUnit unit) {
    }

    private final Map<Key, Long> balances = new HashMap<>();

    /** Applies a transaction if every rule holds; otherwise throws and changes nothing. */
    public void apply(LedgerTransaction t) {
        Map<Key, Long> next = new HashMap<>();
        for (Entry e : t.entries()) {
            Key k = new Key(e.account(), e.unit());
            long b = Math.addExact(next.containsKey(k) ? next.get(k) : balance(e.account(), e.unit()), e.amount());
            next.put(k, b);
        }
        next.forEach((k, b) -> {
            boolean wrongSide = k.account().type().debitNormal() ? b < 0 : b > 0;
            if (wrongSide) {
                throw new IllegalStateException("ledger rule broken: " + k.account() + " would go to " + b + " "
                        + k.unit() + " (" + t.kind() + " of reward " + t.rewardId() + ")");
            }
        });
        balances.putAll(next);
    }

    public void applyAll(List<LedgerTransaction> ts) {
        ts.forEach(this::apply);
    }

    /**
     * Sets an opening balance (signed: debits positive), as a fold over earlier rows would have left it; for a ledger
     * rebuilt from a state (Reward.ledger()) rather than from its rows. Package-private: nothing else opens balances.
     */
    void open(Account a, RewardUnit unit, long signedBalance) {
        Key k = new Key(a, unit);
        if (signedBalance == 0) {
            balances.remove(k);
        } else {
            balances.put(k, signedBalance);
        }
    }

    /** Whether both ledgers hold the same balance on every account and unit (an account at zero holds nothing). */
    public boolean sameBalancesAs(Ledger other) {
        return nonZero().equals(other.nonZero());
    }

    private Map<Key, Long> nonZero() {
        Map<Key, Long> out = new HashMap<>(balances);
        out.values().removeIf(b -> b == 0);
        return out;
    }

    /** The non-zero balances, for a refusal's message (owners are card ids, issuer ids and funders: no secret). */
    @Override
    public String toString() {
        return nonZero().toString();
    }

    /** Signed balance: debits positive. */
    public long balance(Account a, RewardUnit unit) {
        return balances.getOrDefault(new Key(a, unit), 0L);
    }

    /** What the account holds on its normal side (owed to or by it), never negative. */
    public long normalBalance(Account a, RewardUnit unit) {
        long b = balance(a, unit);
        return a.type().debitNormal() ? b : -b;
    }
}
