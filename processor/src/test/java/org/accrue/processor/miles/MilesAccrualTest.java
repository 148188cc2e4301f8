package org.accrue.processor.miles;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.InstantSource;
import java.util.Map;

import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.RewardStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

/**
 * The miles-accrual job against a stub of the airline (WireMock): miles rewards from real purchases are
 * handed over once, sent with a stable key and body, and every partner behaviour ends in exactly one credited
 * accrual or exactly one exception for ops, never two credits.
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings("accrue.rewards.matcher.enabled=false")
class MilesAccrualTest {
    @RegisterExtension
    static WireMockExtension airline = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private Node node;
    private RewardStream stream;
    private MilesAccrual job;

    @BeforeEach
    void setUp(Node node) throws Exception {
        this.node = node;
        this.stream = new RewardStream(node);
        AirlinePartner partner = new AirlinePartner(new PartnerSettings("SKY", URI.create(airline.baseUrl()), "sky-key",
                300, 3, 1, 5, 1000, 50, 60_000), InstantSource.system(), d -> { });
        this.job = new MilesAccrual(node.processor().store().dataSource(), InstantSource.system(), Map.of("SKY", partner));
        airline.stubFor(post(urlEqualTo("/v1/members/validate")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("{\"status\":\"ACTIVE\"}")));
        job.accrue(); // hand over and settle whatever earlier tests left
        airline.resetRequests();
    }

    @AfterEach
    void tearDown() {
        stream.close();
        airline.resetAll();
    }

    private long sql(String sql) {
        return node.processor().store().sessionFactory().fromSession(s ->
                ((Number) s.createNativeQuery(sql, Object.class).getSingleResult()).longValue());
    }

    /** A card with a purchase whose 2 miles per dollar are AVAILABLE; returns the card row. */
    private long cardWithMiles(long purchaseMinor, String lastName) {
        String pan = RewardStream.newPan();
        long card = stream.row(stream.enroll(KEY_ISSUER_A, pan, "ACC-MILES", lastName));
        stream.purchase(pan, purchaseMinor);
        stream.matchAndMakeAvailable();
        return card;
    }

    private String accrualId(long card) {
        return node.processor().store().sessionFactory().fromSession(s -> (String) s.createNativeQuery(
                "select accrual_id from miles_accrual where card_id = " + card + " and reversal_no = 0", Object.class)
                .getSingleResult());
    }

    private static void accrualAnswers(int status, String body) {
        airline.stubFor(post(urlEqualTo("/v1/accruals")).willReturn(aResponse().withStatus(status)
                .withHeader("Content-Type", "application/json").withBody(body)));
    }

    @Test
    void creditedMilesArePostedOnceWithTheAccrualIdAsIdempotencyKeyAndTheFoldedName() {
        accrualAnswers(201, "{\"confirmation\":\"SKY-CONF-1\"}");
        long card = cardWithMiles(4000, "Núñez");

        MilesAccrual.Result r = job.accrue();

        String id = accrualId(card);
        assertThat(r.outcomes()).containsEntry("CREDITED", 1);
        airline.verify(1, postRequestedFor(urlEqualTo("/v1/accruals")).withHeader("Idempotency-Key", equalTo(id))
                .withRequestBody(matchingJsonPath("$.miles", equalTo("80")))
                .withRequestBody(matchingJsonPath("$.lastName", equalTo("NUNEZ")))
                .withRequestBody(matchingJsonPath("$.accrualId", equalTo(id))));
        assertThat(sql("select count(*) from miles_accrual where card_id = " + card + " and status = 'POSTED'")).isEqualTo(1);
        assertThat(sql("select count(*) from reward where card_id = " + card + " and unit_kind = 'MILES' and status = 'POSTED'"))
                .isEqualTo(1);
        assertThat(job.accrue().outcomes()).as("nothing is sent twice").isEmpty();
    }

    @Test
    void aRefusalIsOneExceptionAndTheMilesAreOwedToTheCardholderAgain() {
        accrualAnswers(422, "{\"code\":\"ACCOUNT_SUSPENDED\"}");
        long card = cardWithMiles(4000, "NGUYEN");

        job.accrue();
        job.accrue();

        assertThat(sql("select count(*) from processing_exception where type = 'AIRLINE_REFUSED' and card_id = " + card))
                .isEqualTo(1);
        assertThat(sql("select count(*) from reward where card_id = " + card + " and unit_kind = 'MILES' and status = 'REJECTED'"))
                .isEqualTo(1);
        assertThat(sql("select -sum(amount) from ledger_entry where account_type = 'CARDHOLDER_AVAILABLE' and unit_kind = 'MILES' "
                + "and account_owner = '" + card + "'")).as("owed again, not lost").isEqualTo(80);
        airline.verify(1, postRequestedFor(urlEqualTo("/v1/accruals")));
    }

    @Test
    void refusedCredentialsLeaveEveryAccrualOwedAndAreOneExceptionNotOnePerAccrual() {
        accrualAnswers(401, "{\"code\":\"BAD_TOKEN\"}");
        long first = cardWithMiles(4000, "NGUYEN");
        long second = cardWithMiles(5000, "NGUYEN");

        Map<String, Integer> run = job.accrue().outcomes();
        job.accrue();

        airline.verify(2, postRequestedFor(urlEqualTo("/v1/accruals"))); // one per run: the rest wait for a good key
        assertThat(run).containsEntry("UNAUTHORIZED", 1);
        assertThat(sql("select count(*) from miles_accrual where status = 'OWED' and card_id in (" + first + ", " + second + ")"))
                .as("nothing refused, nothing lost").isEqualTo(2);
        assertThat(sql("select count(*) from reward where card_id in (" + first + ", " + second + ") and unit_kind = 'MILES' "
                + "and status = 'SENT'")).isEqualTo(2);
        assertThat(sql("select count(*) from processing_exception where type = 'AIRLINE_REFUSED' and card_id in (" + first
                + ", " + second + ")")).isZero();
        assertThat(sql("select count(*) from processing_exception where type = 'AIRLINE_CREDENTIALS' and status = 'OPEN' "
                + "and fingerprint like 'SKY:%'")).as("one for ops, however many runs").isEqualTo(1);

        accrualAnswers(201, "{\"confirmation\":\"SKY-CONF-9\"}");
        job.accrue();

        assertThat(sql("select count(*) from miles_accrual where status = 'POSTED' and card_id in (" + first + ", " + second + ")"))
                .as("sent once the key is right").isEqualTo(2);
    }

    @Test
    void aMemberTheAirlineDoesNotKnowIsRefusedBeforeAnyAccrualIsSent() {
        airline.stubFor(post(urlEqualTo("/v1/members/validate")).willReturn(aResponse().withStatus(422)
                .withHeader("Content-Type", "application/json").withBody("{\"code\":\"MEMBER_NOT_FOUND\"}")));
        long card = cardWithMiles(4000, "NGUYEN");

        job.accrue();

        airline.verify(0, postRequestedFor(urlEqualTo("/v1/accruals")));
        assertThat(sql("select count(*) from processing_exception where type = 'AIRLINE_REFUSED' and card_id = " + card
                + " and detail like '%MEMBER_NOT_FOUND%'")).isEqualTo(1);
    }

    @Test
    void aPartnerThatKeepsFailingEndsInOneUnresolvedExceptionAndNoCredit() {
        airline.stubFor(post(urlEqualTo("/v1/accruals")).willReturn(aResponse().withStatus(503)));
        long card = cardWithMiles(4000, "NGUYEN");

        job.accrue();

        airline.verify(3, postRequestedFor(urlEqualTo("/v1/accruals")));
        assertThat(sql("select count(*) from processing_exception where type = 'AIRLINE_UNRESOLVED' and card_id = " + card))
                .isEqualTo(1);
        assertThat(sql("select count(*) from reward where card_id = " + card + " and unit_kind = 'MILES' and status = 'SENT'"))
                .as("the outcome is unknown: still with the airline, not lost, not posted").isEqualTo(1);
    }

    @Test
    void aCreditThatArrivesAfterTheClientGaveUpIsAnsweredAsAReplayAndPostedOnce() {
        airline.stubFor(post(urlEqualTo("/v1/accruals")).inScenario("late").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(201).withFixedDelay(1500).withHeader("Content-Type", "application/json")
                        .withBody("{\"confirmation\":\"SKY-LATE\"}")).willSetStateTo("credited"));
        airline.stubFor(post(urlEqualTo("/v1/accruals")).inScenario("late").whenScenarioStateIs("credited")
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"confirmation\":\"SKY-LATE\"}")));
        long card = cardWithMiles(4000, "NGUYEN");

        MilesAccrual.Result r = job.accrue();

        assertThat(r.outcomes()).containsEntry("CREDITED_REPLAY", 1);
        assertThat(sql("select count(*) from miles_accrual where card_id = " + card + " and status = 'POSTED' "
                + "and confirmation = 'SKY-LATE'")).isEqualTo(1);
        assertThat(sql("select count(*) from processing_exception where card_id = " + card)).isZero();
    }

    @Test
    void connectionResetsAndGarbledAnswersAreRetriedWithTheSameKeyUntilCredited() {
        airline.stubFor(post(urlEqualTo("/v1/accruals")).inScenario("flaky").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)).willSetStateTo("garbled"));
        airline.stubFor(post(urlEqualTo("/v1/accruals")).inScenario("flaky").whenScenarioStateIs("garbled")
                .willReturn(aResponse().withStatus(201).withBody("not json")).willSetStateTo("ok"));
        airline.stubFor(post(urlEqualTo("/v1/accruals")).inScenario("flaky").whenScenarioStateIs("ok")
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"confirmation\":\"SKY-FLAKY\"}")));
        long card = cardWithMiles(4000, "NGUYEN");

        job.accrue();

        String id = accrualId(card);
        airline.verify(3, postRequestedFor(urlEqualTo("/v1/accruals")).withHeader("Idempotency-Key", equalTo(id)));
        assertThat(sql("select count(*) from miles_accrual where card_id = " + card + " and status = 'POSTED'")).isEqualTo(1);
    }

    @Test
    void aRefundAfterTheMilesWereCreditedReversesThemAtTheAirlineWithItsOwnKey() {
        accrualAnswers(201, "{\"confirmation\":\"SKY-C\"}");
        airline.stubFor(post(urlPathMatching("/v1/accruals/.*/reversal")).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withBody("{\"confirmation\":\"SKY-R\"}")));
        String pan = RewardStream.newPan();
        long card = stream.row(stream.enroll(KEY_ISSUER_A, pan, "ACC-MILES-R", "NGUYEN"));
        String rrn = stream.purchase(pan, 4000);
        stream.matchAndMakeAvailable();
        job.accrue();

        stream.refund(pan, 2000, rrn);
        stream.match();
        job.accrue();

        String id = accrualId(card);
        airline.verify(1, postRequestedFor(urlEqualTo("/v1/accruals/" + id + "/reversal"))
                .withHeader("Idempotency-Key", equalTo(id + "-R1"))
                .withRequestBody(matchingJsonPath("$.miles", equalTo("40"))));
        assertThat(sql("select count(*) from miles_accrual where card_id = " + card + " and reversal_no = 1 and status = 'POSTED'"))
                .isEqualTo(1);
    }

    @Test
    void aReversalRefusedForInsufficientBalanceIsAnExceptionForOps() {
        accrualAnswers(201, "{\"confirmation\":\"SKY-C\"}");
        airline.stubFor(post(urlPathMatching("/v1/accruals/.*/reversal")).willReturn(aResponse().withStatus(422)
                .withHeader("Content-Type", "application/json").withBody("{\"code\":\"INSUFFICIENT_BALANCE\"}")));
        String pan = RewardStream.newPan();
        long card = stream.row(stream.enroll(KEY_ISSUER_A, pan, "ACC-MILES-I", "NGUYEN"));
        String rrn = stream.purchase(pan, 4000);
        stream.matchAndMakeAvailable();
        job.accrue();
        stream.refund(pan, 4000, rrn);
        stream.match();

        job.accrue();

        assertThat(sql("select count(*) from processing_exception where type = 'AIRLINE_REVERSAL_REFUSED' and card_id = "
                + card + " and detail like '%INSUFFICIENT_BALANCE%'")).isEqualTo(1);
    }
}
