package org.accrue.processor.points;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each expiry rule's date for a lot, and the expiry job's cutoff agreeing with it on every day. */
class ExpiryRuleTest {
    @ParameterizedTest
    @CsvSource({
            "ROLLING_MONTHS, 12, 2026-03-15, 2027-03-16",
            "ROLLING_MONTHS, 1, 2026-01-31, 2026-03-01",
            "END_OF_YEAR, 0, 2026-03-15, 2027-01-01",
            "END_OF_YEAR, 1, 2026-12-31, 2028-01-01",
            "END_OF_QUARTER, 0, 2026-02-10, 2026-04-01",
            "END_OF_QUARTER, 1, 2026-11-30, 2027-04-01"})
    void aLotExpiresOnTheDayItsRuleSays(ExpiryRule.Kind kind, int count, LocalDate earned, LocalDate expiresOn) {
        assertThat(new ExpiryRule(kind, count).expiresOn(earned)).isEqualTo(expiresOn);
    }

    @ParameterizedTest
    @CsvSource({"ROLLING_MONTHS, 1", "ROLLING_MONTHS, 24", "END_OF_YEAR, 0", "END_OF_YEAR, 2", "END_OF_QUARTER, 0",
            "END_OF_QUARTER, 3"})
    void theJobsCutoffTakesExactlyTheLotsWhoseDateHasCome(ExpiryRule.Kind kind, int count) {
        ExpiryRule rule = new ExpiryRule(kind, count);
        LocalDate first = LocalDate.of(2024, 1, 1);
        for (LocalDate earned = first; earned.isBefore(LocalDate.of(2025, 1, 1)); earned = earned.plusDays(3)) {
            LocalDate on = rule.expiresOn(earned);
            assertThat(earned.isBefore(rule.cutoff(on))).as("%s expires on %s", earned, on).isTrue();
            assertThat(earned.isBefore(rule.cutoff(on.minusDays(1)))).as("%s still alive the day before %s", earned, on)
                    .isFalse();
        }
    }

    @ParameterizedTest
    @CsvSource({"ROLLING_MONTHS, 0", "END_OF_YEAR, -1", "END_OF_QUARTER, 241"})
    void aCountOutOfBoundsIsRefused(ExpiryRule.Kind kind, int count) {
        assertThatThrownBy(() -> new ExpiryRule(kind, count)).isInstanceOf(IllegalArgumentException.class);
    }
}
