/*
 * The HTTP client of one airline partner (airline-partner-api.md).
 *
 * Each call's body is serialized once, in a fixed field order with the name
 * already folded, so every retry (and every node) sends the same bytes under
 * the same Idempotency-Key; the partner's replay (200) then makes a resend
 * safe. An answer ends the call: 200/201 with a confirmation, 409, 422, any
 * other 4xx. Anything else is an unknown outcome (5xx, 408, timeout, reset, a
 * 2xx without a readable confirmation, a body over the size limit) and is
 * tried again after a capped exponential backoff with full jitter, or after
 * Retry-After on 429 when that is within retryAfterMaxMs, up to attemptsMax
 * attempts in all.
 *
 * The circuit breaker counts calls, not attempts: after breakerFailures
 * consecutive calls that ended unresolved it opens for breakerCoolOffMs by
 * the injected clock, and calls return CircuitOpen without touching the
 * network. After the cool-off exactly one trial call goes (half-open); its
 * answer closes the circuit, its failure opens it for another cool-off. Any
 * answer, refusals included, resets the count: the partner is up.
 *
 * Pauses go through an injected Pause and the jitter through an injected
 * function, so tests run the whole retry schedule instantly and check it.
 * Logs name the program, the accrual id and at most the last 4 characters of
 * a member number; never the API key.
 */
package org.accrue.processor.miles;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.text.Normalizer;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.LongUnaryOperator;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

