/*
 * The attempts of one call to the airline. An answer ends the call: 200/201
 * with a confirmation, 409, 422, any other 4xx, and 401/403 (our key refused,
 * which the breaker counts as a failure). Anything else is an unknown outcome
 * (5xx, 408, timeout, reset, a 2xx without a readable confirmation, a body
 * over the size limit) and is tried again with the same request, when and
 * as often as the RetryPolicy says, up to attemptsMax attempts in all. Each
 * attempt, body included, is bounded by timeoutMs.
 */
package org.accrue.processor.miles;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import org.accrue.processor.miles.CircuitBreaker.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

final class PartnerExchange implements AutoCloseable {
    // The client's log category: operators filter airline lines by it, whichever part of the client writes them.
    private static final Logger log = LoggerFactory.getLogger(AirlinePartner.class);

    /** What a call ended in, and what it tells the breaker. */
    record Exchange(Outcome outcome, Verdict verdict) {
    }

    private record Reply(int status, HttpHeaders headers, byte[] body) {
    }

    private final PartnerSettings settings;
    private final RetryPolicy retries;
    private final HttpClient http;

    PartnerExchange(PartnerSettings settings, RetryPolicy retries) {
        this.settings = settings;
        this.retries = retries;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(settings.timeoutMs()))
                .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    Exchange exchange(HttpRequest request, String what, Function<JsonNode, String> confirmationOf) {
        int attemptsMax = retries.attemptsMax();
        for (int attempt = 1; ; attempt++) {
            String problem;
            Duration retryAfter = null;
            try {
                Reply r = send(request);
                int s = r.status();
                if (s == 200 || s == 201) {
                    String confirmation = confirmationOf.apply(PartnerReplies.json(r.body()));
                    if (confirmation != null) {
                        log.info("airline {} {}: {} on attempt {}", settings.program(), what,
                                s == 200 ? "replayed (200)" : "credited (201)", attempt);
                        return new Exchange(new Outcome.Credited(confirmation, s == 200), Verdict.ANSWERED);
                    }
                    problem = "HTTP " + s + " without a readable confirmation";
                } else if (s == 429) {
                    problem = "HTTP 429";
                    retryAfter = retries.retryAfter(r.headers(), what);
                } else if (s == 408) {
                    problem = "HTTP 408"; // the partner gave up reading the request: nothing was decided, send it again
                } else if (s == 401 || s == 403) {
                    // Our key, not this call: every call would get the same, so it counts against the breaker.
                    log.warn("airline {} {}: credentials refused, HTTP {}", settings.program(), what, s);
                    return new Exchange(new Outcome.Unauthorized(s), Verdict.UNKNOWN);
                } else if (s >= 400 && s < 500) {
                    Outcome.Refused no = new Outcome.Refused(s, PartnerReplies.code(r.body(), s));
                    log.info("airline {} {}: refused, HTTP {} {}", settings.program(), what, s, no.code());
                    return new Exchange(no, Verdict.ANSWERED);
                } else {
                    problem = "HTTP " + s;
                }
            } catch (HttpTimeoutException | TimeoutException e) {
                problem = "no answer within " + settings.timeoutMs() + " ms";
            } catch (IOException e) {
                problem = "I/O: " + PartnerReplies.describe(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Exchange(new Outcome.Unresolved(attempt, "interrupted"), Verdict.ABANDONED);
            }
            if (attempt >= attemptsMax) {
                log.warn("airline {} {}: unresolved after {} attempt(s), last: {}", settings.program(), what, attempt, problem);
                return new Exchange(new Outcome.Unresolved(attempt, problem), Verdict.UNKNOWN);
            }
            Duration wait = retryAfter != null ? retryAfter : retries.backoff(attempt - 1);
            log.info("airline {} {}: attempt {} of {}: {}; again in {} ms", settings.program(), what, attempt, attemptsMax,
                    problem, wait.toMillis());
            try {
                retries.pause(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Exchange(new Outcome.Unresolved(attempt, "interrupted"), Verdict.ABANDONED);
            }
        }
    }

    /**
     * One attempt. The whole exchange, body included, is bounded by timeoutMs: the request timeout alone stops
     * at the headers, and a partner that sends headers and then stalls must not hold the job.
     */
    private Reply send(HttpRequest request) throws IOException, InterruptedException, TimeoutException {
        CompletableFuture<HttpResponse<byte[]>> f = http.sendAsync(request,
                info -> new PartnerReplies.BoundedBody(PartnerReplies.RESPONSE_BYTES_MAX));
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

    @Override
    public void close() {
        http.close();
    }
}
