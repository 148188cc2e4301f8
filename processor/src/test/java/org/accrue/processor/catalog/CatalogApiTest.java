package org.accrue.processor.catalog;

import static org.accrue.processor.testing.TestConfig.KEY_ADMIN;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_OPS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@ExtendWith(ProcessorExtension.class)
class CatalogApiTest {
    private static final String COFFEE = """
            {"merchantId":"coffee-%s","name":"Coffee %s","mids":[{"acquirerId":"12345678901","mid":"%s"}],
             "descriptors":["COFFEE %s*"],"mccs":["5814"]}""";
    private static final String OFFER = """
            {"id":"%s","merchantId":"%s","reward":{"type":"PERCENT","rateBps":1000},"currency":"USD",
             "minSpend":{"minor":500,"currency":"USD"},"maxRewardPerCard":{"minor":2000,"currency":"USD"},"period":"MONTH",
             "startsAt":"2026-11-01T00:00:00Z","channel":"ANY","returnPeriodDays":14,"funding":"MERCHANT",
             "commissionBps":300,"tierMultipliers":{"GOLD":15000}}""";

    private Api api;
    private Node node;

    @BeforeEach
    void connect(Node node) {
        this.node = node;
        api = new Api(node.processor().httpPort());
    }

    private String merchant(String key) {
        String mid = ("MID" + key.toUpperCase() + "000000000000").substring(0, 15);
        return COFFEE.formatted(key, key, mid, key.toUpperCase());
    }

