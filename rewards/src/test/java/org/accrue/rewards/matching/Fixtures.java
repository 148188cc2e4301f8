package org.accrue.rewards.matching;

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
import java.util.Set;

import org.accrue.rewards.money.Money;
import org.accrue.rewards.offers.Merchant;
import org.accrue.rewards.offers.Offer;
import org.accrue.rewards.offers.RewardRule;

/**
 * Offers, purchases and card states for matching tests, changed by small
 * "key=value; key=value" texts so scenario tables stay readable.
 * The standard purchase: Sunday 2026-11-22 10:30 local, in store, USD 40.00 at Blue Bottle.
 */
final class Fixtures {
    static final Instant NOW = Instant.parse("2026-11-22T18:30:00Z");
    static final Merchant BLUE_BOTTLE = new Merchant("blue-bottle", "Blue Bottle Coffee",
            List.of(new Merchant.Mid("12345678901", "BBC000000000001")), List.of("BLUE BOTTLE*"), Set.of("5814"));

    private Fixtures() {
    }

    static final class OfferSpec {
        String id = "offer-1";
        String merchantId = "blue-bottle";
        Set<String> mccs = Set.of();
        RewardRule reward = new RewardRule.Percent(1000);
        String currency = "USD";
        long minSpend = 0;
        Long maxPerTxn = null;
        Offer.CardLimit cardLimit = null;
        Long budget = null;
        Instant startsAt = Instant.parse("2026-11-01T00:00:00Z");
        Instant endsAt = null;
        Set<DayOfWeek> days = new HashSet<>();
        List<Offer.TimeWindow> windows = new ArrayList<>();
        Set<LocalDate> excluded = new HashSet<>();
        Offer.Channel channel = Offer.Channel.ANY;
        boolean activation = false;
        int activationDays = 0;
        Offer.Audience audience = Offer.Audience.ALL;
        int lookBack = 0;
        Offer.Stacking stacking = Offer.Stacking.EXCLUSIVE;
        Map<String, Integer> tiers = new HashMap<>();
        RoundingMode rounding = RoundingMode.DOWN;
        Offer.Status status = Offer.Status.ACTIVE;

        OfferSpec apply(String changes) {
            for (String c : split(changes)) {
                String k = c.substring(0, c.indexOf('=')).strip();
                String v = c.substring(c.indexOf('=') + 1).strip();
                switch (k) {
                    case "id" -> id = v;
                    case "status" -> status = Offer.Status.valueOf(v);
                    case "startsAt" -> startsAt = Instant.parse(v);
                    case "endsAt" -> endsAt = Instant.parse(v);
                    case "channel" -> channel = Offer.Channel.valueOf(v);
                    case "currency" -> currency = v;
                    case "excluded" -> excluded.add(LocalDate.parse(v));
                    case "days" -> days.add(DayOfWeek.valueOf(v));
                    case "window" -> windows.add(new Offer.TimeWindow(LocalTime.parse(v.split("-")[0]), LocalTime.parse(v.split("-")[1])));
                    case "activation" -> { activation = true; activationDays = Integer.parseInt(v); }
                    case "audience" -> { audience = Offer.Audience.valueOf(v.split("/")[0]); lookBack = Integer.parseInt(v.split("/")[1]); }
                    case "minSpend" -> minSpend = Long.parseLong(v);
                    case "maxPerTxn" -> maxPerTxn = Long.parseLong(v);
                    case "maxRedemptions" -> cardLimit = new Offer.CardLimit(null, Integer.parseInt(v.split("/")[0]), Offer.Period.valueOf(v.split("/")[1]));
                    case "maxReward" -> cardLimit = new Offer.CardLimit(Long.parseLong(v.split("/")[0]), null, Offer.Period.valueOf(v.split("/")[1]));
                    case "budget" -> budget = Long.parseLong(v);
                    case "percent" -> reward = new RewardRule.Percent(Integer.parseInt(v));
                    case "fixed" -> reward = new RewardRule.Fixed(Long.parseLong(v));
                    case "miles" -> reward = new RewardRule.MilesPerUnit(Long.parseLong(v), "SKY");
                    case "points" -> reward = new RewardRule.PointsPerUnit(Long.parseLong(v), "BANKPTS");
                    case "punch" -> reward = new RewardRule.PunchCard(Integer.parseInt(v.split("/")[0]), Long.parseLong(v.split("/")[1]),
                            v.split("/").length > 2 ? Integer.parseInt(v.split("/")[2]) : 0);
                    case "welcome" -> reward = new RewardRule.Welcome(Long.parseLong(v.split("/")[0]), Integer.parseInt(v.split("/")[1]));
                    case "threshold" -> reward = new RewardRule.SpendThreshold(Long.parseLong(v.split("/")[0]),
                            Long.parseLong(v.split("/")[1]), Offer.Period.valueOf(v.split("/")[2]));
                    case "stacking" -> stacking = Offer.Stacking.valueOf(v);
                    case "tier" -> tiers.put(v.split("/")[0], Integer.parseInt(v.split("/")[1]));
                    case "rounding" -> rounding = RoundingMode.valueOf(v);
                    case "mccs" -> { merchantId = null; mccs = Set.of(v.split("/")); }
                    default -> throw new IllegalArgumentException("unknown offer change " + k);
                }
            }
            return this;
        }

