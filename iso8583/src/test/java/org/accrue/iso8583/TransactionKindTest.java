package org.accrue.iso8583;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TransactionKindTest {

    @ParameterizedTest
    @CsvSource({"000000, PURCHASE", "003000, PURCHASE", "090000, PURCHASE", "200000, REFUND", "203000, REFUND",
            "010000, OTHER", "310000, OTHER", "210000, OTHER"})
    void processingCodeDecidesPurchaseRefundOrNotRewarded(String de3, TransactionKind kind) {
        assertThat(TransactionKind.of(de3)).isEqualTo(kind);
    }
}
