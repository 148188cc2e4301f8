package org.accrue.rewards.matching;

import static org.accrue.rewards.matching.Fixtures.BLUE_BOTTLE;
import static org.accrue.rewards.matching.Fixtures.card;
import static org.accrue.rewards.matching.Fixtures.offer;
import static org.accrue.rewards.matching.Fixtures.purchase;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.accrue.rewards.offers.Offer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bonus offers in the pure engine (punch cards, welcome, spend thresholds): every qualifying purchase is counted
 * whatever else it earns, and the bonus, when due, is paid on top of the exclusive winner. The standard purchase is
 * Sunday 2026-11-22 10:30 local, in store, USD 40.00 at Blue Bottle.
 */
class BonusMatchingTest {
    private static final MerchantDirectory DIRECTORY = new MerchantDirectory(List.of(BLUE_BOTTLE));

    private static MatchResult match(List<Offer> offers, Fixtures.Card c) {
        return new MatchingEngine(DIRECTORY, offers).match(purchase("-"), c, id -> 0L);
    }

    @ParameterizedTest(name = "{0}: pays {3}")
    @CsvSource(delimiter = '|', textBlock = """
            punch: 5th of every 5 completes                 | punch=5/500            | punches=4                                      | 500
            punch: 4th of every 5 is counted, not paid      | punch=5/500            | punches=3                                      | 0
            punch: 10th with one completion live pays again | punch=5/500            | punches=9; redeemed=offer-1#OFFER@1            | 500
            punch: a refunded visit is made up first        | punch=5/500            | punches=5; redeemed=offer-1#OFFER@1            | 0
            punch: a reversed completion is paid again      | punch=5/500            | punches=4; redeemed=offer-1#OFFER@0            | 500
            welcome: the first purchase                     | welcome=1000/0         | -                                              | 1000
            welcome: within its days of enrollment          | welcome=1000/30        | enrolled=2026-11-01T00:00:00Z                  | 1000
            threshold: below it, counted                    | threshold=50000/2500/MONTH | spent=offer-1#MONTH:2026-11-01@5000        | 0
            threshold: this purchase crosses it             | threshold=50000/2500/MONTH | spent=offer-1#MONTH:2026-11-01@46000       | 2500
            threshold: crossed and paid this month already  | threshold=50000/2500/MONTH | spent=offer-1#MONTH:2026-11-01@60000; redeemed=offer-1#MONTH:2026-11-01@1 | 0
            threshold: last month's bonus does not count    | threshold=50000/2500/MONTH | spent=offer-1#MONTH:2026-11-01@60000; redeemed=offer-1#MONTH:2026-10-01@1 | 2500
            """)
    void aBonusIsCountedAndPaysWhenDue(String scenario, String offerChanges, String cardChanges, long pays) {
        MatchResult r = match(List.of(offer(offerChanges)), card(cardChanges));
        assertThat(r.declined()).as(scenario).isEmpty();
        assertThat(r.counted()).as(scenario).singleElement().extracting(Earned::baseMinor).isEqualTo(4000L);
        if (pays == 0) {
            assertThat(r.earned()).as(scenario + ": nothing to pay, no reward of 0").isEmpty();
        } else {
            assertThat(r.earned()).as(scenario).singleElement().extracting(Earned::amount).isEqualTo(pays);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            welcome: had once                          | welcome=1000/0     | redeemed=offer-1#OFFER@1      | CARD_LIMIT_REACHED
            welcome: enrolled too long ago             | welcome=1000/30    | enrolled=2026-10-01T00:00:00Z | AUDIENCE_NOT_ELIGIBLE
            welcome: enrollment unknown with a window  | welcome=1000/30    | -                             | AUDIENCE_NOT_ELIGIBLE
            punch: its one completion had              | punch=5/500/1      | punches=6; redeemed=offer-1#OFFER@1 | CARD_LIMIT_REACHED
            """)
    void aBonusTheCardCanNoLongerEarnIsDeclinedAndNotCounted(String scenario, String offerChanges, String cardChanges,
                                                             String reason) {
        MatchResult r = match(List.of(offer(offerChanges)), card(cardChanges));
        assertThat(r.earned()).as(scenario).isEmpty();
        assertThat(r.counted()).as(scenario).isEmpty();
        assertThat(r.declined()).as(scenario).containsExactly(new MatchResult.Declined("offer-1", Reason.valueOf(reason)));
    }

    @Test
    void aPunchIsCountedWhileABetterExclusiveOfferWinsAndItsCompletionIsPaidOnTop() {
        List<Offer> offers = List.of(offer("id=ten-percent; percent=1000"), offer("id=coffee-punch; punch=5/500"));
        MatchResult visit = match(offers, card("punches=1"));
        assertThat(visit.earned()).extracting(e -> e.offer().id()).containsExactly("ten-percent");
        assertThat(visit.declined()).as("a punch card is no exclusive rival: never NOT_BEST_OFFER").isEmpty();
        assertThat(visit.counted()).extracting(e -> e.offer().id()).containsExactly("coffee-punch");

        MatchResult fifth = match(offers, card("punches=4"));
        assertThat(fifth.earned()).extracting(e -> e.offer().id() + " " + e.amount())
                .containsExactly("ten-percent 400", "coffee-punch 500");
    }

    @Test
    void aWelcomeAndAThresholdBonusStackOnTheExclusiveWinnerToo() {
        List<Offer> offers = List.of(offer("id=ten-percent; percent=1000"), offer("id=hello; welcome=1000/0"),
                offer("id=spend-500; threshold=4000/2500/MONTH"));
        MatchResult r = match(offers, card("-"));
        assertThat(r.earned()).extracting(e -> e.offer().id() + " " + e.amount())
                .containsExactly("ten-percent 400", "hello 1000", "spend-500 2500");
        assertThat(r.declined()).isEmpty();
    }
}
