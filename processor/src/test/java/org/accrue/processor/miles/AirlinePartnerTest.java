package org.accrue.processor.miles;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
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
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongUnaryOperator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.ScenarioMappingBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/**
 * The airline client against a WireMock stub of the partner: answers, refusals, every kind of unknown outcome,
 * Retry-After, the backoff schedule, the circuit breaker, validation and name folding. Pauses are recorded, not
 * slept, and the clock is a field the test moves, so nothing here waits but the timeout cases (250 ms each).
 */
class AirlinePartnerTest {
    @RegisterExtension
    static WireMockExtension airline = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final String ACCRUALS = "/v1/accruals";
    private static final String VALIDATE = "/v1/members/validate";
    private static final String REVERSAL = "/v1/accruals/ACR-000000123/reversal";
    private static final int TIMEOUT_MS = 250;
    private static final String BODY = "{\"accrualId\":\"ACR-000000123\",\"memberNumber\":\"AB1234567\",\"lastName\":\"NUNEZ\","
            + "\"miles\":1250,\"activityDate\":\"2026-11-20\",\"description\":\"BLUE BOTTLE 2X MILES\"}";

    private final List<Duration> pauses = new CopyOnWriteArrayList<>();
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-22T10:00:00Z"));
    private final InstantSource clock = now::get;
    private final List<AirlinePartner> partners = new ArrayList<>();

    /**
     * One call with a generous timeout before the tests: the stub's and the client's first request pays for class
     * loading and warm-up, which must not count against the 250 ms of whichever test happens to run first.
     */
    @BeforeAll
    static void warmUp() {
        answer(VALIDATE, json(200, "{\"status\":\"ACTIVE\"}"));
        try (AirlinePartner p = new AirlinePartner(new PartnerSettings("SKY", URI.create(airline.baseUrl()), "sky-secret",
                10_000, 1, 1, 1, 0, 1, 1), InstantSource.system(), d -> { })) {
            assertThat(p.validate("AB1234567", "NGUYEN")).isEqualTo(new Validation.Valid());
        }
        airline.resetAll();
    }

    @AfterEach
    void closePartners() {
        partners.forEach(AirlinePartner::close);
    }

    private static PartnerSettings settings(String baseUrl, int attemptsMax, int breakerFailures) {
        return new PartnerSettings("SKY", URI.create(baseUrl), "sky-secret", TIMEOUT_MS, attemptsMax, 100, 800, 5_000,
                breakerFailures, 60_000);
    }

    /** A partner whose jitter is always its cap, so the schedule is exact. */
    private AirlinePartner partner(int attemptsMax, int breakerFailures) {
        return partner(settings(airline.baseUrl(), attemptsMax, breakerFailures), pauses::add, cap -> cap);
    }

    private AirlinePartner partner(PartnerSettings s, AirlinePartner.Pause pause, LongUnaryOperator jitter) {
        AirlinePartner p = new AirlinePartner(s, clock, pause, jitter);
        partners.add(p);
        return p;
    }

    private static AccrualRequest request() {
        return new AccrualRequest("ACR-000000123", "AB1234567", "Núñez", 1250, LocalDate.parse("2026-11-20"),
                "BLUE BOTTLE 2X MILES");
    }

    private static ResponseDefinitionBuilder json(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
    }

    private static ResponseDefinitionBuilder credited(String confirmation) {
        return json(201, "{\"confirmation\":\"" + confirmation + "\"}");
    }

    private static void answer(String path, ResponseDefinitionBuilder reply) {
        airline.stubFor(post(urlEqualTo(path)).willReturn(reply));
    }

    /** The partner answers the n-th request with the n-th reply, and the last reply from then on. */
    private static void inTurn(String path, ResponseDefinitionBuilder... replies) {
        for (int i = 0; i < replies.length; i++) {
            ScenarioMappingBuilder stub = post(urlEqualTo(path)).inScenario("turns")
                    .whenScenarioStateIs(i == 0 ? Scenario.STARTED : "turn " + i).willReturn(replies[i]);
            airline.stubFor(i < replies.length - 1 ? stub.willSetStateTo("turn " + (i + 1)) : stub);
        }
    }

