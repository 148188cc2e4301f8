package org.accrue.processor.miles;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

/** The airline client against a WireMock stub: answers, faults, retries, Retry-After and the circuit breaker. */
class AirlinePartnerTest {
    @RegisterExtension
    static WireMockExtension airline = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private final List<Duration> pauses = new ArrayList<>();
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-22T10:00:00Z"));
    private final InstantSource clock = () -> now.get();

    private AirlinePartner partner(int attempts, int breakerFailures) {
        return new AirlinePartner(new PartnerSettings("SKY", URI.create(airline.baseUrl()), "sky-secret", 300, attempts,
                100, 800, 5_000, breakerFailures, 60_000), clock, pauses::add, cap -> cap);
    }

    private static AccrualRequest request() {
        return new AccrualRequest("ACR-000000123", "AB1234567", "Núñez", 1250, LocalDate.parse("2026-11-20"),
                "BLUE BOTTLE 2X MILES");
    }

    private static void accrualsAnswer(com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder r) {
        airline.stubFor(post(urlEqualTo("/v1/accruals")).willReturn(r));
    }

    @AfterEach
    void reset() {
        airline.resetAll();
    }

    @Test
    void a201IsCreditedAnd200IsTheReplayOfTheOriginalResult() {
        accrualsAnswer(aResponse().withStatus(201).withBody("{\"confirmation\":\"C-1\"}"));
        assertThat(partner(3, 5).accrue(request())).isEqualTo(new Outcome.Credited("C-1", false));
        accrualsAnswer(aResponse().withStatus(200).withBody("{\"confirmation\":\"C-1\"}"));
        assertThat(partner(3, 5).accrue(request())).isEqualTo(new Outcome.Credited("C-1", true));
        airline.verify(postRequestedFor(urlEqualTo("/v1/accruals")).withHeader("Authorization", equalTo("Bearer sky-secret"))
                .withHeader("Idempotency-Key", equalTo("ACR-000000123")));
    }

    @ParameterizedTest
    @CsvSource({"409,DUPLICATE_ACCRUAL", "422,MEMBER_NOT_FOUND", "422,NAME_MISMATCH", "422,ACCOUNT_CLOSED",
            "422,ACCOUNT_SUSPENDED"})
    void refusalsAreAnswersNotRetried(int status, String code) {
        accrualsAnswer(aResponse().withStatus(status).withBody("{\"code\":\"" + code + "\"}"));

        assertThat(partner(3, 5).accrue(request())).isEqualTo(new Outcome.Refused(status, code));
        airline.verify(1, postRequestedFor(urlEqualTo("/v1/accruals")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"500", "503", "reset", "empty", "garbled-chunk", "not-json", "no-confirmation", "slow"})
    void everyUnknownOutcomeIsRetriedWithTheSameKeyAndBytesUntilTheAttemptsRunOut(String fault) {
        accrualsAnswer(switch (fault) {
            case "reset" -> aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER);
            case "empty" -> aResponse().withFault(Fault.EMPTY_RESPONSE);
            case "garbled-chunk" -> aResponse().withFault(Fault.MALFORMED_RESPONSE_CHUNK);
            case "not-json" -> aResponse().withStatus(201).withBody("<html>ok</html>");
            case "no-confirmation" -> aResponse().withStatus(201).withBody("{}");
            case "slow" -> aResponse().withStatus(201).withFixedDelay(1000).withBody("{\"confirmation\":\"late\"}");
            default -> aResponse().withStatus(Integer.parseInt(fault));
        });

        Outcome o = partner(3, 10).accrue(request());

        assertThat(o).isInstanceOf(Outcome.Unresolved.class);
        assertThat(((Outcome.Unresolved) o).attempts()).isEqualTo(3);
        List<LoggedRequest> sent = airline.findAll(postRequestedFor(urlEqualTo("/v1/accruals")));
        assertThat(sent).hasSize(3);
        assertThat(sent).extracting(LoggedRequest::getBodyAsString).containsOnly(sent.getFirst().getBodyAsString());
        assertThat(sent).extracting(r -> r.getHeader("Idempotency-Key")).containsOnly("ACR-000000123");
        assertThat(pauses).as("capped exponential backoff (jitter at its cap here)")
                .containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
    }

