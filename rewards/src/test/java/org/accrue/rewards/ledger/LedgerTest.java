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

    private static Reward available(Ledger ledger, RewardUnit unit, long amount) {
        Reward.Earning e = Reward.earn("rw2", "crd", "BANK_A", "MERCHANT:m", unit, amount, 4000, AT, java.time.Duration.ZERO);
        ledger.applyAll(e.transactions());
        ledger.applyAll(e.reward().clear(AT));
        ledger.applyAll(e.reward().advance(AT, java.time.Duration.ofDays(10)));
        assertThat(e.reward().status()).isEqualTo(Reward.Status.AVAILABLE);
        return e.reward();
    }

    @Test
    void aRefundAfterSendingClawsBackFromTheIssuerAndTheCreditStands() {
        Ledger ledger = new Ledger();
        Reward r = available(ledger, USD, 400);
        ledger.applyAll(r.send(AT));

        ledger.applyAll(r.reduceTo(2000, AT));

        assertThat(r.status()).as("the credit was made").isEqualTo(Reward.Status.SENT);
        assertThat(r.amount()).isEqualTo(200);
        assertThat(ledger.normalBalance(Account.settlement("BANK_A"), USD)).isEqualTo(200);
        assertThat(ledger.normalBalance(Account.funder("MERCHANT:m"), USD)).isEqualTo(200);
    }

    @Test
    void sentMilesSettleWithTheAirlineAndARejectionOwesThemToTheCardholderAgain() {
        RewardUnit sky = new RewardUnit(RewardUnit.Kind.MILES, "SKY");
        Ledger ledger = new Ledger();
        Reward r = available(ledger, sky, 80);
        ledger.applyAll(r.send(AT));
        assertThat(ledger.normalBalance(Account.settlement("AIRLINE:SKY"), sky)).isEqualTo(80);

        ledger.applyAll(r.rejected(AT));

        assertThat(r.status()).isEqualTo(Reward.Status.REJECTED);
        assertThat(ledger.normalBalance(Account.settlement("AIRLINE:SKY"), sky)).isZero();
        assertThat(ledger.normalBalance(Account.available("crd"), sky)).isEqualTo(80);
        assertThatThrownBy(() -> r.rejected(AT)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void pointsAreRedeemedInPartAndWhatIsLeftExpires() {
        RewardUnit pts = new RewardUnit(RewardUnit.Kind.POINTS, "BANKPTS");
        Ledger ledger = new Ledger();
        Reward r = available(ledger, pts, 1000);

        ledger.applyAll(r.redeem(300, AT));
        ledger.applyAll(r.redeem(5000, AT)); // only what is left
        assertThat(r.consumed()).isEqualTo(1000);
        assertThat(r.redeem(1, AT)).isEmpty();

        Reward s = available(ledger, pts, 500);
        ledger.applyAll(s.redeem(100, AT));
        ledger.applyAll(s.expirePoints(AT));

        assertThat(s.status()).isEqualTo(Reward.Status.EXPIRED);
        assertThat(ledger.normalBalance(Account.available("crd"), pts)).isZero();
        assertThat(ledger.normalBalance(Account.funder("MERCHANT:m"), pts)).isZero();
        assertThatThrownBy(() -> s.send(AT)).isInstanceOf(IllegalStateException.class);
    }
}
