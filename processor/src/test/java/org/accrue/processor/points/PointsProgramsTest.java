package org.accrue.processor.points;

import static org.accrue.processor.testing.TestConfig.KEY_ADMIN;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_B;
import static org.accrue.processor.testing.TestConfig.KEY_OPS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.InstantSource;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;

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
 * Points programs per issuer through the admin API, the matcher and the store: each issuer's cards earn its own
 * program at its own rates, refunds take points back, expiry follows each program's rule, warnings go out once,
 * and every redemption option (statement credit, miles, voucher) with its refusals, all balanced in the ledger.
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings({"accrue.rewards.matcher.enabled=false", "accrue.webhooks.enabled=false",
        "accrue.airline.SKY.base-url=http://127.0.0.1:9", "accrue.airline.SKY.api-key=base64:c2t5LWtleS10ZXN0"})
class PointsProgramsTest {
    // Bank A: 1 point per USD, 3 in coffee shops (5814, what the stream's purchases carry); $10 per 1,000 points.
    static final String APTS = """
            {"program":"APTS","issuerId":"BANK_A","name":"A Rewards","currency":"USD","pointsPerUnit":1,
             "bonusCategories":[{"mccs":["5814","5812"],"pointsPerUnit":3}],
             "cashPer1000Points":{"minor":1000,"currency":"USD"},"expiry":{"rule":"ROLLING_MONTHS","count":12},
             "minRedemption":500,"warningDays":30,"airlines":{"SKY":500},
             "vouchers":[{"voucherId":"FOODGO-10","partner":"FoodGo","face":{"minor":1000,"currency":"USD"},"points":800}]}""";
    // Bank B: 2 points per USD everywhere; points live to the end of the year after the one they were earned in.
    static final String BPTS = """
            {"program":"BPTS","issuerId":"BANK_B","currency":"USD","pointsPerUnit":2,
             "cashPer1000Points":{"minor":500,"currency":"USD"},"expiry":{"rule":"END_OF_YEAR","count":1}}""";

    private Node node;
    private RewardStream stream;
    private Api api;

    @BeforeEach
    void setUp(Node node) throws Exception {
        this.node = node;
        this.api = new Api(node.processor().httpPort());
        for (String p : new String[] {APTS, BPTS}) {
            Api.Response r = api.post("/points-programs", KEY_ADMIN, p);
            assertThat(r.status()).as(r.body()).isIn(201, 409);
        }
        this.stream = new RewardStream(node); // its matcher reads the programs as it starts
    }

    @AfterEach
    void tearDown() {
        stream.close();
    }

    private long sql(String sql) {
        return node.processor().store().sessionFactory().fromSession(s ->
                ((Number) s.createNativeQuery(sql, Object.class).getSingleResult()).longValue());
    }

    private void update(String sql) {
        node.processor().store().sessionFactory().inTransaction(s -> s.createNativeMutationQuery(sql).executeUpdate());
    }

    private long available(String card, String key, String program) {
        for (JsonNode b : api.get("/cards/" + card + "/points", key).json().get("balances")) {
            if (b.get("program").asText().equals(program)) {
                return b.get("available").asLong();
            }
        }
        return 0;
    }

    private long unbalancedTransactions() {
        return sql("select count(*) from (select txn_id from ledger_entry group by txn_id, unit_kind, unit_code "
                + "having sum(amount) <> 0) t");
    }

    private String card(String key, String pan, long... purchases) {
        String card = stream.enroll(key, pan, "ACC-PP", "OKAFOR");
        for (long p : purchases) {
            stream.purchase(pan, p);
        }
        stream.matchAndMakeAvailable();
        return card;
    }

    private Api.Response redeem(String card, String key, String body) {
        return api.post("/cards/" + card + "/points/redemptions", key, body);
    }

    @Test
    void eachIssuersCardsEarnTheirOwnProgramAtItsRates() {
        String a = card(KEY_ISSUER_A, RewardStream.newPan(), 10_000, 2_550); // $100 + $25.50 in a coffee shop: 3 per USD
        String b = card(KEY_ISSUER_B, RewardStream.newPan(), 10_000, 2_550); // 2 per USD everywhere

        assertThat(available(a, KEY_ISSUER_A, "APTS")).as("300 + 76 (76.5 rounded down)").isEqualTo(376);
        assertThat(available(a, KEY_ISSUER_A, "BPTS")).isZero();
        assertThat(available(b, KEY_ISSUER_B, "BPTS")).as("200 + 51").isEqualTo(251);
        assertThat(available(b, KEY_ISSUER_B, "APTS")).isZero();
        assertThat(sql("select count(*) from reward where card_id = " + stream.row(a) + " and offer_id = 'points:APTS' "
                + "and funder = 'ISSUER:BANK_A'")).isEqualTo(2);
        assertThat(unbalancedTransactions()).isZero();
    }

