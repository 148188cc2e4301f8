/*
 * JMH: the matching engine alone (no I/O) with 100,000 live offers and
 * 1,000,000 MIDs, one purchase per operation, on one thread. Purchases are
 * pre-built and cycled so the measurement is matching, not test-data
 * generation. Most purchases hit a merchant with offers (by MID); some go by
 * descriptor, some match only a category offer, some nothing.
 *
 * matchOnePurchase returns the MatchResult to JMH; matchAndReadResult also
 * reads every reward and every decline (offer and reason), as the processor
 * does to write them, since the engine makes a Declined only when it is read.
 *
 * targetedPercent (issue 17): that share of the offers is targeted (an issuer, a BIN range and a country each; one
 * in four also a city, one in four a segment), about half of each kind admitting the benchmark's card and purchase;
 * 0 is the catalog as before. Compare the two in the same run: the machine's load moves both alike.
 *
 *   java -cp "bench/target/accrue-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" org.openjdk.jmh.Main MatchingBenchmark -t 1 -f 1 -wi 3 -i 5
 */
package org.accrue.bench.jmh;

import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.accrue.rewards.matching.CardState;
import org.accrue.rewards.matching.Earned;
import org.accrue.rewards.matching.MatchResult;
import org.accrue.rewards.matching.MatchingEngine;
import org.accrue.rewards.matching.MerchantDirectory;
import org.accrue.rewards.matching.Purchase;
import org.accrue.rewards.money.Money;
import org.accrue.rewards.offers.Merchant;
import org.accrue.rewards.offers.Offer;
import org.accrue.rewards.offers.RewardRule;
import org.accrue.rewards.offers.Targeting;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MatchingBenchmark {
    static final int MERCHANTS = 200_000;
    static final int MIDS_PER_MERCHANT = 5;   // 1,000,000 MIDs
    static final int OFFERS = 100_000;
    static final int PURCHASES = 1 << 16;
    static final String[] MCCS = {"5814", "5812", "5411", "5942", "3001", "4511", "5999", "5732"};

    @Param({"0", "20"})
    public int targetedPercent;

    static final String[] CITIES = {"OAKLAND", "BERKELEY", "SAN JOSE", "FRESNO"};

    MatchingEngine engine;
    Purchase[] purchases;
    int next;
    static final Instant ACTIVATED = Instant.parse("2026-11-01T00:00:00Z");
    final CardState card = new CardState() {
        @Override public String tier() { return "GOLD"; }
        @Override public Instant activatedAt(String offerId) { return ACTIVATED; }
        @Override public Instant lastPurchaseAt(String merchantId, Instant before) { return null; }
        @Override public long rewardInPeriod(String offerId, Offer.Period period, java.time.LocalDate date) { return 0; }
        @Override public int redemptionsInPeriod(String offerId, Offer.Period period, java.time.LocalDate date) { return 0; }
        @Override public int punches(String offerId) { return 0; }
        @Override public String issuerId() { return "nordbank"; }
        @Override public int bin() { return 45_171_234; }
        @Override public boolean inSegment(String segmentId) { return segmentId.hashCode() % 2 == 0; }
    };
    final MatchingEngine.Budgets budgets = id -> 0;

    @Setup(Level.Trial)
    public void setUp() {
        Random r = new Random(2026);
        List<Merchant> merchants = new ArrayList<>(MERCHANTS);
        for (int m = 0; m < MERCHANTS; m++) {
            List<Merchant.Mid> mids = new ArrayList<>(MIDS_PER_MERCHANT);
            for (int i = 0; i < MIDS_PER_MERCHANT; i++) {
                mids.add(new Merchant.Mid(Integer.toString(10_000 + m % 50), String.format("M%07dT%d", m, i)));
            }
            merchants.add(new Merchant("m" + m, "MERCHANT " + m, mids, List.of(String.format("SHOP%06d*", m)),
                    Set.of(MCCS[m % MCCS.length])));
        }
        List<Offer> offers = new ArrayList<>(OFFERS);
        Instant start = Instant.parse("2026-11-01T00:00:00Z");
        for (int o = 0; o < OFFERS; o++) {
            boolean category = o % 1000 == 0;
            RewardRule reward = switch (o % 4) {
                case 0 -> new RewardRule.Percent(100 + o % 900);
                case 1 -> new RewardRule.Fixed(100 + o % 500);
                case 2 -> new RewardRule.MilesPerUnit(2, "SKY");
                default -> new RewardRule.PointsPerUnit(3, "PTS");
            };
            offers.add(new Offer("o" + o, category ? null : "m" + (o * 2 % MERCHANTS),
                    category ? Set.of(MCCS[o % MCCS.length]) : Set.of(), reward, "USD", o % 3 == 0 ? 1000 : 0,
                    o % 5 == 0 ? 2000L : null, o % 7 == 0 ? new Offer.CardLimit(5000L, 10, Offer.Period.MONTH) : null,
                    o % 11 == 0 ? 1_000_000L : null, start, null, Set.of(), List.of(), Set.of(),
                    o % 9 == 0 ? Offer.Channel.ONLINE : Offer.Channel.ANY, o % 13 == 0, o % 13 == 0 ? 30 : 0,
                    Offer.Audience.ALL, 0, 14, Offer.Funding.MERCHANT, null, 500,
                    o % 6 == 0 ? Offer.Stacking.STACKABLE : Offer.Stacking.EXCLUSIVE, Map.of("GOLD", 15_000),
                    RoundingMode.DOWN, Offer.Status.ACTIVE).withTargeting(targeting(o)));
        }
        engine = new MatchingEngine(new MerchantDirectory(merchants), offers);
        purchases = new Purchase[PURCHASES];
        Instant at = Instant.parse("2026-11-22T18:30:00Z");
        LocalDateTime local = LocalDateTime.parse("2026-11-22T10:30:00");
        for (int i = 0; i < PURCHASES; i++) {
            int m = r.nextInt(MERCHANTS);
            int kind = r.nextInt(100);
            String mid = kind < 85 ? String.format("M%07dT%d", m, r.nextInt(MIDS_PER_MERCHANT)) : "UNKNOWN" + i;
            String descriptor = kind < 95 ? String.format("SHOP%06d #%d", m, i % 100) : "CORNER STORE " + i;
            purchases[i] = new Purchase(at, local, r.nextInt(10) == 0, Money.of(500 + r.nextInt(20_000), "USD"), null,
                    0, Integer.toString(10_000 + m % 50), mid, descriptor, MCCS[r.nextInt(MCCS.length)],
                    r.nextInt(10) == 0 ? "CA" : "US", CITIES[r.nextInt(CITIES.length)]);
        }
    }

    /** Offer o's targeting: none, or (targetedPercent of the offers) issuer + BIN range + country, some city or segment. */
    private Targeting targeting(int o) {
        if (o % 100 >= targetedPercent) {
            return Targeting.NONE;
        }
        int from = 45_000_000 + (o % 4) * 100_000; // the card's BIN 45171234 is in the ranges of o % 4 == 0 and 1
        return new Targeting(Set.of(o % 2 == 0 ? "nordbank" : "sydbank"),
                List.of(new Targeting.BinRange(Integer.toString(from), Integer.toString(from + 199_999))),
                Set.of(), null, o % 4 == 3 ? Set.of("seg" + o % 10) : Set.of(),
                Set.of(o % 3 == 0 ? "CA" : "US"), o % 4 == 2 ? Set.of(CITIES[o % CITIES.length]) : Set.of());
    }

    @Benchmark
    public MatchResult matchOnePurchase() {
        Purchase p = purchases[next++ & (PURCHASES - 1)];
        return engine.match(p, card, budgets);
    }

    @Benchmark
    public void matchAndReadResult(Blackhole bh) {
        Purchase p = purchases[next++ & (PURCHASES - 1)];
        MatchResult r = engine.match(p, card, budgets);
        bh.consume(r.merchantId());
        bh.consume(r.resolution());
        for (Earned e : r.earned()) {
            bh.consume(e.offer().id());
            bh.consume(e.amount());
            bh.consume(e.unit());
        }
        for (MatchResult.Declined d : r.declined()) {
            bh.consume(d.offerId());
            bh.consume(d.reason());
        }
        bh.consume(r.suggestion());
    }
}
