package org.accrue.processor.coalition;

import static org.accrue.processor.testing.TestConfig.KEY_ADMIN;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_OPS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.ZoneOffset;

import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ConsolePages;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.RewardStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Coalition points through the API and the store: points a fuel chain's program earned on real purchases are
 * redeemed at a food-delivery member at the agreed rate; the fuel chain owes the delivery member that value in the
 * ledger, and a period's settlement totals exactly the period's redemptions, once.
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings({"accrue.rewards.matcher.enabled=false", "accrue.webhooks.enabled=false"})
class CoalitionsTest {
    // FUELCO's points, run for Bank A's cards: 10 per USD; worth $10.00 per 1,000 at another member.
    private static final String FUELPTS = """
            {"program":"FUELPTS","issuerId":"BANK_A","currency":"USD","pointsPerUnit":10,
             "expiry":{"rule":"ROLLING_MONTHS","count":24},"minRedemption":100}""";
    private static final String COALITION = """
            {"coalitionId":"ROADEATS","name":"Road & Eats","currency":"USD","members":[
              {"memberId":"FUELCO","name":"Fuel Co","program":"FUELPTS","cashPer1000Points":{"minor":1000,"currency":"USD"}},
              {"memberId":"FOODGO","name":"Food Go"}]}""";

    private Node node;
    private RewardStream stream;
    private Api api;

    @BeforeEach
    void setUp(Node node) throws Exception {
        this.node = node;
        this.api = new Api(node.processor().httpPort());
        assertThat(api.post("/points-programs", KEY_ADMIN, FUELPTS).status()).isIn(201, 409);
        assertThat(api.post("/coalitions", KEY_ADMIN, COALITION).status()).isIn(201, 409);
        this.stream = new RewardStream(node);
    }

    @AfterEach
    void tearDown() {
        stream.close();
    }

    private long sql(String sql) {
        return node.processor().store().sessionFactory().fromSession(s ->
                ((Number) s.createNativeQuery(sql, Object.class).getSingleResult()).longValue());
    }

    private String cardWithFuelPoints(long purchaseMinor) {
        String pan = RewardStream.newPan();
        String card = stream.enroll(KEY_ISSUER_A, pan, "ACC-CO", "MENSAH");
        stream.purchase(pan, purchaseMinor);
        stream.matchAndMakeAvailable();
        return card;
    }

    private Api.Response redeem(String card, String id, String member, long points) {
        return api.post("/cards/" + card + "/coalition-redemptions", KEY_ISSUER_A, "{\"redemptionId\":\"" + id
                + "\",\"coalitionId\":\"ROADEATS\",\"memberId\":\"" + member + "\",\"program\":\"FUELPTS\",\"points\":"
                + points + "}");
    }

    private long fuelPoints(String card) {
        for (JsonNode b : api.get("/cards/" + card + "/points", KEY_ISSUER_A).json().get("balances")) {
            if (b.get("program").asText().equals("FUELPTS")) {
                return b.get("available").asLong();
            }
        }
        return 0;
    }

