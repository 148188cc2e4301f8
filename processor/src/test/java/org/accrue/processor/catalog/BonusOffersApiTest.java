package org.accrue.processor.catalog;

import static org.accrue.processor.testing.TestConfig.KEY_ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;

/** Bonus offers over the admin API: WELCOME, SPEND_THRESHOLD and PUNCH_CARD's maxCompletions kept as given, bad ones refused naming the field. */
@ExtendWith(ProcessorExtension.class)
class BonusOffersApiTest {
    private static final String MERCHANT = """
            {"merchantId":"bonus-cafe","name":"Bonus Cafe","mids":[{"acquirerId":"12345678901","mid":"MIDBONUSCAFE001"}],
             "descriptors":["BONUS CAFE*"],"mccs":["5814"]}""";
    private static final String OFFER = """
            {"id":"%s","merchantId":"bonus-cafe","reward":%s,"currency":"USD","startsAt":"2026-11-01T00:00:00Z"}""";

    private Api api;

    @BeforeEach
    void connect(Node node) {
        api = new Api(node.processor().httpPort());
        api.post("/merchants", KEY_ADMIN, MERCHANT);
    }

    @Test
    void welcomeThresholdAndPunchCardRewardsAreKeptAsGiven() throws Exception {
        String[][] rewards = {
                {"hello", "{\"type\":\"WELCOME\",\"amount\":{\"minor\":1000,\"currency\":\"USD\"},\"withinDays\":30}"},
                {"spend-500", "{\"type\":\"SPEND_THRESHOLD\",\"threshold\":{\"minor\":50000,\"currency\":\"USD\"},"
                        + "\"amount\":{\"minor\":2500,\"currency\":\"USD\"},\"period\":\"MONTH\"}"},
                {"fifth-once", "{\"type\":\"PUNCH_CARD\",\"every\":5,\"amount\":{\"minor\":500,\"currency\":\"USD\"},"
                        + "\"maxCompletions\":1}"}};
        for (String[] r : rewards) {
            Api.Response created = api.post("/offers", KEY_ADMIN, OFFER.formatted(r[0], r[1]));
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            JsonNode read = api.get("/offers/" + r[0], KEY_ADMIN).json();
            assertThat(read.get("reward")).as(r[0]).isEqualTo(new com.fasterxml.jackson.databind.ObjectMapper().readTree(r[1]));
        }
        JsonNode threshold = api.get("/offers/spend-500", KEY_ADMIN).json().get("reward");
        assertThat(threshold.get("threshold").get("minor").asLong()).isEqualTo(50000);
        assertThat(threshold.get("period").asText()).isEqualTo("MONTH");
        assertThat(api.get("/offers/hello", KEY_ADMIN).json().get("reward").get("withinDays").asInt()).isEqualTo(30);
        assertThat(api.get("/offers/fifth-once", KEY_ADMIN).json().get("reward").get("maxCompletions").asInt()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            threshold without a period   | {"type":"SPEND_THRESHOLD","threshold":{"minor":50000,"currency":"USD"},"amount":{"minor":2500,"currency":"USD"}} | offer.reward.period
            threshold of another ccy     | {"type":"SPEND_THRESHOLD","threshold":{"minor":50000,"currency":"EUR"},"amount":{"minor":2500,"currency":"USD"},"period":"MONTH"} | offer.reward.threshold.currency
            threshold without a threshold | {"type":"SPEND_THRESHOLD","amount":{"minor":2500,"currency":"USD"},"period":"MONTH"} | offer.reward.threshold
            threshold of an unknown period | {"type":"SPEND_THRESHOLD","threshold":{"minor":50000,"currency":"USD"},"amount":{"minor":2500,"currency":"USD"},"period":"FORTNIGHT"} | offer.reward.period
            welcome without an amount    | {"type":"WELCOME"}                                                        | offer.reward.amount
            welcome with negative days   | {"type":"WELCOME","amount":{"minor":1000,"currency":"USD"},"withinDays":-1} | offer.reward.withinDays
            punch card of 0 completions  | {"type":"PUNCH_CARD","every":5,"amount":{"minor":500,"currency":"USD"},"maxCompletions":0} | offer.reward.maxCompletions
            unknown reward type          | {"type":"BIRTHDAY","amount":{"minor":500,"currency":"USD"}}               | offer.reward.type
            """)
    void aBadBonusRewardIs422NamingTheField(String scenario, String reward, String field) {
        Api.Response r = api.post("/offers", KEY_ADMIN, OFFER.formatted("bad-" + Math.abs(scenario.hashCode()), reward));
        assertThat(r.status()).as(r.body()).isEqualTo(422);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().get("detail").asText()).as(scenario).startsWith(field);
    }
}
