package org.accrue.processor.miles;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.accrue.processor.miles.AirlineFixture.ACCRUALS;
import static org.accrue.processor.miles.AirlineFixture.VALIDATE;
import static org.accrue.processor.miles.AirlineFixture.credited;
import static org.accrue.processor.miles.AirlineFixture.json;
import static org.accrue.processor.miles.AirlineFixture.request;
import static org.accrue.processor.miles.AirlineFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

/**
 * The airline client's circuit breaker: what opens it, the cool-off by the injected clock, the single half-open
 * trial, and that it counts calls, not attempts.
 */
class AirlinePartnerCircuitTest {
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

    // ---- the circuit breaker

    @ParameterizedTest
    @ValueSource(ints = {401, 403})
    void refusedCredentialsOnAnAccrualRefuseNothingAndCountAgainstTheCircuit(int status) {
        f.answer(ACCRUALS, json(status, "{\"code\":\"BAD_TOKEN\"}"));
        AirlinePartner p = f.partner(3, 2);

        Outcome first = p.accrue(request());
        Outcome second = p.accrue(request());

        assertThat(first).as("our key, not the accrual: not a Refused").isEqualTo(new Outcome.Unauthorized(status));
        assertThat(second).isEqualTo(new Outcome.Unauthorized(status));
        assertThat(p.circuit().position()).as("two in a row open a breaker set to two").isEqualTo(AirlinePartner.CircuitPosition.OPEN);
        airline.verify(2, postRequestedFor(urlEqualTo(ACCRUALS)));
        assertThat(f.pauses).as("not retried: the same key would get the same answer").isEmpty();
    }

    @Test
    void theCircuitOpensAfterConsecutiveUnresolvedCallsAndThenStaysOffTheNetwork() {
        f.answer(ACCRUALS, aResponse().withStatus(503));
        AirlinePartner p = f.partner(1, 2);

        p.accrue(request());
        assertThat(p.circuit()).isEqualTo(new AirlinePartner.CircuitState(AirlinePartner.CircuitPosition.CLOSED, 1, null));
        p.accrue(request());

        Instant until = f.now.get().plusSeconds(60);
        assertThat(p.circuit()).isEqualTo(new AirlinePartner.CircuitState(AirlinePartner.CircuitPosition.OPEN, 2, until));
        assertThat(p.accrue(request())).isEqualTo(new Outcome.CircuitOpen(until));
        assertThat(p.reverse("ACR-000000123", 1, 500, "REFUND")).isEqualTo(new Outcome.CircuitOpen(until));
        assertThat(p.validate("AB1234567", "NGUYEN")).isEqualTo(new Validation.Unavailable("circuit open until " + until));
        assertThat(airline.getAllServeEvents()).hasSize(2);
    }

    @Test
    void afterTheCoolOffOneTrialCallClosesTheCircuitWhenThePartnerAnswers() {
        f.answer(ACCRUALS, aResponse().withStatus(503));
        AirlinePartner p = f.partner(1, 2);
        p.accrue(request());
        p.accrue(request());
        f.now.set(f.now.get().plusSeconds(59));
        assertThat(p.circuit().position()).isEqualTo(AirlinePartner.CircuitPosition.OPEN);

        f.now.set(f.now.get().plusSeconds(1));
        assertThat(p.circuit().position()).isEqualTo(AirlinePartner.CircuitPosition.HALF_OPEN);
        f.answer(ACCRUALS, credited("C-8"));

        assertThat(p.accrue(request())).isEqualTo(new Outcome.Credited("C-8", false));
        assertThat(p.circuit()).isEqualTo(new AirlinePartner.CircuitState(AirlinePartner.CircuitPosition.CLOSED, 0, null));
        airline.verify(3, postRequestedFor(urlEqualTo(ACCRUALS)));
    }

