package org.accrue.processor.matcher;

import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import org.accrue.iso8583.simulator.WireMessage;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.NodeSettings;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Bonus offers through the store and the matcher, with real ISO messages: punch cards counted on every qualifying
 * visit (while another exclusive offer wins), completed once per card, refunds and reversals taking punches and the
 * completion back; a welcome bonus once per card; a spend threshold crossed once per period and reversed when a refund
 * takes the spend back below it; progress in the cardholder API from the store.
 */
@NodeSettings("accrue.rewards.matcher.enabled=false")
class BonusOffersTest extends RewardMatcherFixture {
    private static final String BONUSES = """
            {"offers":[{"id":"bb-punch","merchantId":"blue-bottle","reward":{"type":"PUNCH_CARD","every":3,
                        "amount":{"minor":500,"currency":"USD"}},"currency":"USD","startsAt":"2026-01-01T00:00:00Z"},
                       {"id":"bb-punch-once","merchantId":"blue-bottle","reward":{"type":"PUNCH_CARD","every":2,
                        "amount":{"minor":100,"currency":"USD"},"maxCompletions":1},"currency":"USD",
                        "startsAt":"2026-01-01T00:00:00Z"},
                       {"id":"deli-welcome","merchantId":"corner-deli","reward":{"type":"WELCOME",
                        "amount":{"minor":1000,"currency":"USD"}},"currency":"USD","startsAt":"2026-01-01T00:00:00Z"},
                       {"id":"deli-spend","merchantId":"corner-deli","reward":{"type":"SPEND_THRESHOLD",
                        "threshold":{"minor":10000,"currency":"USD"},"amount":{"minor":2500,"currency":"USD"},"period":"MONTH"},
                        "currency":"USD","startsAt":"2026-01-01T00:00:00Z"}]}""";

    private int rrn;

    @BeforeEach
    void bonuses() throws Exception {
        if (node.processor().catalog().offer("bb-punch").isEmpty()) {
            Path f = node.dataDir().resolve("bonuses.json");
            Files.writeString(f, BONUSES);
            node.processor().catalog().importFile(f);
        }
    }

    private String nextRrn() {
        return String.format("BON%06d%03d", System.nanoTime() % 1_000_000, rrn++);
    }

    /** A cleared coffee at Blue Bottle; returns its DE37. */
    private String coffee(long amount) {
        String r = nextRrn();
        send(purchase("0200", pan, amount, r, "A" + r.substring(7)));
        return r;
    }

    /** A cleared purchase at Corner Deli on the merchant's local date MMDD; returns its DE37. */
    private String deli(long amount, String mmdd) {
        String r = nextRrn();
        send(atDeli(purchase("0200", pan, amount, r, "A" + r.substring(7))).with(13, mmdd));
        return r;
    }

    private static WireMessage atDeli(WireMessage m) {
        return m.with(42, "MID000000000002").with(43, "CORNER DELI              OAKLAND      US").with(18, "5411");
    }

    private void refund(long amount, String purchaseRrn, boolean deli) {
        WireMessage m = purchase("0200", pan, amount, purchaseRrn, "R" + nextRrn().substring(7)).with(3, "200000");
        send(deli ? atDeli(m) : m);
    }

    private long rewards(String offer, String status) {
        return sum("select count(*) from reward where card_id = :c and offer_id = '" + offer + "'"
                + (status == null ? "" : " and status = '" + status + "'"));
    }

    private long earned(String offer) {
        return sum("select coalesce(sum(amount), 0) from reward where card_id = :c and offer_id = '" + offer + "'");
    }

    private long punches(String offer) {
        return sum("select count(*) from punch where card_id = :c and removed_at is null and offer_id = '" + offer + "'");
    }

    private JsonNode offerView(String offerId) {
        Api.Response r = new Api(node.processor().httpPort()).get("/cards/" + cardId + "/offers?limit=500", KEY_ISSUER_A);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        for (JsonNode o : r.json().get("offers")) {
            if (o.get("offerId").asText().equals(offerId)) {
                return o;
            }
        }
        throw new AssertionError("offer " + offerId + " not listed");
    }

