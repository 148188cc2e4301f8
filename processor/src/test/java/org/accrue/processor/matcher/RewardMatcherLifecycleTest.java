package org.accrue.processor.matcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

import org.accrue.iso8583.simulator.WireMessage;
import org.accrue.processor.testing.NodeSettings;
import org.junit.jupiter.api.Test;

/**
 * After earning: reversals (partial, full, before their original), auths that never clear, and several
 * steps of one purchase matched in one batch ending as they do one at a time.
 */
@NodeSettings("accrue.rewards.matcher.enabled=false")
class RewardMatcherLifecycleTest extends RewardMatcherFixture {
    @Test
    void anAuthAClearingAndAPartialRefundInOneBatchEndAsTheyDoOneAtATime() {
        // All three in one matcher batch: the refund must find the reward the auth earned in the same batch.
        send(purchase("0100", pan, 4000, "RRN000000091", "A00091"));
        send(purchase("0220", pan, 4000, "RRN000000091", "A00091"));
        send(purchase("0200", pan, 1000, "RRN000000091", "A00092").with(3, "200000"));
        assertThat(matcher.runOnce()).isEqualTo(3);
        assertThat(sum("select amount from reward where card_id = :c and offer_id = 'bb-10'")).isEqualTo(300);
        assertThat(sum("select count(*) from reward where card_id = :c and offer_id = 'bb-10' and cleared_at is not null"))
                .isEqualTo(1);
        assertThat(sum("select coalesce(sum(abs(t.s)),0) from (select sum(amount) s from ledger_entry group by txn_id, "
                + "unit_kind, unit_code) t where :c = :c")).isZero();
        assertThat(sum("select -coalesce(sum(e.amount),0) from ledger_entry e where e.account_type = 'CARDHOLDER_PENDING' "
                + "and e.account_owner = cast(:c as char) and e.unit_kind = 'CASH'")).isEqualTo(300);
    }

    @Test
    void aPartialReversalReducesInProportionAndAFullOneReversesAll() {
        WireMessage auth = purchase("0100", pan, 4000, "RRN000000002", "A00002");
        send(auth);
        String de90 = "0100" + auth.get(11) + auth.get(7) + "12345678901" + "00000000000";
        send(purchase("0400", pan, 4000, "RRN000000002", "A00002").with(90, de90).with(95, "000000001000" + "0".repeat(30)));
        drain();
        assertThat(sum("select amount from reward where card_id = :c and offer_id = 'bb-10'")).isEqualTo(100);
        send(purchase("0420", pan, 4000, "RRN000000002", "A00002").with(90, de90));
        drain();
        assertThat(sum("select count(*) from reward where card_id = :c and status = 'REVERSED'")).isEqualTo(2);
        assertThat(sum("select coalesce(sum(e.amount),0) from ledger_entry e where e.account_type = 'FUNDER_RECEIVABLE' "
                + "and e.account_owner = 'MERCHANT:blue-bottle' and e.unit_kind = 'CASH' and e.reward_id in "
                + "(select id from reward where card_id = :c)")).isZero();
    }

    @Test
    void aReversalThatArrivesBeforeItsOriginalIsAppliedWhenTheOriginalComes() {
        WireMessage auth = purchase("0100", pan, 4000, "RRN000000003", "A00003");
        String de90 = "0100" + auth.get(11) + auth.get(7) + "12345678901" + "00000000000";
        send(purchase("0400", pan, 4000, "RRN000000003", "A00003").with(90, de90));
        drain();
        assertThat(sum("select count(*) from match_queue q join card_message m on m.id = q.message_id where m.card_id = :c"))
                .as("the reversal waits for its original").isEqualTo(1);
        send(auth);
        drain(); // the auth earns now; the reversal's retry is due later
        RewardMatcher later = new RewardMatcher(node.processor().store().sessionFactory(), node.processor().catalog(),
                InstantSource.fixed(Instant.now().plusSeconds(60)), Duration.ofDays(10));
        while (later.runOnce() > 0) {
            // drain what is due a minute from now
        }
        assertThat(sum("select count(*) from reward where card_id = :c and status <> 'REVERSED'")).isZero();
    }

    @Test
    void aReversalStoredBeforeItsOriginalButMatchedTogetherStillReversesIt() {
        WireMessage auth = purchase("0100", pan, 4000, "RRN000000014", "A00014");
        String de90 = "0100" + auth.get(11) + auth.get(7) + "12345678901" + "00000000000";
        send(purchase("0400", pan, 4000, "RRN000000014", "A00014").with(90, de90));
        send(auth); // both stored before the matcher looks: the reversal has the lower id
        drain();
        assertThat(sum("select count(*) from reward where card_id = :c and lifecycle_key like '%RRN000000014%'")).isEqualTo(2);
        assertThat(sum("select count(*) from reward where card_id = :c and lifecycle_key like '%RRN000000014%' "
                + "and status <> 'REVERSED'")).isZero();
    }

    @Test
    void anAuthThatNeverClearsExpires() {
        send(purchase("0100", pan, 4000, "RRN000000005", "A00005"));
        drain();
        matcher.sweep(Instant.now().plus(Duration.ofDays(11)));
        assertThat(sum("select count(*) from reward where card_id = :c and status = 'EXPIRED'")).isEqualTo(2);
        assertThat(sum("select -coalesce(sum(amount),0) from ledger_entry where account_type = 'CARDHOLDER_PENDING' "
                + "and account_owner = cast(:c as char)")).isZero();
    }
}
