package org.accrue.processor.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.accrue.processor.testing.TestConfig.KEY_ADMIN;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_B;
import static org.accrue.processor.testing.TestConfig.KEY_OPS;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.accrue.processor.cardholder.PageLinks;
import org.accrue.processor.miles.AirlinePartner;
import org.accrue.processor.miles.MilesAccrual;
import org.accrue.processor.miles.PartnerSettings;
import org.accrue.processor.points.Points;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.RewardStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

/**
 * The cardholder API and page over real HTTP on a real node and database: offers with targeting, activation and
 * progress as the matcher counts them, deactivation that stops earning, purchases with their why, points with the
 * dates the expiry job takes them, miles sent and refused, and signed page links (issuer only, own cards, nothing of
 * the card number in them).
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings({"accrue.rewards.matcher.enabled=false", "accrue.points.CHPTS.currency=USD",
        "accrue.points.CHPTS.cash-minor-per-1000-points=500", "accrue.points.CHPTS.validity-months=12"})
class CardholderRoutesTest {
    @RegisterExtension
    static WireMockExtension airline = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final String OFFERS = """
            {"merchants":[{"merchantId":"ch-esc","name":"Café <script>alert(1)</script> & \\"Co\\"",
                           "mids":[{"acquirerId":"12345678901","mid":"MID00000000CH01"}],"descriptors":["CAFE CH*"],"mccs":["5812"]}],
             "offers":[{"id":"ch-esc-5","merchantId":"ch-esc","reward":{"type":"PERCENT","rateBps":500},"currency":"USD",
                        "startsAt":"2026-01-01T00:00:00Z"},
                       {"id":"ch-act","merchantId":"blue-bottle","reward":{"type":"FIXED","amount":{"minor":300,"currency":"USD"}},
                        "currency":"USD","minSpend":{"minor":1000,"currency":"USD"},"maxRedemptionsPerCard":5,"period":"OFFER",
                        "activationRequired":true,"activationValidDays":30,"stacking":"STACKABLE","channel":"IN_STORE",
                        "startsAt":"2026-01-01T00:00:00Z","endsAt":"2030-01-01T00:00:00Z"},
                       {"id":"ch-punch","merchantId":"blue-bottle","reward":{"type":"PUNCH_CARD","every":3,
                        "amount":{"minor":500,"currency":"USD"}},"currency":"USD","stacking":"STACKABLE",
                        "startsAt":"2026-01-01T00:00:00Z"},
                       {"id":"ch-points","mccs":["5814"],"reward":{"type":"POINTS_PER_UNIT","pointsPerUnit":10,"program":"CHPTS"},
                        "currency":"USD","stacking":"STACKABLE","funding":"ISSUER","startsAt":"2026-01-01T00:00:00Z",
                        "returnPeriodDays":0},
                       {"id":"ch-ended","merchantId":"blue-bottle","reward":{"type":"PERCENT","rateBps":100},"currency":"USD",
                        "stacking":"STACKABLE","startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-02-01T00:00:00Z"}]}""";

    private Node node;
    private RewardStream stream;
    private Api api;

    @BeforeEach
    void setUp(Node node) throws Exception {
        this.node = node;
        this.stream = new RewardStream(node);
        this.api = new Api(node.processor().httpPort());
        if (node.processor().catalog().offer("ch-act").isEmpty()) {
            Path f = node.dataDir().resolve("cardholder-offers.json");
            Files.writeString(f, OFFERS);
            node.processor().catalog().importFile(f);
        }
    }

    @AfterEach
    void tearDown() {
        stream.close();
        airline.resetAll();
    }

    private static JsonNode offer(JsonNode offers, String id) {
        for (JsonNode o : offers.get("offers")) {
            if (o.get("offerId").asText().equals(id)) {
                return o;
            }
        }
        return null;
    }

    private JsonNode offers(String card) {
        Api.Response r = api.get("/cards/" + card + "/offers?limit=500", KEY_ISSUER_A);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static List<String> why(JsonNode purchase) {
        List<String> out = new ArrayList<>();
        for (JsonNode w : purchase.get("why")) {
            out.add(w.get("kind").asText() + (w.has("offerId") ? " " + w.get("offerId").asText() : "")
                    + (w.has("reason") ? " " + w.get("reason").asText() : ""));
        }
        return out;
    }

    @Test
    void offersShowTargetingActivationAndProgressAndDeactivatingStopsEarning() {
        String pan = RewardStream.newPan();
        String card = stream.enroll(KEY_ISSUER_A, pan, "ACC-CH-1", "NGUYEN");

        JsonNode before = offers(card);
        JsonNode act = offer(before, "ch-act");
        assertThat(offer(before, "ch-ended")).as("an ended offer earns nothing now: not listed").isNull();
        assertThat(act.get("merchantName").asText()).isEqualTo("Blue Bottle");
        assertThat(act.get("earns").get("kind").asText()).isEqualTo("FIXED");
        assertThat(act.get("targeting").get("channel").asText()).isEqualTo("IN_STORE");
        assertThat(act.get("targeting").get("minSpend").get("minor").asLong()).isEqualTo(1000);
        assertThat(act.get("activation").get("state").asText()).isEqualTo("NOT_ACTIVATED");
        assertThat(act.get("earnsNow").asBoolean()).isFalse();
        assertThat(act.get("endsAt").asText()).isEqualTo("2030-01-01T00:00:00Z");
        assertThat(act.get("progress").get("redemptionsInPeriod").asInt()).isZero();
        assertThat(act.get("progress").get("maxRedemptionsInPeriod").asInt()).isEqualTo(5);
        JsonNode punch = offer(before, "ch-punch");
        assertThat(punch.has("activation")).isFalse();
        assertThat(punch.get("progress").get("punchesToNextReward").asInt()).isEqualTo(3);

        assertThat(api.post("/cards/" + card + "/offers/ch-act/activation", KEY_ISSUER_A, "").status()).isEqualTo(201);
        JsonNode activated = offer(offers(card), "ch-act");
        assertThat(activated.get("activation").get("state").asText()).isEqualTo("ACTIVE");
        assertThat(activated.get("earnsNow").asBoolean()).isTrue();

        stream.purchase(pan, 2500);
        stream.match();
        JsonNode after = offers(card);
        assertThat(offer(after, "ch-act").get("progress").get("redemptionsInPeriod").asInt()).isEqualTo(1);
        assertThat(offer(after, "ch-punch").get("progress").get("punches").asInt()).isEqualTo(1);
        assertThat(offer(after, "ch-punch").get("progress").get("punchesToNextReward").asInt()).isEqualTo(2);

        stream.purchase(pan, 500);
        stream.match();
        assertThat(api.delete("/cards/" + card + "/offers/ch-act/activation", KEY_ISSUER_A).status()).isEqualTo(204);
        assertThat(api.delete("/cards/" + card + "/offers/ch-act/activation", KEY_ISSUER_A).status())
                .as("deactivating again changes nothing").isEqualTo(204);
        assertThat(offer(offers(card), "ch-act").get("activation").get("state").asText()).isEqualTo("NOT_ACTIVATED");
        stream.purchase(pan, 2600);
        stream.match();

        JsonNode purchases = api.get("/cards/" + card + "/purchases", KEY_ISSUER_A).json().get("purchases");
        assertThat(purchases).hasSize(3);
        assertThat(why(purchases.get(0))).as("newest first: after deactivation").contains("DECLINED ch-act ACTIVATION_REQUIRED")
                .noneMatch(w -> w.startsWith("EARNED ch-act"));
        assertThat(why(purchases.get(1))).contains("DECLINED ch-act BELOW_MIN_SPEND");
        assertThat(why(purchases.get(2))).contains("EARNED ch-act");
        assertThat(purchases.get(2).get("merchantName").asText()).isEqualTo("Blue Bottle");
        assertThat(purchases.get(2).get("amount").get("currency").asText()).isEqualTo("USD");

        JsonNode page = api.get("/cards/" + card + "/purchases?offset=1&limit=1", KEY_ISSUER_A).json();
        assertThat(page.get("purchases")).hasSize(1);
        assertThat(page.get("purchases").get(0).get("messageId")).isEqualTo(purchases.get(1).get("messageId"));
        assertThat(api.get("/cards/" + card + "/rewards?offset=0&limit=2", KEY_ISSUER_A).json().get("rewards")).hasSize(2);
    }

    @Test
    void anotherIssuersCardIsNotFoundAndBadParametersAreProblems() {
        String card = stream.enroll(KEY_ISSUER_A, RewardStream.newPan(), "ACC-CH-2", "NGUYEN");
        for (String path : List.of("/offers", "/purchases", "/points/expiring", "/miles")) {
            Api.Response r = api.get("/cards/" + card + path, KEY_ISSUER_B);
            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(r.contentType()).startsWith("application/problem+json");
            assertThat(api.get("/cards/" + card + path, KEY_OPS).status()).as("ops reads every card: " + path).isEqualTo(200);
        }
        assertThat(api.delete("/cards/" + card + "/offers/ch-act/activation", KEY_ISSUER_B).status()).isEqualTo(404);
        assertThat(api.delete("/cards/" + card + "/offers/ch-act/activation", KEY_OPS).status()).isEqualTo(403);
        assertThat(api.delete("/cards/" + card + "/offers/ch-punch/activation", KEY_ISSUER_A).json().get("code").asText())
                .isEqualTo("ACTIVATION_NOT_REQUIRED");
        assertThat(api.delete("/cards/" + card + "/offers/no-such-offer/activation", KEY_ISSUER_A).status()).isEqualTo(404);
        assertThat(api.post("/cards/" + card + "/page-link", KEY_ISSUER_B, "").status()).isEqualTo(404);
        assertThat(api.post("/cards/" + card + "/page-link", KEY_ADMIN, "").status()).isEqualTo(403);
        assertThat(api.post("/cards/" + card + "/page-link", null, "").status()).isEqualTo(401);

        Api.Response unknown = api.get("/cards/" + card + "/offers?issuerId=BANK_B", KEY_ISSUER_A);
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().get("code").asText()).isEqualTo("UNKNOWN_PARAMETER");
        assertThat(api.get("/cards/" + card + "/miles?limit=0", KEY_ISSUER_A).json().get("code").asText())
                .isEqualTo("PARAMETER_INVALID");
        assertThat(api.get("/cards/" + card + "/purchases?offset=-1", KEY_ISSUER_A).status()).isEqualTo(400);

        JsonNode byRef = api.get("/cards?accountRef=ACC-CH-2", KEY_ISSUER_A).json().get("cards");
        assertThat(byRef).extracting(c -> c.get("cardId").asText()).contains(card);
        assertThat(byRef).allMatch(c -> c.get("accountRef").asText().equals("ACC-CH-2"));
        assertThat(api.get("/cards?accountRef=ACC-CH-2", KEY_ISSUER_B).json().get("cards")).isEmpty();
    }

    @Test
    void pointsShowTheDayTheExpiryJobTakesThem() {
        String pan = RewardStream.newPan();
        String card = stream.enroll(KEY_ISSUER_A, pan, "ACC-CH-3", "NGUYEN");
        stream.purchase(pan, 2500);
        stream.matchAndMakeAvailable();

        JsonNode body = api.get("/cards/" + card + "/points/expiring", KEY_ISSUER_A).json();
        JsonNode expiring = body.get("expiring");
        assertThat(expiring).hasSize(1);
        assertThat(expiring.get(0).get("program").asText()).isEqualTo("CHPTS");
        assertThat(expiring.get(0).get("points").asLong()).isEqualTo(250);
        LocalDate on = LocalDate.parse(expiring.get(0).get("expiresOn").asText());

        // The real expiry job, on a clock at the start of the day before and of the day itself.
        var config = node.processor().config();
        Points dayBefore = new Points(node.processor().store().dataSource(),
                InstantSource.fixed(on.minusDays(1).atTime(23, 59).toInstant(ZoneOffset.UTC)), config.points(), config.airlines());
        dayBefore.expire();
        assertThat(api.get("/cards/" + card + "/points/expiring", KEY_ISSUER_A).json().get("expiring")).hasSize(1);
        Points onTheDay = new Points(node.processor().store().dataSource(),
                InstantSource.fixed(on.atStartOfDay(ZoneOffset.UTC).toInstant()), config.points(), config.airlines());
        onTheDay.expire();
        JsonNode afterwards = api.get("/cards/" + card + "/points/expiring", KEY_ISSUER_A).json();
        assertThat(afterwards.get("expiring")).isEmpty();
        assertThat(afterwards.get("balances").get(0).get("available").asLong()).isZero();
    }

    @Test
    void milesSentAndRefusedAreListedWithTheAirlinesCode() {
        AirlinePartner partner = new AirlinePartner(new PartnerSettings("SKY", URI.create(airline.baseUrl()), "sky-key",
                300, 3, 1, 5, 1000, 50, 60_000), InstantSource.system(), d -> { });
        MilesAccrual job = new MilesAccrual(node.processor().store().dataSource(), InstantSource.system(), Map.of("SKY", partner));
        airline.stubFor(post(urlEqualTo("/v1/members/validate")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("{\"status\":\"ACTIVE\"}")));
        airline.stubFor(post(urlEqualTo("/v1/accruals")).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withBody("{\"confirmation\":\"SKY-CONF-9\"}")));
        String panSent = RewardStream.newPan();
        String sent = stream.enroll(KEY_ISSUER_A, panSent, "ACC-CH-4", "NGUYEN");
        stream.purchase(panSent, 2500);
        stream.matchAndMakeAvailable();
        job.accrue();

        airline.resetAll();
        airline.stubFor(post(urlEqualTo("/v1/members/validate")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("{\"status\":\"ACTIVE\"}")));
        airline.stubFor(post(urlEqualTo("/v1/accruals")).willReturn(aResponse().withStatus(422)
                .withHeader("Content-Type", "application/json").withBody("{\"code\":\"ACCOUNT_SUSPENDED\"}")));
        String panRefused = RewardStream.newPan();
        String refused = stream.enroll(KEY_ISSUER_A, panRefused, "ACC-CH-5", "NGUYEN");
        stream.purchase(panRefused, 1000);
        stream.matchAndMakeAvailable();
        job.accrue();

        JsonNode a = api.get("/cards/" + sent + "/miles", KEY_ISSUER_A).json().get("accruals");
        assertThat(a).hasSize(1);
        assertThat(a.get(0).get("status").asText()).isEqualTo("POSTED");
        assertThat(a.get(0).get("miles").asLong()).isEqualTo(50);
        assertThat(a.get(0).get("program").asText()).isEqualTo("SKY");
        assertThat(a.get(0).has("refusal")).isFalse();
        JsonNode r = api.get("/cards/" + refused + "/miles", KEY_ISSUER_A).json().get("accruals");
        assertThat(r).hasSize(1);
        assertThat(r.get(0).get("status").asText()).isEqualTo("REFUSED");
        assertThat(r.get(0).get("refusal").asText()).isEqualTo("ACCOUNT_SUSPENDED");
    }

    @Test
    void aPageLinkIsSignedExpiringAndCarriesNothingOfTheCardNumber() throws Exception {
        String pan = RewardStream.newPan();
        String card = stream.enroll(KEY_ISSUER_A, pan, "ACC-CH-6", "NGUYEN");
        stream.purchase(pan, 2500);
        stream.match();
        Api.Response link = api.post("/cards/" + card + "/page-link?validDays=2", KEY_ISSUER_A, "");
        assertThat(link.status()).as(link.body()).isEqualTo(201);
        String url = link.json().get("url").asText();
        Instant expires = Instant.parse(link.json().get("expiresAt").asText());
        assertThat(expires).isBetween(Instant.now().plus(Duration.ofDays(2)).minusSeconds(60),
                Instant.now().plus(Duration.ofDays(2)).plusSeconds(1));
        assertThat(url).startsWith("http://127.0.0.1:" + node.processor().httpPort() + "/cardholder/")
                .doesNotContain(pan).doesNotContain(pan.substring(pan.length() - 4)).doesNotContain("ACC-CH-6");
        assertThat(api.post("/cards/" + card + "/page-link?validDays=32", KEY_ISSUER_A, "").json().get("code").asText())
                .isEqualTo("PARAMETER_INVALID");

        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(page.headers().firstValue("Cache-Control").orElseThrow()).isEqualTo("no-store");
        assertThat(page.headers().firstValue("Referrer-Policy").orElseThrow()).isEqualTo("no-referrer");
        assertThat(page.body()).contains("<html lang=en>").contains(pan.substring(pan.length() - 4)).doesNotContain(pan)
                .contains("Blue Bottle").contains("ch-act")
                .as("a merchant's name is escaped").contains("Café &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;")
                .doesNotContain("<script>");

        char second = url.charAt(url.length() - 2); // the last character of a MAC carries spare bits: change the one before
        String tampered = url.substring(0, url.length() - 2) + (second == 'A' ? 'B' : 'A') + url.charAt(url.length() - 1);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(tampered)).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(404);
        var config = node.processor().config();
        String expired = new PageLinks(config.panKeys().currentVersion(), config.panKeys().keys())
                .sign(card, Instant.now().minusSeconds(1));
        String base = "http://127.0.0.1:" + node.processor().httpPort() + "/cardholder/";
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + expired)).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(404);

        // Activating from the page: refused without the page's CSRF token, done with it.
        String path = URI.create(url).getPath();
        String form = path + "/offers/ch-act";
        HttpResponse<String> forged = http.send(formPost(base + form.substring("/cardholder/".length()), "action=activate"),
                HttpResponse.BodyHandlers.ofString());
        assertThat(forged.statusCode()).isEqualTo(303);
        assertThat(forged.headers().firstValue("Location").orElseThrow()).contains("done=refused");
        assertThat(offer(offers(card), "ch-act").get("activation").get("state").asText()).isEqualTo("NOT_ACTIVATED");
        String csrf = page.body().replaceAll("(?s).*name=csrf value='([^']+)'.*", "$1");
        HttpResponse<String> done = http.send(formPost(base + form.substring("/cardholder/".length()),
                "csrf=" + URLEncoder.encode(csrf, StandardCharsets.UTF_8) + "&action=activate"), HttpResponse.BodyHandlers.ofString());
        assertThat(done.headers().firstValue("Location").orElseThrow()).contains("done=activated");
        assertThat(offer(offers(card), "ch-act").get("activation").get("state").asText()).isEqualTo("ACTIVE");

        assertThat(api.delete("/cards/" + card, KEY_ISSUER_A).status()).isEqualTo(204);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).as("an unenrolled card's page is closed").isEqualTo(404);
        assertThat(api.post("/cards/" + card + "/page-link", KEY_ISSUER_A, "").json().get("code").asText())
                .isEqualTo("CARD_NOT_ENROLLED");
    }

    private static HttpRequest formPost(String url, String body) {
        return HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }
}