    @Test
    void aPunchCountsOnEveryVisitWhileAnotherExclusiveOfferWinsAndTheCompletionIsPaidOnTop() {
        coffee(4000);
        coffee(4000);
        drain();
        assertThat(punches("bb-punch")).as("visits that earn the exclusive 10% still punch").isEqualTo(2);
        assertThat(rewards("bb-punch", null)).as("no reward of 0 for a punch").isZero();
        assertThat(rewards("bb-10", null)).isEqualTo(2);
        assertThat(sum("select count(*) from match_outcome where card_id = :c and detail like '%punch bb-punch 2/3%'"))
                .isEqualTo(1);

        coffee(4000);
        drain();
        assertThat(punches("bb-punch")).isEqualTo(3);
        assertThat(earned("bb-punch")).as("the third visit completes the card, on top of its 10%").isEqualTo(500);
        assertThat(rewards("bb-10", null)).isEqualTo(3);
    }

    @Test
    void aCardCompletesOnceForEveryNVisitsAndAnOfferOfOneCompletionStopsAfterIt() {
        for (int i = 0; i < 7; i++) {
            coffee(1500);
        }
        drain();
        assertThat(punches("bb-punch")).isEqualTo(7);
        assertThat(rewards("bb-punch", null)).as("visits 3 and 6").isEqualTo(2);
        assertThat(earned("bb-punch")).isEqualTo(1000);
        assertThat(rewards("bb-punch-once", null)).as("maxCompletions 1").isEqualTo(1);
        assertThat(punches("bb-punch-once")).as("no punches once the one completion is had").isEqualTo(2);
        assertThat(sum("select count(*) from match_outcome where card_id = :c and detail like '%bb-punch-once: CARD_LIMIT_REACHED%'"))
                .isEqualTo(5);
    }

    @Test
    void aFullRefundOfTheCompletingVisitTakesItsPunchAndTheRewardBackAndTheNextVisitCompletesAgain() {
        coffee(4000);
        coffee(4000);
        String third = coffee(4000);
        drain();
        assertThat(earned("bb-punch")).isEqualTo(500);

        refund(4000, third, false);
        drain();
        assertThat(punches("bb-punch")).isEqualTo(2);
        assertThat(rewards("bb-punch", "REVERSED")).isEqualTo(1);
        assertThat(earned("bb-punch")).isZero();
        assertThat(sum("select count(*) from punch where card_id = :c and removed_at is not null and removed_by is not null"))
                .as("the punch row stays, marked with the refund").isPositive();

        coffee(4000);
        drain();
        assertThat(punches("bb-punch")).isEqualTo(3);
        assertThat(earned("bb-punch")).as("completed again, by the visit that stands").isEqualTo(500);
    }

    @Test
    void aPartialRefundLeavesThePunchAndTheCompletionAndARefundOfAnEarlierVisitIsMadeUpBeforeTheNextCompletion() {
        String first = coffee(4000);
        coffee(4000);
        String third = coffee(4000);
        drain();
        refund(1000, third, false);
        drain();
        assertThat(punches("bb-punch")).isEqualTo(3);
        assertThat(earned("bb-punch")).as("a partial refund does not undo the visit").isEqualTo(500);

        refund(4000, first, false);
        drain();
        assertThat(punches("bb-punch")).isEqualTo(2);
        assertThat(earned("bb-punch")).as("the completion earned by the third visit stays").isEqualTo(500);
        for (int i = 0; i < 3; i++) {
            coffee(4000);
        }
        drain();
        assertThat(rewards("bb-punch", null)).as("visits 4 and 5 make up the refunded one and complete no card").isEqualTo(1);
        coffee(4000);
        drain();
        assertThat(rewards("bb-punch", null)).as("six visits stand: two cards").isEqualTo(2);
    }