    @Test
    void anAdminCreatesAMerchantAndAnOfferAndOpsCanReadThem() {
        assertThat(api.post("/merchants", KEY_ADMIN, merchant("a")).status()).isEqualTo(201);
        Api.Response created = api.post("/offers", KEY_ADMIN, OFFER.formatted("coffee-a-10", "coffee-a"));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().get("id").asText()).isEqualTo("coffee-a-10");
        Api.Response read = api.get("/offers/coffee-a-10", KEY_OPS);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json().get("reward").get("rateBps").asInt()).isEqualTo(1000);
        assertThat(read.json().get("maxRewardPerCard").get("minor").asLong()).isEqualTo(2000);
        assertThat(api.get("/offers", KEY_OPS).body()).contains("coffee-a-10");
        assertThat(api.get("/merchants", KEY_OPS).body()).contains("coffee-a");
    }

    @Test
    void onlyAdminsChangeTheCatalog() {
        assertThat(api.post("/merchants", KEY_OPS, merchant("b")).status()).isEqualTo(403);
        assertThat(api.post("/merchants", KEY_ISSUER_A, merchant("b")).status()).isEqualTo(403);
        assertThat(api.get("/offers", KEY_ISSUER_A).status()).isEqualTo(403);
    }

    @Test
    void aMidBelongsToOneMerchant() {
        api.post("/merchants", KEY_ADMIN, merchant("c"));
        String thief = merchant("c").replace("coffee-c", "other-c");
        Api.Response r = api.post("/merchants", KEY_ADMIN, thief);
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().get("code").asText()).isEqualTo("MID_TAKEN");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            rate over 100%             | "rateBps":1000               | "rateBps":20000                 | offer.reward.rateBps
            min spend in another ccy   | "minSpend":{"minor":500,"currency":"USD"} | "minSpend":{"minor":500,"currency":"EUR"} | offer.minSpend.currency
            unknown channel            | "channel":"ANY"              | "channel":"PHONE"               | offer.channel
            bad start time             | "startsAt":"2026-11-01T00:00:00Z" | "startsAt":"yesterday"     | offer.startsAt
            unknown field              | "funding":"MERCHANT"         | "funding":"MERCHANT","color":"red" | offer.color
            merchant that does not exist | "merchantId":"coffee-d"    | "merchantId":"nobody"           | offer.merchantId
            """)
    void aBadOfferIs422NamingTheField(String scenario, String good, String bad, String field) {
        api.post("/merchants", KEY_ADMIN, merchant("d"));
        String body = OFFER.formatted("bad-" + Math.abs(scenario.hashCode()), "coffee-d").replace(good, bad);
        Api.Response r = api.post("/offers", KEY_ADMIN, body);
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().get("detail").asText()).startsWith(field);
    }

    @Test
    void patchPausesAndExtendsAnOfferAndABadPatchChangesNothing() {
        api.post("/merchants", KEY_ADMIN, merchant("e"));
        api.post("/offers", KEY_ADMIN, OFFER.formatted("coffee-e-10", "coffee-e"));
        Api.Response paused = patch("/offers/coffee-e-10", "{\"status\":\"PAUSED\",\"endsAt\":\"2027-01-31T00:00:00Z\"}");
        assertThat(paused.status()).isEqualTo(200);
        assertThat(paused.json().get("status").asText()).isEqualTo("PAUSED");
        assertThat(paused.json().get("endsAt").asText()).isEqualTo("2027-01-31T00:00:00Z");
        assertThat(patch("/offers/coffee-e-10", "{\"endsAt\":\"2020-01-01T00:00:00Z\"}").status()).isEqualTo(422);
        assertThat(api.get("/offers/coffee-e-10", KEY_OPS).json().get("endsAt").asText()).isEqualTo("2027-01-31T00:00:00Z");
        assertThat(patch("/offers/nope", "{\"status\":\"ACTIVE\"}").status()).isEqualTo(404);
    }

    @Test
    void anImportFileIsAllOrNothing(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("catalog.yaml");
        Files.writeString(good, """
                merchants:
                  - merchantId: skyways
                    name: Skyways Airlines
                    mids: [{acquirerId: "22233344455", mid: "SKY000000000003"}]
                    descriptors: ["SKYWAYS*"]
                    mccs: ["3001"]
                offers:
                  - id: skyways-2x
                    merchantId: skyways
                    reward: {type: MILES_PER_UNIT, milesPerUnit: 2, program: SKY}
                    currency: USD
                    startsAt: "2026-11-01T00:00:00Z"
                  - id: airlines-1pct
                    mccs: ["3000-3350", "4511"]
                    reward: {type: PERCENT, rateBps: 100}
                    currency: USD
                    stacking: STACKABLE
                    startsAt: "2026-11-01T00:00:00Z"
                """);
        Catalog.ImportReport r = node.processor().catalog().importFile(good);
        assertThat(r).isEqualTo(new Catalog.ImportReport(1, 2));
        assertThat(node.processor().catalog().offer("airlines-1pct").orElseThrow().mccs()).contains("3000", "3350", "4511");

        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, """
                {"merchants":[{"merchantId":"books","name":"Books","mids":[{"acquirerId":"1","mid":"BOOKS1"}]}],
                 "offers":[{"id":"books-5","merchantId":"books","reward":{"type":"PERCENT","rateBps":500},
                            "currency":"USD","startsAt":"2026-11-01T00:00:00Z"},
                           {"id":"books-x","merchantId":"books","reward":{"type":"SPARKLES"},"currency":"USD",
                            "startsAt":"2026-11-01T00:00:00Z"}]}""");
        assertThatThrownBy(() -> node.processor().catalog().importFile(bad))
                .isInstanceOf(CatalogException.class).hasMessageStartingWith("offers[1].reward.type");
        assertThat(node.processor().catalog().offer("books-5")).isEmpty();
        assertThat(node.processor().catalog().merchants()).noneMatch(m -> m.merchantId().equals("books"));
    }

    private Api.Response patch(String path, String body) {
        try {
            var http = java.net.http.HttpClient.newHttpClient();
            var resp = http.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + node.processor().httpPort() + "/api/v1" + path))
                    .header("Authorization", "Bearer " + KEY_ADMIN).header("Content-Type", "application/json")
                    .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            return new Api.Response(resp.statusCode(), resp.headers().firstValue("Content-Type").orElse(""), resp.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