public final class AirlinePartner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AirlinePartner.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Airline name fields are short; the cut is the same on every node, so the body stays the same. */
    private static final int NAME_CHARS_MAX = 64;
    /** The partner's answers are a field or two; a bigger body is not an answer and must not fill the heap. */
    static final int RESPONSE_BYTES_MAX = 64 * 1024;
    /** A confirmation is kept in miles_accrual.confirmation, VARCHAR(100); a longer one could not be stored. */
    private static final int CONFIRMATION_CHARS_MAX = 100;
    /** Problems end up in logs and in miles_accrual.problem, VARCHAR(200). */
    private static final int PROBLEM_CHARS_MAX = 120;
    /** Ids go into a URL path and a header: no character there may need escaping or split a header. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** Refusal codes are stored and shown to ops: only the partner's documented shape is passed on. */
    private static final Pattern CODE = Pattern.compile("[A-Z][A-Z_]{0,39}");
    private static final Pattern CONFIRMATION = Pattern.compile("[\\x20-\\x7e]{1," + CONFIRMATION_CHARS_MAX + "}");

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
    private final InstantSource clock;
    private final Pause pause;
    private final LongUnaryOperator jitter;
    private final HttpClient http;

    // The breaker, guarded by this.
    private int consecutiveFailures;
    private Instant openUntil;
    private boolean trialInFlight;

    public AirlinePartner(PartnerSettings settings, InstantSource clock, Pause pause) {
        this(settings, clock, pause, cap -> ThreadLocalRandom.current().nextLong(cap + 1));
    }

    /**
     * {@code jitter} maps a cap to a delay in [0, cap] (full jitter); tests pass a seeded or fixed one. A delay
     * outside that range is a broken program and throws.
     */
    AirlinePartner(PartnerSettings settings, InstantSource clock, Pause pause, LongUnaryOperator jitter) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.pause = Objects.requireNonNull(pause, "pause");
        this.jitter = Objects.requireNonNull(jitter, "jitter");
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(settings.timeoutMs()))
                .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER).build();
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
        if (lastName == null) {
            return "";
        }
        StringBuilder spelled = new StringBuilder(lastName.length());
        for (int i = 0; i < lastName.length(); i++) {
            char c = lastName.charAt(i);
            spelled.append(switch (c) {
                case 'Ø', 'ø' -> "O";
                case 'Æ', 'æ' -> "AE";
                case 'Œ', 'œ' -> "OE";
                case 'ß', 'ẞ' -> "SS";
                case 'Ł', 'ł' -> "L";
                case 'Đ', 'đ', 'Ð', 'ð' -> "D";
                case 'Þ', 'þ' -> "TH";
                case 'ı' -> "I";
                case '\u2018', '\u2019', '\u02BC' -> "'";
                case '\u2010', '\u2011', '\u2012', '\u2013', '\u2014' -> "-";
                default -> Character.isWhitespace(c) || Character.isSpaceChar(c) ? " " : String.valueOf(c);
            });
        }
        // NFKD rather than NFD: compatibility forms (ligatures, full-width letters) fold to plain letters too.
        String n = Normalizer.normalize(spelled, Normalizer.Form.NFKD).replaceAll("\\p{M}", "")
                .toUpperCase(Locale.ROOT).replaceAll("[^A-Z '\\-]", "").replaceAll(" +", " ").strip();
        return n.length() > NAME_CHARS_MAX ? n.substring(0, NAME_CHARS_MAX).strip() : n;
    }

    /**
     * Validates a member: 200 ACTIVE is Valid; a 422 (or another 4xx) is Invalid with its code; 401 and 403 say
     * our credentials are wrong, not the member, so they are Unavailable like a partner that does not answer.
     */
    public Validation validate(String memberNumber, String lastName) {
        if (memberNumber == null || memberNumber.isBlank()) {
            throw new IllegalArgumentException("no member number to validate");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("memberNumber", memberNumber);
        body.put("lastName", foldName(lastName));
        Outcome o = call("/v1/members/validate", null, body, "member ..." + AccrualRequest.last4(memberNumber),
                AirlinePartner::active);
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
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("accrualId", a.accrualId());
        body.put("memberNumber", a.memberNumber());
        body.put("lastName", foldName(a.lastName()));
        body.put("miles", a.miles());
        body.put("activityDate", a.activityDate().toString());
        body.put("description", a.description());
        return call("/v1/accruals", a.accrualId(), body, a.accrualId(), AirlinePartner::confirmation);
    }

    /** Reverses {@code miles} of a credited accrual; the n-th reversal (n from 1) has key {@code <accrualId>-R<n>}. */
    public Outcome reverse(String accrualId, int reversalNumber, long miles, String reason) {
        checkId(accrualId);
        if (reversalNumber < 1) {
            throw new IllegalArgumentException("reversal of " + accrualId + ": reversal numbers start at 1, was " + reversalNumber);
        }
        if (miles <= 0) {
            throw new IllegalArgumentException("reversal of " + accrualId + ": miles must be positive, was " + miles);
        }
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("reversal of " + accrualId + ": no reason");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("miles", miles);
        body.put("reason", reason);
        String key = accrualId + "-R" + reversalNumber;
        return call("/v1/accruals/" + accrualId + "/reversal", key, body, key, AirlinePartner::confirmation);
    }

    public synchronized CircuitState circuit() {
        if (openUntil == null) {
            return new CircuitState(CircuitPosition.CLOSED, consecutiveFailures, null);
        }
        return new CircuitState(clock.instant().isBefore(openUntil) ? CircuitPosition.OPEN : CircuitPosition.HALF_OPEN,
                consecutiveFailures, openUntil);
    }

    static void checkId(String accrualId) {
        if (accrualId == null || !ID.matcher(accrualId).matches()) {
            throw new IllegalArgumentException("an accrual id is 1-64 of A-Z a-z 0-9 . _ -, was " + accrualId);
        }
    }

    // ---- one call: admission, attempts, settling the breaker

    /** How a call ended for the breaker: an answer, an unknown outcome, or given up on our side (interrupt, bug). */
    private enum Verdict { ANSWERED, UNKNOWN, ABANDONED }

    private record Exchange(Outcome outcome, Verdict verdict) {
    }

    private sealed interface Admission {
        record Go(boolean trial) implements Admission {
        }

        record Blocked(Instant until) implements Admission {
        }
    }

    private Outcome call(String path, String idempotencyKey, Map<String, Object> body, String what,
                         Function<JsonNode, String> confirmationOf) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("airline " + settings.program() + " " + what + ": could not write the body", e);
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(settings.resolve(path))
                .timeout(Duration.ofMillis(settings.timeoutMs()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header("Authorization", "Bearer " + settings.apiKey())
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        if (idempotencyKey != null) {
            b.header("Idempotency-Key", idempotencyKey);
        }
        HttpRequest request = b.build();

        Admission admission = admit();
        if (admission instanceof Admission.Blocked blocked) {
            log.debug("airline {} {}: not called, circuit open until {}", settings.program(), what, blocked.until());
            return new Outcome.CircuitOpen(blocked.until());
        }
        boolean trial = ((Admission.Go) admission).trial();
        Exchange x = null;
        try {
            x = exchange(request, what, confirmationOf);
            return x.outcome();
        } finally {
            // Also on an unexpected exception: a trial that never settles would keep the circuit open for good.
            settle(trial, x == null ? Verdict.ABANDONED : x.verdict());
        }
    }

    private Exchange exchange(HttpRequest request, String what, Function<JsonNode, String> confirmationOf) {
        int attemptsMax = settings.attemptsMax();
        for (int attempt = 1; ; attempt++) {
            String problem;
            Duration retryAfter = null;
            try {
                Reply r = send(request);
                int s = r.status();
                if (s == 200 || s == 201) {
                    String confirmation = confirmationOf.apply(json(r.body()));
                    if (confirmation != null) {
                        log.info("airline {} {}: {} on attempt {}", settings.program(), what,
                                s == 200 ? "replayed (200)" : "credited (201)", attempt);
                        return new Exchange(new Outcome.Credited(confirmation, s == 200), Verdict.ANSWERED);
                    }
                    problem = "HTTP " + s + " without a readable confirmation";
                } else if (s == 429) {
                    problem = "HTTP 429";
                    retryAfter = retryAfter(r.headers(), what);
                } else if (s == 408) {
                    problem = "HTTP 408"; // the partner gave up reading the request: nothing was decided, send it again
                } else if (s == 401 || s == 403) {
                    // Our key, not this call: every call would get the same, so it counts against the breaker.
                    log.warn("airline {} {}: credentials refused, HTTP {}", settings.program(), what, s);
                    return new Exchange(new Outcome.Unauthorized(s), Verdict.UNKNOWN);
                } else if (s >= 400 && s < 500) {
                    Outcome.Refused no = new Outcome.Refused(s, code(r.body(), s));
                    log.info("airline {} {}: refused, HTTP {} {}", settings.program(), what, s, no.code());
                    return new Exchange(no, Verdict.ANSWERED);
                } else {
                    problem = "HTTP " + s;
                }
            } catch (HttpTimeoutException | TimeoutException e) {
                problem = "no answer within " + settings.timeoutMs() + " ms";
            } catch (IOException e) {
                problem = "I/O: " + describe(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Exchange(new Outcome.Unresolved(attempt, "interrupted"), Verdict.ABANDONED);
            }
            if (attempt >= attemptsMax) {
                log.warn("airline {} {}: unresolved after {} attempt(s), last: {}", settings.program(), what, attempt, problem);
                return new Exchange(new Outcome.Unresolved(attempt, problem), Verdict.UNKNOWN);
            }
            Duration wait = retryAfter != null ? retryAfter : backoff(attempt - 1);
            log.info("airline {} {}: attempt {} of {}: {}; again in {} ms", settings.program(), what, attempt, attemptsMax,
                    problem, wait.toMillis());
            try {
                pause.pause(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Exchange(new Outcome.Unresolved(attempt, "interrupted"), Verdict.ABANDONED);
            }
        }
    }

    private record Reply(int status, HttpHeaders headers, byte[] body) {
    }

    /**
     * One attempt. The whole exchange, body included, is bounded by timeoutMs: the request timeout alone stops
     * at the headers, and a partner that sends headers and then stalls must not hold the job.
     */
    private Reply send(HttpRequest request) throws IOException, InterruptedException, TimeoutException {
        CompletableFuture<HttpResponse<byte[]>> f = http.sendAsync(request, info -> new BoundedBody(RESPONSE_BYTES_MAX));
        try {
            HttpResponse<byte[]> r = f.get(settings.timeoutMs(), TimeUnit.MILLISECONDS);
            return new Reply(r.statusCode(), r.headers(), r.body());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("airline " + settings.program() + ": the HTTP client failed", e.getCause());
        } finally {
            f.cancel(true); // a no-op once done; else it drops the exchange we gave up on
        }
    }

    /** Capped exponential backoff with full jitter: uniform in [0, min(backoffMaxMs, backoffInitialMs * 2^retry)]. */
    Duration backoff(int retry) {
        long cap = Math.min(settings.backoffMaxMs(), (long) settings.backoffInitialMs() << Math.min(retry, 32));
        long delay = jitter.applyAsLong(cap);
        if (delay < 0 || delay > cap) {
            throw new IllegalStateException("jitter gave " + delay + " ms, outside [0, " + cap + "]");
        }
        return Duration.ofMillis(delay);
    }

    /**
     * Retry-After in seconds or as an HTTP date, when it is within retryAfterMaxMs; null (back off instead)
     * when it is missing, unreadable or longer than we are willing to hold a job for.
     */
    private Duration retryAfter(HttpHeaders headers, String what) {
        String v = headers.firstValue("Retry-After").map(String::strip).orElse(null);
        if (v == null) {
            return null;
        }
        Duration d;
        if (v.matches("\\d{1,9}")) {
            d = Duration.ofSeconds(Long.parseLong(v));
        } else {
            try {
                d = Duration.between(clock.instant(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                d = d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        if (d.toMillis() > settings.retryAfterMaxMs()) {
            log.info("airline {} {}: Retry-After {} is over {} ms, backing off instead", settings.program(), what,
                    clean(v), settings.retryAfterMaxMs());
            return null;
        }
        return d;
    }

    // ---- reading answers

    private static JsonNode json(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            JsonNode n = JSON.readTree(body);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null; // not JSON: no answer
        }
    }

    /** An accrual's or reversal's confirmation, or null when there is none we could keep. */
    private static String confirmation(JsonNode n) {
        JsonNode c = n == null ? null : n.get("confirmation");
        return c != null && c.isTextual() && CONFIRMATION.matcher(c.textValue()).matches() ? c.textValue() : null;
    }

    /** Validation's "confirmation": the status, when it is ACTIVE. */
    private static String active(JsonNode n) {
        JsonNode s = n == null ? null : n.get("status");
        return s != null && "ACTIVE".equals(s.textValue()) ? "ACTIVE" : null;
    }

    private static String code(byte[] body, int status) {
        JsonNode n = json(body);
        JsonNode c = n == null ? null : n.get("code");
        return c != null && c.isTextual() && CODE.matcher(c.textValue()).matches() ? c.textValue() : "HTTP_" + status;
    }

    private static String describe(IOException e) {
        return clean(e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage());
    }

    /** Printable and short: problems are logged and stored. */
    private static String clean(String s) {
        String p = s.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > PROBLEM_CHARS_MAX ? p.substring(0, PROBLEM_CHARS_MAX) : p;
    }

    // ---- the breaker

    /** A closed circuit lets every call go; an open one none; a half-open one a single trial at a time. */
    private synchronized Admission admit() {
        if (openUntil == null) {
            return new Admission.Go(false);
        }
        if (trialInFlight || clock.instant().isBefore(openUntil)) {
            return new Admission.Blocked(openUntil);
        }
        trialInFlight = true;
        return new Admission.Go(true);
    }

    private void settle(boolean trial, Verdict verdict) {
        Instant opened = null;
        boolean closed = false;
        synchronized (this) {
            if (trial) {
                trialInFlight = false;
            }
            switch (verdict) {
                case ANSWERED -> {
                    closed = openUntil != null;
                    consecutiveFailures = 0;
                    openUntil = null;
                }
                case UNKNOWN -> {
                    consecutiveFailures++;
                    if (trial || consecutiveFailures >= settings.breakerFailures()) {
                        openUntil = clock.instant().plusMillis(settings.breakerCoolOffMs());
                        opened = openUntil;
                    }
                }
                case ABANDONED -> {
                    // Says nothing about the partner; a released trial slot lets the next call try.
                }
            }
        }
        if (opened != null) {
            log.warn("airline {}: {} unresolved call(s) in a row{}, circuit open until {}", settings.program(),
                    settings.breakerFailures(), trial ? " (the trial failed)" : "", opened);
        } else if (closed) {
            log.info("airline {}: answering again, circuit closed", settings.program());
        }
    }

    @Override
    public void close() {
        http.close();
    }

    /** Collects a response body up to {@code bytesMax}; a longer one fails the attempt like a broken connection. */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int bytesMax;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private Flow.Subscription subscription;

        BoundedBody(int bytesMax) {
            this.bytesMax = bytesMax;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (body.isDone()) {
                return;
            }
            for (ByteBuffer item : items) {
                if (out.size() + item.remaining() > bytesMax) {
                    subscription.cancel();
                    body.completeExceptionally(new IOException("response body over " + bytesMax + " bytes"));
                    return;
                }
                byte[] chunk = new byte[item.remaining()];
                item.get(chunk);
                out.writeBytes(chunk);
            }
        }

        @Override
        public void onError(Throwable t) {
            body.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            body.complete(out.toByteArray());
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }
    }
}