    @Test
    void aFullReversalTakesThePunchBackAndAPartialOneLeavesIt() {
        WireMessage auth = purchase("0100", pan, 4000, "RRN0000BON01", "A0BON1");
        send(auth);
        drain();
        assertThat(punches("bb-punch")).isEqualTo(1);
        String de90 = "0100" + auth.get(11) + auth.get(7) + "12345678901" + "00000000000";
        send(purchase("0400", pan, 4000, "RRN0000BON01", "A0BON1").with(90, de90).with(95, "000000001000" + "0".repeat(30)));
        drain();
        assertThat(punches("bb-punch")).as("a partial reversal leaves the visit").isEqualTo(1);
        send(purchase("0420", pan, 4000, "RRN0000BON01", "A0BON1").with(90, de90));
        drain();
        assertThat(punches("bb-punch")).isZero();
    }

    @Test
    void theCardholderApiShowsPunchProgressAsTheStoreCountsIt() {
        JsonNode before = offerView("bb-punch").get("progress");
        assertThat(before.get("punches").asInt()).isZero();
        assertThat(before.get("punchesToNextReward").asInt()).isEqualTo(3);
        coffee(4000);
        String second = coffee(4000);
        drain();
        assertThat(offerView("bb-punch").get("progress").get("punchesToNextReward").asInt()).isEqualTo(1);
        refund(4000, second, false);
        drain();
        JsonNode after = offerView("bb-punch").get("progress");
        assertThat(after.get("punches").asInt()).isEqualTo(1);
        assertThat(after.get("punchesToNextReward").asInt()).isEqualTo(2);
        coffee(4000);
        coffee(4000);
        drain();
        JsonNode completed = offerView("bb-punch").get("progress");
        assertThat(completed.get("bonus").get("completions").asInt()).isEqualTo(1);
        assertThat(completed.get("punchesToNextReward").asInt()).isEqualTo(3);
        JsonNode once = offerView("bb-punch-once");
        assertThat(once.get("progress").get("limitReached").asBoolean()).isTrue();
        assertThat(once.get("earnsNow").asBoolean()).isFalse();
    }

    @Test
    void aWelcomeIsPaidOnTheFirstPurchaseOnlyAndOnTopOfTheMerchantsOffer() {
        deli(2000, "1105");
        deli(2000, "1106");
        drain();
        assertThat(rewards("deli-welcome", null)).isEqualTo(1);
        assertThat(earned("deli-welcome")).isEqualTo(1000);
        assertThat(rewards("deli-5", null)).as("the exclusive 5% on both").isEqualTo(2);
        assertThat(sum("select count(*) from match_outcome where card_id = :c and detail like '%deli-welcome: CARD_LIMIT_REACHED%'"))
                .isEqualTo(1);
        assertThat(offerView("deli-welcome").get("progress").get("bonus").get("earned").asBoolean()).isTrue();
    }

    @Test
    void aRefundedWelcomeIsReversedAndTheNextPurchaseThatStandsEarnsIt() {
        String first = deli(2000, "1105");
        drain();
        refund(2000, first, true);
        drain();
        assertThat(rewards("deli-welcome", "REVERSED")).isEqualTo(1);
        deli(2000, "1107");
        drain();
        assertThat(rewards("deli-welcome", null)).isEqualTo(2);
        assertThat(earned("deli-welcome")).isEqualTo(1000);
    }

    @Test
    void aThresholdIsCrossedOncePerPeriodAndAgainTheNextPeriod() {
        deli(6000, "1103");
        drain();
        assertThat(rewards("deli-spend", null)).as("60.00 of 100.00").isZero();
        assertThat(sum("select coalesce(sum(base_minor), 0) from bonus_spend where card_id = :c and period_key like 'MONTH:%-11-01'"))
                .isEqualTo(6000);
        deli(5000, "1110");
        deli(5000, "1112");
        drain();
        assertThat(rewards("deli-spend", null)).as("crossed by the second purchase, not again by the third").isEqualTo(1);
        assertThat(earned("deli-spend")).isEqualTo(2500);
        assertThat(sum("select count(*) from match_outcome where card_id = :c and detail like '%earned deli-spend 2500%' "
                + "and detail like '%spend deli-spend 11000/10000 MONTH:%-11-01%'")).isEqualTo(1);

        deli(12000, "1201");
        drain();
        assertThat(rewards("deli-spend", null)).as("a new month: crossed again").isEqualTo(2);
    }

