/*
 * The ledger rules at post time (Reward.ledger, Reward.checkTransition): every
 * transition of the lifecycle leaves the balances its new state implies, and a
 * transaction that would push an account past zero on its wrong side, or that
 * disagrees with the state it leaves, is refused.
 */
package org.accrue.rewards.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

import org.accrue.rewards.matching.RewardUnit;
import org.junit.jupiter.api.Test;

class RewardTest {
    private static final Instant AT = Instant.parse("2026-11-22T00:00:00Z");
    private static final RewardUnit USD = RewardUnit.cash("USD");
    private static final RewardUnit POINTS = new RewardUnit(RewardUnit.Kind.POINTS, "BANKPTS");
    private static final RewardUnit MILES = new RewardUnit(RewardUnit.Kind.MILES, "SKY");

    /** Applies a transition the way the book does: the implied ledger before, the transition, the check. */
    private static void checked(Reward r, Function<Reward, List<LedgerTransaction>> transition) {
        Ledger before = r.ledger();
        List<LedgerTransaction> txns = transition.apply(r);
        r.checkTransition(before, txns);
    }

    private static Reward available(RewardUnit unit, long amount) {
        Reward.Earning e = Reward.earn("rw1", "17", "BANK_A", "MERCHANT:m", unit, amount, 4000, AT, Duration.ZERO);
        e.reward().checkTransition(new Ledger(), e.transactions());
        Reward r = e.reward();
        checked(r, x -> x.clear(AT));
        checked(r, x -> x.advance(AT, Duration.ofDays(10)));
        assertThat(r.status()).isEqualTo(Reward.Status.AVAILABLE);
        return r;
    }

    @Test
    void everyCashTransitionLeavesTheBalancesItsNewStateImplies() {
        Reward r = available(USD, 400);
        checked(r, x -> x.send(AT));
        checked(r, x -> x.rejected(AT));
        assertThat(r.ledger().normalBalance(Account.available("17"), USD)).isEqualTo(400);
        checked(r, x -> x.resend(AT));
        checked(r, x -> x.adjustTo(350, AT));
        checked(r, x -> x.reduceTo(2000, AT)); // a refund after posting: clawed back
        checked(r, Reward::posted);
        assertThat(r.ledger().normalBalance(Account.settlement("BANK_A"), USD)).isEqualTo(r.amount());
        assertThat(r.ledger().normalBalance(Account.funder("MERCHANT:m"), USD)).isEqualTo(r.amount());
    }

    @Test
    void aRefundOfPointsAlreadyRedeemedTakesBackOnlyWhatIsLeft() {
        Reward r = available(POINTS, 600); // on a base of 4000
        checked(r, x -> x.redeem(500, AT));
        checked(r, x -> x.reduceTo(1000, AT)); // 3/4 refunded: 450 asked back, 100 left

        assertThat(r.amount()).as("the 500 redeemed stay spent").isEqualTo(500);
        assertThat(r.ledger().normalBalance(Account.available("17"), POINTS)).isZero();
        checked(r, x -> x.reduceTo(0, AT));
        assertThat(r.status()).isEqualTo(Reward.Status.REVERSED);
        assertThat(r.amount()).isEqualTo(500);
    }

    @Test
    void writingOffARefusedRewardLeavesNothingHeld() {
        Reward r = available(MILES, 80);
        checked(r, x -> x.send(AT));
        assertThat(r.ledger().normalBalance(Account.settlement("AIRLINE:SKY"), MILES)).isEqualTo(80);
        checked(r, x -> x.rejected(AT));
        checked(r, x -> x.writeOff(AT));
        assertThat(r.ledger().sameBalancesAs(new Ledger())).isTrue();
    }

    @Test
    void pendingRewardsReduceAndExpireToNothing() {
        Reward.Earning e = Reward.earn("rw2", "17", "BANK_A", "MERCHANT:m", USD, 399, 4000, AT, Duration.ofDays(14));
        Reward r = e.reward();
        r.checkTransition(new Ledger(), e.transactions());
        checked(r, x -> x.reduceTo(2500, AT));
        assertThat(r.ledger().normalBalance(Account.pending("17"), USD)).isEqualTo(249);
        checked(r, x -> x.advance(AT.plus(Duration.ofDays(30)), Duration.ofDays(7)));
        assertThat(r.status()).isEqualTo(Reward.Status.EXPIRED);
        assertThat(r.ledger().sameBalancesAs(new Ledger())).isTrue();
    }

    @Test
    void redeemedPointsLeaveTheAvailableAccountAndExpiryTakesTheRest() {
        Reward r = available(POINTS, 1000);
        checked(r, x -> x.redeem(300, AT));
        assertThat(r.ledger().normalBalance(Account.available("17"), POINTS)).isEqualTo(700);
        checked(r, x -> x.expirePoints(AT));
        assertThat(r.ledger().sameBalancesAs(new Ledger())).isTrue();
    }

    @Test
    void aTransactionThatWouldTakeAnAccountPastZeroIsRefused() {
        Reward r = available(USD, 400);
        Ledger before = r.ledger();
        // A REJECT of a reward that was never sent: the issuer's settlement account would be owed less than nothing.
        LedgerTransaction reject = LedgerTransaction.move("rw1", LedgerTransaction.Kind.REJECT, AT, USD, 400,
                Account.settlement("BANK_A"), Account.available("17"));
        assertThatThrownBy(() -> r.checkTransition(before, List.of(reject)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("ledger rule broken")
                .hasMessageContaining("ISSUER_SETTLEMENT");
    }

    @Test
    void transactionsThatDisagreeWithTheStateTheRewardIsLeftInAreRefused() {
        Reward r = available(USD, 400);
        Ledger before = r.ledger();
        r.send(AT); // its SEND transaction dropped: the reward says SENT, the ledger would still say available
        assertThatThrownBy(() -> r.checkTransition(before, List.of()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("its state implies");
    }

    @Test
    void aTransactionOfAnotherRewardIsRefused() {
        Reward r = available(USD, 400);
        Ledger before = r.ledger();
        List<LedgerTransaction> send = r.send(AT);
        LedgerTransaction other = new LedgerTransaction("rw9", send.getFirst().kind(), AT, send.getFirst().entries());
        assertThatThrownBy(() -> r.checkTransition(before, List.of(other)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("rw9");
    }
}
