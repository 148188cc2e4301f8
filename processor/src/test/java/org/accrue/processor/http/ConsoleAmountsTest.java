package org.accrue.processor.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.accrue.rewards.matching.RewardUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The console's amounts: major units by the currency's exponent, alphabetic codes, miles and points as counts. */
class ConsoleAmountsTest {

    @ParameterizedTest(name = "{0} {1} is shown as {2}")
    @CsvSource(delimiter = '|', textBlock = """
            58    | USD | 0.58 USD
            58    | 840 | 0.58 USD
            4551  | 840 | 45.51 USD
            -4551 | USD | -45.51 USD
            1200  | JPY | 1200 JPY
            1200  | 392 | 1200 JPY
            1234  | BHD | 1.234 BHD
            0     | EUR | 0.00 EUR
            1200  | SKY | 1200 SKY
            7     | 999 | 7 999
            """)
    void moneyIsShownInMajorUnitsWithTheAlphabeticCode(long minor, String code, String shown) {
        assertThat(Console.money(minor, code)).isEqualTo(shown);
    }

    @ParameterizedTest(name = "{0} {1} {2} is shown as {3}")
    @CsvSource(delimiter = '|', textBlock = """
            CASH   | USD     | 58   | 0.58 USD
            CASH   | JPY     | 500  | 500 JPY
            MILES  | SKY     | 1200 | 1200 SKY miles
            POINTS | BANKPTS | 300  | 300 BANKPTS points
            """)
    void aRewardUnitIsShownByItsKind(RewardUnit.Kind kind, String code, long amount, String shown) {
        assertThat(Console.money(amount, new RewardUnit(kind, code))).isEqualTo(shown);
    }

    @ParameterizedTest(name = "{0} basis points are {1}")
    @CsvSource({"1000, 10%", "125, 1.25%", "5, 0.05%", "10000, 100%"})
    void aRateIsShownAsAPercentage(int basisPoints, String shown) {
        assertThat(Console.percent(basisPoints)).isEqualTo(shown);
    }

    @org.junit.jupiter.api.Test
    void anOffersRuleIsShownInWords() {
        assertThat(Console.rule(new org.accrue.rewards.offers.RewardRule.Percent(1000), "USD")).isEqualTo("10% cashback");
        assertThat(Console.rule(new org.accrue.rewards.offers.RewardRule.Fixed(200), "USD")).isEqualTo("2.00 USD cashback");
        assertThat(Console.rule(new org.accrue.rewards.offers.RewardRule.MilesPerUnit(2, "SKY"), "USD"))
                .isEqualTo("2 SKY miles per USD");
        assertThat(Console.rule(new org.accrue.rewards.offers.RewardRule.PunchCard(5, 300), "JPY"))
                .isEqualTo("300 JPY every 5 purchases");
    }
}
