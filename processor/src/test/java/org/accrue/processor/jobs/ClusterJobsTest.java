package org.accrue.processor.jobs;

import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_OPS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.ChildNode;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.RewardStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two scheduler nodes on one MariaDB, one of them in a JVM of its own that the test kills mid-posting: every
 * reward is still posted exactly once (one statement credit, one SEND transaction).
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings({"accrue.jobs.enabled=true", "accrue.rewards.matcher.enabled=false", "accrue.jobs.posting.batch-size-max=50",
        "accrue.jobs.schedule.posting=-", "accrue.jobs.schedule.statement-file=-", "accrue.jobs.schedule.miles-accrual=-",
        "accrue.jobs.schedule.expiry=-", "accrue.jobs.schedule.tiers=-", "accrue.jobs.schedule.merchant-invoicing=-",
        "accrue.jobs.schedule.win-back=-", "accrue.jobs.schedule.partner-invoicing=-"})
class ClusterJobsTest {
    private static final Map<String, String> CHILD = Map.of("accrue.jobs.enabled", "true");

    private long sql(Node node, String sql) {
        return node.processor().store().sessionFactory().fromSession(s ->
                ((Number) s.createNativeQuery(sql, Object.class).getSingleResult()).longValue());
    }

    /** AVAILABLE cashback rewards of one card, written straight to the store (the matcher is not under test here). */
    private long seed(Node node, int n) throws Exception {
        String pan = RewardStream.newPan();
        String cardId = new Api(node.processor().httpPort()).enroll(KEY_ISSUER_A, pan, "ACC-CLUSTER");
        long card = node.processor().enrollment().internalId(null, cardId).orElseThrow();
        String tag = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        node.processor().store().sessionFactory().inTransaction(s -> s.createNativeMutationQuery(
                "insert into reward (id, public_id, card_id, issuer_id, offer_id, merchant_id, source_message_id, lifecycle_key, "
                + "unit_kind, unit_code, amount, original_amount, base_minor, remaining_base, base_currency, purchase_minor, "
                + "funder, status, purchased_at, local_date, cleared_at, return_period_days, updated_at) "
                + "select next value for reward_seq, concat('rw_', ?1, '_', seq), ?2, 'BANK_A', 'bb-10', null, 0, "
                + "concat('seed:', ?1, ':', seq), 'CASH', 'USD', 100, 100, 1000, 1000, 'USD', 1000, 'MERCHANT:blue-bottle', "
                + "'AVAILABLE', utc_timestamp(6), utc_date(), utc_timestamp(6), 0, utc_timestamp(6) from seq_1_to_" + n)
                .setParameter(1, tag).setParameter(2, card).executeUpdate());
        return card;
    }

    private static void await(String what, Duration max, BooleanSupplier condition) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos()); // polls a condition in the store; not a timing guess
        }
    }

    private void assertEveryRewardPostedExactlyOnce(Node node, long card, int n) {
        assertThat(sql(node, "select count(*) from reward where card_id = " + card + " and status = 'SENT'")).isEqualTo(n);
        assertThat(sql(node, "select count(*) from statement_credit where card_id = " + card)).isEqualTo(n);
        assertThat(sql(node, "select count(*) from (select reward_id from ledger_entry where txn_kind = 'SEND' and "
                + "account_type = 'ISSUER_SETTLEMENT' and reward_id in (select id from reward where card_id = " + card + ") "
                + "group by reward_id having count(*) = 1) t")).as("one SEND per reward").isEqualTo(n);
        assertThat(sql(node, "select count(*) from ledger_entry where txn_kind = 'SEND' and reward_id in "
                + "(select id from reward where card_id = " + card + ")")).isEqualTo(2L * n);
    }

    @Test
    void aNodeKilledMidPostingLeavesEveryRewardPostedOnceOrNotAtAllAndARestartPostsTheRest(Node node) throws Exception {
        int n = 20_000;
        long card = seed(node, n);
        ChildNode child = ChildNode.start(node, CHILD);
        try {
            Api.Response r = child.api().post("/jobs/posting/runs", KEY_OPS, "");
            assertThat(r.status()).as(r.body()).isEqualTo(202);
            await("the child has posted a first batch", Duration.ofSeconds(60), () ->
                    sql(node, "select count(*) from statement_credit where card_id = " + card) > 0);
            child.kill();
        } finally {
            child.close();
        }
        long sent = sql(node, "select count(*) from reward where card_id = " + card + " and status = 'SENT'");
        assertThat(sent).as("killed mid-run").isBetween(1L, n - 1L);
        assertThat(sql(node, "select count(*) from statement_credit where card_id = " + card))
                .as("no half-written batch: credits match sent rewards").isEqualTo(sent);

        Jobs.Run rerun = node.processor().jobs().runAndWait(org.accrue.config.JobName.POSTING, "test", Duration.ofMinutes(3).toMillis());

        assertThat(rerun.status()).isIn(Jobs.RunStatus.SUCCEEDED, Jobs.RunStatus.SKIPPED);
        assertThat(sql(node, "select count(*) from reward where card_id = " + card + " and status = 'AVAILABLE'")).isZero();
        assertEveryRewardPostedExactlyOnce(node, card, n);
    }

    @Test
    void twoSchedulerNodesAskedToPostAtTheSameTimeNeverPostARewardTwice(Node node) throws Exception {
        int n = 3_000;
        long card = seed(node, n);
        try (ChildNode child = ChildNode.start(node, CHILD)) {
            List<String> local = new ArrayList<>();
            List<String> remote = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                remote.add(child.api().post("/jobs/posting/runs", KEY_OPS, "").json().get("runId").asText());
                local.add(node.processor().jobs().request(org.accrue.config.JobName.POSTING, "test"));
            }
            for (String id : local) {
                node.processor().jobs().await(id, Duration.ofMinutes(3).toMillis());
            }
            for (String id : remote) {
                await("remote run " + id + " finishes", Duration.ofMinutes(3), () -> {
                    String status = child.api().get("/jobs/posting/runs/" + id, KEY_OPS).json().get("status").asText();
                    return !status.equals("QUEUED") && !status.equals("RUNNING");
                });
            }
        }
        assertEveryRewardPostedExactlyOnce(node, card, n);
        assertThat(sql(node, "select count(*) from job_run where job_name = 'posting' and status = 'FAILED'")).isZero();
    }
}
