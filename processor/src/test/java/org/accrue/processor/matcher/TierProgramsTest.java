package org.accrue.processor.matcher;

import static org.accrue.processor.testing.TestConfig.ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;

import org.accrue.iso8583.simulator.WireMessage;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.tiers.TierProgram;
import org.accrue.processor.tiers.TierProgram.Level;
import org.accrue.processor.tiers.TierPrograms;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tier programs through the store and the matcher: each measure, each window, refunds and reversals counted against,
 * upgrades at once (the next purchase earns the tier multiplier), grace then downgrade, one tier.changed per change.
 * Offer bb-10 (10%) multiplies by 1.5 for GOLD.
 */
@NodeSettings({"accrue.rewards.matcher.enabled=false", "accrue.points.TPTS.currency=USD"})
class TierProgramsTest extends RewardMatcherFixture {
    private TierPrograms programs;

    @BeforeEach
    void program() {
        programs = node.processor().operations().tiers().programs();
        Api api = new Api(node.processor().httpPort());
        if (api.get("/webhooks", KEY_ISSUER_A).body().contains("tiers-test") == false) {
            assertThat(api.post("/webhooks", KEY_ISSUER_A, "{\"url\":\"https://hooks.bank-a.example/tiers-test\","
                    + "\"events\":[\"tier.changed\"]}").status()).isEqualTo(201);
        }
    }

    private void spendProgram(TierProgram.Window window, int graceDays) {
        programs.put("tier-test", new TierProgram(ISSUER_A, "Bank A Club", TierProgram.Measure.SPEND, "USD", window, graceDays,
                List.of(new Level("SILVER", 100_000), new Level("GOLD", 500_000))));
    }

    private String tier() {
        return programs.ofCard(cardRow, ISSUER_A).map(t -> t.state().tier()).orElse(null);
    }

    private long progress() {
        return programs.ofCard(cardRow, ISSUER_A).orElseThrow().state().progress();
    }

    private long tierEvents() {
        return sum("select count(*) from webhook_event where card_id = :c and type = 'tier.changed'");
    }

    @Test
    void aClearedPurchaseThatCrossesGoldUpgradesAtOnceAndTheNextPurchaseEarnsTheGoldMultiplier() {
        spendProgram(TierProgram.Window.TRAILING_12_MONTHS, 90);
        send(purchase("0200", pan, 520_000, "RRN000000201", "A00201"));
        drain();
        assertThat(sum("select amount from reward where card_id = :c and offer_id = 'bb-10'"))
                .as("the purchase that crosses the line earns at the tier before it").isEqualTo(52_000);
        assertThat(tier()).isEqualTo("GOLD");
        assertThat(progress()).isEqualTo(520_000);
        assertThat(tierEvents()).isEqualTo(1);
        String body = node.processor().store().sessionFactory().fromSession(s -> s.createNativeQuery(
                "select body from webhook_event where card_id = ?1 and type = 'tier.changed'", String.class)
                .setParameter(1, cardRow).getSingleResult());
        assertThat(body).contains("\"program\":\"Bank A Club\"")
                .contains("\"from\":null").contains("\"to\":\"GOLD\"");
        send(purchase("0200", pan, 4000, "RRN000000202", "A00202"));
        drain();
        assertThat(sum("select amount from reward where card_id = :c and lifecycle_key like '%RRN000000202%' and offer_id = 'bb-10'"))
                .as("GOLD: 10% of 40.00 times 1.5").isEqualTo(600);
        node.processor().operations().tiers().recompute();
        assertThat(tier()).isEqualTo("GOLD");
        assertThat(progress()).as("the job counts from the store what the matcher counted").isEqualTo(524_000);
        assertThat(tierEvents()).as("one event per change: the job found no change").isEqualTo(1);
    }

    @Test
    void anAuthCountsOnlyWhenItClearsAndRefundsAndReversalsCountAgainstSpend() {
        spendProgram(TierProgram.Window.TRAILING_12_MONTHS, 90);
        send(purchase("0100", pan, 300_000, "RRN000000211", "A00211"));
        drain();
        assertThat(progress()).as("an auth is not spend yet").isZero();
        send(purchase("0220", pan, 300_000, "RRN000000211", "A00211"));
        send(purchase("0220", pan, 100_000, "RRN000000211", "A00211").with(3, "200000"));
        WireMessage second = purchase("0200", pan, 50_000, "RRN000000212", "A00212");
        send(second);
        drain();
        assertThat(progress()).isEqualTo(250_000);
        String de90 = "0200" + second.get(11) + second.get(7) + "12345678901" + "00000000000";
        send(purchase("0400", pan, 50_000, "RRN000000212", "A00212").with(90, de90));
        drain();
        assertThat(progress()).as("3,000.00 cleared, 1,000.00 refunded, 500.00 reversed").isEqualTo(200_000);
        assertThat(tier()).isEqualTo("SILVER");
        node.processor().operations().tiers().recompute();
        assertThat(progress()).as("the store says the same").isEqualTo(200_000);
    }

