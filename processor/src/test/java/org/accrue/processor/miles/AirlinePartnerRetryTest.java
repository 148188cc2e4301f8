package org.accrue.processor.miles;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.accrue.processor.miles.AirlineFixture.ACCRUALS;
import static org.accrue.processor.miles.AirlineFixture.BODY;
import static org.accrue.processor.miles.AirlineFixture.TIMEOUT_MS;
import static org.accrue.processor.miles.AirlineFixture.assertSameKeyAndBytes;
import static org.accrue.processor.miles.AirlineFixture.credited;
import static org.accrue.processor.miles.AirlineFixture.json;
import static org.accrue.processor.miles.AirlineFixture.request;
import static org.accrue.processor.miles.AirlineFixture.settings;
import static org.accrue.processor.miles.AirlineFixture.unknown;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

/**
 * The airline client's unknown outcomes (5xx, 408, resets, unreadable or oversized bodies, timeouts), each retried
 * with the same key and bytes; Retry-After; the backoff schedule and its jitter. Pauses are recorded, not slept.
 */
class AirlinePartnerRetryTest {
    @RegisterExtension
    static WireMockExtension airline = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private final AirlineFixture f = new AirlineFixture(airline);

    @BeforeAll
    static void warmUp() {
        AirlineFixture.warmUp(airline);
    }

    @AfterEach
    void closePartners() {
        f.close();
    }

    // ---- unknown outcomes and retries

    @Test
    void serverErrorsThenA201AreOneCreditAndEveryAttemptCarriedTheSameKeyAndTheSameBytes() {
        f.inTurn(ACCRUALS, aResponse().withStatus(500), aResponse().withStatus(503), credited("C-3"));

        assertThat(f.partner(3, 5).accrue(request())).isEqualTo(new Outcome.Credited("C-3", false));

        List<LoggedRequest> sent = f.sent(ACCRUALS);
        assertThat(sent).hasSize(3);
        assertSameKeyAndBytes(sent, "ACR-000000123");
        assertThat(sent.getFirst().getBodyAsString()).isEqualTo(BODY);
        assertThat(f.pauses).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
    }

    @ParameterizedTest
    @ValueSource(strings = {"500", "502", "408", "reset", "empty-response", "malformed-chunk", "not-json", "empty-body",
            "no-confirmation", "unstorable-confirmation", "oversized-body"})
    void eachUnknownOutcomeIsRetriedAndAnAnswerOnTheRetryIsOneCredit(String kind) {
        f.inTurn(ACCRUALS, unknown(kind), json(200, "{\"confirmation\":\"C-4\"}"));

        assertThat(f.partner(3, 5).accrue(request())).isEqualTo(new Outcome.Credited("C-4", true));

        List<LoggedRequest> sent = f.sent(ACCRUALS);
        assertThat(sent).hasSize(2);
        assertSameKeyAndBytes(sent, "ACR-000000123");
    }

    @ParameterizedTest
    @ValueSource(strings = {"503", "reset", "empty-response", "malformed-chunk", "not-json", "no-confirmation", "timeout",
            "stalled-body"})
    void anUnknownOutcomeOnEveryAttemptIsUnresolvedAfterAttemptsMax(String kind) {
        f.answer(ACCRUALS, unknown(kind));

        Outcome o = f.partner(3, 10).accrue(request());

        assertThat(o).isInstanceOfSatisfying(Outcome.Unresolved.class, u -> {
            assertThat(u.attempts()).isEqualTo(3);
            assertThat(u.lastProblem()).isNotBlank();
        });
        List<LoggedRequest> sent = f.sent(ACCRUALS);
        assertThat(sent).hasSize(3);
        assertSameKeyAndBytes(sent, "ACR-000000123");
        assertThat(f.pauses).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
    }

    @Test
    void aTimeoutSaysSoInTheProblem() {
        f.answer(ACCRUALS, unknown("timeout"));

        assertThat(f.partner(1, 10).accrue(request()))
                .isEqualTo(new Outcome.Unresolved(1, "no answer within " + TIMEOUT_MS + " ms"));
    }

