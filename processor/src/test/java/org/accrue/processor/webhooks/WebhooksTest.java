package org.accrue.processor.webhooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.Await;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.RewardStream;
import org.accrue.processor.testing.TestConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

/**
 * Issuer webhooks end to end (webhooks.md): endpoints over the API, events raised by real card messages through the
 * store, sent by the node's dispatcher to a WireMock endpoint, signed, retried, dead-lettered and replayed.
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings({"accrue.rewards.matcher.enabled=false", "accrue.webhooks.allow-local-http=true",
        "accrue.webhooks.retry-delays-ms=150,300", "accrue.webhooks.retry-period-s=3", "accrue.webhooks.poll-ms=50",
        "accrue.webhooks.timeout-ms=700"})
class WebhooksTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static WireMockExtension issuer = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private final ProcessorExtension.Node node;
    private final Api api;
    private RewardStream stream;

    WebhooksTest(ProcessorExtension.Node node) {
        this.node = node;
        this.api = new Api(node.processor().httpPort());
    }

    @BeforeEach
    void stream() throws Exception {
        stream = new RewardStream(node);
    }

    @AfterEach
    void removeEndpoints() {
        for (JsonNode w : api.get("/webhooks", TestConfig.KEY_ADMIN).json().get("webhooks")) {
            assertThat(api.delete("/webhooks/" + w.get("id").asText(), TestConfig.KEY_ADMIN).status()).isEqualTo(204);
        }
        stream.close();
    }

    @Test
    void registrationShowsTheSecretOnceAndRefusesWhatCannotBeAnEndpoint() {
        Api.Response created = register("https://hooks.bank-a.example/accrue", "reward.earned");
        assertThat(created.status()).isEqualTo(201);
        String id = created.json().get("id").asText();
        assertThat(created.json().get("secret").asText()).startsWith("whsec_");
        assertThat(id).startsWith("whk_").doesNotContainPattern("\\d{13}");

        Api.Response read = api.get("/webhooks/" + id, TestConfig.KEY_ISSUER_A);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.body()).doesNotContain("secret").contains("reward.earned");

        assertThat(register("http://hooks.bank-a.example/accrue", "reward.earned").json().get("code").asText())
                .isEqualTo("WEBHOOK_INVALID");
        assertThat(register("https://hooks.bank-a.example/accrue", "reward.stolen").status()).isEqualTo(400);
        assertThat(api.post("/webhooks", TestConfig.KEY_ISSUER_A, "{\"url\":\"https://x.example\",\"events\":[\"reward.earned\"],"
                + "\"colour\":\"red\"}").json().get("code").asText()).isEqualTo("UNKNOWN_FIELD");
        // Another issuer's endpoint does not exist for it.
        assertThat(api.get("/webhooks/" + id, TestConfig.KEY_ISSUER_B).status()).isEqualTo(404);
        assertThat(api.delete("/webhooks/" + id, TestConfig.KEY_ISSUER_B).status()).isEqualTo(404);
        assertThat(api.get("/webhooks", TestConfig.KEY_ISSUER_B).json().get("webhooks")).isEmpty();
    }

    @Test
    void anEarnedRewardIsDeliveredSignedWithTheCardsLastFourAndNoCardNumber() throws Exception {
        issuer.stubFor(post(urlEqualTo("/earned")).willReturn(aResponse().withStatus(204)));
        String secret = register(issuer.baseUrl() + "/earned", "reward.earned").json().get("secret").asText();
        String pan = RewardStream.newPan();
        String cardId = stream.enroll(TestConfig.KEY_ISSUER_A, pan, "ACC-EARN", "NGUYEN");
        stream.purchase(pan, 2_000);
        stream.match();

        Await.until(WAIT, () -> requests("/earned").size() >= 2); // the cashback offer and the stackable miles offer
        for (LoggedRequest r : requests("/earned")) {
            String body = r.getBodyAsString();
            assertThat(Signatures.verify(r.getHeader("Accrue-Signature"), r.getBody(), secret, Instant.now().getEpochSecond()))
                    .as("signature").isTrue();
            assertThat(Signatures.verify(r.getHeader("Accrue-Signature"), r.getBody(), "whsec_wrong", Instant.now().getEpochSecond()))
                    .isFalse();
            JsonNode e = JSON.readTree(body);
            assertThat(e.get("id").asText()).isEqualTo(r.getHeader("Accrue-Event-Id")).matches("evt_[a-z]+");
            assertThat(e.get("type").asText()).isEqualTo("reward.earned");
            assertThat(e.get("issuerId").asText()).isEqualTo(TestConfig.ISSUER_A);
            assertThat(e.get("card").get("id").asText()).isEqualTo(cardId);
            assertThat(e.get("card").get("last4").asText()).isEqualTo(pan.substring(pan.length() - 4));
            assertThat(e.get("data").get("purchaseAmount").get("minor").asLong()).isEqualTo(2_000);
            assertThat(body).doesNotContain(pan).doesNotContain(pan.substring(0, 10));
        }
        List<String> offers = requests("/earned").stream().map(r -> read(r).get("data").get("offerId").asText()).toList();
        assertThat(offers).containsExactlyInAnyOrder("bb-10", "coffee-miles");
        JsonNode cash = requests("/earned").stream().map(WebhooksTest::read)
                .filter(e -> e.get("data").get("offerId").asText().equals("bb-10")).findFirst().orElseThrow();
        assertThat(cash.get("data").get("amount").get("minor").asLong()).isEqualTo(200);
        assertThat(cash.get("data").get("amount").get("currency").asText()).isEqualTo("USD");
    }

    @Test
    void aServerErrorIsRetriedUntilDeliveredAndAClientErrorIsDeadAtOnceUntilReplayed() {
        issuer.stubFor(post(urlEqualTo("/flaky")).inScenario("flaky").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("up"));
        issuer.stubFor(post(urlEqualTo("/flaky")).inScenario("flaky").whenScenarioStateIs("up")
                .willReturn(aResponse().withStatus(200)));
        issuer.stubFor(post(urlEqualTo("/refusing")).willReturn(aResponse().withStatus(400)));
        String flaky = register(issuer.baseUrl() + "/flaky", "reward.earned").json().get("id").asText();
        String refusing = register(issuer.baseUrl() + "/refusing", "reward.earned").json().get("id").asText();
        String pan = RewardStream.newPan();
        stream.enroll(TestConfig.KEY_ISSUER_A, pan, "ACC-RETRY", "NGUYEN");
        stream.purchase(pan, 1_000);
        stream.match();

        Await.until(WAIT, () -> deliveries(flaky, "DELIVERED").size() == 2 && deliveries(refusing, "DEAD").size() == 2);
        JsonNode first = deliveries(flaky, "DELIVERED").stream()
                .filter(d -> d.get("attempts").asInt() == 2).findFirst().orElseThrow();
        assertThat(first.get("lastStatus").asInt()).isEqualTo(200);
        for (JsonNode d : deliveries(refusing, "DEAD")) {
            assertThat(d.get("attempts").asInt()).as("a 400 is not retried").isEqualTo(1);
            assertThat(d.get("lastError").asText()).isEqualTo("HTTP 400");
        }
        // The issuer fixed its endpoint: a replay sends the dead delivery again.
        issuer.stubFor(post(urlEqualTo("/refusing")).willReturn(aResponse().withStatus(202)));
        String eventId = deliveries(refusing, "DEAD").getFirst().get("id").asText();
        assertThat(api.post("/webhooks/" + refusing + "/deliveries/" + eventId + "/replay", TestConfig.KEY_ISSUER_A, "")
                .status()).isEqualTo(202);
        Await.until(WAIT, () -> deliveries(refusing, "DELIVERED").size() == 1);
        assertThat(api.post("/webhooks/" + refusing + "/deliveries/evt_nosuchevent/replay", TestConfig.KEY_ISSUER_A, "")
                .status()).isEqualTo(404);
    }

    @Test
    void tooManyRequestsAndTimeoutsAreRetriedForTheRetryPeriodThenDeadAndTheEndpointDisabledUntilReEnabled() {
        issuer.stubFor(post(urlEqualTo("/busy")).willReturn(aResponse().withStatus(429)));
        issuer.stubFor(post(urlEqualTo("/slow")).willReturn(aResponse().withStatus(200).withFixedDelay(2_000)));
        String busy = register(issuer.baseUrl() + "/busy", "reward.earned").json().get("id").asText();
        String slow = register(issuer.baseUrl() + "/slow", "reward.earned").json().get("id").asText();
        String pan = RewardStream.newPan();
        stream.enroll(TestConfig.KEY_ISSUER_A, pan, "ACC-BUSY", "NGUYEN");
        stream.purchase(pan, 1_000);
        stream.match();

        // The card's first delivery is retried for the retry period, then dead; by then every delivery to the endpoint
        // has failed for that long, so the endpoint is disabled and the card's second delivery waits for it, pending.
        Await.until(WAIT, () -> !enabled(busy) && !enabled(slow));
        for (String id : List.of(busy, slow)) {
            assertThat(deliveries(id, "DEAD")).hasSize(1);
            assertThat(deliveries(id, "PENDING")).hasSize(1);
        }
        JsonNode tooMany = deliveries(busy, "DEAD").getFirst();
        assertThat(tooMany.get("attempts").asInt()).as("429 is retried").isGreaterThan(1);
        assertThat(tooMany.get("lastStatus").asInt()).isEqualTo(429);
        JsonNode timedOut = deliveries(slow, "DEAD").getFirst();
        assertThat(timedOut.get("attempts").asInt()).as("a timeout is retried").isGreaterThan(1);
        assertThat(timedOut.get("lastError").asText()).contains("no answer within 700 ms");
        JsonNode endpoint = api.get("/webhooks/" + busy, TestConfig.KEY_ISSUER_A).json();
        assertThat(endpoint.get("disabledReason").asText()).contains("every delivery failed since");
        // Re-enabled once the issuer fixed it: the waiting delivery goes.
        issuer.stubFor(post(urlEqualTo("/busy")).willReturn(aResponse().withStatus(200)));
        assertThat(api.patch("/webhooks/" + busy, TestConfig.KEY_ISSUER_A, "{\"enabled\":true}").json()
                .get("enabled").asBoolean()).isTrue();
        Await.until(WAIT, () -> deliveries(busy, "DELIVERED").size() == 1);
    }

    private boolean enabled(String endpointId) {
        return api.get("/webhooks/" + endpointId, TestConfig.KEY_ISSUER_A).json().get("enabled").asBoolean();
    }

    @Test
    void aCardsEventsArriveInOrderEvenWhenTheFirstHadToBeRetried() {
        issuer.stubFor(post(urlEqualTo("/ordered")).inScenario("ordered").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(500)).willSetStateTo("up"));
        issuer.stubFor(post(urlEqualTo("/ordered")).inScenario("ordered").whenScenarioStateIs("up")
                .willReturn(aResponse().withStatus(200)));
        register(issuer.baseUrl() + "/ordered", "reward.earned", "reward.adjusted");
        String pan = RewardStream.newPan();
        stream.enroll(TestConfig.KEY_ISSUER_A, pan, "ACC-ORDER", "NGUYEN");
        String rrn = stream.purchase(pan, 4_000);
        stream.match();
        stream.refund(pan, 1_000, rrn);
        stream.match();

        Await.until(WAIT, () -> requests("/ordered").stream().filter(r -> read(r).get("type").asText().equals("reward.adjusted")).count() >= 1
                && requests("/ordered").size() >= 4);
        List<String> types = requests("/ordered").stream().map(r -> read(r).get("type").asText()).toList();
        // The first earned event failed once and was sent again before anything later of the card.
        int lastEarned = types.lastIndexOf("reward.earned");
        int firstAdjusted = types.indexOf("reward.adjusted");
        assertThat(firstAdjusted).as(types.toString()).isGreaterThan(lastEarned);
        JsonNode adjusted = requests("/ordered").stream().map(WebhooksTest::read)
                .filter(e -> e.get("type").asText().equals("reward.adjusted")
                        && e.get("data").get("oldAmount").has("currency")).findFirst().orElseThrow();
        assertThat(adjusted.get("data").get("oldAmount").get("minor").asLong()).isEqualTo(400);
        assertThat(adjusted.get("data").get("newAmount").get("minor").asLong()).isEqualTo(300);
    }

    @Test
    void aRotatedSecretSignsBesideTheNewOneAndAnEndpointOnlyGetsTheEventsItChose() {
        issuer.stubFor(post(urlEqualTo("/rotated")).willReturn(aResponse().withStatus(200)));
        issuer.stubFor(post(urlEqualTo("/posted-only")).willReturn(aResponse().withStatus(200)));
        Api.Response created = register(issuer.baseUrl() + "/rotated", "reward.earned");
        register(issuer.baseUrl() + "/posted-only", "reward.posted");
        String id = created.json().get("id").asText();
        String old = created.json().get("secret").asText();
        String fresh = api.post("/webhooks/" + id + "/secret", TestConfig.KEY_ISSUER_A, "").json().get("secret").asText();
        assertThat(fresh).isNotEqualTo(old);
        String pan = RewardStream.newPan();
        stream.enroll(TestConfig.KEY_ISSUER_A, pan, "ACC-ROT", "NGUYEN");
        stream.purchase(pan, 1_000);
        stream.match();

        Await.until(WAIT, () -> requests("/rotated").size() >= 2);
        LoggedRequest r = requests("/rotated").getFirst();
        long now = Instant.now().getEpochSecond();
        assertThat(r.getHeader("Accrue-Signature").split(",v1=")).hasSize(3);
        assertThat(Signatures.verify(r.getHeader("Accrue-Signature"), r.getBody(), fresh, now)).isTrue();
        assertThat(Signatures.verify(r.getHeader("Accrue-Signature"), r.getBody(), old, now)).isTrue();
        assertThat(requests("/posted-only")).as("no reward was posted").isEmpty();
    }

    @Test
    void opsSeeADeadDeliveryInTheConsoleAndReplayIt() throws Exception {
        issuer.stubFor(post(urlEqualTo("/gone")).willReturn(aResponse().withStatus(410)));
        String id = register(issuer.baseUrl() + "/gone", "reward.earned").json().get("id").asText();
        String pan = RewardStream.newPan();
        stream.enroll(TestConfig.KEY_ISSUER_A, pan, "ACC-CONSOLE", "NGUYEN");
        stream.purchase(pan, 1_000);
        stream.match();
        Await.until(WAIT, () -> deliveries(id, "DEAD").size() == 2);
        String eventId = deliveries(id, "DEAD").getFirst().get("id").asText();

        var http = java.net.http.HttpClient.newBuilder().cookieHandler(new java.net.CookieManager())
                .followRedirects(java.net.http.HttpClient.Redirect.NORMAL).build();
        String console = "http://127.0.0.1:" + node.processor().httpPort() + "/console";
        http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(console + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("key=" + TestConfig.KEY_OPS)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        String page = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(console + "/webhooks")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        assertThat(page).contains(eventId).contains("HTTP 410").contains(id);
        var csrf = java.util.regex.Pattern.compile("name=csrf value='([a-z_]+)'").matcher(page);
        assertThat(csrf.find()).isTrue();

        issuer.stubFor(post(urlEqualTo("/gone")).willReturn(aResponse().withStatus(200)));
        var replayed = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(console + "/webhooks/" + id
                        + "/deliveries/" + eventId + "/replay")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("csrf=" + csrf.group(1))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(replayed.statusCode()).isEqualTo(200); // back on the page
        Await.until(WAIT, () -> deliveries(id, "DELIVERED").size() == 1);
        assertThat(deliveries(id, "DEAD")).hasSize(1);
    }

    @Test
    void aRolledBackChangeRaisesNoEvent() throws Exception {
        register("https://hooks.bank-a.example/rollback", "exception.opened");
        long before = count("select count(*) from webhook_event");
        try (var c = node.processor().store().dataSource().getConnection()) {
            c.setAutoCommit(false);
            Outbox.emit(c, Instant.now(), List.of(new Outbox.Event(EventType.EXCEPTION_OPENED, TestConfig.ISSUER_A, null,
                    java.util.Map.of("exceptionId", 1))));
            assertThat(count(c, "select count(*) from webhook_event")).isEqualTo(before + 1);
            c.rollback();
        }
        assertThat(count("select count(*) from webhook_event")).isEqualTo(before);
        // And an event no endpoint subscribes to is not even written.
        try (var c = node.processor().store().dataSource().getConnection()) {
            Outbox.emit(c, Instant.now(), List.of(new Outbox.Event(EventType.TIER_CHANGED, TestConfig.ISSUER_A, null,
                    java.util.Map.of("to", "GOLD"))));
        }
        assertThat(count("select count(*) from webhook_event")).isEqualTo(before);
    }

    private Api.Response register(String url, String... events) {
        return api.post("/webhooks", TestConfig.KEY_ISSUER_A, "{\"url\":\"" + url + "\",\"events\":["
                + String.join(",", java.util.Arrays.stream(events).map(e -> "\"" + e + "\"").toList()) + "]}");
    }

    private List<JsonNode> deliveries(String endpointId, String status) {
        Api.Response r = api.get("/webhooks/" + endpointId + "/deliveries?status=" + status, TestConfig.KEY_ISSUER_A);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<JsonNode> out = new java.util.ArrayList<>();
        r.json().get("deliveries").forEach(out::add);
        return out;
    }

    private static List<LoggedRequest> requests(String path) {
        return issuer.findAll(postRequestedFor(urlEqualTo(path)));
    }

    private static JsonNode read(LoggedRequest r) {
        try {
            return JSON.readTree(r.getBody());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private long count(String sql) throws Exception {
        try (var c = node.processor().store().dataSource().getConnection()) {
            return count(c, sql);
        }
    }

    private static long count(java.sql.Connection c, String sql) throws Exception {
        try (var ps = c.prepareStatement(sql); var rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

}
