package org.accrue.rewards.matching;

import static org.accrue.rewards.matching.Fixtures.BLUE_BOTTLE;
import static org.accrue.rewards.matching.Fixtures.offer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;

import org.accrue.rewards.offers.Offer;
import org.accrue.rewards.offers.Targeting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The compiled targeting checks (issue 17): each kind admits the cards and places it names and refuses the others,
 * with the reason in the spec's precedence. The standard purchase is Blue Bottle, 2026-11-22T18:30Z, USD 40.00, in
 * Copenhagen (DK); the standard card is issuer "nordbank", BIN 45171234, tier GOLD, in segment "seg-vip".
 */
class TargetingTest {
    private static final MerchantDirectory DIRECTORY = new MerchantDirectory(List.of(BLUE_BOTTLE));

    private record Card(String issuerId, int bin, String tier, Set<String> segments) implements CardState {
        @Override public String tier() { return tier; }
        @Override public Instant activatedAt(String offerId) { return null; }
        @Override public Instant lastPurchaseAt(String merchantId, Instant before) { return null; }
        @Override public long rewardInPeriod(String offerId, Offer.Period period, LocalDate date) { return 0; }
        @Override public int redemptionsInPeriod(String offerId, Offer.Period period, LocalDate date) { return 0; }
        @Override public int punches(String offerId) { return 0; }
        @Override public boolean inSegment(String segmentId) { return segments.contains(segmentId); }
    }

    private static final Card CARD = new Card("nordbank", 45171234, "GOLD", Set.of("seg-vip"));

    private static Targeting targeting(String spec) {
        Set<String> issuers = Set.of(), tiers = Set.of(), segments = Set.of(), countries = Set.of(), cities = Set.of();
        List<Targeting.BinRange> bins = List.of();
        Targeting.EarlyAccess early = null;
        for (String part : spec.split(";")) {
            if (part.isBlank()) {
                continue;
            }
            String k = part.substring(0, part.indexOf('=')).strip();
            Set<String> v = Set.of(part.substring(part.indexOf('=') + 1).strip().split(","));
            switch (k) {
                case "issuers" -> issuers = v;
                case "tiers" -> tiers = v;
                case "segments" -> segments = v;
                case "countries" -> countries = v;
                case "cities" -> cities = v;
                case "bins" -> bins = v.stream().map(r -> new Targeting.BinRange(r.split("-")[0], r.split("-")[1])).toList();
                case "early" -> early = new Targeting.EarlyAccess(Set.of(v.iterator().next().split("@")[0]),
                        Instant.parse(v.iterator().next().split("@")[1]));
                default -> throw new IllegalArgumentException(k);
            }
        }
        return new Targeting(issuers, bins, tiers, early, segments, countries, cities);
    }

    private static MatchResult match(Offer o, Purchase p, CardState card) {
        return new MatchingEngine(DIRECTORY, List.of(o)).match(p, card, id -> 0L);
    }