    @Test
    void aRefundThatTakesTheSpendBelowTheThresholdReversesTheBonusAndOneAboveItLeavesIt() {
        String first = deli(6000, "1103");
        String second = deli(5000, "1110");
        drain();
        assertThat(earned("deli-spend")).isEqualTo(2500);
        refund(500, second, true);
        drain();
        assertThat(earned("deli-spend")).as("105.00 left: still over").isEqualTo(2500);
        refund(3000, first, true);
        drain();
        assertThat(rewards("deli-spend", "REVERSED")).as("75.00 left: below").isEqualTo(1);
        assertThat(sum("select coalesce(sum(base_minor), 0) from bonus_spend where card_id = :c")).isEqualTo(7500);
        deli(3000, "1115");
        drain();
        assertThat(earned("deli-spend")).as("crossed again by a purchase that stands").isEqualTo(2500);
        assertThat(sum("select coalesce(sum(abs(t.s)),0) from (select sum(amount) s from ledger_entry group by txn_id, "
                + "unit_kind, unit_code) t where :c = :c")).as("every change balanced").isZero();
    }

    /** Sweeps as the matcher would once every clearing window of the messages sent so far is over. */
    private void sweepAfterTheClearingWindow() {
        Instant later = Instant.now().plus(Duration.ofDays(11)); // the fixture's clearing window is 10 days
        while (matcher.sweep(later) == RewardMatcher.SWEEP_PAGE_SIZE) {
            // the next page
        }
    }

    @Test
    void anAuthorizationThatNeverClearsHasItsPunchTakenBackOnceItsClearingWasDueAndOneThatClearsKeepsIt() {
        coffee(1500); // cleared at once (0200)
        String uncleared = nextRrn();
        send(purchase("0100", pan, 1500, uncleared, "A" + uncleared.substring(7)));
        String cleared = nextRrn();
        send(purchase("0100", pan, 1500, cleared, "A" + cleared.substring(7)));
        send(purchase("0220", pan, 1500, cleared, "A" + cleared.substring(7)));
        drain();
        assertThat(punches("bb-punch")).as("an authorization punches at once").isEqualTo(3);
        assertThat(earned("bb-punch")).as("the third punch completes the card").isEqualTo(500);

        sweepAfterTheClearingWindow();

        assertThat(punches("bb-punch")).as("the authorization that never cleared no longer counts").isEqualTo(2);
        assertThat(sum("select count(*) from punch where card_id = :c and removed_at is not null and removed_by = 0 "
                + "and lifecycle_key like '%|" + uncleared + "|%'")).as("taken back by the sweep, no message: bb-punch's "
                + "and bb-punch-once's").isEqualTo(2);
        assertThat(sum("select count(*) from punch where card_id = :c and removed_at is not null"))
                .as("the cleared authorization's punches stay").isEqualTo(2);
        assertThat(sum("select count(*) from punch where card_id = :c and clears_by is not null"))
                .as("nothing left to look at again").isZero();
        coffee(1500);
        drain();
        assertThat(punches("bb-punch")).isEqualTo(3);
        assertThat(rewards("bb-punch", null)).as("the expired visit is made up by the next: no second completion yet")
                .isEqualTo(1);
    }

    @Test
    void anAuthorizationThatNeverClearsTakesItsSpendBackAndTheThresholdBonusItHelpedCrossIsReversed() {
        String auth = nextRrn();
        send(atDeli(purchase("0100", pan, 5000, auth, "A" + auth.substring(7))).with(13, "1104"));
        deli(6000, "1106");
        drain();
        assertThat(rewards("deli-spend", "REVERSED")).isZero();
        assertThat(earned("deli-spend")).as("110.00 of 100.00, crossed by the cleared purchase").isEqualTo(2500);

        sweepAfterTheClearingWindow();

        assertThat(sum("select coalesce(sum(base_minor), 0) from bonus_spend where card_id = :c")).as("the cleared 60.00 only")
                .isEqualTo(6000);
        assertThat(rewards("deli-spend", "REVERSED")).as("60.00 is below the threshold: the bonus goes").isEqualTo(1);
        assertThat(sum("select coalesce(sum(abs(t.s)),0) from (select sum(amount) s from ledger_entry group by txn_id, "
                + "unit_kind, unit_code) t where :c = :c")).as("every change balanced").isZero();
        sweepAfterTheClearingWindow();
        assertThat(sum("select count(*) from bonus_spend where card_id = :c")).as("taken back once").isEqualTo(3);
    }