    @Test
    void anOfferPayingAnIssuersProgramPaysItsCardsOnlyAndSaysWhyToOthers() throws Exception {
        // From $1,500 only: the other tests' purchases (at most $1,000) never reach it, whatever their order.
        if (node.processor().catalog().offer("apts-double").isEmpty()) {
            java.nio.file.Path f = node.dataDir().resolve("apts-offer.json");
            java.nio.file.Files.writeString(f, """
                    {"offers":[{"id":"apts-double","mccs":["5814"],"reward":{"type":"POINTS_PER_UNIT","pointsPerUnit":2,
                      "program":"APTS"},"currency":"USD","stacking":"STACKABLE","funding":"ISSUER",
                      "minSpend":{"minor":150000,"currency":"USD"},"startsAt":"2026-01-01T00:00:00Z",
                      "returnPeriodDays":0}]}""");
            node.processor().catalog().importFile(f);
        }
        RewardStream fresh = new RewardStream(node); // a matcher that has the offer
        try {
            String panA = RewardStream.newPan();
            String panB = RewardStream.newPan();
            String a = fresh.enroll(KEY_ISSUER_A, panA, "ACC-OF", "OKAFOR");
            String b = fresh.enroll(KEY_ISSUER_B, panB, "ACC-OF", "OKAFOR");
            fresh.purchase(panA, 150_000);
            fresh.purchase(panB, 150_000);
            fresh.matchAndMakeAvailable();

            assertThat(available(a, KEY_ISSUER_A, "APTS")).as("4,500 base + 3,000 from the offer").isEqualTo(7500);
            assertThat(available(b, KEY_ISSUER_B, "APTS")).isZero();
            assertThat(available(b, KEY_ISSUER_B, "BPTS")).isEqualTo(3000);
            String why = node.processor().store().sessionFactory().fromSession(x -> (String) x.createNativeQuery(
                    "select detail from match_outcome where card_id = " + fresh.row(b), String.class).getSingleResult());
            assertThat(why).contains("apts-double: its points program APTS is issuer BANK_A's");
        } finally {
            fresh.close();
        }
    }

    @Test
    void aRefundTakesBackThePointsOfItsPurchaseInProportion() {
        String pan = RewardStream.newPan();
        String card = stream.enroll(KEY_ISSUER_A, pan, "ACC-RF", "OKAFOR");
        String rrn = stream.purchase(pan, 10_000);
        stream.match();
        stream.refund(pan, 4_000, rrn);
        stream.matchAndMakeAvailable();

        assertThat(available(card, KEY_ISSUER_A, "APTS")).as("300 less 40% of it").isEqualTo(180);
        assertThat(unbalancedTransactions()).isZero();
    }

    @Test
    void aRefundAfterThePointsWereRedeemedTakesBackOnlyWhatIsLeftAndSpentPointsStaySpent() {
        String pan = RewardStream.newPan();
        String card = stream.enroll(KEY_ISSUER_A, pan, "ACC-RR", "OKAFOR");
        String rrn = stream.purchase(pan, 20_000); // 600 points
        stream.matchAndMakeAvailable();
        assertThat(redeem(card, KEY_ISSUER_A, "{\"redemptionId\":\"pp-before-refund\",\"program\":\"APTS\","
                + "\"points\":500,\"to\":\"STATEMENT_CREDIT\"}").status()).isEqualTo(201);

        stream.refund(pan, 15_000, rrn); // 3/4 of the purchase: 450 points back, but only 100 are left
        stream.matchAndMakeAvailable();

        assertThat(available(card, KEY_ISSUER_A, "APTS")).isZero();
        assertThat(sql("select count(*) from match_queue")).as("the refund was matched, not quarantined").isZero();
        assertThat(sql("select amount from reward where card_id = " + stream.row(card) + " and offer_id = 'points:APTS'"))
                .as("the 500 redeemed stay spent").isEqualTo(500);
        assertThat(unbalancedTransactions()).isZero();
    }

