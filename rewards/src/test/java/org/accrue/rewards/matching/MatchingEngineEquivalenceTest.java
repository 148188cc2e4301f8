package org.accrue.rewards.matching;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.RoundingMode;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.accrue.rewards.money.Money;
import org.accrue.rewards.offers.Merchant;
import org.accrue.rewards.offers.Offer;
import org.accrue.rewards.offers.RewardRule;
import org.accrue.rewards.offers.Targeting;
import org.junit.jupiter.api.Test;

/**
 * The compiled engine (flat offer chains and arrays, hashed text tables, declines as ints) against the
 * straightforward one it replaced (ReferenceEngine, ReferenceDirectory) on random catalogs, purchases and cards:
 * every result must be equal, reasons and their order included, and where one throws the other must throw the same.
 * The catalogs are small and dense so that every rule, every precedence pair, ties, shared MIDs and descriptors,
 * zero-padded acquirers and near misses come up often.
 */
class MatchingEngineEquivalenceTest {
    private static final int CATALOGS = 400;
    private static final int PURCHASES_PER_CATALOG = 150;
    private static final Instant NOW = Instant.parse("2026-11-22T18:30:00Z");
    private static final String[] CURRENCIES = {"USD", "EUR", "JPY", "BHD"};
    private static final String[] MCCS = {"5814", "5812", "5411", "5999", "CAFE"}; // not every MCC is four digits
    private static final String[] ACQUIRERS = {"12345678901", "0012345678901", "77", "000077", "4242"};
    private static final String[] WORDS = {"BLUE", "BOTTLE", "COFFEE", "SHOP", "BLUEBOTTLE", "CAFE", "MARKET", "SF",
        "FERRY", "A", "ÉCLAIR", "CORNER", "STORE", "BLU"};
    private static final String[] TIERS = {"GOLD", "SILVER", "PLATINUM"};

    @Test
    void theCompiledEngineGivesTheStraightforwardEnginesResults() {
        int compared = 0;
        int earned = 0;
        int threw = 0;
        Set<Reason> reasons = new HashSet<>();
        Set<MatchResult.Resolution> resolutions = new HashSet<>();
        for (int seed = 0; seed < CATALOGS; seed++) {
            Random r = new Random(seed);
            List<Merchant> merchants = merchants(r);
            List<Offer> offers = offers(r, merchants);
            ReferenceEngine reference = new ReferenceEngine(new ReferenceDirectory(merchants), offers);
            MatchingEngine engine = new MatchingEngine(new MerchantDirectory(merchants), offers);
            for (int i = 0; i < PURCHASES_PER_CATALOG; i++) {
                Purchase p = purchase(r, merchants);
                RandomCard card = new RandomCard(r, offers);
                Map<String, Long> spent = new HashMap<>();
                for (Offer o : offers) {
                    if (r.nextInt(3) == 0) {
                        spent.put(o.id(), (long) r.nextInt(300_000));
                    }
                }
                MatchResult expected;
                try {
                    expected = reference.match(p, card, id -> spent.getOrDefault(id, 0L));
                } catch (RuntimeException e) {
                    Class<? extends RuntimeException> kind = e.getClass();
                    threw++;
                    try {
                        engine.match(p, card, id -> spent.getOrDefault(id, 0L));
                    } catch (RuntimeException actual) {
                        assertThat(actual).as("seed %d purchase %d", seed, i).isInstanceOf(kind);
                        continue;
                    }
                    throw new AssertionError("seed " + seed + " purchase " + i + ": reference threw " + e + ", engine did not");
                }
                MatchResult actual = engine.match(p, card, id -> spent.getOrDefault(id, 0L));
                assertThat(actual).as("seed %d purchase %d: %s", seed, i, p).isEqualTo(expected);
                assertThat(actual.declined()).as("seed %d purchase %d", seed, i).containsExactlyElementsOf(expected.declined());
                assertThat(actual.earned()).as("seed %d purchase %d", seed, i).containsExactlyElementsOf(expected.earned());
                compared++;
                earned += expected.earned().size();
                expected.declined().forEach(d -> reasons.add(d.reason()));
                resolutions.add(expected.resolution());
            }
        }
        // The random catalogs must have reached every rule, or the comparison proves little.
        assertThat(reasons).containsExactlyInAnyOrder(Reason.values());
        assertThat(resolutions).containsExactlyInAnyOrder(MatchResult.Resolution.values());
        // Enough purchases earn for earnings to be compared (a fifth: punch cards pay only on completion, and a
        // targeted offer declines most cards; together they took the share from over a quarter to about 24%).
        assertThat(earned).isGreaterThan(compared / 5);
        assertThat(threw).isLessThan(compared / 20);
    }

