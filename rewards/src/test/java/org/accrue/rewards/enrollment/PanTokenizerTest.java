package org.accrue.rewards.enrollment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PanTokenizerTest {
    private static final String PAN = "4111111111111111";

    private static byte[] key(int b) {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) b);
        return k;
    }

    @Test
    void aTokenIsStableAndHoldsNoDigitsOfThePan() {
        PanTokenizer t = new PanTokenizer(1, Map.of(1, key(1)));
        assertThat(t.current(PAN)).isEqualTo(t.current(PAN));
        assertThat(t.current(PAN).token()).hasSize(64).doesNotContain(PAN).doesNotContain("1111111111");
    }

    @Test
    void differentKeysGiveDifferentTokens() {
        PanTokenizer a = new PanTokenizer(1, Map.of(1, key(1)));
        PanTokenizer b = new PanTokenizer(1, Map.of(1, key(2)));
        assertThat(a.current(PAN).token()).isNotEqualTo(b.current(PAN).token());
    }

    @Test
    void afterRotationNewCardsUseTheNewKeyAndLookupsTryBoth() {
        PanTokenizer before = new PanTokenizer(1, Map.of(1, key(1)));
        PanTokenizer after = new PanTokenizer(2, Map.of(1, key(1), 2, key(2)));
        assertThat(after.current(PAN).keyVersion()).isEqualTo(2);
        assertThat(after.all(PAN)).hasSize(2).first().isEqualTo(after.current(PAN));
        assertThat(after.all(PAN)).contains(before.current(PAN));
    }

    @Test
    void toStringShowsNoKeyMaterial() {
        assertThat(new PanTokenizer(1, Map.of(1, key(65))).toString()).doesNotContain("AAAA").contains("versions=[1]");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(textBlock = """
            4111111111111111,     ''
            4111111111111112,     PAN_CHECK_DIGIT
            41111111111,          PAN_LENGTH
            41111111111111111111, PAN_LENGTH
            4111-1111-1111-1111,  PAN_NOT_NUMERIC
            '',                   PAN_MISSING
            """)
    void panRulesNameTheBrokenRule(String pan, String rule) {
        assertThat(PanRules.violation(pan)).isEqualTo(rule == null || rule.isEmpty() ? null : rule);
    }
}
