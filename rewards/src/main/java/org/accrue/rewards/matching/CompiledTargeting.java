/*
 * An offer's targeting compiled for matching (issue 17): issuers and tiers as small sorted int arrays of the
 * catalog's numbers for them (the card's issuer and tier are numbered once per purchase), BIN ranges as two sorted
 * int arrays of eight-digit bounds, countries and cities as interned strings. An offer without targeting compiles to
 * null, so an untargeted offer costs the engine one null check. Segment membership is a question to the card state,
 * asked only for offers that name segments, after every cheaper check has passed.
 */
package org.accrue.rewards.matching;

import java.util.Arrays;
import java.util.Set;

import org.accrue.rewards.offers.Targeting;

record CompiledTargeting(
        int[] issuers,          // sorted issuer numbers; empty: any issuer
        int[] binLows,          // sorted by low bound; empty: any card
        int[] binHighs,
        int[] tiers,            // sorted tier numbers; empty: any tier
        boolean early, long earlySecond, int earlyNano,
        int[] earlyTiers,       // sorted tier numbers with early access
        String[] segments,      // empty: no segment limit
        String[] countries,     // interned; empty: anywhere
        String[] cities) {      // interned, upper case; empty: any city

    private static final String[] NO_STRINGS = {};

    /** Null when the offer has no targeting at all. */
    static CompiledTargeting of(Targeting t, CompiledOffer.Compiler compiler) {
        if (t == null || t.isNone()) {
            return null;
        }
        int[] lows = t.binRanges().stream().mapToInt(Targeting.BinRange::low).toArray(); // sorted by Targeting
        int[] highs = t.binRanges().stream().mapToInt(Targeting.BinRange::high).toArray();
        return new CompiledTargeting(
                t.issuers().stream().mapToInt(compiler::issuerNumberOrNew).sorted().toArray(),
                lows, highs,
                tierNumbers(t.tiers(), compiler),
                t.earlyAccess() != null,
                t.earlyAccess() == null ? 0 : t.earlyAccess().startsAt().getEpochSecond(),
                t.earlyAccess() == null ? 0 : t.earlyAccess().startsAt().getNano(),
                t.earlyAccess() == null ? new int[0] : tierNumbers(t.earlyAccess().tiers(), compiler),
                interned(t.segments()), interned(t.countries()), interned(t.cities()));
    }

    private static int[] tierNumbers(Set<String> tiers, CompiledOffer.Compiler compiler) {
        return tiers.stream().mapToInt(compiler::tierNumberOrNew).sorted().toArray();
    }

    private static String[] interned(Set<String> s) {
        return s.isEmpty() ? NO_STRINGS : s.stream().map(String::intern).sorted().toArray(String[]::new);
    }

    boolean limitsCards() {
        return issuers.length != 0 || binLows.length != 0 || tiers.length != 0 || segments.length != 0;
    }

    /** The merchant's country and city (city already upper case) are inside the offer's geography. */
    boolean locationAdmits(String country, String city) {
        return (countries.length == 0 || country != null && contains(countries, country))
                && (cities.length == 0 || city != null && contains(cities, city));
    }

    /** The issuer number (-1: none the catalog knows) is one of the offer's, or the offer names none. */
    boolean issuerAdmits(int issuer) {
        return issuers.length == 0 || issuer >= 0 && Arrays.binarySearch(issuers, issuer) >= 0;
    }

    /** The eight-digit BIN (-1: not recorded) is in one of the ranges, or the offer names none. */
    boolean binAdmits(int bin) {
        if (binLows.length == 0) {
            return true;
        }
        if (bin < 0) {
            return false;
        }
        // The last range starting at or below the BIN, and every earlier one (ranges may overlap): few per offer.
        int i = Arrays.binarySearch(binLows, bin);
        int last = i >= 0 ? lastEqual(i, bin) : -i - 2;
        for (int k = last; k >= 0; k--) {
            if (bin <= binHighs[k]) {
                return true;
            }
        }
        return false;
    }

    private int lastEqual(int i, int bin) {
        while (i + 1 < binLows.length && binLows[i + 1] == bin) {
            i++;
        }
        return i;
    }

    boolean tierAdmits(int tier) {
        return tiers.length == 0 || tier >= 0 && Arrays.binarySearch(tiers, tier) >= 0;
    }

    boolean earlyAdmits(long second, int nano, int tier) {
        return early && (second > earlySecond || second == earlySecond && nano >= earlyNano)
                && tier >= 0 && Arrays.binarySearch(earlyTiers, tier) >= 0;
    }

    /** The card is in one of the offer's segments, or the offer names none. */
    boolean segmentAdmits(CardState card) {
        if (segments.length == 0) {
            return true;
        }
        for (String s : segments) {
            if (card.inSegment(s)) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(String[] sorted, String s) {
        for (String x : sorted) {
            if (x.equals(s)) {
                return true;
            }
        }
        return false;
    }
}
