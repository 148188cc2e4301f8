package org.accrue.reconciliation.matching;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReconcilerTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                                  | sent? | earlier outcome | line account | line amount | line currency | posted | outcome
            the same account, amount and currency   | yes   |                 | ACC-1        | 1250        | USD           | true   | MATCHED
            refused by the issuer                    | yes   |                 | ACC-1        | 1250        | USD           | false  | REJECTED
            posted to another account                | yes   |                 | ACC-9        | 1250        | USD           | true   | ACCOUNT_MISMATCH
            posted with another amount               | yes   |                 | ACC-1        | 1200        | USD           | true   | AMOUNT_MISMATCH
            posted in another currency               | yes   |                 | ACC-1        | 1250        | EUR           | true   | AMOUNT_MISMATCH
            wrong account wins over wrong amount     | yes   |                 | ACC-9        | 1          | USD           | true   | ACCOUNT_MISMATCH
            refusal wins over a wrong account        | yes   |                 | ACC-9        | 1250        | USD           | false  | REJECTED
            a credit id never sent                   | no    |                 | ACC-1        | 1250        | USD           | true   | UNKNOWN
            confirmed again after a match            | yes   | MATCHED         | ACC-1        | 1250        | USD           | true   | DUPLICATE
            confirmed again after a rejection        | yes   | REJECTED        | ACC-1        | 1250        | USD           | true   | DUPLICATE
            confirmed after it was raised missing    | yes   | MISSING         | ACC-1        | 1250        | USD           | true   | LATE
            """)
    void aConfirmationLineEndsInExactlyOneOutcomeInTheSpecsOrder(String name, String sent, String earlier, String account,
                                                                 long amount, String currency, boolean posted, Outcome expected) {
        Reconciler.SentCredit credit = sent.equals("yes")
                ? new Reconciler.SentCredit("C1", "ACC-1", 1250, "USD", earlier == null ? null : Outcome.valueOf(earlier))
                : null;

        Outcome o = Reconciler.outcome(credit, new Reconciler.Confirmed("C1", account, amount, currency, posted));

        assertThat(o).isEqualTo(expected);
        assertThat(o.isException()).isEqualTo(expected != Outcome.MATCHED);
    }

    @Test
    void aCreditIsMissingOnceItsConfirmationWindowHasPassed() {
        Instant filed = Instant.parse("2026-11-20T02:30:00Z");
        Duration window = Duration.ofDays(3);

        assertThat(Reconciler.missing(filed, filed.plus(window).minusSeconds(1), window)).isFalse();
        assertThat(Reconciler.missing(filed, filed.plus(window), window)).isTrue();
    }
}