    @Test
    void theCreditThatArrivesAfterTheClientGaveUpIsAnsweredAgainAsAReplayOnTheRetry() {
        // The partner credits the first request and remembers its key, but answers after our timeout; the retry
        // with the same key and bytes gets the original result back as a 200.
        airline.stubFor(post(urlEqualTo(ACCRUALS)).inScenario("late").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(credited("C-LATE").withFixedDelay(TIMEOUT_MS * 3)).willSetStateTo("remembered"));
        airline.stubFor(post(urlEqualTo(ACCRUALS)).inScenario("late").whenScenarioStateIs("remembered")
                .withHeader("Idempotency-Key", equalTo("ACR-000000123")).withRequestBody(equalTo(BODY))
                .willReturn(json(200, "{\"confirmation\":\"C-LATE\"}")));

        Outcome o = f.partner(3, 5).accrue(request());

        assertThat(o).isEqualTo(new Outcome.Credited("C-LATE", true));
        List<LoggedRequest> sent = f.sent(ACCRUALS);
        assertThat(sent).hasSize(2);
        assertSameKeyAndBytes(sent, "ACR-000000123");
        assertThat(f.pauses).hasSize(1);
    }

    @Test
    void aTooManyRequestsAnswerWaitsForRetryAfterAndThenSucceeds() {
        f.inTurn(ACCRUALS, aResponse().withStatus(429).withHeader("Retry-After", "2"), credited("C-5"));

        assertThat(f.partner(3, 5).accrue(request())).isEqualTo(new Outcome.Credited("C-5", false));
        assertThat(f.pauses).containsExactly(Duration.ofSeconds(2));
    }

    @Test
    void aRetryAfterBeyondTheLimitOrMissingOrUnreadableFallsBackToTheBackoff() {
        f.inTurn(ACCRUALS, aResponse().withStatus(429).withHeader("Retry-After", "3600"), aResponse().withStatus(429),
                aResponse().withStatus(429).withHeader("Retry-After", "soon"), credited("C-6"));

        assertThat(f.partner(4, 5).accrue(request())).isEqualTo(new Outcome.Credited("C-6", false));
        assertThat(f.pauses).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400));
    }

    @Test
    void aRetryAfterDateIsCountedFromTheInjectedClock() {
        String at = DateTimeFormatter.RFC_1123_DATE_TIME.format(f.now.get().plusSeconds(3).atOffset(ZoneOffset.UTC));
        f.inTurn(ACCRUALS, aResponse().withStatus(429).withHeader("Retry-After", at), credited("C-7"));

        assertThat(f.partner(3, 5).accrue(request())).isEqualTo(new Outcome.Credited("C-7", false));
        assertThat(f.pauses).containsExactly(Duration.ofSeconds(3));
    }

    @Test
    void tooManyRequestsOnEveryAttemptIsUnresolvedAndEach429CountsAsAnAttempt() {
        f.answer(ACCRUALS, aResponse().withStatus(429).withHeader("Retry-After", "1"));

        assertThat(f.partner(3, 5).accrue(request())).isEqualTo(new Outcome.Unresolved(3, "HTTP 429"));
        airline.verify(3, postRequestedFor(urlEqualTo(ACCRUALS)));
        assertThat(f.pauses).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    @Test
    void backoffDelaysStayWithinTheirCapAndTheCapDoublesUpToTheMaximum() {
        f.answer(ACCRUALS, aResponse().withStatus(503));
        List<Long> caps = new ArrayList<>();
        Random seeded = new Random(7);
        AirlinePartner p = f.partner(settings(airline.baseUrl(), 6, 10), f.pauses::add, cap -> {
            caps.add(cap);
            return seeded.nextLong(cap + 1);
        });

        p.accrue(request());

        assertThat(caps).containsExactly(100L, 200L, 400L, 800L, 800L);
        assertThat(f.pauses).hasSize(5);
        Random replay = new Random(7);
        for (int i = 0; i < f.pauses.size(); i++) {
            assertThat(f.pauses.get(i).toMillis()).isBetween(0L, caps.get(i)).isEqualTo(replay.nextLong(caps.get(i) + 1));
        }
    }

    @Test
    void theProductionJitterStaysWithinTheCapToo() {
        f.answer(ACCRUALS, aResponse().withStatus(503));
        AirlinePartner p = new AirlinePartner(settings(airline.baseUrl(), 5, 10), f.clock, f.pauses::add);
        f.adopt(p);

        p.accrue(request());

        assertThat(f.pauses).hasSize(4);
        long[] caps = {100, 200, 400, 800};
        for (int i = 0; i < caps.length; i++) {
            assertThat(f.pauses.get(i).toMillis()).isBetween(0L, caps[i]);
        }
    }
}
