package org.accrue.processor.winback;

import static org.accrue.processor.testing.TestConfig.KEY_ADMIN;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_OPS;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.accrue.iso8583.simulator.IssuerConnection;
import org.accrue.iso8583.simulator.WireMessage;
import org.accrue.processor.matcher.RewardMatcher;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.MovableClock;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ConsolePages;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.Requests;
import org.accrue.processor.testing.RewardStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Win-back through the store and the matcher: cards lapsed at a merchant (or in a category) found by the job from
 * what the matcher stored, enrolled once, told by offer.winback, measured when they come back; the LAPSED audience
 * read from the store. Each test has its own merchant and campaign (the node and its clock are the class's), and
 * moves the node's clock past the lapse.
 */
@ExtendWith(ProcessorExtension.class)
@MovableClock.Used
@NodeSettings({"accrue.rewards.matcher.enabled=false", "accrue.webhooks.allow-local-http=true",
        "accrue.webhooks.enabled=false"})
class WinBackTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LAPSE = Duration.ofDays(100);
    private static final String CATALOG = """
            {"merchants":[
               {"merchantId":"wb-one","name":"Win Back One","mids":[{"acquirerId":"12345678901","mid":"WBM000000000011"}],"mccs":["5814"]},
               {"merchantId":"wb-two","name":"Win Back Two","mids":[{"acquirerId":"12345678901","mid":"WBM000000000012"}],"mccs":["5814"]},
               {"merchantId":"wb-three","name":"Win Back Three","mids":[{"acquirerId":"12345678901","mid":"WBM000000000013"}],"mccs":["5814"]},
               {"merchantId":"wb-aud","name":"Lapsed Audience","mids":[{"acquirerId":"12345678901","mid":"WBM000000000014"}],"mccs":["5814"]}],
             "offers":[
               {"id":"wb-one-10","merchantId":"wb-one","reward":{"type":"PERCENT","rateBps":1000},"currency":"USD","startsAt":"2026-01-01T00:00:00Z"},
               {"id":"wb-one-back","merchantId":"wb-one","reward":{"type":"FIXED","amount":{"minor":200,"currency":"USD"}},"currency":"USD",
                "activationRequired":true,"activationValidDays":30,"stacking":"STACKABLE","startsAt":"2026-01-01T00:00:00Z"},
               {"id":"wb-two-back","merchantId":"wb-two","reward":{"type":"FIXED","amount":{"minor":300,"currency":"USD"}},"currency":"USD",
                "activationRequired":true,"activationValidDays":30,"stacking":"STACKABLE","startsAt":"2026-01-01T00:00:00Z"},
               {"id":"books-back","mccs":["5942"],"reward":{"type":"PERCENT","rateBps":500},"currency":"USD",
                "activationRequired":true,"activationValidDays":30,"startsAt":"2026-01-01T00:00:00Z"},
               {"id":"wb-aud-lapsed","merchantId":"wb-aud","reward":{"type":"FIXED","amount":{"minor":100,"currency":"USD"}},"currency":"USD",
                "audience":"LAPSED","lookBackDays":90,"startsAt":"2026-01-01T00:00:00Z"}]}""";

    private final Node node;
    private final MovableClock clock;
    private final Api api;
    private IssuerConnection issuer;
    private RewardMatcher matcher;

    WinBackTest(Node node, MovableClock clock) {
        this.node = node;
        this.clock = clock;
        this.api = new Api(node.processor().httpPort());
    }

    @BeforeEach
    void setUp() throws Exception {
        if (node.processor().catalog().offer("wb-one-back").isEmpty()) {
            Path f = node.dataDir().resolve("winback-catalog.json");
            Files.writeString(f, CATALOG);
            node.processor().catalog().importFile(f);
            assertThat(api.post("/webhooks", KEY_ISSUER_A, "{\"url\":\"http://127.0.0.1:9/hook\",\"events\":[\"offer.winback\"]}")
                    .status()).isEqualTo(201);
        }
        issuer = new IssuerConnection("127.0.0.1", node.processor().isoPort());
        matcher = new RewardMatcher(node.processor().store().sessionFactory(), node.processor().catalog(), clock,
                Duration.ofDays(10));
    }

    @AfterEach
    void tearDown() {
        issuer.close();
    }

    @Test
    void aCardLapsedAtTheMerchantIsEnrolledOnceAndTheIssuerIsTold() {
        String lapsed = RewardStream.newPan();
        String recent = RewardStream.newPan();
        String elsewhere = RewardStream.newPan();
        long lapsedRow = enroll(lapsed);
        long recentRow = enroll(recent);
        long elsewhereRow = enroll(elsewhere);
        buy(lapsed, "WBM000000000012", "5814", 1500);
        buy(recent, "WBM000000000012", "5814", 1500);
        buy(elsewhere, "WBM000000000013", "5814", 1500);
        String campaign = campaign("wb-two-back", 90);
        clock.moveBy(LAPSE);
        buy(recent, "WBM000000000012", "5814", 900);
        Instant enrolledAt = clock.instant();

        List<WinBackJob.Enrolled> first = node.processor().operations().programs().winBackJob().enrollLapsed();
        List<WinBackJob.Enrolled> again = node.processor().operations().programs().winBackJob().enrollLapsed();

        assertThat(enrolledCount(first, campaign)).as("only the card whose last purchase there is 100 days old").isEqualTo(1);
        assertThat(enrolledCount(again, campaign)).as("never twice while the enrolment is valid").isZero();
        assertThat(count("select count(*) from winback_enrollment where campaign_id = ?1 and card_id = ?2", campaign, lapsedRow))
                .isEqualTo(1);
        assertThat(count("select count(*) from offer_activation where offer_id = 'wb-two-back' and card_id in (?1, ?2)",
                recentRow, elsewhereRow)).as("neither the recent buyer nor a card that never bought there").isZero();
        assertThat(count("select count(*) from offer_activation where offer_id = 'wb-two-back' and card_id = ?1", lapsedRow))
                .isEqualTo(1);
        assertThat(count("select count(*) from webhook_event where type = 'offer.winback' and card_id in (?1, ?2)",
                recentRow, elsewhereRow)).isZero();
        JsonNode event = event(lapsedRow);
        assertThat(event.get("campaignId").asText()).isEqualTo(campaign);
        assertThat(event.get("offerId").asText()).isEqualTo("wb-two-back");
        assertThat(event.get("merchantId").asText()).isEqualTo("wb-two");
        assertThat(Instant.parse(event.get("lapsedSince").asText())).isBefore(enrolledAt.minus(Duration.ofDays(90)));
        assertThat(Instant.parse(event.get("validUntil").asText()))
                .isBetween(enrolledAt.plus(Duration.ofDays(30)).minusSeconds(60), enrolledAt.plus(Duration.ofDays(30)).plusSeconds(60));
        assertThat(event.toString()).doesNotContain(lapsed);
    }

    @Test
    void aWonBackCardEarnsTheWinBackRewardIsCountedAndItsRefundReversesTheReward() throws Exception {
        String pan = RewardStream.newPan();
        long row = enroll(pan);
        buy(pan, "WBM000000000011", "5814", 2000);
        String campaign = campaign("wb-one-back", 90);
        clock.moveBy(LAPSE);
        node.processor().operations().programs().winBackJob().enrollLapsed();

        String rrn = buy(pan, "WBM000000000011", "5814", 1240);

        assertThat(count("select count(*) from reward where card_id = ?1 and offer_id = 'wb-one-back' and amount = 200 "
                + "and status = 'PENDING'", row)).as("the win-back reward, on top of the merchant's 10%").isEqualTo(1);
        JsonNode results = api.get("/winback-campaigns/" + campaign, KEY_OPS).json();
        assertThat(results.get("cardsEnrolled").asLong()).isEqualTo(1);
        assertThat(results.get("cardsCameBack").asLong()).isEqualTo(1);
        assertThat(results.get("purchasesAfterEnrollment").asLong()).isEqualTo(1);
        assertThat(results.at("/spentAfterEnrollment/minor").asLong()).isEqualTo(1240);
        assertThat(results.at("/rewards/0/status").asText()).isEqualTo("PENDING");
        assertThat(results.at("/rewards/0/amount/minor").asLong()).isEqualTo(200);
        assertThat(ConsolePages.get(node.processor().httpPort(), KEY_OPS,
                "/console/programs")).contains("id='campaign-" + campaign + "'").contains("12.40 USD");

        send(Requests.of("0200", pan, 1240).with(3, "200000").with(37, rrn).with(42, "WBM000000000011"));
        drain();

        assertThat(count("select count(*) from reward where card_id = ?1 and offer_id = 'wb-one-back' and status = 'REVERSED'",
                row)).as("the refund takes the win-back reward back").isEqualTo(1);
        assertThat(count("select coalesce(sum(l.amount), 0) from ledger_entry l join reward r on r.id = l.reward_id "
                + "where r.card_id = ?1 and r.offer_id = 'wb-one-back' and l.account_owner = 'MERCHANT:wb-one'", row))
                .as("the merchant owes nothing for it any more").isZero();
    }

    @Test
    void aCardLapsedInACategoryIsEnrolledIntoTheCategoryWinBackOffer() {
        String pan = RewardStream.newPan();
        String stillBuying = RewardStream.newPan();
        long row = enroll(pan);
        long stillRow = enroll(stillBuying);
        buy(pan, "BOOKSHOP0000001", "5942", 3000);
        buy(stillBuying, "BOOKSHOP0000002", "5942", 3000);
        String campaign = campaign("books-back", 60);
        clock.moveBy(LAPSE);
        buy(stillBuying, "BOOKSHOP0000003", "5942", 1000);

        node.processor().operations().programs().winBackJob().enrollLapsed();

        assertThat(count("select count(*) from winback_enrollment where campaign_id = ?1 and card_id = ?2", campaign, row))
                .isEqualTo(1);
        assertThat(count("select count(*) from winback_enrollment where campaign_id = ?1 and card_id = ?2", campaign, stillRow))
                .isZero();
        assertThat(event(row).at("/mccs/0").asText()).isEqualTo("5942");

        buy(pan, "BOOKSHOP0000004", "5942", 4000);
        assertThat(count("select coalesce(sum(amount), 0) from reward where card_id = ?1 and offer_id = 'books-back'", row))
                .as("5% of 40.00 once it came back").isEqualTo(200);
        assertThat(api.get("/winback-campaigns/" + campaign, KEY_OPS).json().get("cardsCameBack").asLong()).isEqualTo(1);
    }

    @Test
    void theLapsedAudienceIsReadFromTheStoredPurchases() {
        String lapsed = RewardStream.newPan();
        String recent = RewardStream.newPan();
        String newcomer = RewardStream.newPan();
        long lapsedRow = enroll(lapsed);
        long recentRow = enroll(recent);
        long newRow = enroll(newcomer);
        buy(lapsed, "WBM000000000014", "5814", 1000);
        buy(recent, "WBM000000000014", "5814", 1000);
        clock.moveBy(LAPSE);
        buy(recent, "WBM000000000014", "5814", 1000);

        buy(lapsed, "WBM000000000014", "5814", 1000);
        buy(recent, "WBM000000000014", "5814", 1000);
        buy(newcomer, "WBM000000000014", "5814", 1000);

        assertThat(count("select count(*) from reward where offer_id = 'wb-aud-lapsed' and card_id = ?1", lapsedRow))
                .as("no purchase there in 90 days, one before").isEqualTo(1);
        assertThat(count("select count(*) from reward where offer_id = 'wb-aud-lapsed' and card_id = ?1", recentRow))
                .as("its return after 100 days earned; the purchase after it, within 90 days of it, did not").isEqualTo(1);
        assertThat(count("select count(*) from reward where offer_id = 'wb-aud-lapsed' and card_id = ?1", newRow))
                .as("a first-timer is not lapsed").isZero();
        assertThat(count("select count(*) from match_outcome where card_id = ?1 and detail like '%wb-aud-lapsed: AUDIENCE_NOT_ELIGIBLE%'",
                newRow)).isEqualTo(1);
    }

    @Test
    void aCampaignNeedsAnOfferThatTakesActivation() {
        var r = api.post("/winback-campaigns", KEY_ADMIN, "{\"offerId\":\"wb-one-10\",\"lapseDays\":90}");
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().get("code").asText()).isEqualTo("WINBACK_NEEDS_ACTIVATION");
        var bad = api.post("/winback-campaigns", KEY_ADMIN, "{\"offerId\":\"wb-one-back\",\"lapseDays\":0}");
        assertThat(bad.status()).isEqualTo(422);
        assertThat(bad.json().get("detail").asText()).contains("lapseDays");
        assertThat(api.post("/winback-campaigns", KEY_OPS, "{\"offerId\":\"wb-one-back\",\"lapseDays\":90}").status())
                .isEqualTo(403);
    }

    private String campaign(String offerId, int lapseDays) {
        var r = api.post("/winback-campaigns", KEY_ADMIN, "{\"offerId\":\"" + offerId + "\",\"lapseDays\":" + lapseDays + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("campaignId").asText();
    }

    private static int enrolledCount(List<WinBackJob.Enrolled> runs, String campaign) {
        return runs.stream().filter(e -> e.campaignId().equals(campaign)).mapToInt(WinBackJob.Enrolled::cards).sum();
    }

    private long enroll(String pan) {
        String cardId = new Api(node.processor().httpPort()).enroll(KEY_ISSUER_A, pan, "ACC-WB");
        return node.processor().enrollment().internalId(null, cardId).orElseThrow();
    }

    /** A cleared purchase (0200) at a MID with an MCC, matched at once; returns its DE37. */
    private String buy(String pan, String mid, String mcc, long amount) {
        String rrn = "WB" + Requests.nextStan() + "RRNX";
        send(Requests.of("0200", pan, amount).with(37, rrn.substring(0, Math.min(12, rrn.length()))).with(42, mid)
                .with(18, mcc).with(43, "SOME SHOP                OAKLAND      US"));
        drain();
        return rrn.substring(0, Math.min(12, rrn.length()));
    }

    private void send(WireMessage m) {
        assertThat(issuer.send(m).orTimeout(30, TimeUnit.SECONDS).join().get(39)).isEqualTo("00");
    }

    private void drain() {
        while (matcher.runOnce() > 0) {
            // one batch per call
        }
    }

    private JsonNode event(long cardRow) {
        String body = node.processor().store().sessionFactory().fromSession(s -> (String) s.createNativeQuery(
                "select body from webhook_event where type = 'offer.winback' and card_id = ?1 order by created_at desc limit 1",
                Object.class).setParameter(1, cardRow).getSingleResult());
        try {
            return JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private long count(String sql, Object... params) {
        return node.processor().store().sessionFactory().fromSession(s -> {
            var q = s.createNativeQuery(sql, Object.class);
            for (int i = 0; i < params.length; i++) {
                q.setParameter(i + 1, params[i]);
            }
            return ((Number) q.getSingleResult()).longValue();
        });
    }
}
