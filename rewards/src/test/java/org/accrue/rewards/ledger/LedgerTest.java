package org.accrue.rewards.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;

import org.accrue.rewards.matching.RewardUnit;
import org.junit.jupiter.api.Test;

class LedgerTest {
    private static final Instant AT = Instant.parse("2026-11-22T00:00:00Z");
    private static final RewardUnit USD = RewardUnit.cash("USD");
    private static final RewardUnit EUR = RewardUnit.cash("EUR");

    @Test
    void anUnbalancedTransactionIsNeverMade() {
        assertThatThrownBy(() -> new LedgerTransaction("rw1", LedgerTransaction.Kind.EARN, AT, List.of(
                new Entry(Account.funder("MERCHANT:m"), USD, 100), new Entry(Account.pending("crd"), USD, -99))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("unbalanced");
    }

    @Test
    void balancingIsPerUnitNotAcrossUnits() {
        assertThatThrownBy(() -> new LedgerTransaction("rw1", LedgerTransaction.Kind.EARN, AT, List.of(
                new Entry(Account.funder("MERCHANT:m"), USD, 100), new Entry(Account.pending("crd"), EUR, -100))))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void noAccountGoesPastZeroOnItsWrongSideAndARefusedTransactionChangesNothing() {
        Ledger ledger = new Ledger();
        ledger.apply(LedgerTransaction.move("rw1", LedgerTransaction.Kind.EARN, AT, USD, 100,
                Account.funder("MERCHANT:m"), Account.pending("crd")));
        assertThatThrownBy(() -> ledger.apply(LedgerTransaction.move("rw1", LedgerTransaction.Kind.REDUCE, AT, USD, 101,
                Account.pending("crd"), Account.funder("MERCHANT:m")))).hasMessageContaining("ledger rule broken");
        assertThat(ledger.normalBalance(Account.pending("crd"), USD)).isEqualTo(100);
        assertThat(ledger.normalBalance(Account.funder("MERCHANT:m"), USD)).isEqualTo(100);
    }

    @Test
    void aPartialReversalReducesTheRewardInProportionRoundedDown() {
        Reward.Earning e = Reward.earn("rw1", "crd", "BANK_A", "MERCHANT:m", USD, 399, 4000, AT, java.time.Duration.ofDays(14));
        Ledger ledger = new Ledger();
        ledger.applyAll(e.transactions());
        ledger.applyAll(e.reward().reduceTo(2500, AT));
        assertThat(e.reward().amount()).isEqualTo(249); // 399 x 2500/4000 = 249.375
        assertThat(ledger.normalBalance(Account.pending("crd"), USD)).isEqualTo(249);
        ledger.applyAll(e.reward().reduceTo(0, AT));
        assertThat(e.reward().status()).isEqualTo(Reward.Status.REVERSED);
        assertThat(ledger.normalBalance(Account.funder("MERCHANT:m"), USD)).isZero();
    }
}