    @Test
    void theDirectoryResolvesAsTheStraightforwardOne() {
        int byMid = 0;
        int byDescriptor = 0;
        int nearMisses = 0;
        for (int seed = 0; seed < CATALOGS; seed++) {
            Random r = new Random(seed);
            List<Merchant> merchants = merchants(r);
            ReferenceDirectory reference = new ReferenceDirectory(merchants);
            MerchantDirectory directory = new MerchantDirectory(merchants);
            for (int i = 0; i < PURCHASES_PER_CATALOG; i++) {
                Purchase p = purchase(r, merchants);
                Merchant mid = reference.byMid(p.acquirerId(), p.mid());
                assertThat(directory.byMid(p.acquirerId(), p.mid())).isSameAs(mid);
                Merchant named = reference.byDescriptor(p.descriptor());
                assertThat(directory.byDescriptor(p.descriptor())).as(p.descriptor()).isSameAs(named);
                Merchant near = reference.nearMiss(p.descriptor());
                assertThat(directory.nearMiss(p.descriptor())).as(p.descriptor()).isSameAs(near);
                byMid += mid == null ? 0 : 1;
                byDescriptor += named == null ? 0 : 1;
                nearMisses += near == null || named != null ? 0 : 1;
            }
        }
        int all = CATALOGS * PURCHASES_PER_CATALOG;
        assertThat(byMid).isBetween(all / 10, all * 9 / 10);
        assertThat(byDescriptor).isBetween(all / 10, all * 9 / 10);
        assertThat(nearMisses).isGreaterThan(all / 50);
    }

    private static List<Merchant> merchants(Random r) {
        int count = 1 + r.nextInt(12);
        List<Merchant> out = new ArrayList<>();
        for (int m = 0; m < count; m++) {
            List<Merchant.Mid> mids = new ArrayList<>();
            for (int i = r.nextInt(4); i > 0; i--) {
                String mid = "MID" + r.nextInt(30) + (r.nextInt(10) == 0 ? "Ž" : "");
                mids.add(new Merchant.Mid(pick(r, ACQUIRERS), r.nextInt(8) == 0 ? " " + mid + " " : mid));
            }
            List<String> descriptors = new ArrayList<>();
            for (int i = r.nextInt(4); i > 0; i--) {
                descriptors.add(words(r, 1 + r.nextInt(3)) + (r.nextBoolean() ? "*" : r.nextInt(4) == 0 ? " *" : ""));
            }
            // Now and then two merchants share an id: each gets the id's offers.
            String id = r.nextInt(15) == 0 && m > 0 ? "m" + (m - 1) : "m" + m;
            out.add(new Merchant(id, "Merchant " + m, mids, descriptors, Set.of(pick(r, MCCS))));
        }
        return out;
    }

