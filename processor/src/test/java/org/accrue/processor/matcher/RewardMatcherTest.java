package org.accrue.processor.matcher;

import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_B;
import static org.accrue.processor.testing.TestConfig.KEY_OPS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;

import org.accrue.iso8583.simulator.IssuerConnection;
import org.accrue.iso8583.simulator.WireMessage;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.Requests;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Stored messages become rewards: over a real socket, against a real MariaDB, with the matcher run step by
 * step (its background thread is off here) so every assertion follows a known point.
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings("accrue.rewards.matcher.enabled=false")
class RewardMatcherTest {
    private static final String CATALOG = """
            {"merchants":[{"merchantId":"blue-bottle","name":"Blue Bottle","mids":[{"acquirerId":"12345678901","mid":"MID000000000001"}],
                           "descriptors":["BLUE BOTTLE*"],"mccs":["5814"]},
                          {"merchantId":"corner-deli","name":"Corner Deli","mids":[{"acquirerId":"12345678901","mid":"MID000000000002"}],
                           "descriptors":["CORNER DELI*"],"mccs":["5411"]},
                          {"merchantId":"budget-cafe","name":"Budget Cafe","mids":[{"acquirerId":"12345678901","mid":"MID000000000003"}],
                           "descriptors":["BUDGET CAFE*"],"mccs":["5812"]}],
             "offers":[{"id":"bb-10","merchantId":"blue-bottle","reward":{"type":"PERCENT","rateBps":1000},"currency":"USD",
                        "startsAt":"2026-01-01T00:00:00Z","returnPeriodDays":14,"tierMultipliers":{"GOLD":15000}},
                       {"id":"bb-big-spender","merchantId":"blue-bottle","reward":{"type":"FIXED","amount":{"minor":5000,"currency":"USD"}},
                        "currency":"USD","minSpend":{"minor":100000,"currency":"USD"},"startsAt":"2026-01-01T00:00:00Z"},
                       {"id":"bb-activate","merchantId":"blue-bottle","reward":{"type":"FIXED","amount":{"minor":300,"currency":"USD"}},
                        "currency":"USD","activationRequired":true,"activationValidDays":30,"stacking":"STACKABLE",
                        "startsAt":"2026-01-01T00:00:00Z"},
                       {"id":"coffee-miles","mccs":["5814"],"reward":{"type":"MILES_PER_UNIT","milesPerUnit":2,"program":"SKY"},
                        "currency":"USD","stacking":"STACKABLE","startsAt":"2026-01-01T00:00:00Z"},
                       {"id":"deli-5","merchantId":"corner-deli","reward":{"type":"PERCENT","rateBps":500},"currency":"USD",
                        "startsAt":"2026-01-01T00:00:00Z","returnPeriodDays":0},
                       {"id":"cafe-budget","merchantId":"budget-cafe","reward":{"type":"PERCENT","rateBps":1000},"currency":"USD",
                        "budget":{"minor":1000,"currency":"USD"},"startsAt":"2026-01-01T00:00:00Z"}]}""";

    private Node node;
    private IssuerConnection issuer;
    private RewardMatcher matcher;
    private String pan;
    private String cardId;
    private long cardRow;

    @BeforeEach
    void setUp(Node node) throws Exception {
        this.node = node;
        java.nio.file.Path f = node.dataDir().resolve("catalog.json");
        java.nio.file.Files.writeString(f, CATALOG);
        node.processor().catalog().importFile(f);
        pan = org.accrue.iso8583.Pans.withCheckDigit("400000" + String.format("%09d", System.nanoTime() % 1_000_000_000L));
        cardId = new Api(node.processor().httpPort()).enroll(KEY_ISSUER_A, pan, "ACC");
        cardRow = node.processor().enrollment().internalId(null, cardId).orElseThrow();
        issuer = new IssuerConnection("127.0.0.1", node.processor().isoPort());
        matcher = new RewardMatcher(node.processor().store().sessionFactory(), node.processor().catalog(),
                InstantSource.system(), Duration.ofDays(10));
    }

