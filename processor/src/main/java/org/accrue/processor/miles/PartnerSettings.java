package org.accrue.processor.miles;

import java.net.URI;

/**
 * One airline partner's endpoint, credentials and limits (airline-partner-api.md). Times are milliseconds:
 * per-call timeout, the backoff between retries (capped, full jitter), the longest Retry-After honoured, and
 * the circuit breaker's trip count and cool-off.
 */
public record PartnerSettings(String program, URI baseUrl, String apiKey, int timeoutMs, int attemptsMax,
                              int backoffInitialMs, int backoffMaxMs, int retryAfterMaxMs, int breakerFailures,
                              int breakerCoolOffMs) {
    public PartnerSettings {
        if (program == null || program.isBlank() || baseUrl == null || apiKey == null) {
            throw new IllegalArgumentException("an airline partner needs a program, a base URL and an API key");
        }
        if (timeoutMs <= 0 || attemptsMax <= 0 || backoffInitialMs <= 0 || backoffMaxMs < backoffInitialMs
                || retryAfterMaxMs < 0 || breakerFailures <= 0 || breakerCoolOffMs <= 0) {
            throw new IllegalArgumentException("airline partner " + program + ": limits must be positive, backoff max >= initial");
        }
    }

    @Override
    public String toString() {
        return "PartnerSettings[" + program + " at " + baseUrl + ", apiKey=***]";
    }
}