    private static List<Offer> offers(Random r, List<Merchant> merchants) {
        int count = r.nextInt(25);
        List<Offer> out = new ArrayList<>();
        for (int o = 0; o < count; o++) {
            boolean category = r.nextInt(4) == 0;
            String merchantId = category ? null : r.nextInt(10) == 0 ? "unknown" : pick(r, merchants).merchantId();
            Set<String> mccs = new HashSet<>();
            while (category && (mccs.isEmpty() || r.nextBoolean())) {
                mccs.add(pick(r, MCCS));
            }
            String currency = r.nextInt(4) == 0 ? pick(r, CURRENCIES) : "USD";
            RewardRule reward = switch (r.nextInt(5)) {
                case 0 -> new RewardRule.Percent(1 + r.nextInt(r.nextBoolean() ? 10_000 : 2_000));
                case 1 -> new RewardRule.Fixed(1 + r.nextInt(2_000));
                case 2 -> new RewardRule.MilesPerUnit(1 + r.nextInt(5), "SKY");
                case 3 -> new RewardRule.PointsPerUnit(1 + r.nextInt(5), "PTS");
                default -> new RewardRule.PunchCard(2 + r.nextInt(4), 1 + r.nextInt(1_000));
            };
            Offer.CardLimit limit = switch (r.nextInt(6)) {
                case 0 -> new Offer.CardLimit((long) r.nextInt(3_000), null, pick(r, Offer.Period.values()));
                case 1 -> new Offer.CardLimit(null, r.nextInt(4), pick(r, Offer.Period.values()));
                case 2 -> new Offer.CardLimit(1L + r.nextInt(3_000), 1 + r.nextInt(4), pick(r, Offer.Period.values()));
                default -> null;
            };
            // Start times cluster around now, to the nano, so that "not started yet", ties and their order all occur.
            Instant start = NOW.plusSeconds(r.nextInt(5) == 0 ? r.nextInt(7_200) - 3_600 : -r.nextInt(90) * 86_400L)
                    .plusNanos(r.nextInt(3) == 0 ? r.nextInt(1_000_000_000) : 0);
            if (r.nextInt(6) == 0) {
                start = NOW.minusSeconds(86_400); // many offers starting at once: ties are decided by amount then order
            }
            Instant end = r.nextInt(4) > 0 ? null : start.isBefore(NOW) && r.nextBoolean() ? NOW
                    : start.plusSeconds(1 + r.nextInt(200_000)).plusNanos(r.nextInt(1_000));
            Set<DayOfWeek> days = new HashSet<>();
            if (r.nextInt(5) == 0) {
                for (int i = r.nextInt(4); i >= 0; i--) {
                    days.add(pick(r, DayOfWeek.values()));
                }
            }
            List<Offer.TimeWindow> windows = new ArrayList<>();
            if (r.nextInt(5) == 0) {
                for (int i = r.nextInt(3); i >= 0; i--) {
                    windows.add(new Offer.TimeWindow(LocalTime.of(r.nextInt(24), r.nextInt(2) * 30),
                            LocalTime.of(r.nextInt(24), r.nextInt(2) * 30).plusNanos(r.nextInt(2))));
                }
            }
            Set<LocalDate> excluded = new HashSet<>();
            if (r.nextInt(6) == 0) {
                for (int i = r.nextInt(3); i >= 0; i--) {
                    excluded.add(LocalDate.of(2026, 11, 20 + r.nextInt(5)));
                }
            }
            boolean activation = r.nextInt(4) == 0;
            Offer.Audience audience = r.nextInt(3) == 0 ? pick(r, Offer.Audience.values()) : Offer.Audience.ALL;
            Map<String, Integer> tiers = new HashMap<>();
            if (r.nextBoolean()) {
                for (int i = r.nextInt(3); i >= 0; i--) {
                    tiers.put(pick(r, TIERS), 5_000 + r.nextInt(25_000));
                }
            }
            RoundingMode rounding = r.nextInt(60) == 0 ? RoundingMode.UNNECESSARY
                    : r.nextBoolean() ? RoundingMode.DOWN : pick(r, new RoundingMode[] {RoundingMode.UP, RoundingMode.CEILING,
                        RoundingMode.FLOOR, RoundingMode.HALF_UP, RoundingMode.HALF_DOWN, RoundingMode.HALF_EVEN});
            out.add(new Offer("o" + o, merchantId, mccs, reward, currency,
                    r.nextInt(3) == 0 ? r.nextInt(6_000) : 0,
                    r.nextInt(4) == 0 ? 1L + r.nextInt(1_500) : null, limit,
                    r.nextInt(4) == 0 ? 1L + r.nextInt(300_000) : null, start, end, days, windows, excluded,
                    r.nextInt(3) == 0 ? pick(r, Offer.Channel.values()) : Offer.Channel.ANY,
                    activation, activation ? 1 + r.nextInt(60) : 0, audience,
                    audience == Offer.Audience.ALL ? r.nextInt(3) : r.nextBoolean() ? 30 : 1 + r.nextInt(90), 14, Offer.Funding.MERCHANT, null, 500,
                    r.nextInt(3) == 0 ? Offer.Stacking.STACKABLE : Offer.Stacking.EXCLUSIVE, tiers, rounding,
                    r.nextInt(12) == 0 ? Offer.Status.PAUSED : Offer.Status.ACTIVE).withTargeting(targeting(r, start)));
        }
        if (r.nextInt(10) == 0 && !out.isEmpty()) {
            out.add(out.get(r.nextInt(out.size()))); // the same offer twice in a catalog
        }
        return out;
    }