    private static ResponseDefinitionBuilder unknown(String kind) {
        return switch (kind) {
            case "reset" -> aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER);
            case "empty-response" -> aResponse().withFault(Fault.EMPTY_RESPONSE);
            case "malformed-chunk" -> aResponse().withFault(Fault.MALFORMED_RESPONSE_CHUNK);
            case "not-json" -> aResponse().withStatus(201).withBody("<html>credited</html>");
            case "empty-body" -> aResponse().withStatus(201);
            case "no-confirmation" -> json(201, "{\"status\":\"ACTIVE\"}");
            case "unstorable-confirmation" -> credited("C".repeat(101));
            case "oversized-body" -> json(201, "{\"confirmation\":\"C-1\",\"pad\":\"" + "x".repeat(70_000) + "\"}");
            case "timeout" -> credited("C-SLOW").withFixedDelay(TIMEOUT_MS * 3);
            case "stalled-body" -> credited("C-SLOW").withChunkedDribbleDelay(4, TIMEOUT_MS * 3);
            default -> aResponse().withStatus(Integer.parseInt(kind)); // 500, 502, 503, 408
        };
    }

    private static List<LoggedRequest> sent(String path) {
        return airline.findAll(postRequestedFor(urlEqualTo(path)));
    }

    private static void assertSameKeyAndBytes(List<LoggedRequest> sent, String key) {
        byte[] first = sent.getFirst().getBody();
        assertThat(sent).allSatisfy(r -> {
            assertThat(r.getBody()).isEqualTo(first);
            assertThat(r.getHeader("Idempotency-Key")).isEqualTo(key);
        });
    }

    // ---- answers

    @Test
    void a201IsCreditedAndTheRequestCarriesTheKeyTheTokenAndTheExactBody() {
        answer(ACCRUALS, credited("C-1"));

        assertThat(partner(3, 5).accrue(request())).isEqualTo(new Outcome.Credited("C-1", false));

        airline.verify(1, postRequestedFor(urlEqualTo(ACCRUALS))
                .withHeader("Authorization", equalTo("Bearer sky-secret"))
                .withHeader("Content-Type", equalTo("application/json"))
                .withHeader("Idempotency-Key", equalTo("ACR-000000123"))
                .withRequestBody(equalTo(BODY)));
        assertThat(pauses).isEmpty();
    }

    @Test
    void a200IsTheReplayOfTheOriginalResult() {
        answer(ACCRUALS, json(200, "{\"confirmation\":\"C-1\"}"));

        assertThat(partner(3, 5).accrue(request())).isEqualTo(new Outcome.Credited("C-1", true));
    }

    @ParameterizedTest
    @CsvSource({"409,DUPLICATE_ACCRUAL", "422,MEMBER_NOT_FOUND", "422,NAME_MISMATCH", "422,ACCOUNT_CLOSED",
            "422,ACCOUNT_SUSPENDED"})
    void refusalsAreAnswersAndAreNotRetried(int status, String code) {
        answer(ACCRUALS, json(status, "{\"code\":\"" + code + "\"}"));

        assertThat(partner(3, 5).accrue(request())).isEqualTo(new Outcome.Refused(status, code));
        airline.verify(1, postRequestedFor(urlEqualTo(ACCRUALS)));
        assertThat(pauses).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            400 | ""                             | HTTP_400
            404 | "<html>not found</html>"       | HTTP_404
            422 | "{""code"":""lower case""}"    | HTTP_422
            422 | "{""code"":42}"                | HTTP_422
            """)
    void anotherClientErrorOrAnUnreadableCodeIsRefusedWithTheStatusAsTheCode(int status, String body, String code) {
        answer(ACCRUALS, aResponse().withStatus(status).withBody(body));

        assertThat(partner(3, 5).accrue(request())).isEqualTo(new Outcome.Refused(status, code));
        airline.verify(1, postRequestedFor(urlEqualTo(ACCRUALS)));
    }

    @Test
    void aReversalCarriesItsOwnKeyAndBodyAndIsCredited() {
        answer(REVERSAL, credited("R-1"));

        assertThat(partner(3, 5).reverse("ACR-000000123", 2, 500, "REFUND")).isEqualTo(new Outcome.Credited("R-1", false));
        airline.verify(1, postRequestedFor(urlEqualTo(REVERSAL))
                .withHeader("Idempotency-Key", equalTo("ACR-000000123-R2"))
                .withHeader("Authorization", equalTo("Bearer sky-secret"))
                .withRequestBody(equalTo("{\"miles\":500,\"reason\":\"REFUND\"}")));
    }

    @Test
    void aReversalOfMilesAlreadySpentIsRefusedWithInsufficientBalance() {
        answer(REVERSAL, json(422, "{\"code\":\"INSUFFICIENT_BALANCE\"}"));

        assertThat(partner(3, 5).reverse("ACR-000000123", 1, 500, "REFUND"))
                .isEqualTo(new Outcome.Refused(422, "INSUFFICIENT_BALANCE"));
        airline.verify(1, postRequestedFor(urlEqualTo(REVERSAL)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "//"})
    void aBaseUrlWithATrailingSlashReachesTheSameEndpoint(String tail) {
        answer(ACCRUALS, credited("C-1"));
        AirlinePartner p = partner(settings(airline.baseUrl() + tail, 1, 5), pauses::add, cap -> cap);

        assertThat(p.accrue(request())).isEqualTo(new Outcome.Credited("C-1", false));
    }

    // ---- unknown outcomes and retries

    @Test
    void serverErrorsThenA201AreOneCreditAndEveryAttemptCarriedTheSameKeyAndTheSameBytes() {
        inTurn(ACCRUALS, aResponse().withStatus(500), aResponse().withStatus(503), credited("C-3"));

        assertThat(partner(3, 5).accrue(request())).isEqualTo(new Outcome.Credited("C-3", false));

        List<LoggedRequest> sent = sent(ACCRUALS);
        assertThat(sent).hasSize(3);
        assertSameKeyAndBytes(sent, "ACR-000000123");
        assertThat(sent.getFirst().getBodyAsString()).isEqualTo(BODY);
        assertThat(pauses).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
    }

    @ParameterizedTest
    @ValueSource(strings = {"500", "502", "408", "reset", "empty-response", "malformed-chunk", "not-json", "empty-body",
            "no-confirmation", "unstorable-confirmation", "oversized-body"})
    void eachUnknownOutcomeIsRetriedAndAnAnswerOnTheRetryIsOneCredit(String kind) {
        inTurn(ACCRUALS, unknown(kind), json(200, "{\"confirmation\":\"C-4\"}"));

        assertThat(partner(3, 5).accrue(request())).isEqualTo(new Outcome.Credited("C-4", true));

        List<LoggedRequest> sent = sent(ACCRUALS);
        assertThat(sent).hasSize(2);
        assertSameKeyAndBytes(sent, "ACR-000000123");
    }

    @ParameterizedTest
    @ValueSource(strings = {"503", "reset", "empty-response", "malformed-chunk", "not-json", "no-confirmation", "timeout",
            "stalled-body"})
    void anUnknownOutcomeOnEveryAttemptIsUnresolvedAfterAttemptsMax(String kind) {
        answer(ACCRUALS, unknown(kind));

        Outcome o = partner(3, 10).accrue(request());

        assertThat(o).isInstanceOfSatisfying(Outcome.Unresolved.class, u -> {
            assertThat(u.attempts()).isEqualTo(3);
            assertThat(u.lastProblem()).isNotBlank();
        });
        List<LoggedRequest> sent = sent(ACCRUALS);
        assertThat(sent).hasSize(3);
        assertSameKeyAndBytes(sent, "ACR-000000123");
        assertThat(pauses).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
    }

    @Test
    void aTimeoutSaysSoInTheProblem() {
        answer(ACCRUALS, unknown("timeout"));

        assertThat(partner(1, 10).accrue(request()))
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

        Outcome o = partner(3, 5).accrue(request());

        assertThat(o).isEqualTo(new Outcome.Credited("C-LATE", true));
        List<LoggedRequest> sent = sent(ACCRUALS);
        assertThat(sent).hasSize(2);
        assertSameKeyAndBytes(sent, "ACR-000000123");
        assertThat(pauses).hasSize(1);
    }

    @Test
    void aTooManyRequestsAnswerWaitsForRetryAfterAndThenSucceeds() {
        inTurn(ACCRUALS, aResponse().withStatus(429).withHeader("Retry-After", "2"), credited("C-5"));

        assertThat(partner(3, 5).accrue(request())).isEqualTo(new Outcome.Credited("C-5", false));
        assertThat(pauses).containsExactly(Duration.ofSeconds(2));
    }

    @Test
    void aRetryAfterBeyondTheLimitOrMissingOrUnreadableFallsBackToTheBackoff() {
        inTurn(ACCRUALS, aResponse().withStatus(429).withHeader("Retry-After", "3600"), aResponse().withStatus(429),
                aResponse().withStatus(429).withHeader("Retry-After", "soon"), credited("C-6"));

        assertThat(partner(4, 5).accrue(request())).isEqualTo(new Outcome.Credited("C-6", false));
        assertThat(pauses).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400));
    }

    @Test
    void aRetryAfterDateIsCountedFromTheInjectedClock() {
        String at = DateTimeFormatter.RFC_1123_DATE_TIME.format(now.get().plusSeconds(3).atOffset(ZoneOffset.UTC));
        inTurn(ACCRUALS, aResponse().withStatus(429).withHeader("Retry-After", at), credited("C-7"));

        assertThat(partner(3, 5).accrue(request())).isEqualTo(new Outcome.Credited("C-7", false));
        assertThat(pauses).containsExactly(Duration.ofSeconds(3));
    }

    @Test
    void tooManyRequestsOnEveryAttemptIsUnresolvedAndEach429CountsAsAnAttempt() {
        answer(ACCRUALS, aResponse().withStatus(429).withHeader("Retry-After", "1"));

        assertThat(partner(3, 5).accrue(request())).isEqualTo(new Outcome.Unresolved(3, "HTTP 429"));
        airline.verify(3, postRequestedFor(urlEqualTo(ACCRUALS)));
        assertThat(pauses).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    @Test
    void backoffDelaysStayWithinTheirCapAndTheCapDoublesUpToTheMaximum() {
        answer(ACCRUALS, aResponse().withStatus(503));
        List<Long> caps = new ArrayList<>();
        Random seeded = new Random(7);
        AirlinePartner p = partner(settings(airline.baseUrl(), 6, 10), pauses::add, cap -> {
            caps.add(cap);
            return seeded.nextLong(cap + 1);
        });

        p.accrue(request());

        assertThat(caps).containsExactly(100L, 200L, 400L, 800L, 800L);
        assertThat(pauses).hasSize(5);
        Random replay = new Random(7);
        for (int i = 0; i < pauses.size(); i++) {
            assertThat(pauses.get(i).toMillis()).isBetween(0L, caps.get(i)).isEqualTo(replay.nextLong(caps.get(i) + 1));
        }
    }

    @Test
    void theProductionJitterStaysWithinTheCapToo() {
        answer(ACCRUALS, aResponse().withStatus(503));
        AirlinePartner p = new AirlinePartner(settings(airline.baseUrl(), 5, 10), clock, pauses::add);
        partners.add(p);

        p.accrue(request());

        assertThat(pauses).hasSize(4);
        long[] caps = {100, 200, 400, 800};
        for (int i = 0; i < caps.length; i++) {
            assertThat(pauses.get(i).toMillis()).isBetween(0L, caps[i]);
        }
    }

    // ---- the circuit breaker

    @ParameterizedTest
    @ValueSource(ints = {401, 403})
    void refusedCredentialsOnAnAccrualRefuseNothingAndCountAgainstTheCircuit(int status) {
        answer(ACCRUALS, json(status, "{\"code\":\"BAD_TOKEN\"}"));
        AirlinePartner p = partner(3, 2);

        Outcome first = p.accrue(request());
        Outcome second = p.accrue(request());

        assertThat(first).as("our key, not the accrual: not a Refused").isEqualTo(new Outcome.Unauthorized(status));
        assertThat(second).isEqualTo(new Outcome.Unauthorized(status));
        assertThat(p.circuit().position()).as("two in a row open a breaker set to two").isEqualTo(AirlinePartner.CircuitPosition.OPEN);
        airline.verify(2, postRequestedFor(urlEqualTo(ACCRUALS)));
        assertThat(pauses).as("not retried: the same key would get the same answer").isEmpty();
    }

    @Test
    void theCircuitOpensAfterConsecutiveUnresolvedCallsAndThenStaysOffTheNetwork() {
        answer(ACCRUALS, aResponse().withStatus(503));
        AirlinePartner p = partner(1, 2);

        p.accrue(request());
        assertThat(p.circuit()).isEqualTo(new AirlinePartner.CircuitState(AirlinePartner.CircuitPosition.CLOSED, 1, null));
        p.accrue(request());

        Instant until = now.get().plusSeconds(60);
        assertThat(p.circuit()).isEqualTo(new AirlinePartner.CircuitState(AirlinePartner.CircuitPosition.OPEN, 2, until));
        assertThat(p.accrue(request())).isEqualTo(new Outcome.CircuitOpen(until));
        assertThat(p.reverse("ACR-000000123", 1, 500, "REFUND")).isEqualTo(new Outcome.CircuitOpen(until));
        assertThat(p.validate("AB1234567", "NGUYEN")).isEqualTo(new Validation.Unavailable("circuit open until " + until));
        assertThat(airline.getAllServeEvents()).hasSize(2);
    }

    @Test
    void afterTheCoolOffOneTrialCallClosesTheCircuitWhenThePartnerAnswers() {
        answer(ACCRUALS, aResponse().withStatus(503));
        AirlinePartner p = partner(1, 2);
        p.accrue(request());
        p.accrue(request());
        now.set(now.get().plusSeconds(59));
        assertThat(p.circuit().position()).isEqualTo(AirlinePartner.CircuitPosition.OPEN);

        now.set(now.get().plusSeconds(1));
        assertThat(p.circuit().position()).isEqualTo(AirlinePartner.CircuitPosition.HALF_OPEN);
        answer(ACCRUALS, credited("C-8"));

        assertThat(p.accrue(request())).isEqualTo(new Outcome.Credited("C-8", false));
        assertThat(p.circuit()).isEqualTo(new AirlinePartner.CircuitState(AirlinePartner.CircuitPosition.CLOSED, 0, null));
        airline.verify(3, postRequestedFor(urlEqualTo(ACCRUALS)));
    }

    @Test
    void aFailedTrialReopensTheCircuitForAnotherCoolOff() {
        answer(ACCRUALS, aResponse().withStatus(500));
        AirlinePartner p = partner(1, 1);
        p.accrue(request());
        now.set(now.get().plusSeconds(61));

        assertThat(p.accrue(request())).isInstanceOf(Outcome.Unresolved.class);

        assertThat(p.circuit()).isEqualTo(new AirlinePartner.CircuitState(AirlinePartner.CircuitPosition.OPEN, 2,
                now.get().plusSeconds(60)));
        assertThat(p.accrue(request())).isEqualTo(new Outcome.CircuitOpen(now.get().plusSeconds(60)));
        airline.verify(2, postRequestedFor(urlEqualTo(ACCRUALS)));
    }

    @Test
    void whileTheTrialIsInFlightOtherCallsStillFindTheCircuitOpen() throws Exception {
        answer(ACCRUALS, aResponse().withStatus(503));
        CountDownLatch trialPausing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<AirlinePartner.Pause> pause = new AtomicReference<>(pauses::add);
        AirlinePartner p = partner(settings(airline.baseUrl(), 2, 1), d -> pause.get().pause(d), cap -> cap);
        p.accrue(request());
        now.set(now.get().plusSeconds(60));
        // The trial's first attempt fails; it then waits in its pause until the test lets it go on.
        pause.set(d -> {
            trialPausing.countDown();
            assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
        });

        ExecutorService trialThread = Executors.newSingleThreadExecutor();
        try {
            Future<Outcome> trial = trialThread.submit(() -> p.accrue(request()));
            assertThat(trialPausing.await(10, TimeUnit.SECONDS)).isTrue();

            assertThat(p.accrue(request())).isInstanceOf(Outcome.CircuitOpen.class);
            assertThat(p.validate("AB1234567", "NGUYEN")).isInstanceOf(Validation.Unavailable.class);
            airline.verify(3, postRequestedFor(urlEqualTo(ACCRUALS)));

            answer(ACCRUALS, credited("C-9"));
            release.countDown();
            assertThat(trial.get(10, TimeUnit.SECONDS)).isEqualTo(new Outcome.Credited("C-9", false));
        } finally {
            release.countDown();
            trialThread.shutdownNow();
        }
        assertThat(p.circuit().position()).isEqualTo(AirlinePartner.CircuitPosition.CLOSED);
        airline.verify(0, postRequestedFor(urlEqualTo(VALIDATE)));
    }

    @Test
    void anInterruptedTrialReleasesTheHalfOpenSlotForTheNextCall() {
        answer(ACCRUALS, aResponse().withStatus(503));
        AtomicReference<AirlinePartner.Pause> pause = new AtomicReference<>(pauses::add);
        AirlinePartner p = partner(settings(airline.baseUrl(), 2, 1), d -> pause.get().pause(d), cap -> cap);
        p.accrue(request());
        now.set(now.get().plusSeconds(60));
        pause.set(d -> {
            throw new InterruptedException("job stopped");
        });

        Outcome interrupted = p.accrue(request());
        boolean flagKept = Thread.interrupted(); // clears it for the rest of the test

        assertThat(interrupted).isEqualTo(new Outcome.Unresolved(1, "interrupted"));
        assertThat(flagKept).isTrue();
        assertThat(p.circuit().position()).isEqualTo(AirlinePartner.CircuitPosition.HALF_OPEN);
        answer(ACCRUALS, credited("C-10"));
        assertThat(p.accrue(request())).isEqualTo(new Outcome.Credited("C-10", false));
        assertThat(p.circuit().position()).isEqualTo(AirlinePartner.CircuitPosition.CLOSED);
    }

    @Test
    void refusalsAreAnswersAndResetTheFailureCount() {
        AirlinePartner p = partner(1, 2);
        answer(ACCRUALS, aResponse().withStatus(503));
        p.accrue(request());
        answer(ACCRUALS, json(422, "{\"code\":\"ACCOUNT_CLOSED\"}"));
        p.accrue(request());
        assertThat(p.circuit().consecutiveFailures()).isZero();
        answer(ACCRUALS, aResponse().withStatus(503));

        p.accrue(request());

        assertThat(p.circuit()).isEqualTo(new AirlinePartner.CircuitState(AirlinePartner.CircuitPosition.CLOSED, 1, null));
    }

    @Test
    void aCallThatRetriedItsWayToAnAnswerIsNotAFailure() {
        AirlinePartner p = partner(3, 1);
        inTurn(ACCRUALS, aResponse().withStatus(503), aResponse().withStatus(503), credited("C-11"));

        assertThat(p.accrue(request())).isEqualTo(new Outcome.Credited("C-11", false));
        assertThat(p.circuit()).isEqualTo(new AirlinePartner.CircuitState(AirlinePartner.CircuitPosition.CLOSED, 0, null));
    }

    @Test
    void concurrentCallsAreEachCountedOnceByTheBreaker() throws Exception {
        answer(ACCRUALS, aResponse().withStatus(503));
        AirlinePartner p = partner(1, 1000);
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<Future<Outcome>> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                calls.add(callers.submit(() -> p.accrue(request())));
            }
            for (Future<Outcome> c : calls) {
                assertThat(c.get(10, TimeUnit.SECONDS)).isEqualTo(new Outcome.Unresolved(1, "HTTP 503"));
            }
        } finally {
            callers.shutdownNow();
        }

        assertThat(p.circuit().consecutiveFailures()).isEqualTo(20);
        airline.verify(20, postRequestedFor(urlEqualTo(ACCRUALS)));
    }

    // ---- validation

    @Test
    void anActiveMemberIsValidAndTheRequestCarriesTheFoldedNameAndNoKey() {
        answer(VALIDATE, json(200, "{\"status\":\"ACTIVE\"}"));

        assertThat(partner(2, 5).validate("AB1234567", "Núñez")).isEqualTo(new Validation.Valid());
        airline.verify(1, postRequestedFor(urlEqualTo(VALIDATE))
                .withHeader("Authorization", equalTo("Bearer sky-secret"))
                .withHeader("Idempotency-Key", absent())
                .withRequestBody(equalTo("{\"memberNumber\":\"AB1234567\",\"lastName\":\"NUNEZ\"}")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"MEMBER_NOT_FOUND", "NAME_MISMATCH", "ACCOUNT_CLOSED", "ACCOUNT_SUSPENDED"})
    void eachValidationRefusalIsInvalidWithItsCode(String code) {
        answer(VALIDATE, json(422, "{\"code\":\"" + code + "\"}"));

        assertThat(partner(2, 5).validate("AB1234567", "NGUYEN")).isEqualTo(new Validation.Invalid(code));
        airline.verify(1, postRequestedFor(urlEqualTo(VALIDATE)));
    }

    @Test
    void aPartnerThatKeepsFailingValidationIsUnavailableAfterTheRetries() {
        answer(VALIDATE, aResponse().withStatus(503));

        assertThat(partner(3, 5).validate("AB1234567", "NGUYEN"))
                .isEqualTo(new Validation.Unavailable("HTTP 503 after 3 attempt(s)"));
        airline.verify(3, postRequestedFor(urlEqualTo(VALIDATE)));
    }

    @ParameterizedTest
    @ValueSource(ints = {401, 403})
    void refusedCredentialsLeaveTheMemberUnjudgedNotInvalid(int status) {
        answer(VALIDATE, aResponse().withStatus(status));

        assertThat(partner(3, 5).validate("AB1234567", "NGUYEN"))
                .isEqualTo(new Validation.Unavailable("credentials refused: HTTP " + status));
        airline.verify(1, postRequestedFor(urlEqualTo(VALIDATE)));
    }

    @Test
    void aValidationAnswerOtherThanActiveIsNotTakenForValid() {
        answer(VALIDATE, json(200, "{\"status\":\"PENDING\"}"));

        assertThat(partner(2, 5).validate("AB1234567", "NGUYEN")).isInstanceOf(Validation.Unavailable.class);
    }

    // ---- names

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            Núñez                  | NUNEZ
            O'Brien-Smith          | O'BRIEN-SMITH
            nguyen                 | NGUYEN
            O’Brien                | O'BRIEN
            Müller  Lüdenscheidt   | MULLER LUDENSCHEIDT
            Ørsted 3               | ORSTED
            Straße                 | STRASSE
            Łukasiewicz            | LUKASIEWICZ
            Ｓｍｉｔｈ               | SMITH
            "  van der Berg. "     | VAN DER BERG
            """)
    void namesAreUpperCaseAsciiWithAccentsFoldedAndOnlyLettersSpaceHyphenAndApostropheKept(String name, String folded) {
        assertThat(AirlinePartner.foldName(name)).isEqualTo(folded);
    }

    @Test
    void aLongNameIsCutToTheSameSixtyFourCharacters() {
        String folded = AirlinePartner.foldName("Wolfeschlegelsteinhausenbergerdorff ".repeat(3));

        assertThat(folded).hasSize(64).isEqualTo(AirlinePartner.foldName("Wolfeschlegelsteinhausenbergerdorff ".repeat(3)));
    }

    @Test
    void theAccrualBodyCarriesTheFoldedName() {
        answer(ACCRUALS, credited("C-12"));
        AccrualRequest r = new AccrualRequest("ACR-000000124", "AB1234567", "o’brien-smith", 10,
                LocalDate.parse("2026-11-20"), "BLUE BOTTLE 2X MILES");

        partner(1, 5).accrue(r);

        airline.verify(postRequestedFor(urlEqualTo(ACCRUALS)).withRequestBody(matchingJsonPath("$.lastName",
                equalTo("O'BRIEN-SMITH"))));
    }

    // ---- secrets

    @Test
    void logsNeverShowTheApiKeyOrAWholeMemberNumber() {
        Logger logger = (Logger) LoggerFactory.getLogger(AirlinePartner.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            AirlinePartner p = partner(3, 1);
            inTurn(ACCRUALS, aResponse().withStatus(503), aResponse().withStatus(429).withHeader("Retry-After", "99999"),
                    aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
            p.accrue(request());
            answer(VALIDATE, json(422, "{\"code\":\"NAME_MISMATCH\"}"));
            now.set(now.get().plusSeconds(60));
            p.validate("AB1234567", "NGUYEN");
        } finally {
            logger.detachAppender(appender);
        }

        List<String> lines = appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(lines).isNotEmpty().noneMatch(l -> l.contains("sky-secret") || l.contains("AB1234567"));
        assertThat(lines).anyMatch(l -> l.contains("ACR-000000123")).anyMatch(l -> l.contains("member ...4567"));
    }

    @Test
    void aPartnerDescribesItselfWithoutItsKey() {
        assertThat(settings(airline.baseUrl(), 3, 5).toString()).contains("SKY").doesNotContain("sky-secret");
        assertThat(request().toString()).contains("ACR-000000123", "4567").doesNotContain("AB1234567", "Núñez");
    }
}