    @AfterEach
    void tearDown() {
        issuer.close();
    }

    private void send(WireMessage m) {
        assertThat(issuer.send(m).orTimeout(30, TimeUnit.SECONDS).join().get(39)).isEqualTo("00");
    }

    private void drain() {
        while (matcher.runOnce() > 0) {
            // each call takes one batch off the outbox
        }
    }

    private long sum(String sql) {
        return node.processor().store().sessionFactory().fromSession(s -> ((Number) s.createNativeQuery(sql, Object.class)
                .setParameter("c", cardRow).getSingleResult()).longValue());
    }

    private static WireMessage purchase(String mti, String pan, long amount, String rrn, String auth) {
        return Requests.of(mti, pan, amount).with(37, rrn).with(38, auth).with(42, "MID000000000001");
    }

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
    void anAuthThatNeverClearsExpires() {
        send(purchase("0100", pan, 4000, "RRN000000005", "A00005"));
        drain();
        matcher.sweep(Instant.now().plus(Duration.ofDays(11)));
        assertThat(sum("select count(*) from reward where card_id = :c and status = 'EXPIRED'")).isEqualTo(2);
        assertThat(sum("select -coalesce(sum(amount),0) from ledger_entry where account_type = 'CARDHOLDER_PENDING' "
                + "and account_owner = cast(:c as char)")).isZero();
    }

    @Test
    void theCardsRewardsSayWhyAPurchaseEarnedWhatItDidAndAnotherIssuerCannotSeeThem() {
        send(purchase("0200", pan, 4000, "RRN000000006", "A00006"));
        drain();
        Api api = new Api(node.processor().httpPort());
        Api.Response r = api.get("/cards/" + cardId + "/rewards", KEY_ISSUER_A);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("rewards")).hasSize(2);
        for (var reward : r.json().get("rewards")) { // cash as {"minor","currency"}, miles as a count with its program
            assertThat(reward.has("merchantId")).as("merchantId is always there, null for a category offer").isTrue();
            if (reward.has("amount")) {
                assertThat(reward.get("amount").get("currency").asText()).isEqualTo("USD");
                assertThat(reward.get("earned").get("minor").asLong()).isEqualTo(400);
                assertThat(reward.has("miles") || reward.has("program")).isFalse();
            } else {
                assertThat(reward.get("miles").asLong()).isEqualTo(80);
                assertThat(reward.get("program").asText()).isEqualTo("SKY");
            }
        }
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

    /** A clock the test moves: the matcher's pauses pass without waiting. */
    private static final class StepClock implements InstantSource {
        private volatile Instant now = Instant.now();

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    private long one(String sql, Object... params) {
        return node.processor().store().sessionFactory().fromSession(s -> {
            var q = s.createNativeQuery(sql, Object.class);
            for (int i = 0; i < params.length; i++) {
                q.setParameter(i + 1, params[i]);
            }
            return ((Number) q.getSingleResult()).longValue();
        });
    }

    /**
     * Writes a copy of stored message {@code templateId} straight into the store, with its outbox row, the way a node
     * from before the listener's ISO 4217 check stored what it was sent. Returns the copy's id.
     */
    private long storeCopy(long templateId, long id, String mti, String currency, String rrn) {
        node.processor().store().sessionFactory().inTransaction(s -> {
            s.createNativeMutationQuery("insert into card_message (id, message_key, mti, card_id, pan_token, key_version, "
                            + "processing_code, amount_minor, currency, billing_amount_minor, billing_currency, transmitted, stan, "
                            + "local_time, local_date, mcc, pos_entry_mode, acquirer_id, rrn, auth_id, terminal_id, merchant_id, "
                            + "acceptor_name, acceptor_city, acceptor_country, tip_minor, orig_mti, orig_stan, orig_transmitted, "
                            + "orig_acquirer_id, replacement_amount_minor, response_code, received_at) "
                            + "select ?1, concat('copy-', ?1), ?2, card_id, pan_token, key_version, processing_code, amount_minor, ?3, "
                            + "billing_amount_minor, billing_currency, transmitted, stan, local_time, local_date, mcc, "
                            + "pos_entry_mode, acquirer_id, ?4, auth_id, terminal_id, merchant_id, acceptor_name, acceptor_city, "
                            + "acceptor_country, tip_minor, orig_mti, orig_stan, orig_transmitted, orig_acquirer_id, "
                            + "replacement_amount_minor, response_code, received_at from card_message where id = ?5")
                    .setParameter(1, id).setParameter(2, mti).setParameter(3, currency).setParameter(4, rrn)
                    .setParameter(5, templateId).executeUpdate();
            s.createNativeMutationQuery("insert into match_queue (message_id) values (?1)").setParameter(1, id).executeUpdate();
        });
        return id;
    }

