package org.accrue.processor.miles;

import java.net.URI;

/**
 * One airline partner's endpoint, credentials and limits (airline-partner-api.md), checked once here so a bad
 * value fails at startup with the name of the setting. Times are milliseconds: the per-attempt timeout, the
 * backoff between retries (capped exponential, full jitter), the longest Retry-After honoured, and the circuit
 * breaker's trip count and cool-off. The bounds are wider than the config file's, which checks its own first.
 */
public record PartnerSettings(String program, URI baseUrl, String apiKey, int timeoutMs, int attemptsMax,
                              int backoffInitialMs, int backoffMaxMs, int retryAfterMaxMs, int breakerFailures,
                              int breakerCoolOffMs) {
    private static final int API_KEY_CHARS_MAX = 512;

    public PartnerSettings {
        if (program == null || !program.matches("[A-Z0-9]{2,16}")) {
            throw new IllegalArgumentException("airline program must be 2-16 of A-Z 0-9, was " + program);
        }
        String at = "airline " + program + ": ";
        if (baseUrl == null || !baseUrl.isAbsolute() || baseUrl.getHost() == null
                || !("http".equals(baseUrl.getScheme()) || "https".equals(baseUrl.getScheme()))
                || baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null) {
            throw new IllegalArgumentException(at + "baseUrl must be an http(s) URL with a host and no query, was " + baseUrl);
        }
        // Printable ASCII only: the key goes into a header, and a CR or LF there would split it.
        if (apiKey == null || !apiKey.matches("[\\x21-\\x7e]{1," + API_KEY_CHARS_MAX + "}")) {
            throw new IllegalArgumentException(at + "apiKey must be 1-" + API_KEY_CHARS_MAX + " printable ASCII characters");
        }
        within(at, "timeoutMs", timeoutMs, 1, 600_000);
        within(at, "attemptsMax", attemptsMax, 1, 100);
        within(at, "backoffInitialMs", backoffInitialMs, 1, 3_600_000);
        within(at, "backoffMaxMs", backoffMaxMs, backoffInitialMs, 3_600_000);
        within(at, "retryAfterMaxMs", retryAfterMaxMs, 0, 86_400_000);
        within(at, "breakerFailures", breakerFailures, 1, 10_000);
        within(at, "breakerCoolOffMs", breakerCoolOffMs, 1, 604_800_000);
    }

    private static void within(String at, String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(at + name + " must be in [" + min + ", " + max + "], was " + value);
        }
    }

    /** The URL of {@code path} under the base URL, whether or not the base was configured with a trailing slash. */
    URI resolve(String path) {
        String base = baseUrl.toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + path);
    }

    @Override
    public String toString() {
        return "PartnerSettings[" + program + " at " + baseUrl + ", apiKey=***, timeoutMs=" + timeoutMs + ", attemptsMax="
                + attemptsMax + ", backoffInitialMs=" + backoffInitialMs + ", backoffMaxMs=" + backoffMaxMs
                + ", retryAfterMaxMs=" + retryAfterMaxMs + ", breakerFailures=" + breakerFailures + ", breakerCoolOffMs="
                + breakerCoolOffMs + "]";
    }
}
