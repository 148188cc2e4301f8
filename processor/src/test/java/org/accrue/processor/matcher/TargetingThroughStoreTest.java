package org.accrue.processor.matcher;

import static org.accrue.processor.testing.TestConfig.KEY_ADMIN;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_B;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.NodeSettings;
import org.junit.jupiter.api.Test;

/**
 * Targeting (issue 17) through the store and the matcher: offers posted over the API with a "targeting" part, purchases
 * sent over ISO 8583, and what each earned or why it did not read back from the store. The fixture's card is issuer
 * BANK_A's, its PAN starts 400000, and the purchases come from "OAKLAND US" (DE43).
 */
@NodeSettings("accrue.rewards.matcher.enabled=false")
class TargetingThroughStoreTest extends RewardMatcherFixture {

    /** Offers stay in the node's catalog from test to test: each test's ids carry its card's id. */
    private String o(String id) {
        return id + "-" + cardId.substring(cardId.length() - 8);
    }

    private Api api() {
        return new Api(node.processor().httpPort());
    }

    /** Posts a stackable FIXED 1.00 USD offer at Blue Bottle with this targeting. */
    private void offer(String id, String targeting) {
        offer(id, targeting, "2026-01-01T00:00:00Z");
    }

    private void offer(String id, String targeting, String startsAt) {
        Api.Response r = api().post("/offers", KEY_ADMIN, """
                {"id":"%s","merchantId":"blue-bottle","reward":{"type":"FIXED","amount":{"minor":100,"currency":"USD"}},
                 "currency":"USD","stacking":"STACKABLE","startsAt":"%s","targeting":%s}""".formatted(id, startsAt, targeting));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
    }

    private long earned(String offerId, String rrn) {
        return one("select count(*) from reward r join card_message m on m.id = r.source_message_id where r.card_id = ?1 "
                + "and r.offer_id = ?2 and m.rrn = ?3", cardRow, offerId, rrn);
    }

    private String why(String rrn) {
        return node.processor().store().sessionFactory().fromSession(s -> (String) s.createNativeQuery("select o.detail "
                + "from match_outcome o join card_message m on m.id = o.message_id where m.card_id = ?1 and m.rrn = ?2",
                Object.class).setParameter(1, cardRow).setParameter(2, rrn).getSingleResult());
    }

    private void buy(String rrn) {
        send(purchase("0200", pan, 4000, rrn, "A" + rrn.substring(rrn.length() - 5)));
        drain();
    }

    @Test
    void anOfferLimitedToTheCardsIssuerEarnsAndOneLimitedToAnotherIssuerSaysAudience() {
        offer(o("for-a"), "{\"issuers\":[\"BANK_A\"]}");
        offer(o("for-b"), "{\"issuers\":[\"BANK_B\"]}");
        buy("RRN000000101");
        assertThat(earned(o("for-a"), "RRN000000101")).isEqualTo(1);
        assertThat(earned(o("for-b"), "RRN000000101")).isZero();
        assertThat(why("RRN000000101")).contains(o("for-b") + ": AUDIENCE_NOT_ELIGIBLE");
    }

    @Test
    void theBinRecordedAtEnrollmentPutsTheCardInOrOutOfABinRange() {
        assertThat(one("select count(*) from card where id = ?1 and bin = ?2", cardRow, pan.substring(0, 8))).isEqualTo(1);
        offer(o("bin-in"), "{\"binRanges\":[{\"from\":\"400000\",\"to\":\"400000\"}]}");
        offer(o("bin-out"), "{\"binRanges\":[{\"from\":\"41000000\",\"to\":\"41999999\"}]}");
        buy("RRN000000102");
        assertThat(earned(o("bin-in"), "RRN000000102")).isEqualTo(1);
        assertThat(why("RRN000000102")).contains(o("bin-out") + ": AUDIENCE_NOT_ELIGIBLE");
    }

    @Test
    void aCardEnrolledBeforeBinsWereRecordedIsInNoRangeUntilItsIssuerSendsItAgain() {
        offer(o("bin-in"), "{\"binRanges\":[{\"from\":\"400000\",\"to\":\"400000\"}]}");
        node.processor().store().sessionFactory().inTransaction(s -> s.createNativeMutationQuery(
                "update card set bin = null where id = ?1").setParameter(1, cardRow).executeUpdate());
        buy("RRN000000103");
        assertThat(why("RRN000000103")).contains(o("bin-in") + ": AUDIENCE_NOT_ELIGIBLE");
        api().enroll(KEY_ISSUER_A, pan, "ACC"); // 200: the same card, now with its BIN
        buy("RRN000000104");
        assertThat(earned(o("bin-in"), "RRN000000104")).isEqualTo(1);
    }

