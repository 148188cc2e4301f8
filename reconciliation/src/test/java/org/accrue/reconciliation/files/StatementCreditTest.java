package org.accrue.reconciliation.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatementCreditTest {
    private static final LocalDate DAY = LocalDate.parse("2026-11-19");

    private static StatementCredit credit(String field, String value) {
        return new StatementCredit(
                field.equals("creditId") ? value : "C1",
                field.equals("accountRef") ? value : "ACC-1",
                field.equals("last4") ? value : "4242",
                -300,
                field.equals("currency") ? value : "USD",
                field.equals("statementText") ? value : "CASHBACK BLUE BOTTLE",
                field.equals("offerId") ? value : "bb-10",
                DAY);
    }

    @ParameterizedTest(name = "{0} = [{1}]")
    @CsvSource(delimiter = ';', nullValues = "NULL", textBlock = """
            creditId      ; ''
            creditId      ; C|1
            creditId      ; NULL
            accountRef    ; ACC|1
            accountRef    ; ''
            offerId       ; bb|10
            last4         ; 424
            last4         ; 42a2
            last4         ; 42424
            currency      ; usd
            currency      ; US
            currency      ; XYZ
            statementText ; CASHBACK|BLUE
            statementText ; CASHBACK BLUE BOTTLE CO.
            """)
    void aCreditThatWouldBreakTheFileIsRefusedNamingTheField(String field, String value) {
        assertThatThrownBy(() -> credit(field, value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(field);
    }

    @Test
    void lineBreaksInAnyTextFieldAreRefused() {
        for (String field : new String[] {"creditId", "accountRef", "offerId", "statementText"}) {
            for (String bad : new String[] {"A\nB", "A\rB", "A\u0085B", "A\u2028B", "A\uD800B"}) {
                assertThatThrownBy(() -> credit(field, bad)).as(field).isInstanceOf(IllegalArgumentException.class);
            }
        }
    }

    @Test
    void theMessageNamesTheCreditButNeverRepeatsABadCreditId() {
        assertThatThrownBy(() -> credit("last4", "12")).hasMessage("credit C1: last4 must be 4 digits");
        assertThatThrownBy(() -> credit("creditId", "C\n1")).message().doesNotContain("C\n1");
    }

    @Test
    void aMissingPurchaseDateIsRefused() {
        assertThatThrownBy(() -> new StatementCredit("C1", "ACC-1", "4242", 1, "USD", "X", "o", null))
                .hasMessageContaining("purchaseDate");
    }

    @Test
    void negativeAmountsAreDebitsAndAreAccepted() {
        assertThat(credit("none", "").amount()).isEqualTo(-300);
    }
}
