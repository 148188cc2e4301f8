package org.accrue.processor.matcher;

import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_B;
import static org.accrue.processor.testing.TestConfig.KEY_OPS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;

import org.accrue.iso8583.simulator.WireMessage;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.Requests;
import org.junit.jupiter.api.Test;

/**
 * Purchases earn: pending until cleared, available at once without a return period, within budgets and
 * tiers, for activated offers, once per purchase, and with the why of each purchase for the cardholder and ops.
 */
@NodeSettings("accrue.rewards.matcher.enabled=false")
class RewardMatcherEarnTest extends RewardMatcherFixture {
    @Test
    void anAuthEarnsPendingRewardsTheClearingConfirmsAndTheLedgerBalances() {
        send(purchase("0100", pan, 4000, "RRN000000001", "A00001"));
        send(purchase("0220", pan, 4000, "RRN000000001", "A00001"));
        drain();
        assertThat(sum("select coalesce(sum(amount),0) from reward where card_id = :c and unit_kind = 'CASH'")).isEqualTo(400);
        assertThat(sum("select coalesce(sum(amount),0) from reward where card_id = :c and unit_kind = 'MILES'")).isEqualTo(80);
        assertThat(sum("select count(*) from reward where card_id = :c and cleared_at is not null")).isEqualTo(2);
        assertThat(sum("select coalesce(sum(abs(t.s)),0) from (select sum(amount) s from ledger_entry group by txn_id, unit_kind, unit_code) t "
                + "where :c = :c")).isZero();
        assertThat(sum("select -coalesce(sum(e.amount),0) from ledger_entry e where e.account_type = 'CARDHOLDER_PENDING' "
                + "and e.account_owner = cast(:c as char) and e.unit_kind = 'CASH'")).isEqualTo(400);
    }

