package org.accrue.processor.matcher;

import static org.accrue.processor.testing.TestConfig.KEY_ADMIN;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_B;
import static org.accrue.processor.testing.TestConfig.KEY_OPS;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.NodeSettings;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Tier programs over the API (admin sets, the issuer reads its own, bad programs are refused by rule) and a card's
 * tier, progress and gap in the API, on the cardholder page and in the console. The default program of the
 * configuration serves issuers without their own.
 */
@NodeSettings({"accrue.rewards.matcher.enabled=false", "accrue.rewards.tiers=SILVER=100000,GOLD=500000"})
class TierRoutesTest extends RewardMatcherFixture {
    private static final String PROGRAM = """
            {"name":"Bank A Club","measure":"SPEND","currency":"USD","window":"CALENDAR_YEAR","graceDays":90,
             "tiers":[{"tier":"SILVER","threshold":100000},{"tier":"GOLD","threshold":500000}]}""";

    @Test
    void anAdminSetsAnIssuersProgramTheIssuerReadsItAndABadOneIsRefusedByItsRule() {
        Api api = new Api(node.processor().httpPort());
        assertThat(api.put("/issuers/BANK_A/tier-program", KEY_ISSUER_A, PROGRAM).status()).isEqualTo(403);
        Api.Response put = api.put("/issuers/BANK_A/tier-program", KEY_ADMIN, PROGRAM);
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        JsonNode read = api.get("/issuers/BANK_A/tier-program", KEY_ISSUER_A).json();
        assertThat(read.get("window").asText()).isEqualTo("CALENDAR_YEAR");
        assertThat(read.get("graceDays").asInt()).isEqualTo(90);
        assertThat(read.get("tiers").get(1).get("threshold").get("minor").asLong()).isEqualTo(500_000);
        assertThat(api.get("/issuers/BANK_A/tier-program", KEY_ISSUER_B).status()).isEqualTo(404);
        JsonNode fallback = api.get("/issuers/BANK_B/tier-program", KEY_ISSUER_B).json();
        assertThat(fallback.get("default").asBoolean()).as("no program of its own: the configuration's").isTrue();
        assertThat(fallback.get("currency").asText()).isEqualTo("USD");
        Api.Response noCurrency = api.put("/issuers/BANK_A/tier-program", KEY_ADMIN,
                PROGRAM.replace("\"currency\":\"USD\",", ""));
        assertThat(noCurrency.status()).isEqualTo(422);
        assertThat(noCurrency.json().get("code").asText()).isEqualTo("INVALID_CURRENCY");
        Api.Response same = api.put("/issuers/BANK_A/tier-program", KEY_ADMIN, PROGRAM.replace("500000", "100000"));
        assertThat(same.json().get("code").asText()).isEqualTo("INVALID_TIERS");
        assertThat(api.put("/issuers/BANK_A/tier-program", KEY_ADMIN, PROGRAM.replace("CALENDAR_YEAR", "FORTNIGHT"))
                .json().get("code").asText()).isEqualTo("FIELD_INVALID");
        assertThat(api.put("/issuers/BANK_A/tier-program", KEY_ADMIN, PROGRAM.replace("\"graceDays\":90", "\"grace\":90"))
                .json().get("code").asText()).isEqualTo("UNKNOWN_FIELD");
        assertThat(api.get("/tier-programs", KEY_OPS).json().get("programs")).hasSize(1);
        assertThat(one("select count(*) from audit_log where action = 'tier-program.set' and resource_id = 'BANK_A'"))
                .as("who set the program, in the audit log").isEqualTo(1);
        assertThat(api.delete("/issuers/BANK_A/tier-program", KEY_ADMIN).status()).isEqualTo(204);
        assertThat(api.delete("/issuers/BANK_A/tier-program", KEY_ADMIN).status()).isEqualTo(404);
    }

    @Test
    void theCardsTierProgressAndGapShowInTheApiTheCardholderPageAndTheConsole() throws Exception {
        Api api = new Api(node.processor().httpPort());
        api.delete("/issuers/BANK_A/tier-program", KEY_ADMIN); // the configuration's default program
        matcher = new RewardMatcher(node.processor().store().sessionFactory(), node.processor().catalog(),
                java.time.InstantSource.system(), java.time.Duration.ofDays(10), node.processor().config().rewards().tierCurrency(),
                node.processor().config().rewards().tierThresholds());
        send(purchase("0200", pan, 150_000, "RRN000000301", "A00301"));
        drain();
        JsonNode tier = api.get("/cards/" + cardId + "/tier", KEY_ISSUER_A).json();
        assertThat(tier.get("program").asText()).isEqualTo("default");
        assertThat(tier.get("tier").asText()).isEqualTo("SILVER");
        assertThat(tier.get("progress").get("minor").asLong()).isEqualTo(150_000);
        assertThat(tier.get("progress").get("currency").asText()).isEqualTo("USD");
        assertThat(tier.get("nextTier").asText()).isEqualTo("GOLD");
        assertThat(tier.get("gap").get("minor").asLong()).isEqualTo(350_000);
        assertThat(tier.get("downgradePendingUntil").isNull()).isTrue();
        assertThat(api.get("/cards/" + cardId + "/tier", KEY_ISSUER_B).status()).isEqualTo(404);
        assertThat(api.get("/cards/" + cardId + "/tier", KEY_OPS).status()).isEqualTo(200);

        String url = api.post("/cards/" + cardId + "/page-link", KEY_ISSUER_A, "").json().get("url").asText();
        HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.body()).contains("<dl id=tier>").contains("<dd data-kind=tier>SILVER</dd>")
                .contains("Progress: 1,500.00 USD since").contains("3,500.00 USD more to reach GOLD");

        String console = org.accrue.processor.testing.ConsolePages.get(node.processor().httpPort(), KEY_OPS,
                "/console/cards/" + cardId);
        assertThat(console).contains("<p id=tier class=panel>default: <strong>SILVER</strong>")
                .contains("progress 1500.00 USD").contains("3500.00 USD to GOLD");
    }
}