    /** Issue 17: an eighth of the offers targeted, each kind now and then, drawn from small sets so both sides occur. */
    private static Targeting targeting(Random r, Instant start) {
        if (r.nextInt(8) > 0) {
            return Targeting.NONE;
        }
        Set<String> issuers = r.nextInt(3) == 0 ? Set.of(pick(r, ISSUERS)) : Set.of();
        List<Targeting.BinRange> bins = new ArrayList<>();
        if (r.nextInt(3) == 0) {
            for (int i = r.nextInt(3); i >= 0; i--) {
                int from = 45_000_000 + r.nextInt(1_000) * 1_000;
                bins.add(new Targeting.BinRange(String.valueOf(from), String.valueOf(from + r.nextInt(5_000))));
            }
        }
        Set<String> tiers = r.nextInt(4) == 0 ? Set.of(pick(r, TIERS)) : Set.of();
        Set<String> segments = r.nextInt(4) == 0 ? Set.of(pick(r, SEGMENTS)) : Set.of();
        Set<String> countries = r.nextInt(3) == 0 ? Set.of(pick(r, COUNTRIES)) : Set.of();
        Set<String> cities = r.nextInt(4) == 0 ? Set.of(pick(r, CITIES)) : Set.of();
        Targeting.EarlyAccess early = r.nextInt(4) == 0
                ? new Targeting.EarlyAccess(Set.of(pick(r, TIERS)), start.minusSeconds(1 + r.nextInt(200_000))) : null;
        return new Targeting(issuers, bins, tiers, early, segments, countries, cities);
    }

    private static final String[] ISSUERS = {"nordbank", "sydbank", "vestbank"};
    private static final String[] SEGMENTS = {"seg-a", "seg-b", "seg-c"};
    private static final String[] COUNTRIES = {"DK", "SE", "US"};
    private static final String[] CITIES = {"COPENHAGEN", "MALMO", "NEW YORK"};

    private static Purchase purchase(Random r, List<Merchant> merchants) {
        Merchant m = pick(r, merchants);
        String acquirer;
        String mid;
        if (!m.mids().isEmpty() && r.nextInt(3) > 0) {
            Merchant.Mid known = pick(r, m.mids());
            acquirer = r.nextInt(4) == 0 ? "00" + known.acquirerId() : known.acquirerId();
            mid = known.mid();
        } else {
            acquirer = pick(r, ACQUIRERS);
            mid = r.nextInt(10) == 0 ? null : "MID" + r.nextInt(40);
        }
        String descriptor;
        if (!m.descriptors().isEmpty() && r.nextBoolean()) {
            String d = pick(r, m.descriptors()).replace("*", "");
            descriptor = switch (r.nextInt(6)) {
                case 0 -> d + " #" + r.nextInt(100);
                case 1 -> d.toLowerCase() + "  SF ";
                case 2 -> oneEdit(r, d.replace(" ", "")) + " " + r.nextInt(10);
                case 3 -> oneEdit(r, d);
                case 4 -> "  " + d;
                default -> d;
            };
        } else {
            descriptor = r.nextInt(12) == 0 ? null : words(r, 1 + r.nextInt(3));
        }
        // Now and then exactly on a window's edge (windows start and end on the hour or half hour).
        LocalTime time = r.nextInt(4) == 0 ? LocalTime.of(r.nextInt(24), r.nextInt(2) * 30).plusNanos(r.nextInt(2))
                : LocalTime.of(r.nextInt(24), r.nextInt(60), r.nextInt(60), r.nextInt(4) == 0 ? r.nextInt(1_000_000_000) : 0);
        LocalDateTime local = LocalDateTime.of(LocalDate.of(2026, 11, 20 + r.nextInt(5)), time);
        Instant at = switch (r.nextInt(8)) {
            case 0 -> NOW.minusSeconds(86_400); // exactly when many offers start
            case 1 -> NOW;                      // exactly when some end, activations expire, look-backs begin
            default -> NOW.plusSeconds(r.nextInt(200_000) - 100_000).plusNanos(r.nextInt(3) == 0 ? r.nextInt(1_000_000_000) : 0);
        };
        String currency = r.nextInt(4) == 0 ? pick(r, CURRENCIES) : "USD";
        Money amount = Money.of(r.nextInt(8) == 0 ? 0 : r.nextInt(20_000), currency);
        Money billing = r.nextInt(4) == 0 ? Money.of(r.nextInt(20_000), pick(r, CURRENCIES)) : null;
        long tip = r.nextInt(3) == 0 ? r.nextInt(1 + (int) Math.min(amount.minor(), 3_000)) : 0;
        return new Purchase(at, local, r.nextBoolean(), amount, billing, tip, acquirer, mid, descriptor,
                r.nextInt(10) == 0 ? null : r.nextInt(6) == 0 ? "0000" : pick(r, MCCS),
                r.nextInt(10) == 0 ? null : r.nextInt(5) == 0 ? pick(r, COUNTRIES).toLowerCase() : pick(r, COUNTRIES),
                r.nextInt(10) == 0 ? null : r.nextBoolean() ? pick(r, CITIES).toLowerCase() + " " : pick(r, CITIES));
    }

