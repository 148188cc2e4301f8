package org.accrue.processor.rewards;

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
                           "descriptors":["BLUE BOTTLE*"],"mccs":["5814"]}],
             "offers":[{"id":"bb-10","merchantId":"blue-bottle","reward":{"type":"PERCENT","rateBps":1000},"currency":"USD",
                        "startsAt":"2026-01-01T00:00:00Z","returnPeriodDays":14,"tierMultipliers":{"GOLD":15000}},
                       {"id":"bb-big-spender","merchantId":"blue-bottle","reward":{"type":"FIXED","amount":{"minor":5000,"currency":"USD"}},
                        "currency":"USD","minSpend":{"minor":100000,"currency":"USD"},"startsAt":"2026-01-01T00:00:00Z"},
                       {"id":"bb-activate","merchantId":"blue-bottle","reward":{"type":"FIXED","amount":{"minor":300,"currency":"USD"}},
                        "currency":"USD","activationRequired":true,"activationValidDays":30,"stacking":"STACKABLE",
                        "startsAt":"2026-01-01T00:00:00Z"},
                       {"id":"coffee-miles","mccs":["5814"],"reward":{"type":"MILES_PER_UNIT","milesPerUnit":2,"program":"SKY"},
                        "currency":"USD","stacking":"STACKABLE","startsAt":"2026-01-01T00:00:00Z"}]}""";

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
        assertThat(r.json().get("purchases").get(0).get("why").asText()).contains("earned bb-10 400 USD")
                .contains("bb-big-spender: BELOW_MIN_SPEND");
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
                "select count(*) from processing_exception where type = 'MID_SUGGESTION' and fingerprint like '%NEWMID000000777'",
                Object.class).getSingleResult()).longValue());
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