    @Test
    void aMessageTheMatcherCannotReadIsQuarantinedWhileTheMessagesAroundItAreMatched() {
        // Issue 12: a 0220 with DE49 820 (numeric, not ISO 4217) stored by an old node failed every batch it was in,
        // for good. Here it sits between two good purchases, as that node left it.
        send(purchase("0200", pan, 4000, "RRN000000020", "A00020"));
        long first = one("select max(id) from card_message where card_id = ?1", cardRow);
        long block = one("select next value for card_message_seq"); // ids no journal writer will hand out
        long poison = storeCopy(first, block, "0220", "820", "RRN000000021");
        long after = storeCopy(first, block + 1, "0200", "840", "RRN000000022");
        StepClock clock = new StepClock();
        RewardMatcher m = matcherOn(clock);
        for (int round = 0; round < 10 && one("select count(*) from match_queue where message_id = ?1", poison) > 0; round++) {
            while (m.runOnce() > 0) {
                // what is due now
            }
            clock.advance(Duration.ofMinutes(1));
        }

        assertThat(one("select count(*) from match_outcome where message_id in (?1, ?2)", first, after))
                .as("the good messages on both sides are matched").isEqualTo(2);
        assertThat(sum("select count(*) from reward where card_id = :c and offer_id = 'bb-10' "
                + "and (lifecycle_key like '%RRN000000020%' or lifecycle_key like '%RRN000000022%')")).isEqualTo(2);
        assertThat(one("select count(*) from match_queue where message_id in (?1, ?2, ?3)", first, poison, after))
                .as("the queue is empty").isZero();
        assertThat(one("select count(*) from match_outcome where message_id = ?1", poison)).isZero();
        assertThat(one("select count(*) from processing_exception where type = 'MATCH_QUARANTINED' and message_id = ?1",
                poison)).as("the poison message is one exception").isEqualTo(1);
        assertThat(m.quarantined()).as("accrue.rewards.messages.quarantined").isEqualTo(1);

        Api.Response listed = new Api(node.processor().httpPort()).get("/exceptions?type=MATCH_QUARANTINED", KEY_OPS);
        assertThat(listed.status()).isEqualTo(200);
        com.fasterxml.jackson.databind.JsonNode item = null;
        for (var e : listed.json().get("exceptions")) {
            if (e.get("messageKey").asText().equals("copy-" + poison)) {
                item = e;
            }
        }
        assertThat(item).as("ops see the quarantined message").isNotNull();
        assertThat(item.get("card").asText()).isEqualTo("**** " + pan.substring(pan.length() - 4));
        assertThat(item.get("detail").asText()).contains("not an ISO 4217 numeric code: 820");
        assertThat(item.toString()).doesNotContain(pan);
        assertThat(item.get("actions").toString()).contains("RETRY").contains("WRITE_OFF");

        RewardMatcher restarted = matcherOn(clock);
        clock.advance(Duration.ofHours(1));
        while (restarted.runOnce() > 0) {
            // a restarted matcher has nothing of it left to fail on (a failure would throw here)
        }
        assertThat(one("select count(*) from match_queue where message_id = ?1", poison)).isZero();
        assertThat(one("select count(*) from processing_exception where type = 'MATCH_QUARANTINED' and message_id = ?1",
                poison)).isEqualTo(1);
    }

