/*
 * Who and where an offer is for (issue 17): the cards it is limited to (issuers, BIN ranges, tiers, segments), an
 * earlier start for some tiers (early access), and the merchant locations it is limited to (DE43 country and city).
 * Every part is optional: an empty set means "no limit on this", and NONE limits nothing, so an offer without
 * targeting matches as before. Values are normalized on construction (countries and cities upper case, BINs to eight
 * digits) so the engine compares them as they come from the card and the message.
 */
package org.accrue.rewards.offers;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

public record Targeting(
        Set<String> issuers,          // issuer ids; empty: any issuer
        List<BinRange> binRanges,     // empty: any card; a card with no recorded BIN is in none
        Set<String> tiers,            // tier names (GOLD...); empty: any tier, or none
        EarlyAccess earlyAccess,      // null: everyone starts at the offer's startsAt
        Set<String> segments,         // segment ids; the card must be in at least one; empty: no segment limit
        Set<String> countries,        // DE43 country codes (2 letters, as DE43 carries them); empty: anywhere
        Set<String> cities) {         // DE43 cities, upper case; empty: any city

    /** DE43 holds 13 characters of city and 2 of country. */
    public static final int CITY_LENGTH_MAX = 13;
    /** Bounds on each list, so that an offer stays a small thing to check and to store. */
    public static final int ENTRIES_MAX = 1000;
    /** BINs are compared as eight digits: a shorter bound is padded with 0 (from) or 9 (to). */
    public static final int BIN_DIGITS = 8;
    /** PANs shorter than this keep only a six-digit BIN (PCI DSS truncation: at most the first 6 and last 4). */
    public static final int PAN_DIGITS_FOR_EIGHT_DIGIT_BIN = 16;

    /** The BIN a card keeps from its PAN: the first 8 digits of a PAN of 16 or more, the first 6 of a shorter one. */
    public static String binOf(String pan) {
        return pan.substring(0, pan.length() >= PAN_DIGITS_FOR_EIGHT_DIGIT_BIN ? BIN_DIGITS : 6);
    }

    /** A kept BIN as the number ranges are compared with: a six-digit one as the lowest eight-digit BIN under it. */
    public static int binNumber(String kept) {
        return Integer.parseInt((kept + "00").substring(0, BIN_DIGITS));
    }

    public static final Targeting NONE = new Targeting(Set.of(), List.of(), Set.of(), null, Set.of(), Set.of(), Set.of());

    /** A BIN range, 6 to 8 digits each side, inclusive. */
    public record BinRange(String from, String to) {
        public BinRange {
            if (from == null || to == null || !from.matches("[0-9]{6,8}") || !to.matches("[0-9]{6,8}")) {
                throw new IllegalArgumentException("a BIN range is {from, to} of 6 to 8 digits each");
            }
            if (low(from) > high(to)) {
                throw new IllegalArgumentException("BIN range " + from + ".." + to + " is empty");
            }
        }

        /** The lowest eight-digit BIN in the range. */
        public int low() {
            return low(from);
        }

        /** The highest eight-digit BIN in the range. */
        public int high() {
            return high(to);
        }

        private static int low(String bin) {
            return Integer.parseInt((bin + "00").substring(0, BIN_DIGITS));
        }

        private static int high(String bin) {
            return Integer.parseInt((bin + "99").substring(0, BIN_DIGITS));
        }
    }

    /** Cards of these tiers may earn from {@code startsAt}, before the offer starts for everyone else. */
    public record EarlyAccess(Set<String> tiers, Instant startsAt) {
        public EarlyAccess {
            Objects.requireNonNull(startsAt, "earlyAccess.startsAt");
            tiers = Set.copyOf(tiers);
            if (tiers.isEmpty()) {
                throw new IllegalArgumentException("earlyAccess needs at least one tier");
            }
        }
    }

    public Targeting {
        issuers = Set.copyOf(issuers);
        List<BinRange> sorted = new ArrayList<>(binRanges);
        sorted.sort(Comparator.comparingInt(BinRange::low));
        binRanges = List.copyOf(sorted);
        tiers = Set.copyOf(tiers);
        segments = Set.copyOf(segments);
        countries = countries.stream().map(c -> c.strip().toUpperCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        cities = cities.stream().map(Targeting::city).collect(Collectors.toUnmodifiableSet());
        for (String c : countries) {
            if (!c.matches("[A-Z]{2}")) {
                throw new IllegalArgumentException("countries are the two letters DE43 carries, such as DK: " + c);
            }
        }
        for (String c : cities) {
            if (c.isEmpty() || c.length() > CITY_LENGTH_MAX) {
                throw new IllegalArgumentException("cities are 1-" + CITY_LENGTH_MAX + " characters (DE43): " + c);
            }
        }
        for (Set<?> s : List.of(issuers, tiers, segments, countries, cities)) {
            if (s.size() > ENTRIES_MAX) {
                throw new IllegalArgumentException("at most " + ENTRIES_MAX + " entries in each targeting list");
            }
        }
        if (binRanges.size() > ENTRIES_MAX) {
            throw new IllegalArgumentException("at most " + ENTRIES_MAX + " BIN ranges");
        }
    }

    /** A city as DE43 spells it once compared: upper case, inner spaces single, no padding. */
    public static String city(String raw) {
        return raw == null ? null : raw.strip().replaceAll("\\s+", " ").toUpperCase(Locale.ROOT);
    }

    /** True when the offer is limited to some cards (issuers, BINs, tiers or segments). */
    public boolean limitsCards() {
        return !issuers.isEmpty() || !binRanges.isEmpty() || !tiers.isEmpty() || !segments.isEmpty();
    }

    /** True when the offer is limited to some merchant locations. */
    public boolean limitsLocation() {
        return !countries.isEmpty() || !cities.isEmpty();
    }

    public boolean isNone() {
        return !limitsCards() && !limitsLocation() && earlyAccess == null;
    }

    /**
     * Whether a card with this issuer, BIN (-1: not recorded), tier (or null) and segments is one the offer is for: the
     * engine's AUDIENCE check for targeting, for lists of offers shown to a card (the engine runs its compiled copy).
     */
    public boolean admitsCard(String issuerId, int bin, String tier, java.util.function.Predicate<String> inSegment) {
        return (issuers.isEmpty() || issuerId != null && issuers.contains(issuerId))
                && binAdmits(bin)
                && (tiers.isEmpty() || tier != null && tiers.contains(tier))
                && (segments.isEmpty() || segments.stream().anyMatch(inSegment));
    }

    /** Whether a card of this tier may earn at {@code at} by early access (before the offer's own start). */
    public boolean earlyFor(String tier, Instant at) {
        return earlyAccess != null && tier != null && earlyAccess.tiers().contains(tier) && !at.isBefore(earlyAccess.startsAt());
    }

    /** The card's eight-digit BIN is in one of the ranges (a card without one, -1, is in none). */
    public boolean binAdmits(int bin) {
        if (binRanges.isEmpty()) {
            return true;
        }
        for (BinRange r : binRanges) {
            if (bin >= r.low() && bin <= r.high()) {
                return true;
            }
        }
        return false;
    }
}