    @Test
    void aCountProgramCountsClearedPurchasesAndARefundedOneNoLonger() {
        programs.put("tier-test", new TierProgram(ISSUER_A, "Visits", TierProgram.Measure.COUNT, null,
                TierProgram.Window.TRAILING_12_MONTHS, 0, List.of(new Level("SILVER", 2), new Level("GOLD", 3))));
        for (int i = 1; i <= 3; i++) {
            send(purchase("0200", pan, 1000, "RRN00000022" + i, "A0022" + i));
        }
        drain();
        assertThat(tier()).isEqualTo("GOLD");
        assertThat(progress()).isEqualTo(3);
        send(purchase("0200", pan, 1000, "RRN000000223", "A00299").with(3, "200000"));
        drain();
        assertThat(progress()).isEqualTo(2);
        assertThat(tier()).as("the matcher never downgrades").isEqualTo("GOLD");
        node.processor().operations().tiers().recompute();
        assertThat(tier()).as("no grace: the job drops the card at once").isEqualTo("SILVER");
        assertThat(tierEvents()).as("up to SILVER, up to GOLD (both in one batch), down to SILVER").isEqualTo(3);
    }

    @Test
    void aCardBelowItsTierKeepsItAndItsMultiplierThroughTheGracePeriodThenDrops() {
        spendProgram(TierProgram.Window.TRAILING_12_MONTHS, 30);
        send(purchase("0200", pan, 520_000, "RRN000000231", "A00231"));
        drain();
        assertThat(tier()).isEqualTo("GOLD");
        send(purchase("0200", pan, 400_000, "RRN000000231", "A00231").with(3, "200000"));
        drain();
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        TierPrograms today = new TierPrograms(node.processor().store().dataSource(), InstantSource.fixed(now), null);
        today.recomputeAll();
        var held = programs.ofCard(cardRow, ISSUER_A).orElseThrow().state();
        assertThat(held.tier()).isEqualTo("GOLD");
        assertThat(held.downgradeTo()).isEqualTo("SILVER");
        assertThat(held.downgradePendingUntil()).isEqualTo(now.plus(Duration.ofDays(30)));
        send(purchase("0200", pan, 4000, "RRN000000232", "A00232"));
        drain();
        assertThat(sum("select amount from reward where card_id = :c and lifecycle_key like '%RRN000000232%' and offer_id = 'bb-10'"))
                .as("the stored tier, not the spend, decides: GOLD's multiplier through the grace period").isEqualTo(600);
        assertThat(programs.ofCard(cardRow, ISSUER_A).orElseThrow().state().downgradePendingUntil())
                .as("the matcher leaves the job's downgrade as it is").isEqualTo(now.plus(Duration.ofDays(30)));
        new TierPrograms(node.processor().store().dataSource(), InstantSource.fixed(now.plus(Duration.ofDays(29))), null)
                .recomputeAll();
        assertThat(tier()).as("still within the grace period").isEqualTo("GOLD");
        new TierPrograms(node.processor().store().dataSource(), InstantSource.fixed(now.plus(Duration.ofDays(30))), null)
                .recomputeAll();
        assertThat(tier()).isEqualTo("SILVER");
        assertThat(programs.ofCard(cardRow, ISSUER_A).orElseThrow().state().downgradePendingUntil()).isNull();
        assertThat(tierEvents()).as("up to GOLD, down to SILVER").isEqualTo(2);
    }

