package org.accrue.processor.confirmations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.accrue.reconciliation.matching.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OutcomeCountsTest {
    @Test
    void countsSurviveTheStoredFormUnchanged() {
        OutcomeCounts counts = new OutcomeCounts(Map.of(Outcome.MATCHED, 999_999L, Outcome.LATE, 1L,
                Outcome.ACCOUNT_MISMATCH, 3L));

        String stored = counts.toJson();

        assertThat(stored).isEqualTo("{\"MATCHED\":999999,\"ACCOUNT_MISMATCH\":3,\"LATE\":1}");
        assertThat(OutcomeCounts.fromJson(stored)).isEqualTo(counts);
        assertThat(OutcomeCounts.fromJson(stored).of(Outcome.LATE)).isEqualTo(1);
        assertThat(OutcomeCounts.fromJson(stored).of(Outcome.REJECTED)).isZero();
    }

    @Test
    void noLinesIsAnEmptyObjectAndAnImportNotAppliedHasNoCounts() {
        assertThat(OutcomeCounts.NONE.toJson()).isEqualTo("{}");
        assertThat(OutcomeCounts.fromJson("{}")).isEqualTo(OutcomeCounts.NONE);
        assertThat(OutcomeCounts.fromJson(null)).isNull();
    }

    @Test
    void theShownFormIsOutcomesByNameAsTheApiAlwaysShowedThem() {
        assertThat(new OutcomeCounts(Map.of(Outcome.MATCHED, 10L, Outcome.DUPLICATE, 1L)))
                .hasToString("{DUPLICATE=1, MATCHED=10}");
    }

    @Test
    void partsAddUpOutcomeByOutcome() {
        OutcomeCounts a = new OutcomeCounts(Map.of(Outcome.MATCHED, 2L, Outcome.REJECTED, 1L));
        OutcomeCounts b = new OutcomeCounts(Map.of(Outcome.MATCHED, 3L, Outcome.UNKNOWN, 4L));

        assertThat(a.plus(b)).isEqualTo(new OutcomeCounts(Map.of(Outcome.MATCHED, 5L, Outcome.REJECTED, 1L,
                Outcome.UNKNOWN, 4L)));
        assertThat(a.plus(b).total()).isEqualTo(10);
    }

    @ParameterizedTest(name = "{0} is a broken row")
    @ValueSource(strings = {"{MATCHED=3}", "{\"MATCHED\":-1}", "{\"MATCHED\":1.5}", "{\"MATCHED\":\"3\"}",
            "{\"SETTLED\":3}", "[]", "MATCHED=3,REJECTED=1"})
    void aStoredFormThatIsNotOutcomeCountsIsRefusedNotSkipped(String stored) {
        assertThatThrownBy(() -> OutcomeCounts.fromJson(stored)).isInstanceOf(IllegalStateException.class);
    }
}