    /** Runs {@code m} round after round, a minute apart on {@code clock}, until {@code messageId} has left the queue. */
    private void untilQuarantined(RewardMatcher m, StepClock clock, long messageId) {
        for (int round = 0; round < 10 && one("select count(*) from match_queue where message_id = ?1", messageId) > 0; round++) {
            while (m.runOnce() > 0) {
                // what is due now
            }
            clock.advance(Duration.ofMinutes(1));
        }
        assertThat(one("select count(*) from match_queue where message_id = ?1", messageId)).isZero();
    }

    private long failures(long messageId) {
        return one("select coalesce(max(failures), -1) from match_queue where message_id = ?1", messageId);
    }

    /** Everything due a day from now matched, so that a test sees only its own queue rows. */
    private void emptyTheQueue() {
        RewardMatcher dayLater = matcherOn(InstantSource.fixed(Instant.now().plus(Duration.ofDays(1))));
        while (dayLater.runOnce() > 0) {
            // drain
        }
        assertThat(dayLater.backlog()).isZero();
    }

    private RewardMatcher matcherOn(InstantSource clock) {
        return new RewardMatcher(node.processor().store().sessionFactory(), node.processor().catalog(), clock,
                Duration.ofDays(10));
    }

    /** A purchase sent and matched, then a copy of it in currency 820 stored as an old node would; returns the copy. */
    private long poisonAfter(String rrn, String auth, String poisonRrn) {
        send(purchase("0200", pan, 4000, rrn, auth));
        drain();
        long first = one("select max(id) from card_message where card_id = ?1", cardRow);
        return storeCopy(first, one("select next value for card_message_seq"), "0200", "820", poisonRrn);
    }

    @Test
    void opsRetryAQuarantinedMessageOnceItsCauseIsFixedAndItIsMatched() {
        long poison = poisonAfter("RRN000000040", "A00040", "RRN000000041");
        StepClock clock = new StepClock();
        RewardMatcher m = matcherOn(clock);
        untilQuarantined(m, clock, poison);
        long exceptionId = one("select id from processing_exception where type = 'MATCH_QUARANTINED' and message_id = ?1", poison);
        Api api = new Api(node.processor().httpPort());

        // The cause fixed (here: the stored currency corrected), ops put the message back.
        node.processor().store().sessionFactory().inTransaction(s -> s.createNativeMutationQuery(
                "update card_message set currency = '840' where id = ?1").setParameter(1, poison).executeUpdate());
        Api.Response retried = api.post("/exceptions/" + exceptionId + "/resolution", KEY_OPS,
                "{\"action\":\"RETRY\",\"reason\":\"DE49 corrected to 840 after the issuer confirmed USD\"}");
        assertThat(retried.status()).isEqualTo(200);
        assertThat(retried.json().get("status").asText()).isEqualTo("RESOLVED");
        assertThat(one("select count(*) from match_queue where message_id = ?1", poison)).isEqualTo(1);
        while (m.runOnce() > 0) {
            // matched now
        }
        assertThat(one("select count(*) from match_outcome where message_id = ?1", poison)).isEqualTo(1);
        assertThat(sum("select count(*) from reward where card_id = :c and offer_id = 'bb-10' and lifecycle_key like '%RRN000000041%'"))
                .isEqualTo(1);
        assertThat(api.post("/exceptions/" + exceptionId + "/resolution", KEY_OPS,
                "{\"action\":\"RETRY\",\"reason\":\"again\"}").status()).as("resolved once").isEqualTo(409);
    }