    @Test
    void aCalendarYearQualifiesForTheRestOfTheYearAndAllOfTheNextThenLapses() {
        spendProgram(TierProgram.Window.CALENDAR_YEAR, 0);
        send(purchase("0200", pan, 1000, "RRN000000241", "A00241"));
        drain();
        long template = one("select max(id) from card_message where card_id = ?1", cardRow);
        storedAt(template, Instant.parse("2025-03-01T10:00:00Z"), 520_000);
        storedAt(template, Instant.parse("2025-12-31T23:59:59Z"), 10_000);
        storedAt(template, Instant.parse("2026-01-01T00:00:00Z"), 150_000);
        java.util.function.Function<String, TierPrograms> at = t -> new TierPrograms(node.processor().store().dataSource(),
                InstantSource.fixed(Instant.parse(t)), null);
        at.apply("2026-06-01T00:00:00Z").recomputeAll();
        assertThat(tier()).as("2025's GOLD holds through 2026").isEqualTo("GOLD");
        assertThat(progress()).as("2026's spend so far: 1,500.00 (the purchase sent today is in 2026 too)")
                .isBetween(150_000L, 151_000L);
        at.apply("2027-01-01T00:00:00Z").recomputeAll();
        assertThat(tier()).as("2026 reached only SILVER; 2025 counts no more").isEqualTo("SILVER");
    }

    @Test
    void aPointsProgramCountsClearedPointsOnlyAndTheJobTakesARefundsPointsBack() {
        Api api = new Api(node.processor().httpPort());
        if (api.get("/offers/bb-points", org.accrue.processor.testing.TestConfig.KEY_ADMIN).status() == 404) {
            assertThat(api.post("/offers", org.accrue.processor.testing.TestConfig.KEY_ADMIN, """
                    {"id":"bb-points","merchantId":"blue-bottle","reward":{"type":"POINTS_PER_UNIT","pointsPerUnit":10,
                     "program":"TPTS"},"currency":"USD","stacking":"STACKABLE","startsAt":"2026-01-01T00:00:00Z"}""").status())
                    .isEqualTo(201);
        }
        programs.put("tier-test", new TierProgram(ISSUER_A, "Points Club", TierProgram.Measure.POINTS, null,
                TierProgram.Window.TRAILING_12_MONTHS, 0, List.of(new Level("SILVER", 500), new Level("GOLD", 2000))));
        send(purchase("0100", pan, 10_000, "RRN000000251", "A00251"));
        drain();
        assertThat(progress()).as("points of an auth are not earned until it clears").isZero();
        send(purchase("0220", pan, 10_000, "RRN000000251", "A00251"));
        drain();
        assertThat(progress()).as("100.00 USD at 10 points per USD").isEqualTo(1000);
        assertThat(tier()).isEqualTo("SILVER");
        send(purchase("0200", pan, 12_000, "RRN000000252", "A00252"));
        drain();
        assertThat(progress()).isEqualTo(2200);
        assertThat(tier()).isEqualTo("GOLD");
        send(purchase("0200", pan, 12_000, "RRN000000252", "A00298").with(3, "200000"));
        drain();
        node.processor().operations().tiers().recompute();
        assertThat(progress()).as("the refund took its 120 points back").isEqualTo(1000);
        assertThat(tier()).isEqualTo("SILVER");
    }

    /** A copy of stored message {@code templateId}, matched already (not queued), received at {@code at} for {@code amount}. */
    private void storedAt(long templateId, Instant at, long amount) {
        long id = one("select next value for card_message_seq");
        node.processor().store().sessionFactory().inTransaction(s -> s.createNativeMutationQuery("insert into card_message "
                        + "(id, message_key, mti, card_id, pan_token, key_version, processing_code, amount_minor, currency, "
                        + "billing_amount_minor, billing_currency, transmitted, stan, local_time, local_date, mcc, pos_entry_mode, "
                        + "acquirer_id, rrn, auth_id, terminal_id, merchant_id, acceptor_name, acceptor_city, acceptor_country, "
                        + "tip_minor, orig_mti, orig_stan, orig_transmitted, orig_acquirer_id, replacement_amount_minor, "
                        + "response_code, received_at) select ?1, concat('copy-', ?1), mti, card_id, pan_token, key_version, "
                        + "processing_code, ?2, currency, billing_amount_minor, billing_currency, transmitted, stan, local_time, "
                        + "local_date, mcc, pos_entry_mode, acquirer_id, concat('C', ?1), auth_id, terminal_id, merchant_id, "
                        + "acceptor_name, acceptor_city, acceptor_country, tip_minor, orig_mti, orig_stan, orig_transmitted, "
                        + "orig_acquirer_id, replacement_amount_minor, response_code, ?3 from card_message where id = ?4")
                .setParameter(1, id).setParameter(2, amount)
                .setParameter(3, java.time.LocalDateTime.ofInstant(at, java.time.ZoneOffset.UTC))
                .setParameter(4, templateId).executeUpdate());
    }
}