    @Test
    void geographyComesFromDe43CountryAndCity() {
        offer(o("in-oakland"), "{\"countries\":[\"US\"],\"cities\":[\"Oakland\"]}");
        offer(o("in-denmark"), "{\"countries\":[\"DK\"]}");
        offer(o("in-berkeley"), "{\"cities\":[\"BERKELEY\"]}");
        buy("RRN000000105");
        assertThat(earned(o("in-oakland"), "RRN000000105")).isEqualTo(1);
        assertThat(why("RRN000000105")).contains(o("in-denmark") + ": LOCATION_NOT_ELIGIBLE").contains(o("in-berkeley") + ": LOCATION_NOT_ELIGIBLE");
        send(purchase("0200", pan, 4000, "RRN000000106", "A00106").with(43, "BLUE BOTTLE COFFEE       KOBENHAVN    DK"));
        drain();
        assertThat(earned(o("in-denmark"), "RRN000000106")).isEqualTo(1);
        assertThat(why("RRN000000106")).contains(o("in-oakland") + ": LOCATION_NOT_ELIGIBLE");
    }

    @Test
    void aSegmentFilledByAccountReferenceAdmitsTheCardAndReportsUnknownEntries() {
        // A card of its own, with an account reference no other test's card has.
        String account = "ACC-" + System.nanoTime();
        pan = org.accrue.iso8583.Pans.withCheckDigit("400000" + String.format("%09d", (System.nanoTime() + 7) % 1_000_000_000L));
        cardId = api().enroll(KEY_ISSUER_A, pan, account);
        cardRow = node.processor().enrollment().internalId(null, cardId).orElseThrow();
        Api.Response seg = api().post("/segments", KEY_ISSUER_A, "{\"name\":\"Premium accounts\"}");
        assertThat(seg.status()).as(seg.body()).isEqualTo(201);
        String id = seg.json().get("id").asText();
        assertThat(id).matches("seg_[a-z]+");
        Api.Response up = postNdjson("/segments/" + id + "/members", KEY_ISSUER_A,
                "{\"accountRef\":\"" + account + "\"}\n{\"accountRef\":\"NO-SUCH-ACCOUNT\"}\n{\"cardId\":\"card_nosuchcard\"}\n");
        assertThat(up.status()).as(up.body()).isEqualTo(200);
        assertThat(up.json().get("added").asInt()).isEqualTo(1);
        assertThat(up.json().get("unknownCount").asInt()).isEqualTo(2);
        assertThat(up.json().get("unknown").get(0).get("index").asInt()).isEqualTo(1);
        assertThat(up.json().get("size").asLong()).isEqualTo(1);
        offer(o("seg-offer"), "{\"segments\":[\"" + id + "\"]}");
        buy("RRN000000107");
        assertThat(earned(o("seg-offer"), "RRN000000107")).isEqualTo(1);
        // Out of the segment again: the next purchase is declined for its audience.
        assertThat(api().delete("/segments/" + id + "/members/" + cardId, KEY_ISSUER_A).status()).isEqualTo(204);
        buy("RRN000000108");
        assertThat(why("RRN000000108")).contains(o("seg-offer") + ": AUDIENCE_NOT_ELIGIBLE");
        // Each change is audited with counts, never with the account references uploaded.
        String audit = api().get("/audit?type=segment", KEY_ADMIN).body();
        assertThat(audit).contains("\"segment.created\"").contains("\"segment.members-changed\"").contains(id)
                .doesNotContain(account);
    }

    @Test
    void aMerchantsSegmentFilledByCardIdAdmitsTheCardAndAnotherIssuerCannotSeeIt() {
        Api.Response seg = api().post("/segments", KEY_ADMIN, "{\"name\":\"Blue Bottle regulars\",\"merchantId\":\"blue-bottle\"}");
        assertThat(seg.status()).as(seg.body()).isEqualTo(201);
        String id = seg.json().get("id").asText();
        Api.Response up = api().post("/segments/" + id + "/members", KEY_ADMIN, "[\"" + cardId + "\", \"" + cardId + "\"]");
        assertThat(up.json().get("added").asInt()).as(up.body()).isEqualTo(1);
        assertThat(api().get("/segments/" + id, KEY_ADMIN).json().get("size").asLong()).isEqualTo(1);
        assertThat(api().get("/segments/" + id, KEY_ISSUER_B).status()).isEqualTo(404);
        assertThat(api().post("/segments/" + id + "/members", KEY_ISSUER_A, "[\"" + cardId + "\"]").status()).isEqualTo(404);
        offer(o("regulars"), "{\"segments\":[\"" + id + "\"]}");
        offer(o("others"), "{\"segments\":[\"" + api().post("/segments", KEY_ADMIN,
                "{\"name\":\"empty\",\"merchantId\":\"blue-bottle\"}").json().get("id").asText() + "\"]}");
        buy("RRN000000109");
        assertThat(earned(o("regulars"), "RRN000000109")).isEqualTo(1);
        assertThat(why("RRN000000109")).contains(o("others") + ": AUDIENCE_NOT_ELIGIBLE");
    }

