package org.accrue.processor.matcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

import org.accrue.iso8583.Pans;
import org.accrue.iso8583.simulator.IssuerSimulator;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * After a realistic stream (auths, split clearings, refunds, full, partial, zero-filled and early reversals,
 * repeats) and the passing of time, the ledger is checked against the rewards it describes: every transaction
 * balances in each unit, and each account's balance is the sum of the rewards sitting in it.
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings("accrue.rewards.matcher.enabled=false")
class LedgerConsistencyTest {
    private static final String CATALOG = """
            {"merchants":[
               {"merchantId":"blue-bottle","name":"Blue Bottle","mids":[{"acquirerId":"12345678901","mid":"BBC000000000001"}],"descriptors":["BLUE BOTTLE*"]},
               {"merchantId":"greenleaf","name":"Greenleaf","mids":[{"acquirerId":"12345678901","mid":"GLG000000000002"}]},
               {"merchantId":"skyways","name":"Skyways","mids":[{"acquirerId":"22233344455","mid":"SKY000000000003"}]},
               {"merchantId":"cafe-de-flore","name":"Cafe de Flore","mids":[{"acquirerId":"33344455566","mid":"CDF000000000006"}]}],
             "offers":[
               {"id":"bb","merchantId":"blue-bottle","reward":{"type":"PERCENT","rateBps":1000},"currency":"USD","startsAt":"2026-01-01T00:00:00Z","returnPeriodDays":3},
               {"id":"gl","merchantId":"greenleaf","reward":{"type":"PERCENT","rateBps":333},"currency":"USD","startsAt":"2026-01-01T00:00:00Z","returnPeriodDays":5},
               {"id":"sky","merchantId":"skyways","reward":{"type":"MILES_PER_UNIT","milesPerUnit":3,"program":"SKY"},"currency":"USD","startsAt":"2026-01-01T00:00:00Z"},
               {"id":"cdf","merchantId":"cafe-de-flore","reward":{"type":"PERCENT","rateBps":700},"currency":"EUR","startsAt":"2026-01-01T00:00:00Z"},
               {"id":"dining","mccs":["5812","5814"],"reward":{"type":"POINTS_PER_UNIT","pointsPerUnit":1,"program":"PTS"},"currency":"USD","stacking":"STACKABLE","startsAt":"2026-01-01T00:00:00Z"}]}""";

    @Test
    void theLedgerAgreesWithTheRewardsAfterAStreamAndThePassingOfTime(Node node) throws Exception {
        java.nio.file.Path f = node.dataDir().resolve("catalog.json");
        java.nio.file.Files.writeString(f, CATALOG);
        node.processor().catalog().importFile(f);
        Api api = new Api(node.processor().httpPort());
        List<String> pans = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String pan = Pans.withCheckDigit("401200" + String.format("%09d", 123_000 + i * 7));
            api.enroll(TestConfig.KEY_ISSUER_A, pan, "ACC-" + i);
            pans.add(pan);
        }
        var report = IssuerSimulator.run(IssuerSimulator.Options.of("127.0.0.1", node.processor().isoPort(), pans)
                .withPurchases(400).withConnections(3).withInFlight(3).withSeed(99));
        assertThat(report.allAsExpected()).as(report.describe()).isTrue();

        Instant start = Instant.now();
        for (int minutes : new int[] {0, 1, 60 * 24 * 4, 60 * 24 * 11, 60 * 24 * 40}) {
            RewardMatcher at = new RewardMatcher(node.processor().store().sessionFactory(), node.processor().catalog(),
                    InstantSource.fixed(start.plus(Duration.ofMinutes(minutes))), Duration.ofDays(10));
            while (at.runOnce() > 0) {
                // drain what is due at this moment
            }
            at.sweep(start.plus(Duration.ofMinutes(minutes)));
            check(node);
        }
        assertThat(count(node, "select count(*) from reward where status = 'AVAILABLE'")).isPositive();
        assertThat(count(node, "select count(*) from reward where status = 'REVERSED'")).isPositive();
    }

    private static void check(Node node) {
        assertThat(count(node, "select count(*) from (select txn_id, unit_kind, unit_code, sum(amount) s from ledger_entry "
                + "group by txn_id, unit_kind, unit_code having s <> 0) t")).as("unbalanced transactions").isZero();
        for (String[] a : new String[][] {{"CARDHOLDER_PENDING", "PENDING"}, {"CARDHOLDER_AVAILABLE", "AVAILABLE"}}) {
            List<Object[]> mismatches = node.processor().store().sessionFactory().fromSession(s -> s.createNativeQuery(
                    "select r.unit_kind, r.unit_code, r.total, coalesce(l.total, 0) from "
                            + "(select unit_kind, unit_code, sum(amount) total from reward where status = '" + a[1] + "' group by unit_kind, unit_code) r "
                            + "left join (select unit_kind, unit_code, -sum(amount) total from ledger_entry where account_type = '" + a[0] + "' "
                            + "group by unit_kind, unit_code) l on l.unit_kind = r.unit_kind and l.unit_code = r.unit_code "
                            + "where r.total <> coalesce(l.total, 0)", Object[].class).getResultList());
            assertThat(mismatches).as(a[0] + " against rewards " + a[1]).isEmpty();
        }
        List<Object[]> funders = node.processor().store().sessionFactory().fromSession(s -> s.createNativeQuery(
                "select r.unit_kind, r.unit_code, r.total, coalesce(l.total, 0) from "
                        + "(select unit_kind, unit_code, sum(amount) total from reward where status in ('PENDING', 'AVAILABLE', 'SENT') group by unit_kind, unit_code) r "
                        + "left join (select unit_kind, unit_code, sum(amount) total from ledger_entry where account_type = 'FUNDER_RECEIVABLE' "
                        + "group by unit_kind, unit_code) l on l.unit_kind = r.unit_kind and l.unit_code = r.unit_code "
                        + "where r.total <> coalesce(l.total, 0)", Object[].class).getResultList());
        assertThat(funders).as("what funders owe against live rewards").isEmpty();
    }

    private static long count(Node node, String sql) {
        return node.processor().store().sessionFactory().fromSession(s -> ((Number) s.createNativeQuery(sql, Object.class)
                .getSingleResult()).longValue());
    }
}