    @Test
    void redemptionsPayAStatementCreditMilesOrAVoucherAtTheProgramsRates() {
        String card = card(KEY_ISSUER_A, RewardStream.newPan(), 100_000); // 3,000 points

        Api.Response credit = redeem(card, KEY_ISSUER_A,
                "{\"redemptionId\":\"pp-cash\",\"program\":\"APTS\",\"points\":1000,\"to\":\"STATEMENT_CREDIT\"}");
        Api.Response miles = redeem(card, KEY_ISSUER_A,
                "{\"redemptionId\":\"pp-miles\",\"program\":\"APTS\",\"points\":1000,\"to\":\"MILES\"}");
        Api.Response voucher = redeem(card, KEY_ISSUER_A,
                "{\"redemptionId\":\"pp-voucher\",\"program\":\"APTS\",\"to\":\"VOUCHER\",\"voucherId\":\"FOODGO-10\"}");

        assertThat(credit.status()).as(credit.body()).isEqualTo(201);
        assertThat(credit.json().get("amount").asLong()).as("1,000 points at $10 per 1,000").isEqualTo(1000);
        assertThat(miles.status()).as(miles.body()).isEqualTo(201);
        assertThat(miles.json().get("amount").asLong()).as("the program's own SKY rate: 500 per 1,000").isEqualTo(500);
        assertThat(voucher.status()).as(voucher.body()).isEqualTo(201);
        assertThat(voucher.json().get("points").asLong()).as("the voucher's price").isEqualTo(800);
        String code = voucher.json().get("voucher").get("code").asText();
        assertThat(code).matches("vc_[a-z]+");
        assertThat(voucher.json().get("voucher").get("partner").asText()).isEqualTo("FoodGo");
        assertThat(available(card, KEY_ISSUER_A, "APTS")).isEqualTo(200);
        long row = stream.row(card);
        assertThat(sql("select count(*) from points_redemption where card_id = " + row + " and voucher_code = '" + code
                + "'")).isEqualTo(1);
        assertThat(sql("select count(*) from reward where card_id = " + row + " and offer_id = 'POINTS-VOUCHER' "
                + "and status = 'POSTED' and amount = 1000")).as("delivered: never a statement credit").isEqualTo(1);
        node.processor().operations().posting().post();
        assertThat(sql("select count(*) from statement_credit where card_id = " + row + " and amount = 1000"))
                .as("the $10 statement credit; not the $10 voucher").isEqualTo(1);
        assertThat(unbalancedTransactions()).isZero();
    }

    @Test
    void aRedemptionBelowTheMinimumOrBeyondTheBalanceOrOfAnotherIssuersProgramIsRefused() {
        String card = card(KEY_ISSUER_A, RewardStream.newPan(), 20_000); // 600 points
        String other = card(KEY_ISSUER_B, RewardStream.newPan(), 20_000);

        Api.Response small = redeem(card, KEY_ISSUER_A,
                "{\"redemptionId\":\"pp-small\",\"program\":\"APTS\",\"points\":499,\"to\":\"STATEMENT_CREDIT\"}");
        Api.Response big = redeem(card, KEY_ISSUER_A,
                "{\"redemptionId\":\"pp-big\",\"program\":\"APTS\",\"points\":601,\"to\":\"STATEMENT_CREDIT\"}");
        Api.Response foreign = redeem(other, KEY_ISSUER_B,
                "{\"redemptionId\":\"pp-foreign\",\"program\":\"APTS\",\"points\":500,\"to\":\"STATEMENT_CREDIT\"}");
        Api.Response noVoucher = redeem(card, KEY_ISSUER_A,
                "{\"redemptionId\":\"pp-nov\",\"program\":\"APTS\",\"to\":\"VOUCHER\",\"voucherId\":\"NOPE\"}");

        assertThat(small.status()).isEqualTo(422);
        assertThat(small.json().get("code").asText()).isEqualTo("BELOW_MIN_REDEMPTION");
        assertThat(big.json().get("code").asText()).isEqualTo("INSUFFICIENT_POINTS");
        assertThat(big.json().get("detail").asText()).contains("600");
        assertThat(foreign.json().get("code").asText()).isEqualTo("UNKNOWN_POINTS_PROGRAM");
        assertThat(noVoucher.json().get("code").asText()).isEqualTo("UNKNOWN_VOUCHER");
        assertThat(available(card, KEY_ISSUER_A, "APTS")).isEqualTo(600);
    }

