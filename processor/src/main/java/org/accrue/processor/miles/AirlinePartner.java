/*
 * The HTTP client of one airline partner (airline-partner-api.md). Each call
 * is sent with a body serialized once, so every retry (and every node)
 * sends the same bytes under the same Idempotency-Key. An answer (2xx with a
 * confirmation, 409, 422, other 4xx) ends the call; anything else (5xx,
 * timeout, reset, a 2xx without a readable confirmation) is an unknown
 * outcome and is retried after a capped, fully jittered exponential backoff,
 * or after Retry-After on 429, up to attemptsMax attempts. After
 * breakerFailures consecutive unknown outcomes the circuit opens for the
 * cool-off: calls return CircuitOpen without touching the network, then one
 * trial call closes or re-opens it. Pauses go through an injected Pause, so
 * tests run the retry schedule without waiting it out.
 */
package org.accrue.processor.miles;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongUnaryOperator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

public final class AirlinePartner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AirlinePartner.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int NAME_CHARS_MAX = 64;

    /** How long to wait between attempts; production sleeps, tests record. */
    @FunctionalInterface
    public interface Pause {
        void pause(Duration d) throws InterruptedException;
    }

    public enum CircuitPosition { CLOSED, OPEN, HALF_OPEN }

    /** The breaker as health and metrics report it. */
    public record CircuitState(CircuitPosition position, int consecutiveFailures, Instant openUntil) {
        public boolean open() {
            return position == CircuitPosition.OPEN;
        }
    }

    private final PartnerSettings settings;
    private final InstantSource clock;
    private final Pause pause;
    private final HttpClient http;
    private final LongUnaryOperator jitter;
    private int consecutiveFailures;
    private Instant openUntil;
    private boolean trialInFlight;

    public AirlinePartner(PartnerSettings settings, InstantSource clock, Pause pause) {
        this(settings, clock, pause, bound -> bound <= 0 ? 0 : ThreadLocalRandom.current().nextLong(bound + 1));
    }

    /** {@code jitter} maps a cap to a delay in [0, cap] (full jitter); tests pass a fixed one. */
    AirlinePartner(PartnerSettings settings, InstantSource clock, Pause pause, LongUnaryOperator jitter) {
        this.settings = settings;
        this.clock = clock;
        this.pause = pause;
        this.jitter = jitter;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(settings.timeoutMs()))
                .version(HttpClient.Version.HTTP_1_1).build();
    }

    public String program() {
        return settings.program();
    }

    /**
     * Upper-case ASCII, accents folded ("Núñez" -> "NUNEZ"), letters without a decomposition spelled out
     * ("Ørsted" -> "ORSTED"); only letters, space, hyphen and apostrophe kept.
     */
    public static String foldName(String lastName) {
        String n = Normalizer.normalize(lastName == null ? "" : lastName.replace("Ø", "O").replace("ø", "o")
                        .replace("Æ", "AE").replace("æ", "ae").replace("Œ", "OE").replace("œ", "oe").replace("ß", "SS")
                        .replace("Ł", "L").replace("ł", "l").replace("Đ", "D").replace("đ", "d").replace("Þ", "TH")
                        .replace("þ", "th"), Normalizer.Form.NFD)
                .replaceAll("\\p{M}", "").toUpperCase(Locale.ROOT).replaceAll("[^A-Z '\\-]", "").strip()
                .replaceAll(" +", " ");
        return n.length() > NAME_CHARS_MAX ? n.substring(0, NAME_CHARS_MAX) : n;
    }

    public Validation validate(String memberNumber, String lastName) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("memberNumber", memberNumber);
        body.put("lastName", foldName(lastName));
        Result r = call("/v1/members/validate", null, body, "validate ..." + AccrualRequest.last4(memberNumber));
        return switch (r.outcome()) {
            case Outcome.Credited ok -> new Validation.Valid();
            case Outcome.Refused no -> new Validation.Invalid(no.code());
            case Outcome.Unresolved u -> new Validation.Unavailable(u.lastProblem());
            case Outcome.CircuitOpen open -> new Validation.Unavailable("circuit open until " + open.until());
        };
    }

    public Outcome accrue(AccrualRequest a) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("accrualId", a.accrualId());
        body.put("memberNumber", a.memberNumber());
        body.put("lastName", foldName(a.lastName()));
        body.put("miles", a.miles());
        body.put("activityDate", a.activityDate().toString());
        body.put("description", a.description());
        return call("/v1/accruals", a.accrualId(), body, a.accrualId()).outcome();
    }

    /** Reverses {@code miles} of a credited accrual; the n-th reversal has key {@code <accrualId>-R<n>}. */
    public Outcome reverse(String accrualId, int reversalNumber, long miles, String reason) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("miles", miles);
        body.put("reason", reason);
        String key = accrualId + "-R" + reversalNumber;
        return call("/v1/accruals/" + accrualId + "/reversal", key, body, key).outcome();
    }

    public synchronized CircuitState circuit() {
        Instant now = clock.instant();
        if (openUntil == null) {
            return new CircuitState(CircuitPosition.CLOSED, consecutiveFailures, null);
        }
        return new CircuitState(now.isBefore(openUntil) ? CircuitPosition.OPEN : CircuitPosition.HALF_OPEN,
                consecutiveFailures, openUntil);
    }

    private record Result(Outcome outcome) {
    }

    private Result call(String path, String idempotencyKey, Map<String, Object> body, String what) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException("could not write a partner request", e);
        }
        Instant blockedUntil = admit();
        if (blockedUntil != null) {
            return new Result(new Outcome.CircuitOpen(blockedUntil));
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(settings.baseUrl() + path))
                .timeout(Duration.ofMillis(settings.timeoutMs()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header("Authorization", "Bearer " + settings.apiKey())
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        if (idempotencyKey != null) {
            b.header("Idempotency-Key", idempotencyKey);
        }
        HttpRequest request = b.build();
        String problem = "no attempt";
        for (int attempt = 1; attempt <= settings.attemptsMax(); attempt++) {
            Duration wait = null;
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                int s = r.statusCode();
                if (s == 200 || s == 201) {
                    String confirmation = confirmation(r.body());
                    if (confirmation != null) {
                        succeeded();
                        return new Result(new Outcome.Credited(confirmation, s == 200));
                    }
                    problem = "HTTP " + s + " without a readable confirmation";
                } else if (s == 429) {
                    problem = "HTTP 429";
                    wait = retryAfter(r);
                } else if (s >= 400 && s < 500) {
                    succeeded(); // an answer, not a failure of the partner
                    return new Result(new Outcome.Refused(s, code(r.body(), s)));
                } else {
                    problem = "HTTP " + s;
                }
            } catch (java.net.http.HttpTimeoutException e) {
                problem = "timeout after " + settings.timeoutMs() + " ms";
            } catch (IOException e) {
                problem = "I/O: " + e.getClass().getSimpleName();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Result(new Outcome.Unresolved(attempt, "interrupted"));
            }
            log.info("airline {} {}: attempt {} of {}: {}", settings.program(), what, attempt, settings.attemptsMax(), problem);
            if (attempt == settings.attemptsMax()) {
                break;
            }
            try {
                pause.pause(wait != null ? wait : backoff(attempt));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Result(new Outcome.Unresolved(attempt, "interrupted"));
            }
        }
        Instant opened = failed();
        if (opened != null) {
            log.warn("airline {}: {} unknown outcomes in a row, circuit open until {}", settings.program(),
                    settings.breakerFailures(), opened);
        }
        return new Result(new Outcome.Unresolved(settings.attemptsMax(), problem));
    }

    /** Capped exponential backoff with full jitter: uniform in [0, min(max, initial * 2^(attempt-1))]. */
    Duration backoff(int attempt) {
        long cap = settings.backoffInitialMs() * (1L << Math.min(attempt - 1, 30));
        cap = Math.min(cap, settings.backoffMaxMs());
        return Duration.ofMillis(jitter.applyAsLong(cap));
    }

    private Duration retryAfter(HttpResponse<String> r) {
        String v = r.headers().firstValue("Retry-After").orElse(null);
        if (v == null) {
            return null;
        }
        try {
            long ms = Math.multiplyExact(Long.parseLong(v.strip()), 1000L);
            return ms <= settings.retryAfterMaxMs() ? Duration.ofMillis(ms) : Duration.ofMillis(settings.retryAfterMaxMs());
        } catch (NumberFormatException | ArithmeticException e) {
            return null; // an HTTP date or garbage: fall back to the backoff
        }
    }

    private static String confirmation(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n != null && n.isObject() && n.hasNonNull("confirmation") && n.get("confirmation").isTextual()) {
                return n.get("confirmation").asText();
            }
            if (n != null && n.isObject() && "ACTIVE".equals(n.path("status").asText())) {
                return "ACTIVE"; // the validate call's answer
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String code(String body, int status) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n != null && n.isObject() && n.hasNonNull("code") && n.get("code").isTextual()) {
                String c = n.get("code").asText();
                if (c.matches("[A-Z_]{1,40}")) {
                    return c;
                }
            }
        } catch (IOException e) {
            // fall through: no readable code
        }
        return "HTTP_" + status;
    }

    /** Null when the call may go; else when the circuit closes again. One trial call goes when half-open. */
    private synchronized Instant admit() {
        if (openUntil == null) {
            return null;
        }
        if (clock.instant().isBefore(openUntil) || trialInFlight) {
            return openUntil;
        }
        trialInFlight = true;
        return null;
    }

    private synchronized void succeeded() {
        consecutiveFailures = 0;
        openUntil = null;
        trialInFlight = false;
    }

    /** Returns the new open-until when this failure opens (or re-opens) the circuit. */
    private synchronized Instant failed() {
        consecutiveFailures++;
        boolean trial = trialInFlight;
        trialInFlight = false;
        if (trial || consecutiveFailures >= settings.breakerFailures()) {
            openUntil = clock.instant().plusMillis(settings.breakerCoolOffMs());
            return openUntil;
        }
        return null;
    }

    @Override
    public void close() {
        http.close();
    }
}