    @Test
    void pointsOfOneMemberRedeemedAtAnotherAreOwedAtTheAgreedRateAndSettledOnce() throws Exception {
        String card = cardWithFuelPoints(20_000); // $200: 2,000 FUELPTS
        String other = cardWithFuelPoints(5_000); // 500

        Api.Response first = redeem(card, "co-1", "FOODGO", 1_200);
        Api.Response replay = redeem(card, "co-1", "FOODGO", 1_200);
        Api.Response second = redeem(other, "co-2", "FOODGO", 333);

        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(replay.status()).isEqualTo(200);
        assertThat(first.json().get("amount").get("minor").asLong()).as("1,200 points at $10 per 1,000").isEqualTo(1200);
        assertThat(second.json().get("amount").get("minor").asLong()).as("333 points: $3.33").isEqualTo(333);
        assertThat(fuelPoints(card)).isEqualTo(800);
        String owed = "COALITION:ROADEATS:FUELCO>FOODGO";
        assertThat(sql("select sum(amount) from ledger_entry where account_type = 'FUNDER_RECEIVABLE' and account_owner = '"
                + owed + "'")).as("what FUELCO owes FOODGO, in the ledger").isEqualTo(1533);

        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        String period = "{\"from\":\"" + today.withDayOfMonth(1) + "\",\"to\":\"" + today.withDayOfMonth(1).plusMonths(1)
                + "\"}";
        Api.Response settled = api.post("/coalitions/ROADEATS/settlements", KEY_OPS, period);
        Api.Response again = api.post("/coalitions/ROADEATS/settlements", KEY_OPS, period);

        assertThat(settled.status()).as(settled.body()).isEqualTo(200);
        JsonNode s = settled.json().get("settlements").get(0);
        assertThat(s.get("debtorMember").asText()).isEqualTo("FUELCO");
        assertThat(s.get("creditorMember").asText()).isEqualTo("FOODGO");
        assertThat(s.get("redemptions").asInt()).isEqualTo(2);
        assertThat(s.get("points").asLong()).isEqualTo(1533);
        assertThat(s.get("amount").get("minor").asLong()).isEqualTo(1533);
        assertThat(again.json().get("settlements")).hasSize(1);
        assertThat(again.json().get("settlements").get(0).get("amount").get("minor").asLong()).as("settled once")
                .isEqualTo(1533);
        assertThat(api.get("/coalitions/ROADEATS/settlements", KEY_OPS).json().get("settlements")).hasSize(1);
        assertThat(sql("select count(*) from audit_log where action = 'coalition.settled' and resource_id = 'ROADEATS'"))
                .as("the run that settled something").isEqualTo(1);
        assertThat(sql("select count(*) from reward where offer_id = 'COALITION-REDEMPTION' and status = 'POSTED'"))
                .as("delivered by FOODGO: never a statement credit").isEqualTo(2);
        assertThat(sql("select count(*) from (select txn_id from ledger_entry group by txn_id, unit_kind, unit_code "
                + "having sum(amount) <> 0) t")).isZero();
        assertThat(ConsolePages.get(node.processor().httpPort(), KEY_OPS,
                "/console/points")).contains("ROADEATS").contains("<td>FUELCO</td><td>FOODGO</td><td>2</td>"
                + "<td>1533</td><td>15.33 USD</td>");
    }

    @Test
    void aRedemptionAtTheEarningMemberOrBeyondTheBalanceOrBelowTheMinimumIsRefused() {
        String card = cardWithFuelPoints(5_000); // 500

        Api.Response same = redeem(card, "co-same", "FUELCO", 200);
        Api.Response big = redeem(card, "co-big", "FOODGO", 501);
        Api.Response small = redeem(card, "co-small", "FOODGO", 99);
        Api.Response stranger = redeem(card, "co-x", "PIZZACO", 200);

        assertThat(same.json().get("code").asText()).isEqualTo("SAME_MEMBER");
        assertThat(big.status()).isEqualTo(422);
        assertThat(big.json().get("code").asText()).isEqualTo("INSUFFICIENT_POINTS");
        assertThat(small.json().get("code").asText()).isEqualTo("BELOW_MIN_REDEMPTION");
        assertThat(stranger.json().get("code").asText()).isEqualTo("UNKNOWN_MEMBER");
        assertThat(fuelPoints(card)).isEqualTo(500);
        Api.Response badPeriod = api.post("/coalitions/ROADEATS/settlements", KEY_OPS,
                "{\"from\":\"2026-02-01\",\"to\":\"2026-01-01\"}");
        assertThat(badPeriod.status()).isEqualTo(400);
        assertThat(api.post("/coalitions", KEY_ADMIN, COALITION).status()).isEqualTo(409);
    }
}
