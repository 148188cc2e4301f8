package org.accrue.processor.points;

import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_B;
import static org.accrue.processor.testing.TestConfig.KEY_OPS;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.RewardStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Bank points from real purchases: the balance, redemption as a statement credit or as miles (oldest points
 * first, idempotent by the caller's id), refusals, and expiry after the program's validity.
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings({"accrue.rewards.matcher.enabled=false", "accrue.points.BANKPTS.currency=USD",
        "accrue.points.BANKPTS.cash-minor-per-1000-points=500", "accrue.points.BANKPTS.validity-months=12",
        "accrue.airline.SKY.base-url=http://127.0.0.1:9", "accrue.airline.SKY.api-key=base64:c2t5LWtleS10ZXN0",
        "accrue.airline.SKY.miles-per-1000-points=800"})
class PointsTest {
    private static final String POINTS_OFFER = """
            {"offers":[{"id":"bank-points","mccs":["5814"],"reward":{"type":"POINTS_PER_UNIT","pointsPerUnit":10,
              "program":"BANKPTS"},"currency":"USD","stacking":"STACKABLE","funding":"ISSUER","startsAt":"2026-01-01T00:00:00Z",
              "returnPeriodDays":0}]}""";

    private Node node;
    private RewardStream stream;
    private Api api;

    @BeforeEach
    void setUp(Node node) throws Exception {
        this.node = node;
        this.stream = new RewardStream(node);
        this.api = new Api(node.processor().httpPort());
        if (node.processor().catalog().offer("bank-points").isEmpty()) {
            Path f = node.dataDir().resolve("points.json");
            Files.writeString(f, POINTS_OFFER);
            node.processor().catalog().importFile(f);
        }
    }

    @AfterEach
    void tearDown() {
        stream.close();
    }

    private long sql(String sql) {
        return node.processor().store().sessionFactory().fromSession(s ->
                ((Number) s.createNativeQuery(sql, Object.class).getSingleResult()).longValue());
    }

    private String cardWithPoints(String key, long... purchases) {
        String pan = RewardStream.newPan();
        String card = stream.enroll(key, pan, "ACC-PTS", "NGUYEN");
        for (long p : purchases) {
            stream.purchase(pan, p);
        }
        stream.matchAndMakeAvailable();
        return card;
    }

    private static long available(JsonNode balances) {
        for (JsonNode b : balances.get("balances")) {
            if (b.get("program").asText().equals("BANKPTS")) {
                return b.get("available").asLong();
            }
        }
        return 0;
    }

    @Test
    void purchasesEarnPointsThatRedeemAsAStatementCreditAtTheProgramsCashValue() {
        String card = cardWithPoints(KEY_ISSUER_A, 10_000, 5_000); // $100 and $50 at 10 points per dollar

        assertThat(available(api.get("/cards/" + card + "/points", KEY_ISSUER_A).json())).isEqualTo(1500);
        Api.Response r = api.post("/cards/" + card + "/points/redemptions", KEY_ISSUER_A,
                "{\"redemptionId\":\"red-1\",\"program\":\"BANKPTS\",\"points\":1200,\"to\":\"STATEMENT_CREDIT\"}");

        assertThat(r.status()).as(r.body()).isEqualTo(201);
        assertThat(r.json().get("amount").asLong()).as("1,200 points at $5 per 1,000").isEqualTo(600);
        assertThat(r.json().get("unit").asText()).isEqualTo("USD");
        assertThat(available(api.get("/cards/" + card + "/points", KEY_ISSUER_A).json())).isEqualTo(300);
        long cardRow = stream.row(card);
        assertThat(sql("select consumed from reward where card_id = " + cardRow + " and unit_kind = 'POINTS' order by id limit 1"))
                .as("the oldest points go first").isEqualTo(1000);
        assertThat(sql("select count(*) from reward where card_id = " + cardRow + " and offer_id = 'POINTS-REDEMPTION' "
                + "and status = 'AVAILABLE' and amount = 600")).isEqualTo(1);
        node.processor().operations().posting().post();
        assertThat(sql("select count(*) from statement_credit where card_id = " + cardRow + " and amount = 600")).isEqualTo(1);
        assertThat(sql("select count(*) from (select txn_id from ledger_entry group by txn_id, unit_kind, unit_code "
                + "having sum(amount) <> 0) t")).isZero();
    }

    @Test
    void theSameRedemptionIdAgainSpendsNothingAndAnswersTheFirstResult() {
        String card = cardWithPoints(KEY_ISSUER_A, 10_000);
        String body = "{\"redemptionId\":\"red-twice\",\"program\":\"BANKPTS\",\"points\":1000,\"to\":\"MILES\"}";

        Api.Response first = api.post("/cards/" + card + "/points/redemptions", KEY_ISSUER_A, body);
        Api.Response again = api.post("/cards/" + card + "/points/redemptions", KEY_ISSUER_A, body);

        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("rewardId").asText()).isEqualTo(first.json().get("rewardId").asText());
        assertThat(first.json().get("amount").asLong()).as("1,000 points at 800 miles per 1,000").isEqualTo(800);
        assertThat(first.json().get("unit").asText()).isEqualTo("SKY");
        assertThat(available(api.get("/cards/" + card + "/points", KEY_OPS).json())).isZero();
    }

    @Test
    void aRedemptionBeyondTheBalanceOrOfAnotherIssuersCardIsRefusedAndSpendsNothing() {
        String card = cardWithPoints(KEY_ISSUER_A, 5_000);

        Api.Response tooMuch = api.post("/cards/" + card + "/points/redemptions", KEY_ISSUER_A,
                "{\"redemptionId\":\"red-big\",\"program\":\"BANKPTS\",\"points\":501,\"to\":\"STATEMENT_CREDIT\"}");
        Api.Response unknown = api.post("/cards/" + card + "/points/redemptions", KEY_ISSUER_A,
                "{\"redemptionId\":\"red-x\",\"program\":\"NOPE\",\"points\":10,\"to\":\"STATEMENT_CREDIT\"}");
        Api.Response other = api.post("/cards/" + card + "/points/redemptions", KEY_ISSUER_B,
                "{\"redemptionId\":\"red-b\",\"program\":\"BANKPTS\",\"points\":10,\"to\":\"STATEMENT_CREDIT\"}");

        assertThat(tooMuch.status()).isEqualTo(422);
        assertThat(tooMuch.json().get("code").asText()).isEqualTo("INSUFFICIENT_POINTS");
        assertThat(unknown.json().get("code").asText()).isEqualTo("UNKNOWN_POINTS_PROGRAM");
        assertThat(other.status()).isEqualTo(404);
        assertThat(available(api.get("/cards/" + card + "/points", KEY_ISSUER_A).json())).isEqualTo(500);
    }

    @Test
    void pointsOlderThanTheProgramsValidityExpireLessWhatWasAlreadyRedeemed() {
        String card = cardWithPoints(KEY_ISSUER_A, 10_000);
        long cardRow = stream.row(card);
        api.post("/cards/" + card + "/points/redemptions", KEY_ISSUER_A,
                "{\"redemptionId\":\"red-before-expiry\",\"program\":\"BANKPTS\",\"points\":400,\"to\":\"STATEMENT_CREDIT\"}");
        node.processor().store().sessionFactory().inTransaction(s -> s.createNativeMutationQuery(
                "update reward set purchased_at = date_sub(utc_timestamp(6), interval 13 month) where card_id = " + cardRow
                        + " and unit_kind = 'POINTS'").executeUpdate()); // a year and a month ago

        int expired = node.processor().operations().points().expire();

        assertThat(expired).isGreaterThanOrEqualTo(1);
        assertThat(sql("select count(*) from reward where card_id = " + cardRow + " and unit_kind = 'POINTS' and status = 'EXPIRED'"))
                .isEqualTo(1);
        assertThat(sql("select sum(amount) from ledger_entry where txn_kind = 'EXPIRE' and account_type = 'CARDHOLDER_AVAILABLE' "
                + "and account_owner = '" + cardRow + "'")).as("600 of 1,000 were left").isEqualTo(600);
        assertThat(available(api.get("/cards/" + card + "/points", KEY_ISSUER_A).json())).isZero();
    }
}
