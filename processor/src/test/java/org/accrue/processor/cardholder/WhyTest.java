package org.accrue.processor.cardholder;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.accrue.rewards.matching.Reason;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The matcher's outcome text read back into lines a cardholder can be shown; anything else is OTHER, never echoed. */
class WhyTest {

    @Test
    void earnedAndDeclinedOffersAreReadInOrder() {
        List<Why.Line> lines = Why.parse("earned bb-10 250 USD; coffee-miles: CHANNEL_NOT_ELIGIBLE; bb-act: ACTIVATION_REQUIRED; ");
        assertThat(lines).containsExactly(new Why.Line(Why.Kind.EARNED, "bb-10", null, 250L, "USD"),
                new Why.Line(Why.Kind.DECLINED, "coffee-miles", Reason.CHANNEL_NOT_ELIGIBLE, null, null),
                new Why.Line(Why.Kind.DECLINED, "bb-act", Reason.ACTIVATION_REQUIRED, null, null));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            no merchant or category offer matched                               | NO_MERCHANT
            no offers for this merchant                                         | NO_OFFERS
            clearing of an earlier purchase                                     | CLEARING
            repeat of an earlier purchase                                       | CLEARING
            refund of 1000 reduced 2 reward(s)                                  | REFUND
            refund: no rewarded purchase with this DE37, or at this MID within its return period | REFUND
            full reversal of 1 reward(s)                                        | REVERSAL
            reversal without DE90                                               | REVERSAL
            processing code 010000 is not rewarded                              | NOT_A_PURCHASE
            MID MID000000000009 looks like merchant blue-bottle (suggested to ops) | OTHER
            earned x notanumber USD                                             | OTHER
            some-offer: NOT_A_REASON                                            | OTHER
            """)
    void whatTheMessageWasIsOneKind(String detail, Why.Kind kind) {
        assertThat(Why.parse(detail)).extracting(Why.Line::kind).containsExactly(kind);
    }
}
