package org.accrue.processor.miles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.URI;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** A partner's settings fail fast, naming the setting, and never print the API key. */
class PartnerSettingsTest {
    private static PartnerSettings with(String name, int value) {
        int[] v = {5000, 4, 500, 30_000, 60_000, 5, 300_000};
        String[] names = {"timeoutMs", "attemptsMax", "backoffInitialMs", "backoffMaxMs", "retryAfterMaxMs",
                "breakerFailures", "breakerCoolOffMs"};
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                v[i] = value;
            }
        }
        return new PartnerSettings("SKY", URI.create("https://partner.example/api"), "sky-secret", v[0], v[1], v[2], v[3],
                v[4], v[5], v[6]);
    }

    @Test
    void theDefaultsOfTheConfigFileAreAccepted() {
        assertThat(with("none", 0).attemptsMax()).isEqualTo(4);
    }

    @ParameterizedTest
    @CsvSource({"timeoutMs,0", "attemptsMax,0", "attemptsMax,101", "backoffInitialMs,0", "backoffMaxMs,499",
            "retryAfterMaxMs,-1", "breakerFailures,0", "breakerCoolOffMs,0"})
    void aLimitOutOfBoundsFailsWithTheNameOfTheSetting(String name, int value) {
        assertThatIllegalArgumentException().isThrownBy(() -> with(name, value))
                .withMessageContaining("airline SKY: " + name + " must be in [").withMessageEndingWith("was " + value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://partner.example", "partner.example/v1", "https://partner.example/?k=v"})
    void aBaseUrlThatIsNotAPlainHttpUrlIsRefused(String url) {
        assertThatIllegalArgumentException().isThrownBy(() -> new PartnerSettings("SKY", URI.create(url), "sky-secret",
                5000, 4, 500, 30_000, 60_000, 5, 300_000)).withMessageContaining("baseUrl");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "two words", "key\r\nX-Injected: yes", "clé"})
    void anApiKeyThatIsNotPrintableAsciiIsRefusedWithoutBeingEchoed(String key) {
        assertThatIllegalArgumentException().isThrownBy(() -> new PartnerSettings("SKY", URI.create("https://partner.example"),
                key, 5000, 4, 500, 30_000, 60_000, 5, 300_000)).withMessageContaining("apiKey")
                .satisfies(e -> assertThat(key.isEmpty() || !e.getMessage().contains(key)).isTrue());
    }

    @Test
    void toStringShowsTheLimitsButMasksTheKey() {
        assertThat(with("none", 0).toString()).contains("SKY", "timeoutMs=5000", "apiKey=***").doesNotContain("sky-secret");
    }

    @ParameterizedTest
    @CsvSource({"https://partner.example,https://partner.example/v1/accruals",
            "https://partner.example/,https://partner.example/v1/accruals",
            "https://partner.example/api/,https://partner.example/api/v1/accruals"})
    void endpointsResolveUnderTheBaseUrlWithOrWithoutATrailingSlash(String base, String endpoint) {
        PartnerSettings s = new PartnerSettings("SKY", URI.create(base), "sky-secret", 5000, 4, 500, 30_000, 60_000, 5,
                300_000);

        assertThat(s.resolve("/v1/accruals")).isEqualTo(URI.create(endpoint));
    }
}
