/*
 * The HTTP client of one airline partner (airline-partner-api.md), the
 * package's entry point for it: validate a member, send an accrual, reverse
 * one. Each call goes through four parts, each a class of its own:
 *   PartnerRequests  the body, serialized once in a fixed field order with the
 *                    name already folded, so every retry (and every node)
 *                    sends the same bytes under the same Idempotency-Key; the
 *                    partner's replay (200) then makes a resend safe;
 *   CircuitBreaker   admits the call, or it returns CircuitOpen without
 *                    touching the network while the partner cools off;
 *   PartnerExchange  the attempts: an answer ends the call, an unknown outcome
 *                    is tried again after RetryPolicy's pause (Retry-After, or
 *                    capped exponential backoff with full jitter);
 *   PartnerReplies   reads the answers, bounded in size and shape.
 * Pauses, the jitter and the clock are injected, so tests run the whole retry
 * schedule instantly and check it. Logs, all under this class's category,
 * name the program, the accrual id and at most the last 4 characters of a
 * member number; never the API key.
 */
package org.accrue.processor.miles;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.LongUnaryOperator;

import org.accrue.processor.miles.CircuitBreaker.Admission;
import org.accrue.processor.miles.CircuitBreaker.Verdict;
import org.accrue.processor.miles.PartnerExchange.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

public final class AirlinePartner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AirlinePartner.class);

    /** How long to wait between attempts; production sleeps, tests record. */
    @FunctionalInterface
    public interface Pause {
        void pause(Duration d) throws InterruptedException;
    }

    public enum CircuitPosition { CLOSED, OPEN, HALF_OPEN }

    /**
     * The breaker as health and metrics report it: its position, the unresolved calls in a row, and when it
     * half-opens (null while closed; in the past while half-open).
     */
    public record CircuitState(CircuitPosition position, int consecutiveFailures, Instant openUntil) {
        public boolean open() {
            return position == CircuitPosition.OPEN;
        }
    }

    private final PartnerSettings settings;
    private final PartnerRequests requests;
    private final CircuitBreaker breaker;
    private final PartnerExchange exchange;

    public AirlinePartner(PartnerSettings settings, InstantSource clock, Pause pause) {
        this(settings, clock, pause, cap -> ThreadLocalRandom.current().nextLong(cap + 1));
    }

    /**
     * {@code jitter} maps a cap to a delay in [0, cap] (full jitter); tests pass a seeded or fixed one. A delay
     * outside that range is a broken program and throws.
     */
    AirlinePartner(PartnerSettings settings, InstantSource clock, Pause pause, LongUnaryOperator jitter) {
        this.settings = Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(pause, "pause");
        Objects.requireNonNull(jitter, "jitter");
        this.requests = new PartnerRequests(settings);
        this.breaker = new CircuitBreaker(settings, clock);
        this.exchange = new PartnerExchange(settings, new RetryPolicy(settings, clock, pause, jitter));
    }

    public String program() {
        return settings.program();
    }

    /**
     * The name as the airline wants it: upper-case ASCII with accents folded ("Núñez" -> "NUNEZ"), letters
     * without a decomposition spelled out ("Ørsted" -> "ORSTED", "Straße" -> "STRASSE"), typographic apostrophes
     * and dashes made ASCII (so "O’Brien" still matches "O'BRIEN"), anything else but A-Z, space, hyphen and
     * apostrophe dropped, runs of spaces made one, at most 64 characters. Null folds to "".
     */
    public static String foldName(String lastName) {
        return PartnerRequests.foldName(lastName);
    }

    /**
     * Validates a member: 200 ACTIVE is Valid; a 422 (or another 4xx) is Invalid with its code; 401 and 403 say
     * our credentials are wrong, not the member, so they are Unavailable like a partner that does not answer.
     */
    public Validation validate(String memberNumber, String lastName) {
        if (memberNumber == null || memberNumber.isBlank()) {
            throw new IllegalArgumentException("no member number to validate");
        }
        Outcome o = call("/v1/members/validate", null, PartnerRequests.validation(memberNumber, lastName),
                "member ..." + AccrualRequest.last4(memberNumber), PartnerReplies::active);
        return switch (o) {
            case Outcome.Credited ok -> new Validation.Valid();
            case Outcome.Unauthorized u -> new Validation.Unavailable(Validation.CREDENTIALS_REFUSED + ": HTTP " + u.httpStatus());
            case Outcome.Refused no -> new Validation.Invalid(no.code());
            case Outcome.Unresolved u -> new Validation.Unavailable(u.lastProblem() + " after " + u.attempts() + " attempt(s)");
            // MilesAccrual tells this case apart by the "circuit open" prefix.
            case Outcome.CircuitOpen open -> new Validation.Unavailable("circuit open until " + open.until());
        };
    }

    /** Sends an accrual under Idempotency-Key = its accrual id. */
    public Outcome accrue(AccrualRequest a) {
        Objects.requireNonNull(a, "accrual");
        return call("/v1/accruals", a.accrualId(), PartnerRequests.accrual(a), a.accrualId(), PartnerReplies::confirmation);
    }

    /** Reverses {@code miles} of a credited accrual; the n-th reversal (n from 1) has key {@code <accrualId>-R<n>}. */
    public Outcome reverse(String accrualId, int reversalNumber, long miles, String reason) {
        PartnerRequests.checkId(accrualId);
        if (reversalNumber < 1) {
            throw new IllegalArgumentException("reversal of " + accrualId + ": reversal numbers start at 1, was " + reversalNumber);
        }
        if (miles <= 0) {
            throw new IllegalArgumentException("reversal of " + accrualId + ": miles must be positive, was " + miles);
        }
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("reversal of " + accrualId + ": no reason");
        }
        String key = accrualId + "-R" + reversalNumber;
        return call("/v1/accruals/" + accrualId + "/reversal", key, new PartnerRequests.ReversalBody(miles, reason), key,
                PartnerReplies::confirmation);
    }

    public CircuitState circuit() {
        return breaker.state();
    }

    /** One call: the request built once, admitted by the breaker, its attempts, and the breaker settled. */
    private Outcome call(String path, String idempotencyKey, PartnerRequests.Body body, String what,
                         Function<JsonNode, String> confirmationOf) {
        HttpRequest request = requests.post(path, idempotencyKey, body, what);

        Admission admission = breaker.admit();
        if (admission instanceof Admission.Blocked blocked) {
            log.debug("airline {} {}: not called, circuit open until {}", settings.program(), what, blocked.until());
            return new Outcome.CircuitOpen(blocked.until());
        }
        boolean trial = ((Admission.Go) admission).trial();
        Exchange x = null;
        try {
            x = exchange.exchange(request, what, confirmationOf);
            return x.outcome();
        } finally {
            // Also on an unexpected exception: a trial that never settles would keep the circuit open for good.
            breaker.settle(trial, x == null ? Verdict.ABANDONED : x.verdict());
        }
    }

    @Override
    public void close() {
        exchange.close();
    }
}
