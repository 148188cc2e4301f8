package org.accrue.rewards.matching;

import static org.accrue.rewards.matching.Fixtures.BLUE_BOTTLE;
import static org.accrue.rewards.matching.Fixtures.card;
import static org.accrue.rewards.matching.Fixtures.offer;
import static org.accrue.rewards.matching.Fixtures.purchase;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.accrue.rewards.offers.Offer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MatchingEngineTest {
    private static final MerchantDirectory DIRECTORY = new MerchantDirectory(List.of(BLUE_BOTTLE));

    private static MatchResult match(List<Offer> offers, Purchase p, Fixtures.Card c, Map<String, Long> spent) {
        return new MatchingEngine(DIRECTORY, offers).match(p, c, id -> spent.getOrDefault(id, 0L));
    }

    /**
     * Every rule, and the precedence between rules: each row breaks one or two
     * rules and names the one that must be recorded. The standard purchase is
     * Sunday 2026-11-22 10:30 local, in store, USD 40.00 at Blue Bottle.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            paused                                  | status=PAUSED                               | -                                   | -                                           | OFFER_NOT_LIVE
            not started yet                         | startsAt=2026-12-01T00:00:00Z               | -                                   | -                                           | OFFER_NOT_LIVE
            ended                                   | startsAt=2026-10-01T00:00:00Z; endsAt=2026-11-01T00:00:00Z | -                    | -                                           | OFFER_NOT_LIVE
            online-only offer, in-store purchase    | channel=ONLINE                              | -                                   | -                                           | CHANNEL_NOT_ELIGIBLE
            in-store offer, online purchase         | channel=IN_STORE                            | online=true                         | -                                           | CHANNEL_NOT_ELIGIBLE
            offer in EUR, USD purchase, no billing  | currency=EUR                                | -                                   | -                                           | CURRENCY_NOT_ELIGIBLE
            excluded date                           | excluded=2026-11-22                         | -                                   | -                                           | DAY_OR_TIME_NOT_ELIGIBLE
            weekdays only, on a Sunday              | days=MONDAY; days=FRIDAY                    | -                                   | -                                           | DAY_OR_TIME_NOT_ELIGIBLE
            breakfast window, at 10:30              | window=07:00-10:00                          | -                                   | -                                           | DAY_OR_TIME_NOT_ELIGIBLE
            late window across midnight, at 10:30   | window=22:00-02:00                          | -                                   | -                                           | DAY_OR_TIME_NOT_ELIGIBLE
            needs activation, not activated         | activation=30                               | -                                   | -                                           | ACTIVATION_REQUIRED
            activation expired                      | activation=30                               | -                                   | activated=offer-1@2026-10-01T00:00:00Z      | ACTIVATION_REQUIRED
            activated after the purchase            | activation=30                               | -                                   | activated=offer-1@2026-11-23T00:00:00Z      | ACTIVATION_REQUIRED
            NEW but bought here 10 days ago         | audience=NEW/30                             | -                                   | last=2026-11-12T00:00:00Z                   | AUDIENCE_NOT_ELIGIBLE
            LAPSED but never bought here            | audience=LAPSED/30                          | -                                   | -                                           | AUDIENCE_NOT_ELIGIBLE
            LAPSED but bought within the look-back  | audience=LAPSED/30                          | -                                   | last=2026-11-12T00:00:00Z                   | AUDIENCE_NOT_ELIGIBLE
            below minimum spend                     | minSpend=5000                               | -                                   | -                                           | BELOW_MIN_SPEND
            tip does not count toward min spend     | minSpend=4000                               | tip=500                             | -                                           | BELOW_MIN_SPEND
            redemptions used up this month          | maxRedemptions=2/MONTH                      | -                                   | redeemed=offer-1#MONTH:2026-11-01@2         | CARD_LIMIT_REACHED
            reward cap used up for the offer        | maxReward=1000/OFFER                        | -                                   | rewarded=offer-1#OFFER@1000                 | CARD_LIMIT_REACHED
            budget spent                            | budget=100000                               | -                                   | -                                           | BUDGET_SPENT
            paused and wrong channel: live first    | status=PAUSED; channel=ONLINE               | -                                   | -                                           | OFFER_NOT_LIVE
            wrong channel and currency: channel     | channel=ONLINE; currency=EUR                | -                                   | -                                           | CHANNEL_NOT_ELIGIBLE
            currency and day: currency first        | currency=EUR; excluded=2026-11-22           | -                                   | -                                           | CURRENCY_NOT_ELIGIBLE
            day and activation: day first           | excluded=2026-11-22; activation=30          | -                                   | -                                           | DAY_OR_TIME_NOT_ELIGIBLE
            activation and audience: activation     | activation=30; audience=LAPSED/30           | -                                   | -                                           | ACTIVATION_REQUIRED
            audience and min spend: audience        | audience=LAPSED/30; minSpend=9000           | -                                   | -                                           | AUDIENCE_NOT_ELIGIBLE
            min spend and card limit: min spend     | minSpend=9000; maxRedemptions=0/OFFER       | -                                   | -                                           | BELOW_MIN_SPEND
            card limit and budget: card limit       | maxRedemptions=1/DAY; budget=100000         | -                                   | redeemed=offer-1#DAY:2026-11-22@1           | CARD_LIMIT_REACHED
            """)
    void theFirstFailingRuleInPrecedenceIsRecorded(String scenario, String offerChanges, String purchaseChanges,
                                                   String cardChanges, String expected) {
        Map<String, Long> spent = offerChanges.contains("budget=100000") ? Map.of("offer-1", 100_000L) : Map.of();
        MatchResult r = match(List.of(offer(offerChanges)), purchase(purchaseChanges), card(cardChanges), spent);
        assertThat(r.earned()).as(scenario).isEmpty();
        assertThat(r.declined()).as(scenario).containsExactly(new MatchResult.Declined("offer-1", Reason.valueOf(expected)));
    }

    @ParameterizedTest(name = "{0}: earns {4}")
    @CsvSource(delimiter = '|', textBlock = """
            10% of 40.00                            | percent=1000                        | -                                  | -                         | 400
            10% excludes the tip                    | percent=1000                        | tip=500                            | -                         | 350
            2.5% rounds down by default             | percent=250                         | amount=USD:3999                    | -                         | 99
            2.5% rounded half up                    | percent=250; rounding=HALF_UP       | amount=USD:3999                    | -                         | 100
            fixed 5.00                              | fixed=500                           | -                                  | -                         | 500
            2 miles per USD, whole miles            | miles=2                             | amount=USD:4099                    | -                         | 81
            3 points per USD                        | points=3                            | -                                  | -                         | 120
            capped per transaction                  | percent=5000; maxPerTxn=1000        | -                                  | -                         | 1000
            gold tier x1.5                          | percent=1000; tier=GOLD/15000       | -                                  | tier=GOLD                 | 600
            card cap leaves what remains            | percent=1000; maxReward=1000/OFFER  | -                                  | rewarded=offer-1#OFFER@700 | 300
            budget straddled: what remains          | percent=1000; budget=100250         | -                                  | -                         | 250
            EUR offer on the billed EUR amount      | currency=EUR; percent=1000          | billing=EUR:3700                   | -                         | 370
            JPY has no decimals                     | currency=JPY; percent=1000          | amount=JPY:1999                    | -                         | 199
            BHD has three decimals                  | currency=BHD; percent=125           | amount=BHD:10005                   | -                         | 125
            punch card: 4th of every 4              | punch=4/500                         | -                                  | punches=3                 | 500
            window across midnight, at 23:30        | percent=1000; window=22:00-02:00    | local=2026-11-22T23:30:00          | -                         | 400
            activated in time                       | percent=1000; activation=30         | -                                  | activated=offer-1@2026-11-20T00:00:00Z | 400
            NEW: last visit before the look-back    | percent=1000; audience=NEW/30       | -                                  | last=2026-09-01T00:00:00Z | 400
            LAPSED: last visit before the look-back | percent=1000; audience=LAPSED/30    | -                                  | last=2026-09-01T00:00:00Z | 400
            """)
    void eligibleOffersEarnWhatTheirRuleSays(String scenario, String offerChanges, String purchaseChanges,
                                            String cardChanges, long expected) {
        Map<String, Long> spent = offerChanges.contains("budget=100250") ? Map.of("offer-1", 100_000L) : Map.of();
        MatchResult r = match(List.of(offer(offerChanges)), purchase(purchaseChanges), card(cardChanges), spent);
        assertThat(r.declined()).as(scenario).isEmpty();
        assertThat(r.earned()).as(scenario).singleElement().extracting(Earned::amount).isEqualTo(expected);
    }

    @Test
    void theHighestExclusiveOfferWinsAndStackablesApplyOnTop() {
        List<Offer> offers = List.of(
                offer("id=small; percent=500"),
                offer("id=big; percent=1500"),
                offer("id=bonus; fixed=100; stacking=STACKABLE"),
                offer("id=cat; mccs=5814/5812; percent=200"));
        MatchResult r = match(offers, purchase("-"), card("-"), Map.of());
        assertThat(r.earned()).extracting(e -> e.offer().id()).containsExactly("big", "bonus");
        assertThat(r.declined()).extracting(MatchResult.Declined::offerId).containsExactlyInAnyOrder("small", "cat");
        assertThat(r.declined()).extracting(MatchResult.Declined::reason).containsOnly(Reason.NOT_BEST_OFFER);
    }

    @Test
    void aTieGoesToTheMostRecentlyStartedOffer() {
        List<Offer> offers = List.of(
                offer("id=older; percent=1000; startsAt=2026-10-01T00:00:00Z"),
                offer("id=newer; percent=1000; startsAt=2026-11-10T00:00:00Z"));
        assertThat(match(offers, purchase("-"), card("-"), Map.of()).earned())
                .singleElement().extracting(e -> e.offer().id()).isEqualTo("newer");
    }

    @Test
    void theMerchantIsFoundByMidThenByDescriptorThenByCategory() {
        Offer o = offer("percent=1000");
        Offer cat = offer("id=cat; mccs=5999; percent=100");
        assertThat(match(List.of(o), purchase("-"), card("-"), Map.of()).resolution()).isEqualTo(MatchResult.Resolution.MID);
        MatchResult byName = match(List.of(o), purchase("mid=UNKNOWN"), card("-"), Map.of());
        assertThat(byName.resolution()).isEqualTo(MatchResult.Resolution.DESCRIPTOR);
        assertThat(byName.merchantId()).isEqualTo("blue-bottle");
        MatchResult byMcc = match(List.of(o, cat), purchase("mid=UNKNOWN; descriptor=CORNER SHOP; mcc=5999"), card("-"), Map.of());
        assertThat(byMcc.resolution()).isEqualTo(MatchResult.Resolution.CATEGORY);
        assertThat(byMcc.earned()).singleElement().extracting(e -> e.offer().id()).isEqualTo("cat");
    }

    @Test
    void aNearMissOnADescriptorBecomesAMidSuggestionAndEarnsNothing() {
        MatchResult r = match(List.of(offer("percent=1000")), purchase("mid=NEWMID000000009; descriptor=BLUEBOTTLE SF FERRY"),
                card("-"), Map.of());
        assertThat(r.earned()).isEmpty();
        assertThat(r.suggestion()).isEqualTo(new MatchResult.MidSuggestion("blue-bottle", "12345678901", "NEWMID000000009",
                "BLUEBOTTLE SF FERRY"));
        MatchResult typo = match(List.of(), purchase("mid=X; descriptor=BLUE BOTLE #12"), card("-"), Map.of());
        assertThat(typo.suggestion()).isNotNull();
        assertThat(match(List.of(), purchase("mid=X; descriptor=GREEN GROCER"), card("-"), Map.of()).suggestion()).isNull();
    }
}
