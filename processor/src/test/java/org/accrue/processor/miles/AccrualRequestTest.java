package org.accrue.processor.miles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.LocalDate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** An accrual is checked where it is made, and prints without the member number. */
class AccrualRequestTest {
    private static final LocalDate DAY = LocalDate.parse("2026-11-20");

    @Test
    void toStringShowsTheIdAndOnlyTheLastFourOfTheMemberNumber() {
        AccrualRequest r = new AccrualRequest("ACR-000000123", "AB1234567", "Nguyen", 1250, DAY, "BLUE BOTTLE");

        assertThat(r.toString()).contains("ACR-000000123", "...4567").doesNotContain("AB1234567", "Nguyen");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ACR 1", "ACR/1", "ACR-1\r\nX: y", "ACR-é"})
    void anIdThatCouldNotBeAHeaderAndAPathSegmentIsRefused(String id) {
        assertThatIllegalArgumentException().isThrownBy(() -> new AccrualRequest(id, "AB1234567", "Nguyen", 1, DAY, "X"));
    }

    @Test
    void milesArePositiveAndTheMemberAndDateAreRequired() {
        assertThatIllegalArgumentException().isThrownBy(() -> new AccrualRequest("ACR-1", "AB1234567", "N", 0, DAY, "X"))
                .withMessageContaining("miles");
        assertThatIllegalArgumentException().isThrownBy(() -> new AccrualRequest("ACR-1", " ", "N", 1, DAY, "X"))
                .withMessageContaining("member");
        assertThatIllegalArgumentException().isThrownBy(() -> new AccrualRequest("ACR-1", "AB1234567", "N", 1, null, "X"))
                .withMessageContaining("date");
    }
}
