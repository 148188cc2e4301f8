package org.accrue.reconciliation.files;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatementTextTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', textBlock = """
            lower case is upper-cased                   ; blue bottle                  ; BLUE BOTTLE
            accents fold to their letter                ; Café Crème Brûlée            ; CAFE CREME BRULEE
            the field separator becomes a space         ; BLUE|BOTTLE                  ; BLUE BOTTLE
            runs of spaces collapse and ends are trimmed;   blue    bottle             ; BLUE BOTTLE
            letters without a decomposition are spelled ; Straße Ærø Łódź              ; STRASSE AERO LODZ
            full-width letters and ligatures fold       ; Ｃａｆｅ ﬁne                    ; CAFE FINE
            symbols and other scripts become spaces     ; Café ☕ 東京 & co!             ; CAFE & CO
            the result is cut at 22 characters          ; cashback blue bottle coffee  ; CASHBACK BLUE BOTTLE C
            a cut never leaves a trailing space         ; cashback blue bottle  coffee ; CASHBACK BLUE BOTTLE C
            a cut right after a word drops the space    ; cashback bluebottle x coffee ; CASHBACK BLUEBOTTLE X
            """)
    void statementTextIsUpperCaseAsciiOfAtMostTwentyTwoCharacters(String name, String in, String out) {
        assertThat(StatementText.clean(in)).as(name).isEqualTo(out);
    }

    @Test
    void lineBreaksAndControlCharactersNeverSurviveCleaning() {
        String cleaned = StatementText.clean("cash\r\nback\tblue\u0000bottle\u2028x|y");

        assertThat(cleaned).isEqualTo("CASH BACK BLUE BOTTLE");
        assertThat(cleaned).doesNotContain("|", "\n", "\r");
    }

    @Test
    void nothingOrOnlySymbolsCleansToAnEmptyText() {
        assertThat(StatementText.clean(null)).isEmpty();
        assertThat(StatementText.clean("")).isEmpty();
        assertThat(StatementText.clean(" |\n| ")).isEmpty();
    }

    @Test
    void cleaningIsIdempotentSoCleanedTextIsAlwaysAValidStatementText() {
        for (String s : new String[] {"Café|Crème\nBrûlée and more than enough", "ab  cd", "ÆØÅ æøå", "x".repeat(40)}) {
            String once = StatementText.clean(s);

            assertThat(StatementText.clean(once)).isEqualTo(once);
            assertThat(once.length()).isLessThanOrEqualTo(StatementText.CHARS_MAX);
        }
    }
}