    @Test
    void aQuarantinedMessageRetriedAndFailingAgainIsANewException() {
        long poison = poisonAfter("RRN000000042", "A00042", "RRN000000043");
        StepClock clock = new StepClock();
        RewardMatcher m = matcherOn(clock);
        untilQuarantined(m, clock, poison);
        long exceptionId = one("select id from processing_exception where type = 'MATCH_QUARANTINED' and message_id = ?1", poison);
        assertThat(new Api(node.processor().httpPort()).post("/exceptions/" + exceptionId + "/resolution", KEY_OPS,
                "{\"action\":\"RETRY\",\"reason\":\"try once more\"}").status()).isEqualTo(200);
        untilQuarantined(m, clock, poison);
        assertThat(one("select count(*) from processing_exception where type = 'MATCH_QUARANTINED' and message_id = ?1 "
                + "and status = 'OPEN'", poison)).isEqualTo(1);
        assertThat(one("select count(*) from processing_exception where type = 'MATCH_QUARANTINED' and message_id = ?1", poison))
                .isEqualTo(2);
    }

    @Test
    void whenEveryMessageOfABatchFailsAloneNobodyIsChargedUntilAnotherGoesThrough() {
        // Two unreadable messages and nothing else: as far as the matcher can tell, the fault may be its own (a bad
        // deploy fails every message alike), so neither is charged; a good message in the next batch shows it works.
        emptyTheQueue();
        send(purchase("0200", pan, 4000, "RRN000000050", "A00050"));
        drain();
        long first = one("select max(id) from card_message where card_id = ?1", cardRow);
        long block = one("select next value for card_message_seq");
        long p1 = storeCopy(first, block, "0220", "820", "RRN000000051");
        long p2 = storeCopy(first, block + 1, "0220", "820", "RRN000000052");
        StepClock clock = new StepClock();
        RewardMatcher m = matcherOn(clock);
        org.assertj.core.api.Assertions.assertThatThrownBy(m::runOnce).hasMessageContaining("nobody is charged");
        assertThat(failures(p1)).isZero();
        assertThat(failures(p2)).isZero();

        long good = storeCopy(first, block + 2, "0200", "840", "RRN000000053");
        m.runOnce();
        assertThat(one("select count(*) from match_outcome where message_id = ?1", good)).isEqualTo(1);
        assertThat(failures(p1)).isEqualTo(1);
        assertThat(failures(p2)).isEqualTo(1);
        untilQuarantined(m, clock, p1);
        untilQuarantined(m, clock, p2);
        assertThat(m.quarantined()).isEqualTo(2);
    }

