package org.accrue.processor.matcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

import org.accrue.processor.testing.NodeSettings;
import org.junit.jupiter.api.Test;

/**
 * Refunds reduce a purchase's rewards in proportion: found by DE37, failing that by the card and MID.
 */
@NodeSettings("accrue.rewards.matcher.enabled=false")
class RewardMatcherRefundTest extends RewardMatcherFixture {
    @Test
    void aRefundAfterClearingReducesTheRewardAndTheReturnPeriodMakesTheRestAvailable() {
        send(purchase("0200", pan, 5000, "RRN000000004", "A00004"));
        send(purchase("0200", pan, 2000, "RRN000000004", "A00099").with(3, "200000"));
        drain();
        assertThat(sum("select amount from reward where card_id = :c and offer_id = 'bb-10'")).isEqualTo(300);
        RewardMatcher fortnightLater = new RewardMatcher(node.processor().store().sessionFactory(), node.processor().catalog(),
                InstantSource.system(), Duration.ofDays(10));
        fortnightLater.sweep(Instant.now().plus(Duration.ofDays(31))); // past both offers' return periods (14 and the default 30)
        assertThat(sum("select count(*) from reward where card_id = :c and status = 'AVAILABLE'")).isEqualTo(2);
        assertThat(sum("select -coalesce(sum(amount),0) from ledger_entry where account_type = 'CARDHOLDER_AVAILABLE' "
                + "and account_owner = cast(:c as char) and unit_kind = 'CASH'")).isEqualTo(300);
    }

    @Test
    void aRefundWithoutTheSameDe37FindsTheLatestPurchaseAtTheSameMid() {
        send(purchase("0200", pan, 8000, "RRN000000011", "A00011"));
        send(purchase("0200", pan, 2000, "RRN999999999", "A00098").with(3, "200000"));
        drain();
        assertThat(sum("select amount from reward where card_id = :c and offer_id = 'bb-10'")).isEqualTo(600);
    }
}