    @Test
    void puttingTheMembersReplacesTheListAndTheCardLeftOutNoLongerEarns() {
        String id = api().post("/segments", KEY_ISSUER_A, "{\"name\":\"This month\"}").json().get("id").asText();
        api().post("/segments/" + id + "/members", KEY_ISSUER_A, "[\"" + cardId + "\"]");
        String other = api().enroll(KEY_ISSUER_A, org.accrue.iso8583.Pans.withCheckDigit("400000"
                + String.format("%09d", (System.nanoTime() + 11) % 1_000_000_000L)), "ACC-OTHER");
        Api.Response put = send("PUT", "/segments/" + id + "/members", KEY_ISSUER_A, "application/json",
                "[{\"cardId\":\"" + other + "\"}]");
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        assertThat(put.json().get("added").asInt()).isEqualTo(1);
        assertThat(put.json().get("removed").asInt()).isEqualTo(1);
        assertThat(put.json().get("size").asLong()).isEqualTo(1);
        offer(o("this-month"), "{\"segments\":[\"" + id + "\"]}");
        buy("RRN000000113");
        assertThat(why("RRN000000113")).contains(o("this-month") + ": AUDIENCE_NOT_ELIGIBLE");
    }

    @Test
    void anUploadLargerThanAnApiBodyIsTakenWholeAndItsUnknownEntriesCounted() {
        String id = api().post("/segments", KEY_ISSUER_A, "{\"name\":\"Large\"}").json().get("id").asText();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            b.append("{\"cardId\":\"card_unknownunknown").append((char) ('a' + i % 26)).append((char) ('a' + i / 26 % 26))
                    .append((char) ('a' + i / 676 % 26)).append("\"}\n");
        }
        b.append("{\"cardId\":\"").append(cardId).append("\"}\n");
        assertThat(b.length()).isGreaterThan(512 * 1024);
        Api.Response r = postNdjson("/segments/" + id + "/members", KEY_ISSUER_A, b.toString());
        assertThat(r.status()).as(r.body().substring(0, Math.min(300, r.body().length()))).isEqualTo(200);
        assertThat(r.json().get("received").asInt()).isEqualTo(20_001);
        assertThat(r.json().get("added").asInt()).isEqualTo(1);
        assertThat(r.json().get("unknownCount").asInt()).isEqualTo(20_000);
        assertThat(r.json().get("unknown")).hasSize(1_000);
    }

    @Test
    void aSegmentUploadThatIsNotJsonIsRefusedWithAProblem() {
        String id = api().post("/segments", KEY_ISSUER_A, "{\"name\":\"Broken\"}").json().get("id").asText();
        Api.Response r = postNdjson("/segments/" + id + "/members", KEY_ISSUER_A, "{\"cardId\":\"x\"}\nnot json\n");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().get("code").asText()).isEqualTo("MALFORMED_JSON");
        Api.Response bad = api().post("/segments/" + id + "/members", KEY_ISSUER_A, "[{\"pan\":\"4000000000000002\"}]");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("detail").asText()).contains("members[0]").doesNotContain("4000000000000002");
    }

    @Test
    void aTierOnlyOfferAndEarlyAccessFollowTheCardsTier() {
        Instant future = Instant.now().plus(Duration.ofDays(30));
        offer(o("gold-only"), "{\"tiers\":[\"GOLD\"]}");
        offer(o("gold-early"), "{\"earlyAccess\":{\"tiers\":[\"GOLD\"],\"startsAt\":\"2026-01-01T00:00:00Z\"}}", future.toString());
        RewardMatcher tiered = new RewardMatcher(node.processor().store().sessionFactory(), node.processor().catalog(),
                InstantSource.system(), Duration.ofDays(10), "840", java.util.Map.of("GOLD", 500_000L));
        send(purchase("0200", pan, 600_000, "RRN000000110", "A00110"));
        while (tiered.runOnce() > 0) {
            // matched before it counts toward the tier: not GOLD yet
        }
        assertThat(why("RRN000000110")).contains(o("gold-only") + ": AUDIENCE_NOT_ELIGIBLE").contains(o("gold-early") + ": OFFER_NOT_LIVE");
        send(purchase("0200", pan, 4000, "RRN000000111", "A00111"));
        while (tiered.runOnce() > 0) {
            // GOLD now: the tier-only offer and the early access both earn, before the offer starts for everyone
        }
        assertThat(earned(o("gold-only"), "RRN000000111")).isEqualTo(1);
        assertThat(earned(o("gold-early"), "RRN000000111")).isEqualTo(1);
        // the cardholder's list reads the same stored tier: the GOLD-only offer is shown now
        Api.Response list = api().get("/cards/" + cardId + "/offers?limit=100", KEY_ISSUER_A);
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body()).as(list.body()).contains("\"" + o("gold-only") + "\"");
    }

    @Test
    void aRefundOfATargetedPurchaseTakesItsRewardBack() {
        offer(o("for-a"), "{\"issuers\":[\"BANK_A\"],\"countries\":[\"US\"]}");
        send(purchase("0200", pan, 5000, "RRN000000112", "A00112"));
        drain();
        assertThat(earned(o("for-a"), "RRN000000112")).isEqualTo(1);
        send(purchase("0200", pan, 5000, "RRN000000112", "A00113").with(3, "200000"));
        drain();
        assertThat(one("select count(*) from reward where card_id = ?1 and offer_id = ?2 and status = 'REVERSED'", cardRow, o("for-a")))
                .isEqualTo(1);
    }

    @Test
    void theCardholdersOfferListHidesOffersTheCardIsNotTargetedBy() {
        offer(o("for-a"), "{\"issuers\":[\"BANK_A\"]}");
        offer(o("for-b"), "{\"issuers\":[\"BANK_B\"]}");
        Api.Response r = api().get("/cards/" + cardId + "/offers?limit=100", KEY_ISSUER_A);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"" + o("for-a") + "\"").doesNotContain("\"" + o("for-b") + "\"").contains("\"bb-10\"");
    }

    @Test
    void badTargetingIsRefusedWithAProblemNamingTheField() {
        Api.Response r = api().post("/offers", KEY_ADMIN, """
                {"id":"bad","merchantId":"blue-bottle","reward":{"type":"PERCENT","rateBps":100},"currency":"USD",
                 "startsAt":"2026-01-01T00:00:00Z","targeting":{"binRanges":[{"from":"4517","to":"451799"}]}}""");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().get("detail").asText()).contains("offer.targeting.binRanges[0]").contains("6 to 8 digits");
        Api.Response s = api().post("/offers", KEY_ADMIN, """
                {"id":"bad2","merchantId":"blue-bottle","reward":{"type":"PERCENT","rateBps":100},"currency":"USD",
                 "startsAt":"2026-01-01T00:00:00Z","targeting":{"segments":["seg_nosuchsegment"]}}""");
        assertThat(s.status()).isEqualTo(422);
        assertThat(s.json().get("detail").asText()).contains("names no segment");
        Api.Response t = api().post("/offers", KEY_ADMIN, """
                {"id":"bad3","merchantId":"blue-bottle","reward":{"type":"PERCENT","rateBps":100},"currency":"USD",
                 "startsAt":"2026-01-01T00:00:00Z","targeting":{"regions":["EU"]}}""");
        assertThat(t.json().get("detail").asText()).contains("offer.targeting.regions");
    }

    @Test
    void anOffersTargetingComesBackAsItWasGiven() {
        offer(o("round-trip"), "{\"issuers\":[\"BANK_A\"],\"binRanges\":[{\"from\":\"400000\",\"to\":\"400099\"}],"
                + "\"tiers\":[\"GOLD\"],\"countries\":[\"us\"],\"cities\":[\"Oakland\"]}");
        Api.Response r = api().get("/offers/" + o("round-trip"), KEY_ADMIN);
        assertThat(r.json().get("targeting").toString()).isEqualTo("{\"issuers\":[\"BANK_A\"],\"binRanges\":[{\"from\":\"400000\","
                + "\"to\":\"400099\"}],\"tiers\":[\"GOLD\"],\"countries\":[\"US\"],\"cities\":[\"OAKLAND\"]}");
    }

    private Api.Response postNdjson(String path, String key, String body) {
        return send("POST", path, key, "application/x-ndjson", body);
    }

    private Api.Response send(String method, String path, String key, String contentType, String body) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + node.processor().httpPort() + "/api/v1" + path))
                    .header("Authorization", "Bearer " + key).header("Content-Type", contentType)
                    .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            return new Api.Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