    private static Purchase purchase(String country, String city) {
        Purchase p = Fixtures.purchase("-");
        return new Purchase(p.at(), p.local(), p.online(), p.amount(), p.billingAmount(), p.tipMinor(), p.acquirerId(),
                p.mid(), p.descriptor(), p.mcc(), country, city);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            the card's issuer                       | issuers=nordbank,sydbank                 | EARNED
            another issuer only                     | issuers=sydbank                          | AUDIENCE_NOT_ELIGIBLE
            a six-digit range holding the BIN       | bins=451700-451799                       | EARNED
            an eight-digit range holding the BIN    | bins=45171234-45171234                   | EARNED
            ranges beside the BIN                   | bins=400000-45171233,45171235-45179999    | AUDIENCE_NOT_ELIGIBLE
            the card's tier                         | tiers=GOLD,PLATINUM                      | EARNED
            a higher tier only                      | tiers=PLATINUM                           | AUDIENCE_NOT_ELIGIBLE
            a segment holding the card              | segments=seg-other,seg-vip               | EARNED
            a segment without the card              | segments=seg-other                       | AUDIENCE_NOT_ELIGIBLE
            the merchant's country                  | countries=DK,SE                          | EARNED
            another country                         | countries=SE                             | LOCATION_NOT_ELIGIBLE
            the merchant's city, any case           | cities=copenhagen                        | EARNED
            another city                            | cities=AARHUS                            | LOCATION_NOT_ELIGIBLE
            every kind at once, all admitting       | issuers=nordbank; bins=451700-451799; tiers=GOLD; segments=seg-vip; countries=DK; cities=COPENHAGEN | EARNED
            card and place both outside: place      | issuers=sydbank; countries=SE            | LOCATION_NOT_ELIGIBLE
            """)
    void eachKindOfTargetingAdmitsWhatItNamesAndRefusesTheRest(String scenario, String spec, String expected) {
        MatchResult r = match(offer("-").withTargeting(targeting(spec)), purchase("DK", "COPENHAGEN"), CARD);
        if (expected.equals("EARNED")) {
            assertThat(r.earned()).as(scenario).hasSize(1);
            assertThat(r.earned().getFirst().amount()).as(scenario).isEqualTo(400);
        } else {
            assertThat(r.earned()).as(scenario).isEmpty();
            assertThat(r.declined()).as(scenario).containsExactly(new MatchResult.Declined("offer-1", Reason.valueOf(expected)));
        }
    }

    @Test
    void aCardKeepsEightBinDigitsOfAPanOfSixteenOrMoreAndSixOfAShorterOne() {
        assertThat(Targeting.binOf("4000001234567899")).isEqualTo("40000012");
        assertThat(Targeting.binOf("4000001234567899123")).isEqualTo("40000012");
        assertThat(Targeting.binOf("378282246310005")).isEqualTo("378282"); // 15 digits: first 6 and last 4 at most
        assertThat(Targeting.binOf("4222222222222")).isEqualTo("422222");
    }

    @Test
    void aSixDigitBinIsInARangeByItsSixDigits() {
        Targeting.BinRange amex = new Targeting.BinRange("378282", "378282");
        int kept = Targeting.binNumber("378282");
        assertThat(kept).isBetween(amex.low(), amex.high());
        assertThat(Targeting.binNumber("40000012")).isEqualTo(40_000_012);
        assertThat(Targeting.binNumber("378283")).isGreaterThan(amex.high());
    }

    @Test
    void aCardWithoutARecordedBinIsInNoRange() {
        Card noBin = new Card("nordbank", -1, "GOLD", Set.of());
        MatchResult r = match(offer("-").withTargeting(targeting("bins=000000-999999")), purchase("DK", "COPENHAGEN"), noBin);
        assertThat(r.declined()).containsExactly(new MatchResult.Declined("offer-1", Reason.AUDIENCE_NOT_ELIGIBLE));
    }

    @Test
    void aPurchaseWithoutALocationIsOutsideAnyGeography() {
        MatchResult r = match(offer("-").withTargeting(targeting("countries=DK")), purchase(null, null), CARD);
        assertThat(r.declined()).containsExactly(new MatchResult.Declined("offer-1", Reason.LOCATION_NOT_ELIGIBLE));
    }

    @Test
    void earlyAccessLetsTheNamedTierEarnBeforeEveryoneElse() {
        // The offer starts for everyone on 2026-12-01; GOLD from 2026-11-20. The purchase is on 2026-11-22.
        Offer o = offer("startsAt=2026-12-01T00:00:00Z").withTargeting(targeting("early=GOLD@2026-11-20T00:00:00Z"));
        assertThat(match(o, purchase("DK", "COPENHAGEN"), CARD).earned()).hasSize(1);
        Card silver = new Card("nordbank", 45171234, "SILVER", Set.of());
        assertThat(match(o, purchase("DK", "COPENHAGEN"), silver).declined())
                .containsExactly(new MatchResult.Declined("offer-1", Reason.OFFER_NOT_LIVE));
    }

    @Test
    void earlyAccessDoesNotOpenTheOfferBeforeItsOwnStart() {
        Offer o = offer("startsAt=2026-12-01T00:00:00Z").withTargeting(targeting("early=GOLD@2026-11-25T00:00:00Z"));
        assertThat(match(o, purchase("DK", "COPENHAGEN"), CARD).declined())
                .containsExactly(new MatchResult.Declined("offer-1", Reason.OFFER_NOT_LIVE));
    }

    @Test
    void locationIsCheckedRightAfterTheChannelAndBeforeTheCurrency() {
        Offer wrongPlaceAndCurrency = offer("currency=EUR").withTargeting(targeting("countries=SE"));
        assertThat(match(wrongPlaceAndCurrency, purchase("DK", "COPENHAGEN"), CARD).declined())
                .containsExactly(new MatchResult.Declined("offer-1", Reason.LOCATION_NOT_ELIGIBLE));
        Offer wrongChannelAndPlace = offer("channel=ONLINE").withTargeting(targeting("countries=SE"));
        assertThat(match(wrongChannelAndPlace, purchase("DK", "COPENHAGEN"), CARD).declined())
                .containsExactly(new MatchResult.Declined("offer-1", Reason.CHANNEL_NOT_ELIGIBLE));
    }

    @Test
    void theSegmentIsAskedOnlyWhenEveryCheaperCheckPassed() {
        int[] asked = {0};
        CardState counting = new Card("nordbank", 45171234, "GOLD", Set.of("seg-vip"));
        CardState card = new CardState() {
            @Override public String issuerId() { return "nordbank"; }
            @Override public int bin() { return 45171234; }
            @Override public boolean inSegment(String s) { asked[0]++; return counting.inSegment(s); }
            @Override public String tier() { return null; }
            @Override public Instant activatedAt(String offerId) { return null; }
            @Override public Instant lastPurchaseAt(String merchantId, Instant before) { return null; }
            @Override public long rewardInPeriod(String offerId, Offer.Period period, LocalDate date) { return 0; }
            @Override public int redemptionsInPeriod(String offerId, Offer.Period period, LocalDate date) { return 0; }
            @Override public int punches(String offerId) { return 0; }
        };
        match(offer("-").withTargeting(targeting("issuers=sydbank; segments=seg-vip")), purchase("DK", "X"), card);
        assertThat(asked[0]).isZero();
        match(offer("-").withTargeting(targeting("issuers=nordbank; segments=seg-vip")), purchase("DK", "X"), card);
        assertThat(asked[0]).isEqualTo(1);
    }

    @Test
    void anOfferWithoutTargetingCompilesToNothingAndMatchesAsBefore() {
        Offer o = offer("-");
        assertThat(o.targeting()).isEqualTo(Targeting.NONE);
        assertThat(match(o, purchase(null, null), new Card(null, -1, null, Set.of())).earned()).hasSize(1);
    }

    @Test
    void badTargetingIsRefusedNamingTheRule() {
        assertThatThrownBy(() -> new Targeting.BinRange("4517", "4518")).hasMessageContaining("6 to 8 digits");
        assertThatThrownBy(() -> new Targeting.BinRange("451800", "451700")).hasMessageContaining("empty");
        assertThatThrownBy(() -> targeting("countries=DNK")).hasMessageContaining("two letters");
        assertThatThrownBy(() -> offer("startsAt=2026-12-01T00:00:00Z")
                .withTargeting(targeting("early=GOLD@2026-12-02T00:00:00Z"))).hasMessageContaining("before startsAt");
    }

    @Test
    void tierMultipliersStillApplyWhenTiersAreAlsoTargeted() {
        Offer o = offer("tier=GOLD/15000").withTargeting(targeting("tiers=GOLD"));
        assertThat(match(o, purchase("DK", "X"), CARD).earned().getFirst().amount()).isEqualTo(600);
    }
}
