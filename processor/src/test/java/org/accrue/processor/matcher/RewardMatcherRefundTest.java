package org.accrue.processor.matcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

import org.accrue.processor.testing.NodeSettings;
import org.junit.jupiter.api.Test;

/**
 * Refunds reduce a purchase's rewards in proportion: found by DE37, failing that by the card and MID; the share
 * measured in the currency the reward's base was in (the billed amount, DE6, for a cross-currency purchase).
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

    @Test
    void aRefundWhosePurchaseIsStoredButNotMatchedYetWaitsForItInsteadOfReducingNothing() {
        send(purchase("0200", pan, 5000, "RRN000000120", "A00120"));
        // The purchase failed once and waits for its next try (or another node has not matched it yet): no rewards yet.
        queueRows("update match_queue set not_before = date_add(utc_timestamp(6), interval 1 hour) where message_id = "
                + "(select id from card_message where rrn = 'RRN000000120' and processing_code = '000000')");
        send(purchase("0200", pan, 5000, "RRN000000120", "A00121").with(3, "200000"));
        drain();
        assertThat(sum("select count(*) from match_queue q join card_message m on m.id = q.message_id where m.card_id = :c"))
                .as("the refund waits with its purchase").isEqualTo(2);
        assertThat(sum("select count(*) from match_outcome where card_id = :c")).isZero();

        queueRows("update match_queue set not_before = '1970-01-01 00:00:00'"); // both due: the purchase first (seq)
        drain();
        assertThat(sum("select count(*) from reward where card_id = :c and rrn_key like '%RRN000000120'")).isPositive();
        assertThat(sum("select coalesce(sum(amount), 0) from reward where card_id = :c and rrn_key like '%RRN000000120'"))
                .as("refunded in full after it earned").isZero();
    }

    private void queueRows(String update) {
        node.processor().store().sessionFactory().inTransaction(s -> s.createNativeMutationQuery(update).executeUpdate());
    }

    /** A purchase of 40.00 EUR billed to the card as 44.00 USD: the USD offers' base is the billed amount (DE6). */
    private static org.accrue.iso8583.simulator.WireMessage billedInUsd(String mti, String pan, long eurMinor, long usdMinor,
                                                                      String rrn, String auth) {
        return purchase(mti, pan, eurMinor, rrn, auth).with(49, "978").with(6, String.format("%012d", usdMinor)).with(51, "840");
    }

    @Test
    void aCrossCurrencyRefundReducesTheRewardByItsShareOfTheBilledAmountAndAFullOneTakesItAll() {
        send(billedInUsd("0200", pan, 4000, 4400, "RRN000000070", "A00070"));
        drain();
        assertThat(sum("select amount from reward where card_id = :c and offer_id = 'bb-10' and rrn_key like '%RRN000000070'"))
                .as("10% of the 44.00 USD billed").isEqualTo(440);
        assertThat(sum("select amount from reward where card_id = :c and offer_id = 'coffee-miles' and rrn_key like '%RRN000000070'"))
                .as("2 miles per USD billed").isEqualTo(88);

        // A quarter back: 10.00 of the 40.00 EUR, billed back as 11.00 of the 44.00 USD. Measured in EUR against the USD
        // base it would be 10.00 of 44.00 (the bug: 340 and 68 left); in USD it is a quarter.
        send(billedInUsd("0200", pan, 1000, 1100, "RRN000000070", "A00071").with(3, "200000"));
        drain();
        assertThat(sum("select amount from reward where card_id = :c and offer_id = 'bb-10' and rrn_key like '%RRN000000070'"))
                .isEqualTo(330);
        assertThat(sum("select amount from reward where card_id = :c and offer_id = 'coffee-miles' and rrn_key like '%RRN000000070'"))
                .isEqualTo(66);

        // The rest back: nothing is left of either reward.
        send(billedInUsd("0200", pan, 3000, 3300, "RRN000000070", "A00072").with(3, "200000"));
        drain();
        assertThat(sum("select coalesce(sum(amount), 0) from reward where card_id = :c and rrn_key like '%RRN000000070'")).isZero();
        assertThat(sum("select count(*) from reward where card_id = :c and rrn_key like '%RRN000000070' and status <> 'REVERSED'"))
                .isZero();
        assertThat(sum("select coalesce(sum(abs(t.s)),0) from (select sum(amount) s from ledger_entry group by txn_id, "
                + "unit_kind, unit_code) t where :c = :c")).isZero();
    }

    @Test
    void aRefundCarryingNoAmountInTheCurrencyOfTheRewardsBaseLeavesTheRewardAndSaysWhy() {
        send(billedInUsd("0200", pan, 4000, 4400, "RRN000000073", "A00073"));
        // 10.00 EUR back without DE6/DE51: what share of the 44.00 USD billed that is cannot be told from the refund.
        send(purchase("0200", pan, 1000, "RRN000000073", "A00074").with(49, "978").with(3, "200000"));
        drain();
        assertThat(sum("select amount from reward where card_id = :c and offer_id = 'bb-10' and rrn_key like '%RRN000000073'"))
                .isEqualTo(440);
        long refund = one("select max(id) from card_message where card_id = ?1", cardRow);
        String why = node.processor().store().sessionFactory().fromSession(s -> (String) s.createNativeQuery(
                "select detail from match_outcome where message_id = ?1", String.class).setParameter(1, refund).getSingleResult());
        assertThat(why).contains("2 reward(s) left as they were").contains("USD");
    }
}
