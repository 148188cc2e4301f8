/*
 * When the airline client tries an unknown outcome again: after Retry-After
 * on a 429 when that is within retryAfterMaxMs (seconds or an HTTP date,
 * counted from the injected clock), else after a capped exponential backoff
 * with full jitter. Pauses go through an injected Pause and the jitter
 * through an injected function, so tests run the whole schedule instantly
 * and check it.
 */
package org.accrue.processor.miles;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.InstantSource;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.function.LongUnaryOperator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class RetryPolicy {
    // The client's log category: operators filter airline lines by it, whichever part of the client writes them.
    private static final Logger log = LoggerFactory.getLogger(AirlinePartner.class);

    private final PartnerSettings settings;
    private final InstantSource clock;
    private final AirlinePartner.Pause pause;
    private final LongUnaryOperator jitter;

    /** {@code jitter} maps a cap to a delay in [0, cap] (full jitter). */
    RetryPolicy(PartnerSettings settings, InstantSource clock, AirlinePartner.Pause pause, LongUnaryOperator jitter) {
        this.settings = settings;
        this.clock = clock;
        this.pause = pause;
        this.jitter = jitter;
    }

    int attemptsMax() {
        return settings.attemptsMax();
    }

    /**
     * Capped exponential backoff with full jitter: uniform in [0, min(backoffMaxMs, backoffInitialMs * 2^retry)].
     * A delay outside that range is a broken program and throws.
     */
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
    Duration retryAfter(HttpHeaders headers, String what) {
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
                    PartnerReplies.clean(v), settings.retryAfterMaxMs());
            return null;
        }
        return d;
    }

    void pause(Duration wait) throws InterruptedException {
        pause.pause(wait);
    }
}