    /** A card whose answers are drawn once, so that however often the engines ask they hear the same. */
    private static final class RandomCard implements CardState {
        private final String tier;
        private final Map<String, Instant> activated = new HashMap<>();
        private final Instant last;
        private final Map<String, Long> rewarded = new HashMap<>();
        private final Map<String, Integer> redeemed = new HashMap<>();
        private final Map<String, Integer> punches = new HashMap<>();
        private final String issuer;
        private final int bin;
        private final Set<String> segments = new HashSet<>();

        RandomCard(Random r, List<Offer> offers) {
            issuer = r.nextInt(5) == 0 ? null : pick(r, ISSUERS);
            bin = r.nextInt(5) == 0 ? -1 : 45_000_000 + r.nextInt(1_000_000);
            for (String s : SEGMENTS) {
                if (r.nextBoolean()) {
                    segments.add(s);
                }
            }
            tier = r.nextInt(3) == 0 ? null : r.nextInt(5) == 0 ? "BRONZE" : pick(r, TIERS);
            last = switch (r.nextInt(4)) {
                case 0 -> null;
                case 1 -> NOW.minusSeconds(30 * 86_400L); // on the edge of a 30-day look-back from NOW
                default -> NOW.minusSeconds(r.nextInt(120) * 86_400L + r.nextInt(86_400));
            };
            for (Offer o : offers) {
                if (r.nextInt(4) == 0 && o.activationRequired()) {
                    activated.put(o.id(), NOW.minusSeconds(o.activationValidDays() * 86_400L)); // expiring at NOW
                } else if (r.nextBoolean()) {
                    activated.put(o.id(), NOW.minusSeconds(r.nextInt(90) * 86_400L - 43_200));
                }
                rewarded.put(o.id(), r.nextBoolean() ? 0L : r.nextInt(3_500));
                redeemed.put(o.id(), r.nextBoolean() ? 0 : r.nextInt(5));
                punches.put(o.id(), r.nextInt(12));
            }
        }

        @Override public String tier() { return tier; }
        @Override public Instant activatedAt(String offerId) { return activated.get(offerId); }
        @Override public Instant lastPurchaseAt(String merchantId, Instant before) { return last != null && last.isBefore(before) ? last : null; }
        @Override public long rewardInPeriod(String offerId, Offer.Period period, LocalDate date) { return rewarded.getOrDefault(offerId, 0L) * (period.ordinal() + 1) / 3; }
        @Override public int redemptionsInPeriod(String offerId, Offer.Period period, LocalDate date) { return redeemed.getOrDefault(offerId, 0) + date.getDayOfMonth() % 2; }
        @Override public int punches(String offerId) { return punches.getOrDefault(offerId, 0); }
        @Override public String issuerId() { return issuer; }
        @Override public int bin() { return bin; }
        @Override public boolean inSegment(String segmentId) { return segments.contains(segmentId); }
    }

    private static String words(Random r, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : r.nextInt(5) == 0 ? "  " : " ").append(pick(r, WORDS));
        }
        return r.nextInt(5) == 0 ? b.toString().toLowerCase() : b.toString();
    }

    /** The text with one letter dropped, doubled or changed. */
    private static String oneEdit(Random r, String s) {
        if (s.isEmpty()) {
            return s;
        }
        int i = r.nextInt(s.length());
        return switch (r.nextInt(3)) {
            case 0 -> s.substring(0, i) + s.substring(i + 1);
            case 1 -> s.substring(0, i) + s.charAt(i) + s.substring(i);
            default -> s.substring(0, i) + 'X' + s.substring(i + 1);
        };
    }

    private static <T> T pick(Random r, List<T> list) {
        return list.get(r.nextInt(list.size()));
    }

    private static <T> T pick(Random r, T[] array) {
        return array[r.nextInt(array.length)];
    }
}