        Offer build() {
            return new Offer(id, merchantId, mccs, reward, currency, minSpend, maxPerTxn, cardLimit, budget, startsAt,
                    endsAt, days, windows, excluded, channel, activation, activationDays, audience, lookBack, 14,
                    Offer.Funding.MERCHANT, null, 500, stacking, tiers, rounding, status);
        }
    }

    static Offer offer(String changes) {
        return new OfferSpec().apply(changes).build();
    }

    static Purchase purchase(String changes) {
        Instant at = NOW;
        LocalDateTime local = LocalDateTime.parse("2026-11-22T10:30:00");
        boolean online = false;
        Money amount = Money.of(4000, "USD");
        Money billing = null;
        long tip = 0;
        String acquirer = "12345678901";
        String mid = "BBC000000000001";
        String descriptor = "BLUE BOTTLE COFFEE";
        String mcc = "5814";
        for (String c : split(changes)) {
            String k = c.substring(0, c.indexOf('=')).strip();
            String v = c.substring(c.indexOf('=') + 1).strip();
            switch (k) {
                case "online" -> online = Boolean.parseBoolean(v);
                case "amount" -> amount = Money.of(Long.parseLong(v.split(":")[1]), v.split(":")[0]);
                case "billing" -> billing = Money.of(Long.parseLong(v.split(":")[1]), v.split(":")[0]);
                case "tip" -> tip = Long.parseLong(v);
                case "local" -> local = LocalDateTime.parse(v);
                case "mid" -> mid = v;
                case "descriptor" -> descriptor = v;
                case "mcc" -> mcc = v;
                case "at" -> at = Instant.parse(v);
                default -> throw new IllegalArgumentException("unknown purchase change " + k);
            }
        }
        return new Purchase(at, local, online, amount, billing, tip, acquirer, mid, descriptor, mcc);
    }

    /** A card's state from a text: tier=GOLD; activated=offer-1@2026-11-20T00:00:00Z; last=2026-11-12T00:00:00Z; ... */
    static final class Card implements CardState {
        String tier;
        final Map<String, Instant> activated = new HashMap<>();
        Instant last;
        final Map<String, Long> rewards = new HashMap<>();
        final Map<String, Integer> redemptions = new HashMap<>();
        int punches;
        Instant enrolled;
        final Map<String, Long> spend = new HashMap<>();

        Card apply(String changes) {
            for (String c : split(changes)) {
                String k = c.substring(0, c.indexOf('=')).strip();
                String v = c.substring(c.indexOf('=') + 1).strip();
                switch (k) {
                    case "tier" -> tier = v;
                    case "activated" -> activated.put(v.split("@")[0], Instant.parse(v.split("@")[1]));
                    case "last" -> last = Instant.parse(v);
                    case "rewarded" -> rewards.put(v.split("@")[0], Long.parseLong(v.split("@")[1]));
                    case "redeemed" -> redemptions.put(v.split("@")[0], Integer.parseInt(v.split("@")[1]));
                    case "punches" -> punches = Integer.parseInt(v);
                    case "enrolled" -> enrolled = Instant.parse(v);
                    case "spent" -> spend.put(v.split("@")[0], Long.parseLong(v.split("@")[1]));
                    default -> throw new IllegalArgumentException("unknown card change " + k);
                }
            }
            return this;
        }

        @Override public String tier() { return tier; }
        @Override public Instant activatedAt(String offerId) { return activated.get(offerId); }
        @Override public Instant lastPurchaseAt(String merchantId, Instant before) { return last != null && last.isBefore(before) ? last : null; }
        @Override public long rewardInPeriod(String offerId, Offer.Period period, LocalDate date) { return rewards.getOrDefault(offerId + "#" + Periods.key(period, date), 0L); }
        @Override public int redemptionsInPeriod(String offerId, Offer.Period period, LocalDate date) { return redemptions.getOrDefault(offerId + "#" + Periods.key(period, date), 0); }
        @Override public int punches(String offerId) { return punches; }
        @Override public Instant enrolledAt() { return enrolled; }
        @Override public long spendInPeriod(String offerId, Offer.Period period, LocalDate date) { return spend.getOrDefault(offerId + "#" + Periods.key(period, date), 0L); }
    }

    static Card card(String changes) {
        return new Card().apply(changes);
    }

    private static List<String> split(String changes) {
        List<String> out = new ArrayList<>();
        if (changes == null || changes.isBlank() || changes.strip().equals("-")) {
            return out;
        }
        for (String s : changes.split(";")) {
            if (!s.isBlank()) {
                out.add(s.strip());
            }
        }
        return out;
    }
}
