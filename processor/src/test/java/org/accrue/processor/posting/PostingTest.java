package org.accrue.processor.posting;

import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_B;
import static org.assertj.core.api.Assertions.assertThat;

import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.RewardStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Posting over real stored purchases: AVAILABLE cashback becomes one statement credit each, with a balanced
 * SEND transaction; refunds after posting become clawbacks, netted (Bank A) or sent as debits (Bank B).
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings({"accrue.rewards.matcher.enabled=false", "accrue.issuer.BANK_B.debits-allowed=true"})
class PostingTest {
    private Node node;
    private RewardStream stream;
    private Posting posting;

    @BeforeEach
    void setUp(Node node) throws Exception {
        this.node = node;
        this.stream = new RewardStream(node);
        this.posting = node.processor().operations().posting();
        posting.post(); // leave nothing of earlier tests behind
    }

    @AfterEach
    void tearDown() {
        stream.close();
    }

    private long sql(String sql, Object... params) {
        return node.processor().store().sessionFactory().fromSession(s -> {
            var q = s.createNativeQuery(sql, Object.class);
            for (int i = 0; i < params.length; i++) {
                q.setParameter(i + 1, params[i]);
            }
            return ((Number) q.getSingleResult()).longValue();
        });
    }

    @Test
    void availableCashbackBecomesOneStatementCreditEachAndIsSentOnce() {
        String pan = RewardStream.newPan();
        long card = stream.row(stream.enroll(KEY_ISSUER_A, pan, "ACC-POST-1", "NGUYEN"));
        stream.purchase(pan, 4000);
        stream.purchase(pan, 2500);
        stream.matchAndMakeAvailable();

        Posting.Result first = posting.post();
        Posting.Result second = posting.post();

        assertThat(first.credits()).isEqualTo(2);
        assertThat(first.creditedByCurrency()).containsEntry("USD", 650L);
        assertThat(second.credits()).as("a second run finds nothing left").isZero();
        assertThat(sql("select count(*) from statement_credit where card_id = ?1 and status = 'TO_FILE'", card)).isEqualTo(2);
        assertThat(sql("select sum(amount) from statement_credit where card_id = ?1", card)).isEqualTo(650);
        assertThat(sql("select count(*) from reward where card_id = ?1 and unit_kind = 'CASH' and status = 'SENT'", card))
                .isEqualTo(2);
        assertThat(sql("select count(*) from ledger_entry e join reward r on r.id = e.reward_id where r.card_id = ?1 "
                + "and e.txn_kind = 'SEND' and r.unit_kind = 'CASH'", card)).as("one SEND (two entries) per reward").isEqualTo(4);
        assertThat(sql("select count(*) from (select txn_id from ledger_entry group by txn_id, unit_kind, unit_code "
                + "having sum(amount) <> 0) t")).as("every transaction balances").isZero();
        assertThat(sql("select count(*) from statement_credit where card_id = ?1 and account_ref = 'ACC-POST-1' "
                + "and statement_text = 'CASHBACK BLUE BOTTLE'", card)).isEqualTo(2);
    }

    @Test
    void workersInSmallBatchesPostEveryRewardExactlyOnce() {
        String pan = RewardStream.newPan();
        long card = stream.row(stream.enroll(KEY_ISSUER_A, pan, "ACC-POST-BATCH", "NGUYEN"));
        for (int i = 0; i < 40; i++) {
            stream.purchase(pan, 1000 + i * 10);
        }
        stream.matchAndMakeAvailable();
        long available = sql("select count(*) from reward where card_id = ?1 and unit_kind = 'CASH' and status = 'AVAILABLE'",
                card);
        Posting small = new Posting(node.processor().store().dataSource(), java.time.InstantSource.system(),
                node.processor().config().issuers(), 3, 3);

        Posting.Result run = small.post();

        assertThat(available).as("rewards to post").isGreaterThanOrEqualTo(40);
        assertThat(run.credits()).as("three workers, batches of three").isGreaterThanOrEqualTo(available);
        assertThat(sql("select count(*) from reward where card_id = ?1 and unit_kind = 'CASH' and status = 'AVAILABLE'", card))
                .isZero();
        assertThat(sql("select count(*) from statement_credit where card_id = ?1", card)).isEqualTo(available);
        assertThat(sql("select count(*) from (select reward_id from statement_credit where card_id = ?1 group by reward_id "
                + "having count(*) > 1) t", card)).as("no reward credited twice").isZero();
        assertThat(sql("select count(*) from ledger_entry e join reward r on r.id = e.reward_id where r.card_id = ?1 "
                + "and e.txn_kind = 'SEND'", card)).isEqualTo(2 * available);
    }

    @Test
    void aRefundAfterPostingIsNettedAgainstTheCardsNextCreditWhereTheIssuerTakesNoDebits() {
        String pan = RewardStream.newPan();
        long card = stream.row(stream.enroll(KEY_ISSUER_A, pan, "ACC-NET-1", "NGUYEN"));
        String rrn = stream.purchase(pan, 4000);
        stream.matchAndMakeAvailable();
        posting.post();

        stream.refund(pan, 2000, rrn);
        stream.match();
        assertThat(sql("select remaining from clawback where card_id = ?1 and unit_kind = 'CASH'", card)).isEqualTo(200);
        assertThat(sql("select amount from reward where card_id = ?1 and unit_kind = 'MILES'", card))
                .as("miles not yet sent are simply reduced").isEqualTo(40);

        stream.purchase(pan, 3000);
        stream.matchAndMakeAvailable();
        posting.post();

        assertThat(sql("select amount from statement_credit where card_id = ?1 and gross_amount = 300", card)).isEqualTo(100);
        assertThat(sql("select netted from statement_credit where card_id = ?1 and gross_amount = 300", card)).isEqualTo(200);
        assertThat(sql("select count(*) from clawback where card_id = ?1 and status = 'SETTLED' and remaining = 0", card))
                .isEqualTo(1);
        assertThat(sql("select count(*) from statement_credit where card_id = ?1 and kind = 'DEBIT'", card)).isZero();
    }

    @Test
    void aRefundAfterPostingIsSentAsADebitWhereTheIssuerAllowsDebits() {
        String pan = RewardStream.newPan();
        long card = stream.row(stream.enroll(KEY_ISSUER_B, pan, "ACC-DEB-1", "NGUYEN"));
        String rrn = stream.purchase(pan, 4000);
        stream.matchAndMakeAvailable();
        posting.post();

        stream.refund(pan, 4000, rrn);
        stream.match();
        Posting.Result r = posting.post();

        assertThat(r.debits()).isEqualTo(1);
        assertThat(sql("select amount from statement_credit where card_id = ?1 and kind = 'DEBIT'", card)).isEqualTo(-400);
        assertThat(sql("select count(*) from clawback where card_id = ?1 and status = 'SETTLED'", card)).isEqualTo(1);
        assertThat(sql("select -sum(amount) from ledger_entry where account_type = 'ISSUER_SETTLEMENT' and account_owner = "
                + "'BANK_B' and unit_kind = 'CASH' and reward_id in (select id from reward where card_id = ?1)", card))
                .as("the issuer holds nothing for a fully refunded purchase").isZero();
    }
}
