/*
 * When a failed delivery is tried again (webhooks.md): about 1 min, 5 min,
 * 30 min, 2 h, then every 6 h, each delay spread by +/- 20 % of jitter so the
 * deliveries that failed together (an issuer's outage) do not come back
 * together; retried for the retry period (72 h) from the first attempt, then
 * dead. The delays are configuration so tests run the schedule in seconds.
 */
package org.accrue.processor.webhooks;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

public record RetrySchedule(List<Duration> delays, Duration period) {
    public static final RetrySchedule STANDARD = new RetrySchedule(List.of(Duration.ofMinutes(1), Duration.ofMinutes(5),
            Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(6)), Duration.ofHours(72));
    private static final double JITTER = 0.2;

    public RetrySchedule {
        if (delays.isEmpty()) {
            throw new IllegalArgumentException("a retry schedule needs at least one delay");
        }
        delays = List.copyOf(delays);
    }

    /**
     * The next attempt after {@code attempts} failed ones (1 = the first failed), or empty when the retry period
     * from {@code firstAttempt} is over. {@code retryAfter} (a 429's or 503's Retry-After) is a floor.
     */
    public Optional<Instant> next(int attempts, Instant firstAttempt, Instant now, Duration retryAfter) {
        Duration base = delays.get(Math.min(attempts, delays.size()) - 1);
        long ms = (long) (base.toMillis() * (1 + ThreadLocalRandom.current().nextDouble(-JITTER, JITTER)));
        if (retryAfter != null && retryAfter.toMillis() > ms) {
            ms = retryAfter.toMillis();
        }
        Instant at = now.plusMillis(Math.max(ms, 1));
        return at.isAfter(firstAttempt.plus(period)) ? Optional.empty() : Optional.of(at);
    }
}