    @Test
    void twoWorkersRacingForOneBudgetNeverSpendMoreThanIt() throws Exception {
        Api api = new Api(node.processor().httpPort());
        java.util.Set<Integer> lanes = new java.util.TreeSet<>();
        for (int i = 0; i < 16; i++) {
            String p = org.accrue.iso8583.Pans.withCheckDigit("410000" + String.format("%09d", (System.nanoTime() + i) % 1_000_000_000L));
            long row = node.processor().enrollment().internalId(null, api.enroll(KEY_ISSUER_A, p, "ACC" + i)).orElseThrow();
            lanes.add(org.accrue.processor.intake.MessageJournal.matchLane(row));
            for (int k = 0; k < 3; k++) { // 40.00 USD each: 4.00 a purchase against a 10.00 budget
                send(Requests.of("0200", p, 4000).with(42, "MID000000000003").with(18, "5812"));
            }
        }
        assertThat(lanes.stream().map(l -> l % 2).distinct().count()).as("cards in both workers' lanes").isEqualTo(2);
        int[][] own = {{0, 2, 4, 6}, {1, 3, 5, 7}};
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.List<java.util.concurrent.Future<Integer>> workers = new java.util.ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(2)) {
            for (int[] l : own) {
                workers.add(pool.submit(() -> {
                    go.await();
                    int n = 0;
                    for (int taken = matcher.runOnce(l); taken > 0; taken = matcher.runOnce(l)) {
                        n += taken;
                    }
                    return n;
                }));
            }
            go.countDown();
            assertThat(workers.get(0).get(60, TimeUnit.SECONDS) + workers.get(1).get(60, TimeUnit.SECONDS)).isEqualTo(48);
        }
        long spent = node.processor().store().sessionFactory().fromSession(s -> ((Number) s.createNativeQuery(
                "select coalesce(sum(amount), 0) from reward where offer_id = 'cafe-budget'", Object.class).getSingleResult())
                .longValue());
        assertThat(spent).isEqualTo(1000);
    }

    @Test
    void aPurchaseThatClearsWithNoReturnPeriodIsAvailableAtOnceWithItsLedgerMove() {
        send(purchase("0200", pan, 2000, "RRN000000090", "A00090").with(42, "MID000000000002").with(18, "5411"));
        drain();
        assertThat(sum("select count(*) from reward where card_id = :c and offer_id = 'deli-5' and status = 'AVAILABLE'"))
                .isEqualTo(1);
        assertThat(sum("select amount from reward where card_id = :c and offer_id = 'deli-5'")).isEqualTo(100);
        assertThat(sum("select -coalesce(sum(e.amount),0) from ledger_entry e where e.account_type = 'CARDHOLDER_AVAILABLE' "
                + "and e.account_owner = cast(:c as char) and e.reward_id in (select id from reward where offer_id = 'deli-5')"))
                .isEqualTo(100);
        assertThat(sum("select coalesce(sum(e.amount),0) from ledger_entry e where e.account_type = 'CARDHOLDER_PENDING' "
                + "and e.account_owner = cast(:c as char) and e.reward_id in (select id from reward where offer_id = 'deli-5')"))
                .isZero();
    }

    @Test
    void aCardWhoseTrailingSpendReachesGoldEarnsTheGoldMultiplier() {
        RewardMatcher tiered = new RewardMatcher(node.processor().store().sessionFactory(), node.processor().catalog(),
                InstantSource.system(), Duration.ofDays(10), "840", java.util.Map.of("SILVER", 100_000L, "GOLD", 500_000L));
        send(purchase("0200", pan, 600_000, "RRN000000012", "A00012"));
        while (tiered.runOnce() > 0) {
            // the first purchase is matched before it counts toward the tier
        }
        assertThat(sum("select amount from reward where card_id = :c and offer_id = 'bb-10'")).isEqualTo(60_000);
        send(purchase("0200", pan, 4000, "RRN000000013", "A00013"));
        while (tiered.runOnce() > 0) {
            // now the card has 6,000.00 USD of cleared spend this year: GOLD
        }
        assertThat(sum("select amount from reward where card_id = :c and offer_id = 'bb-10' and lifecycle_key like '%RRN000000013%'"))
                .isEqualTo(600);
    }

    @Test
    void theCardsRewardsSayWhyAPurchaseEarnedWhatItDidAndAnotherIssuerCannotSeeThem() {
        send(purchase("0200", pan, 4000, "RRN000000006", "A00006"));
        drain();
        Api api = new Api(node.processor().httpPort());
        Api.Response r = api.get("/cards/" + cardId + "/rewards", KEY_ISSUER_A);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("rewards")).hasSize(2);
        assertThat(r.json().get("purchases").get(0).get("why").asText()).contains("earned bb-10 400 USD")
                .contains("bb-big-spender: BELOW_MIN_SPEND");
        var amount = r.json().get("purchases").get(0).get("amount");
        assertThat(amount.get("minor").asLong()).isEqualTo(4000);
        assertThat(amount.get("currency").asText()).as("the purchase's currency as an ISO 4217 alpha code, like every "
                + "amount over HTTP").isEqualTo("USD");
        assertThat(amount.size()).isEqualTo(2);
        assertThat(api.get("/cards/" + cardId + "/rewards", KEY_OPS).status()).isEqualTo(200);
        assertThat(api.get("/cards/" + cardId + "/rewards", KEY_ISSUER_B).status()).isEqualTo(404);
    }

    @Test
    void anActivatedOfferEarnsAndActivatingAgainIsIdempotent() {
        Api api = new Api(node.processor().httpPort());
        send(purchase("0200", pan, 4000, "RRN000000009", "A00009"));
        drain();
        assertThat(sum("select count(*) from reward where card_id = :c and offer_id = 'bb-activate'")).isZero();
        Api.Response first = api.post("/cards/" + cardId + "/offers/bb-activate/activation", KEY_ISSUER_A, "");
        Api.Response again = api.post("/cards/" + cardId + "/offers/bb-activate/activation", KEY_ISSUER_A, "");
        assertThat(first.status()).isEqualTo(201);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("activatedAt").asText()).isEqualTo(first.json().get("activatedAt").asText());
        assertThat(api.post("/cards/" + cardId + "/offers/bb-10/activation", KEY_ISSUER_A, "").status()).isEqualTo(409);
        assertThat(api.post("/cards/" + cardId + "/offers/bb-activate/activation", KEY_ISSUER_B, "").status()).isEqualTo(404);
        send(purchase("0200", pan, 4000, "RRN000000010", "A00010"));
        drain();
        assertThat(sum("select amount from reward where card_id = :c and offer_id = 'bb-activate'")).isEqualTo(300);
    }

    @Test
    void aDescriptorNearMissBecomesAMidSuggestionForOps() {
        send(purchase("0200", pan, 4000, "RRN000000007", "A00007").with(42, "NEWMID000000777")
                .with(43, "BLUEBOTTLE SF FERRY      SAN FRANCISCOUS").with(18, "5999"));
        drain();
        long suggestions = node.processor().store().sessionFactory().fromSession(s -> ((Number) s.createNativeQuery(
                "select count(*) from processing_exception where type = 'MID_SUGGESTION' and fingerprint like '%NEWMID000000777' "
                        + "and amount_minor = 4000 and currency = 'USD'", Object.class).getSingleResult()).longValue());
        assertThat(suggestions).isEqualTo(1);
    }

    @Test
    void matchingTwiceNeverRewardsAPurchaseTwice() {
        WireMessage m = purchase("0200", pan, 4000, "RRN000000008", "A00008");
        send(m);
        send(m); // a duplicate: not stored again, not queued again
        send(m.with(11, Requests.nextStan())); // same purchase, new key: a second message for one lifecycle
        drain();
        assertThat(sum("select count(*) from reward where card_id = :c and offer_id = 'bb-10'")).isEqualTo(1);
    }
}