    @Test
    void aFailedTrialReopensTheCircuitForAnotherCoolOff() {
        f.answer(ACCRUALS, aResponse().withStatus(500));
        AirlinePartner p = f.partner(1, 1);
        p.accrue(request());
        f.now.set(f.now.get().plusSeconds(61));

        assertThat(p.accrue(request())).isInstanceOf(Outcome.Unresolved.class);

        assertThat(p.circuit()).isEqualTo(new AirlinePartner.CircuitState(AirlinePartner.CircuitPosition.OPEN, 2,
                f.now.get().plusSeconds(60)));
        assertThat(p.accrue(request())).isEqualTo(new Outcome.CircuitOpen(f.now.get().plusSeconds(60)));
        airline.verify(2, postRequestedFor(urlEqualTo(ACCRUALS)));
    }

    @Test
    void whileTheTrialIsInFlightOtherCallsStillFindTheCircuitOpen() throws Exception {
        f.answer(ACCRUALS, aResponse().withStatus(503));
        CountDownLatch trialPausing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<AirlinePartner.Pause> pause = new AtomicReference<>(f.pauses::add);
        AirlinePartner p = f.partner(settings(airline.baseUrl(), 2, 1), d -> pause.get().pause(d), cap -> cap);
        p.accrue(request());
        f.now.set(f.now.get().plusSeconds(60));
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

            f.answer(ACCRUALS, credited("C-9"));
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
        f.answer(ACCRUALS, aResponse().withStatus(503));
        AtomicReference<AirlinePartner.Pause> pause = new AtomicReference<>(f.pauses::add);
        AirlinePartner p = f.partner(settings(airline.baseUrl(), 2, 1), d -> pause.get().pause(d), cap -> cap);
        p.accrue(request());
        f.now.set(f.now.get().plusSeconds(60));
        pause.set(d -> {
            throw new InterruptedException("job stopped");
        });

        Outcome interrupted = p.accrue(request());
        boolean flagKept = Thread.interrupted(); // clears it for the rest of the test

        assertThat(interrupted).isEqualTo(new Outcome.Unresolved(1, "interrupted"));
        assertThat(flagKept).isTrue();
        assertThat(p.circuit().position()).isEqualTo(AirlinePartner.CircuitPosition.HALF_OPEN);
        f.answer(ACCRUALS, credited("C-10"));
        assertThat(p.accrue(request())).isEqualTo(new Outcome.Credited("C-10", false));
        assertThat(p.circuit().position()).isEqualTo(AirlinePartner.CircuitPosition.CLOSED);
    }

    @Test
    void refusalsAreAnswersAndResetTheFailureCount() {
        AirlinePartner p = f.partner(1, 2);
        f.answer(ACCRUALS, aResponse().withStatus(503));
        p.accrue(request());
        f.answer(ACCRUALS, json(422, "{\"code\":\"ACCOUNT_CLOSED\"}"));
        p.accrue(request());
        assertThat(p.circuit().consecutiveFailures()).isZero();
        f.answer(ACCRUALS, aResponse().withStatus(503));

        p.accrue(request());

        assertThat(p.circuit()).isEqualTo(new AirlinePartner.CircuitState(AirlinePartner.CircuitPosition.CLOSED, 1, null));
    }

    @Test
    void aCallThatRetriedItsWayToAnAnswerIsNotAFailure() {
        AirlinePartner p = f.partner(3, 1);
        f.inTurn(ACCRUALS, aResponse().withStatus(503), aResponse().withStatus(503), credited("C-11"));

        assertThat(p.accrue(request())).isEqualTo(new Outcome.Credited("C-11", false));
        assertThat(p.circuit()).isEqualTo(new AirlinePartner.CircuitState(AirlinePartner.CircuitPosition.CLOSED, 0, null));
    }

    @Test
    void concurrentCallsAreEachCountedOnceByTheBreaker() throws Exception {
        f.answer(ACCRUALS, aResponse().withStatus(503));
        AirlinePartner p = f.partner(1, 1000);
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
}