    @Test
    void erasureUnlinksThePunchesAndSpendFromTheCardNumbersToken() {
        coffee(4000);
        deli(2000, "1105");
        drain();
        String token = node.processor().store().sessionFactory().fromSession(s -> (String) s.createNativeQuery(
                "select max(pan_token) from card_message where card_id = :c", Object.class).setParameter("c", cardRow)
                .getSingleResult());
        assertThat(new Api(node.processor().httpPort()).post("/cards/" + cardId + "/erasure", KEY_ISSUER_A, "").status())
                .isEqualTo(200);
        for (String table : java.util.List.of("punch", "bonus_spend")) {
            assertThat(sum("select count(*) from " + table + " where card_id = :c")).as(table).isPositive();
            assertThat(sum("select count(*) from " + table + " where card_id = :c and (lifecycle_key like '" + token
                    + "|%' or rrn_key like '" + token + "|%')")).as(table + ": nothing keyed by the number's token").isZero();
        }
    }

    @Test
    void theCardholderPageShowsWhatBonusOffersPayAndTheSpendSoFar() throws Exception {
        deli(4000, java.time.LocalDate.now(java.time.ZoneOffset.UTC).format(java.time.format.DateTimeFormatter.ofPattern("MMdd")));
        drain();
        Api.Response link = new Api(node.processor().httpPort()).post("/cards/" + cardId + "/page-link", KEY_ISSUER_A, "");
        assertThat(link.status()).as(link.body()).isEqualTo(201);
        java.net.http.HttpResponse<String> page = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                .newBuilder(java.net.URI.create(link.json().get("url").asText())).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("welcome bonus on your first purchase").contains("when you spend")
                .containsPattern("40[.,]00.{0,40} of .{0,40}100[.,]00.{0,40} spent this period")
                .contains("more purchase(s) to the next reward");
    }

    @Test
    void theConsoleCardPageShowsBonusProgress() throws Exception {
        coffee(4000);
        coffee(4000);
        drain();
        String page = org.accrue.processor.testing.ConsolePages.get(node.processor().httpPort(),
                org.accrue.processor.testing.TestConfig.KEY_OPS, "/console/cards/" + cardId);
        assertThat(page).contains("<h2>Bonus offers</h2>")
                .containsPattern("data-offer='bb-punch'>.*2 punch\\(es\\), 0 completion\\(s\\), 1 to the next")
                .containsPattern("data-offer='deli-spend'>.*on spending .* per month");
    }

    @Test
    void aFullRefundOfAPostedCompletionClawsItBack() {
        node.processor().operations().posting().post(); // nothing of earlier tests left to post
        coffee(4000);
        coffee(4000);
        String third = coffee(4000);
        drain();
        matcherOn(java.time.InstantSource.fixed(java.time.Instant.now().plus(java.time.Duration.ofDays(31))))
                .sweep(java.time.Instant.now().plus(java.time.Duration.ofDays(31))); // past every return period
        node.processor().operations().posting().post();
        assertThat(rewards("bb-punch", "SENT")).isEqualTo(1);

        refund(4000, third, false);
        drain();
        assertThat(punches("bb-punch")).isEqualTo(2);
        assertThat(sum("select coalesce(sum(k.amount), 0) from clawback k join reward r on r.id = k.reward_id "
                + "where r.card_id = :c and r.offer_id = 'bb-punch'")).as("the 5.00 sent is clawed back").isEqualTo(500);
        assertThat(earned("bb-punch")).isZero();
    }
}