    @Test
    void expiryFollowsEachProgramsRuleAndTheCardholderSeesTheSameDate() {
        String a = card(KEY_ISSUER_A, RewardStream.newPan(), 10_000);
        String b = card(KEY_ISSUER_B, RewardStream.newPan(), 10_000, 5_000);
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        int lastYear = today.getYear() - 1;
        update("update reward set purchased_at = date_sub(utc_timestamp(6), interval 13 month) where card_id = "
                + stream.row(a) + " and unit_kind = 'POINTS'");
        update("update reward set purchased_at = '" + (lastYear - 1) + "-12-31 12:00:00' where card_id = " + stream.row(b)
                + " and unit_kind = 'POINTS' and amount = 200"); // the year before last: gone at the end of last year
        update("update reward set purchased_at = '" + lastYear + "-01-01 12:00:00' where card_id = " + stream.row(b)
                + " and unit_kind = 'POINTS' and amount = 100"); // last year: lives to the end of this one

        JsonNode expiring = api.get("/cards/" + b + "/points/expiring", KEY_ISSUER_B).json();
        node.processor().operations().points().expire();

        assertThat(available(a, KEY_ISSUER_A, "APTS")).as("12 rolling months are over").isZero();
        assertThat(available(b, KEY_ISSUER_B, "BPTS")).isEqualTo(100);
        assertThat(expiring.toString()).contains("\"expiresOn\":\"" + (lastYear + 1) + "-01-01\"")
                .contains("\"expiresOn\":\"" + (lastYear + 2) + "-01-01\"");
        assertThat(unbalancedTransactions()).isZero();
    }

    @Test
    void pointsExpiringWithinTheWarningPeriodAreAnnouncedOncePerCardAndDate() {
        Api.Response hook = api.post("/webhooks", KEY_ISSUER_A,
                "{\"url\":\"https://issuer-a.example/hooks\",\"events\":[\"points.expiring\"]}");
        assertThat(hook.status()).as(hook.body()).isEqualTo(201);
        String card = card(KEY_ISSUER_A, RewardStream.newPan(), 10_000, 20_000);
        long row = stream.row(card);
        update("update reward set purchased_at = date_add(date_sub(utc_timestamp(6), interval 12 month), interval 10 day) "
                + "where card_id = " + row + " and unit_kind = 'POINTS'"); // both expire in about 10 days

        Points points = node.processor().operations().points();
        points.warn();
        points.warn();
        Points later = new Points(node.processor().store().dataSource(), InstantSource.offset(InstantSource.system(),
                java.time.Duration.ofDays(1)), new PointsPrograms(node.processor().store().dataSource(),
                InstantSource.system(), Map.of(), Map.of(), Set.of()));
        later.warn();

        assertThat(sql("select count(*) from webhook_event where type = 'points.expiring' and card_id = " + row))
                .isEqualTo(1);
        assertThat(sql("select points from points_expiry_warning where card_id = " + row)).isEqualTo(900);
        String body = node.processor().store().sessionFactory().fromSession(s -> (String) s.createNativeQuery(
                "select body from webhook_event where type = 'points.expiring' and card_id = " + row, String.class)
                .getSingleResult());
        assertThat(body).contains("\"program\":\"APTS\"").contains("\"amount\":900").contains("\"expiresOn\"");
    }

    @Test
    void programsAreManagedByAdminsAndEachIssuerSeesItsOwn() {
        Api.Response dup = api.post("/points-programs", KEY_ADMIN, BPTS);
        Api.Response badExpiry = api.post("/points-programs", KEY_ADMIN, BPTS.replace("BPTS", "CPTS")
                .replace("END_OF_YEAR", "END_OF_DECADE"));
        Api.Response byIssuer = api.post("/points-programs", KEY_ISSUER_A, BPTS.replace("BPTS", "DPTS"));
        Api.Response unknownIssuer = api.post("/points-programs", KEY_ADMIN, BPTS.replace("BPTS", "EPTS")
                .replace("BANK_B", "BANK_Z"));

        assertThat(dup.status()).isEqualTo(409);
        assertThat(dup.json().get("code").asText()).isEqualTo("PROGRAM_EXISTS");
        assertThat(badExpiry.status()).isEqualTo(422);
        assertThat(badExpiry.json().get("detail").asText()).startsWith("expiry");
        assertThat(byIssuer.status()).isEqualTo(403);
        assertThat(unknownIssuer.json().get("code").asText()).isEqualTo("UNKNOWN_ISSUER");
        assertThat(api.get("/points-programs", KEY_ISSUER_A).body()).contains("APTS").doesNotContain("BPTS");
        assertThat(api.get("/points-programs/BPTS", KEY_ISSUER_A).status()).isEqualTo(404);
        JsonNode b = api.get("/points-programs/BPTS", KEY_OPS).json();
        assertThat(b.get("expiry").get("rule").asText()).isEqualTo("END_OF_YEAR");
        assertThat(b.get("pointsPerUnit").asInt()).isEqualTo(2);
        assertThat(sql("select count(*) from audit_log where action = 'points-program.created' and resource_id = 'BPTS' "
                + "and issuer_id = 'BANK_B' and actor = 'admin'")).as("created once, by the admin key").isEqualTo(1);
    }
}
