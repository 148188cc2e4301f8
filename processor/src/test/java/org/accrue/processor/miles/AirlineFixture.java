package org.accrue.processor.miles;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongUnaryOperator;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.ScenarioMappingBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

/**
 * What the AirlinePartner*Test classes share: one test's view of a WireMock stub of the partner (each class
 * registers its own), and the client's doubles. Pauses are recorded, not slept, and the clock is a field the
 * test moves, so nothing waits but the timeout cases (TIMEOUT_MS each). One instance per test: no state is
 * shared between tests.
 */
final class AirlineFixture {
    static final String ACCRUALS = "/v1/accruals";
    static final String VALIDATE = "/v1/members/validate";
    static final String REVERSAL = "/v1/accruals/ACR-000000123/reversal";
    static final int TIMEOUT_MS = 250;
    static final String BODY = "{\"accrualId\":\"ACR-000000123\",\"memberNumber\":\"AB1234567\",\"lastName\":\"NUNEZ\","
            + "\"miles\":1250,\"activityDate\":\"2026-11-20\",\"description\":\"BLUE BOTTLE 2X MILES\"}";

    final WireMockExtension airline;
    final List<Duration> pauses = new CopyOnWriteArrayList<>();
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-22T10:00:00Z"));
    final InstantSource clock = now::get;
    private final List<AirlinePartner> partners = new ArrayList<>();

    AirlineFixture(WireMockExtension airline) {
        this.airline = airline;
    }

    /**
     * One call with a generous timeout before a class's tests: the stub's and the client's first request pays for
     * class loading and warm-up, which must not count against the 250 ms of whichever test happens to run first.
     */
    static void warmUp(WireMockExtension airline) {
        airline.stubFor(post(urlEqualTo(VALIDATE)).willReturn(json(200, "{\"status\":\"ACTIVE\"}")));
        try (AirlinePartner p = new AirlinePartner(new PartnerSettings("SKY", URI.create(airline.baseUrl()), "sky-secret",
                10_000, 1, 1, 1, 0, 1, 1), InstantSource.system(), d -> { })) {
            assertThat(p.validate("AB1234567", "NGUYEN")).isEqualTo(new Validation.Valid());
        }
        airline.resetAll();
    }

    /** Closes the partners the test made. */
    void close() {
        partners.forEach(AirlinePartner::close);
    }

    static PartnerSettings settings(String baseUrl, int attemptsMax, int breakerFailures) {
        return new PartnerSettings("SKY", URI.create(baseUrl), "sky-secret", TIMEOUT_MS, attemptsMax, 100, 800, 5_000,
                breakerFailures, 60_000);
    }

    /** A partner whose jitter is always its cap, so the schedule is exact. */
    AirlinePartner partner(int attemptsMax, int breakerFailures) {
        return partner(settings(airline.baseUrl(), attemptsMax, breakerFailures), pauses::add, cap -> cap);
    }

    AirlinePartner partner(PartnerSettings s, AirlinePartner.Pause pause, LongUnaryOperator jitter) {
        return adopt(new AirlinePartner(s, clock, pause, jitter));
    }

    /** A partner the test made itself, closed after it like the others. */
    AirlinePartner adopt(AirlinePartner p) {
        partners.add(p);
        return p;
    }

    static AccrualRequest request() {
        return new AccrualRequest("ACR-000000123", "AB1234567", "Núñez", 1250, LocalDate.parse("2026-11-20"),
                "BLUE BOTTLE 2X MILES");
    }

    static ResponseDefinitionBuilder json(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
    }

    static ResponseDefinitionBuilder credited(String confirmation) {
        return json(201, "{\"confirmation\":\"" + confirmation + "\"}");
    }

    void answer(String path, ResponseDefinitionBuilder reply) {
        airline.stubFor(post(urlEqualTo(path)).willReturn(reply));
    }

    /** The partner answers the n-th request with the n-th reply, and the last reply from then on. */
    void inTurn(String path, ResponseDefinitionBuilder... replies) {
        for (int i = 0; i < replies.length; i++) {
            ScenarioMappingBuilder stub = post(urlEqualTo(path)).inScenario("turns")
                    .whenScenarioStateIs(i == 0 ? Scenario.STARTED : "turn " + i).willReturn(replies[i]);
            airline.stubFor(i < replies.length - 1 ? stub.willSetStateTo("turn " + (i + 1)) : stub);
        }
    }

    static ResponseDefinitionBuilder unknown(String kind) {
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

    List<LoggedRequest> sent(String path) {
        return airline.findAll(postRequestedFor(urlEqualTo(path)));
    }

    static void assertSameKeyAndBytes(List<LoggedRequest> sent, String key) {
        byte[] first = sent.getFirst().getBody();
        assertThat(sent).allSatisfy(r -> {
            assertThat(r.getBody()).isEqualTo(first);
            assertThat(r.getHeader("Idempotency-Key")).isEqualTo(key);
        });
    }
}