    @Test
    void aStoreFailureRetriesTheWholeBatchLaterAndChargesNobody() {
        // A lock wait timeout is the store's trouble, not the message's: nothing is charged, nothing quarantined.
        send(purchase("0100", pan, 4000, "RRN000000060", "A00060"));
        drain();
        send(purchase("0220", pan, 4000, "RRN000000060", "A00060")); // clears: reads the auth's rewards FOR UPDATE
        long clearing = one("select max(id) from card_message where card_id = ?1", cardRow);
        String url = node.databaseUrl() + "?sessionVariables=innodb_lock_wait_timeout=1";
        var credentials = node.databaseCredentials();
        try (org.accrue.processor.store.Store impatient = org.accrue.processor.store.Store.connect(null, url,
                credentials.user(), credentials.password(),
                org.accrue.processor.testing.TestConfig.config(node.settings()).store(), org.accrue.processor.Processor.ENTITIES);
             java.sql.Connection holder = node.processor().store().dataSource().getConnection()) {
            RewardMatcher m = new RewardMatcher(impatient.sessionFactory(), node.processor().catalog(), InstantSource.system(),
                    Duration.ofDays(10));
            holder.setAutoCommit(false);
            try (var lock = holder.prepareStatement("select id from reward where card_id = ? and lifecycle_key like ? for update")) {
                lock.setLong(1, cardRow);
                lock.setString(2, "%RRN000000060%");
                lock.executeQuery().close();
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(m::runOnce)
                    .satisfies(e -> assertThat(RewardMatcher.Fault.of(e)).isEqualTo(RewardMatcher.Fault.STORE));
            assertThat(failures(clearing)).as("nobody charged").isZero();
            assertThat(one("select count(*) from processing_exception where message_id = ?1", clearing)).isZero();
            holder.rollback();
            while (m.runOnce() > 0) {
                // the same batch, now that the store answers
            }
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
        assertThat(one("select count(*) from match_outcome where message_id = ?1", clearing)).isEqualTo(1);
        assertThat(sum("select count(*) from reward where card_id = :c and lifecycle_key like '%RRN000000060%' "
                + "and cleared_at is not null")).isEqualTo(2);
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> faults() {
        java.sql.SQLException deadlock = new java.sql.SQLTransactionRollbackException("Deadlock found", "40001", 1213);
        java.sql.SQLException lockWait = new java.sql.SQLException("Lock wait timeout exceeded", "HY000", 1205);
        java.sql.SQLException gone = new java.sql.SQLNonTransientConnectionException("Connection reset", "08000");
        java.sql.SQLException pool = new java.sql.SQLTransientConnectionException("accrue-store - Connection is not available",
                "08001");
        java.sql.SQLException noTable = new java.sql.SQLSyntaxErrorException("Table 'reward' doesn't exist", "42S02", 1146);
        java.sql.SQLException tooLong = new java.sql.SQLDataException("Data too long for column", "22001", 1406);
        java.sql.SQLException duplicate = new java.sql.SQLIntegrityConstraintViolationException("Duplicate entry", "23000", 1062);
        return java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of("a deadlock", new org.hibernate.exception.LockAcquisitionException(
                        "x", deadlock), RewardMatcher.Fault.STORE),
                org.junit.jupiter.params.provider.Arguments.of("a lock wait timeout", new IllegalStateException(lockWait),
                        RewardMatcher.Fault.STORE),
                org.junit.jupiter.params.provider.Arguments.of("a lost connection", new org.hibernate.exception.JDBCConnectionException(
                        "x", gone), RewardMatcher.Fault.STORE),
                org.junit.jupiter.params.provider.Arguments.of("an exhausted pool", pool, RewardMatcher.Fault.STORE),
                org.junit.jupiter.params.provider.Arguments.of("a missing table", new org.hibernate.exception.SQLGrammarException(
                        "x", noTable), RewardMatcher.Fault.STORE),
                org.junit.jupiter.params.provider.Arguments.of("a value too long for its column", new org.hibernate.exception.DataException(
                        "x", tooLong), RewardMatcher.Fault.MESSAGE),
                org.junit.jupiter.params.provider.Arguments.of("a unique key taken", new org.hibernate.exception.ConstraintViolationException(
                        "x", duplicate, "uk"), RewardMatcher.Fault.MESSAGE),
                org.junit.jupiter.params.provider.Arguments.of("an unknown currency", new IllegalArgumentException(
                        "not an ISO 4217 numeric code: 820"), RewardMatcher.Fault.MESSAGE),
                org.junit.jupiter.params.provider.Arguments.of("an overflow", new ArithmeticException("long overflow"),
                        RewardMatcher.Fault.MESSAGE),
                org.junit.jupiter.params.provider.Arguments.of("a bad stored date", new java.time.DateTimeException(
                        "Invalid value for MonthOfYear: 13"), RewardMatcher.Fault.MESSAGE));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} is the {2}''s fault")
    @org.junit.jupiter.params.provider.MethodSource("faults")
    void aFailureIsTheStoresUnlessItCanComeFromTheMessage(String what, Throwable failure, RewardMatcher.Fault expected) {
        assertThat(RewardMatcher.Fault.of(failure)).isEqualTo(expected);
    }

    @Test
    void aReasonShownToOpsNeverCarriesALongDigitRun() {
        assertThat(RewardMatcher.reason(new IllegalStateException("bad value 4000056655665556 in a field")))
                .isEqualTo("IllegalStateException: bad value <digits> in a field");
    }
}