    @Test
    void aTooManyRequestsAnswerWaitsForRetryAfterCappedByTheLimit() {
        airline.stubFor(post(urlEqualTo("/v1/accruals")).inScenario("busy").whenScenarioStateIs("Started")
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "2")).willSetStateTo("very busy"));
        airline.stubFor(post(urlEqualTo("/v1/accruals")).inScenario("busy").whenScenarioStateIs("very busy")
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "3600")).willSetStateTo("ok"));
        airline.stubFor(post(urlEqualTo("/v1/accruals")).inScenario("busy").whenScenarioStateIs("ok")
                .willReturn(aResponse().withStatus(201).withBody("{\"confirmation\":\"C-9\"}")));

        Outcome o = partner(4, 10).accrue(request());

        assertThat(o).isEqualTo(new Outcome.Credited("C-9", false));
        assertThat(pauses).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    @Test
    void theCircuitOpensAfterRepeatedFailuresStaysOffTheNetworkAndATrialAfterTheCoolOffClosesIt() {
        accrualsAnswer(aResponse().withStatus(503));
        AirlinePartner p = partner(1, 2);

        p.accrue(request());
        p.accrue(request());
        Outcome blocked = p.accrue(request());

        assertThat(blocked).isEqualTo(new Outcome.CircuitOpen(now.get().plusSeconds(60)));
        assertThat(p.circuit().open()).isTrue();
        airline.verify(2, postRequestedFor(urlEqualTo("/v1/accruals")));

        now.set(now.get().plusSeconds(61));
        assertThat(p.circuit().position()).isEqualTo(AirlinePartner.CircuitPosition.HALF_OPEN);
        accrualsAnswer(aResponse().withStatus(201).withBody("{\"confirmation\":\"C-2\"}"));
        assertThat(p.accrue(request())).isEqualTo(new Outcome.Credited("C-2", false));
        assertThat(p.circuit().position()).isEqualTo(AirlinePartner.CircuitPosition.CLOSED);
    }

    @Test
    void aFailedTrialReopensTheCircuitForAnotherCoolOff() {
        accrualsAnswer(aResponse().withStatus(500));
        AirlinePartner p = partner(1, 1);
        p.accrue(request());
        now.set(now.get().plusSeconds(61));

        p.accrue(request());

        assertThat(p.circuit().open()).isTrue();
        assertThat(p.circuit().openUntil()).isEqualTo(now.get().plusSeconds(60));
    }

    @Test
    void validationReadsActiveAndEachRefusalCode() {
        airline.stubFor(post(urlEqualTo("/v1/members/validate")).willReturn(aResponse().withStatus(200)
                .withBody("{\"status\":\"ACTIVE\"}")));
        assertThat(partner(2, 5).validate("AB1234567", "nguyen")).isEqualTo(new Validation.Valid());
        airline.verify(postRequestedFor(urlEqualTo("/v1/members/validate"))
                .withRequestBody(equalTo("{\"memberNumber\":\"AB1234567\",\"lastName\":\"NGUYEN\"}")));
        airline.stubFor(post(urlEqualTo("/v1/members/validate")).willReturn(aResponse().withStatus(422)
                .withBody("{\"code\":\"NAME_MISMATCH\"}")));
        assertThat(partner(2, 5).validate("AB1234567", "NGUYEN")).isEqualTo(new Validation.Invalid("NAME_MISMATCH"));
        airline.stubFor(post(urlEqualTo("/v1/members/validate")).willReturn(aResponse().withStatus(502)));
        assertThat(partner(2, 5).validate("AB1234567", "NGUYEN")).isInstanceOf(Validation.Unavailable.class);
    }

    @ParameterizedTest
    @CsvSource({"Núñez,NUNEZ", "o'brien-smith,O'BRIEN-SMITH", "Müller  Lüdenscheidt,MULLER LUDENSCHEIDT", "Ørsted 3,ORSTED", "Straße,STRASSE"})
    void namesAreSentUpperCaseAsciiWithAccentsFolded(String name, String folded) {
        assertThat(AirlinePartner.foldName(name)).isEqualTo(folded);
    }

    @Test
    void aReversalHasItsOwnKeyAndBody() {
        airline.stubFor(post(urlEqualTo("/v1/accruals/ACR-000000123/reversal")).willReturn(aResponse().withStatus(422)
                .withBody("{\"code\":\"INSUFFICIENT_BALANCE\"}")));

        Outcome o = partner(2, 5).reverse("ACR-000000123", 2, 500, "REFUND");

        assertThat(o).isEqualTo(new Outcome.Refused(422, "INSUFFICIENT_BALANCE"));
        airline.verify(postRequestedFor(urlEqualTo("/v1/accruals/ACR-000000123/reversal"))
                .withHeader("Idempotency-Key", equalTo("ACR-000000123-R2"))
                .withRequestBody(equalTo("{\"miles\":500,\"reason\":\"REFUND\"}")));
    }
}
